"""Migrations run backward as well as forward, on an empty and on a populated database.

Each test migrates a database of its own (``dedicated_db``: a SQLite file, or a PostgreSQL
database beside the test database), never the test database other tests share.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from pytest_django import DjangoDbBlocker

from tests.trust.dedicated_db import Place, alias_for, place, run_vendor
from tests.trust.second_org import second_organization

HEADWAY_APPS = ("orgs", "okrs", "kpis", "strategy", "audit")
# Steps back that are refused on a populated database, and why (the error names the table).
REFUSED_WITH_ROWS = {"audit": "audit.0002_initial cannot be undone while audit.auditevent has rows"}


def migrate(alias: str, *target: str) -> None:
    call_command("migrate", *target, database=alias, interactive=False, verbosity=0)


def tables(alias: str) -> set[str]:
    with connections[alias].cursor() as cursor:
        return set(connections[alias].introspection.table_names(cursor))


def row_counts(alias: str) -> dict[str, int]:
    connection = connections[alias]
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(tables(alias)):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def model_tables() -> set[str]:
    return {
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }


def unapplied(alias: str) -> list[tuple[str, str]]:
    executor = MigrationExecutor(connections[alias])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [(m.app_label, m.name) for m, _ in plan]


@pytest.fixture
def empty_db(tmp_path: Path, django_db_blocker: DjangoDbBlocker) -> Iterator[Place]:
    with django_db_blocker.unblock(), place(tmp_path, "mig", run_vendor()) as db:
        yield db


def test_models_match_the_migrations(db: None) -> None:
    """No model change lacks its migration (also checked by CI's makemigrations --check)."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_every_app_migrates_to_zero_and_forward_again(empty_db: Place) -> None:
    with alias_for(empty_db) as alias:
        migrate(alias)
        migrated = tables(alias)
        assert model_tables() <= migrated
        assert not unapplied(alias)
        labels = sorted(MigrationLoader(connections[alias]).migrated_apps)
        assert set(HEADWAY_APPS) <= set(labels)

        for label in labels:  # each unapplies its dependents too
            migrate(alias, label, "zero")

        assert tables(alias) == {"django_migrations"}
        assert not MigrationRecorder(connections[alias]).applied_migrations()
        migrate(alias)
        assert tables(alias) == migrated
        assert not unapplied(alias)


def latest_and_previous(alias: str, label: str) -> tuple[str, str]:
    """The latest migration of ``label`` and the one before it ("zero" if there is none)."""
    graph = MigrationLoader(connections[alias]).graph
    (leaf,) = [node for node in graph.leaf_nodes() if node[0] == label]
    before = [parent for parent in graph.node_map[leaf].parents if parent.key[0] == label]
    return leaf[1], before[0].key[1] if before else "zero"


@pytest.mark.slow
@pytest.mark.postgres
def test_the_demo_database_steps_back_one_migration_per_app_and_forward_again(
    empty_db: Place,
) -> None:
    if connection.vendor != "postgresql":
        # 40 s a run: CI takes it once, on the production database; the migrations to zero and
        # back above run on both.
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    with alias_for(empty_db) as alias:
        migrate(alias)
        connections[alias].close()
        demo = empty_db.headway("demo", "--today", "2026-11-22")
        assert demo.returncode == 0, demo.stderr.decode()
        second = empty_db.data_dir / "second.json"
        second.write_text(json.dumps(second_organization()))
        imported = empty_db.headway("import", str(second))
        assert imported.returncode == 0, imported.stderr.decode()
        original = row_counts(alias)
        assert original["okrs_checkin"] > 500 and original["kpis_measurement"] > 1000
        assert original["audit_auditevent"] and original["strategy_xmatrix"]
        strategy_tables = sorted(t for t, n in original.items() if t.startswith("strategy_") and n)

        lost: dict[str, list[str]] = {}
        for label in HEADWAY_APPS:
            latest, step_back = latest_and_previous(alias, label)
            if label in REFUSED_WITH_ROWS:
                with pytest.raises(IrreversibleError, match=REFUSED_WITH_ROWS[label]):
                    migrate(alias, label, step_back)
                assert not unapplied(alias) and row_counts(alias) == original
                continue
            migrate(alias, label, step_back)
            assert (label, latest) in unapplied(alias)
            # A table the step back drops loses its rows (it did not exist before); every other
            # table keeps all of them through the step back and the step forward again.
            gone = set(original) - tables(alias)
            lost[label] = sorted(t for t in gone if original[t])
            migrate(alias)
            assert not unapplied(alias)
            counts = row_counts(alias)
            assert set(counts) == set(original)
            assert {t: n for t, n in counts.items() if t not in gone} == {
                t: n for t, n in original.items() if t not in gone
            }, label
            original = counts

        # Only stepping strategy back (its one migration, to zero) drops tables with rows; the
        # latest steps of orgs, okrs and kpis change columns and indexes and keep every row.
        assert lost == {
            "orgs": [],
            "okrs": [],
            "kpis": [],
            "strategy": strategy_tables,
        }
        assert "strategy_xmatrix" in lost["strategy"]

        # Further back, the initial migrations that link rows to their organization refuse
        # while there are rows, instead of leaving a database that cannot migrate forward.
        # (kpis first undoes okrs.0002_initial, whose key results point at KPIs.)
        for label in ("okrs", "kpis"):
            with pytest.raises(IrreversibleError, match=r"okrs.0002_initial .* okrs.cycle has"):
                migrate(alias, label, "0001_initial")
            migrate(alias)
            assert not unapplied(alias)
            counts = row_counts(alias)
            assert {t: n for t, n in counts.items() if not t.startswith("strategy_")} == {
                t: n for t, n in original.items() if not t.startswith("strategy_")
            }
