"""Loading the generated organization: COPY on PostgreSQL, large executemany on SQLite.

Ids of the referenced tables are allocated by the generator from the first free value (the
tables are locked on PostgreSQL while loading, and their sequences moved past the new rows
after); the other tables take their ids from the database. One transaction: a failure leaves
nothing behind. Nothing the application relies on is switched off: constraints, foreign keys
and indexes stay, and PostgreSQL gets an ANALYZE of the loaded tables at the end.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import connection, models, transaction

from headway.benchdata.generate import ALLOCATED, PASSWORD, Generator, Options, Row, Table

BATCH = 10_000


class BenchExists(Exception):
    """The organization is already there (pass ``replace=True`` to build it again)."""


class Reporter(Protocol):
    def start(self, table: str, total: int) -> None: ...
    def advance(self, rows: int) -> None: ...
    def finish(self) -> None: ...


class _Quiet:
    def start(self, table: str, total: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True)
class Timing:
    table: str  # the model label, or "plan" / "analyze" / "delete"
    rows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _check_columns(table: Table) -> None:
    """The rows must fill every column but (for database-numbered tables) the id."""
    fields = {f.attname for f in _model(table.name)._meta.concrete_fields}
    given = set(table.columns)
    missing = fields - given - {"id"}
    unknown = given - fields
    if missing or unknown or len(given) != len(table.columns):
        raise ValueError(f"{table.name}: columns missing {missing}, unknown {unknown}")


def _first_free_ids() -> dict[str, int]:
    ids = {}
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for label in ALLOCATED:
            table = _model(label)._meta.db_table
            quoted = connection.ops.quote_name(table)
            if postgres:
                # Nobody else writes these tables until the load commits.
                cursor.execute(f"LOCK TABLE {quoted} IN SHARE ROW EXCLUSIVE MODE")
                cursor.execute(f"SELECT pg_get_serial_sequence('{table}', 'id')")
                sequence = cursor.fetchone()[0]
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608
                last, called = cursor.fetchone()
                used = last if called else last - 1
            else:
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                found = cursor.fetchone()
                used = found[0] if found else 0
            cursor.execute(f"SELECT MAX(id) FROM {quoted}")  # noqa: S608
            ids[label] = max(used, cursor.fetchone()[0] or 0) + 1
    return ids


def _batches(rows: Iterator[Row], size: int = BATCH) -> Iterator[list[Row]]:
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _copy(table: Table, reporter: Reporter) -> int:
    model = _model(table.name)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in table.columns)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    count = 0
    with connection.cursor() as cursor:
        raw: Any = cursor.cursor  # psycopg 3
        with raw.copy(sql) as copy:
            for batch in _batches(table.rows()):
                for row in batch:
                    copy.write_row(row)
                count += len(batch)
                reporter.advance(len(batch))
    return count


def _insert(table: Table, reporter: Reporter) -> int:
    model = _model(table.name)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in table.columns)
    marks = ", ".join("?" for _ in table.columns)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    raw: Any = connection.connection  # sqlite3, inside Django's transaction
    count = 0
    for batch in _batches(table.rows()):
        raw.executemany(sql, batch)
        count += len(batch)
        reporter.advance(len(batch))
    return count


def drop_organization(slug: str, options: Options) -> None:
    """Delete the organization and the bench users that belonged to it only."""
    from headway.kpis.models import HealthChange, Measurement
    from headway.okrs.models import CheckIn
    from headway.orgs.models import Organization, User
    from headway.orgs.services import delete_organization

    org = Organization.objects.get(slug=slug)
    # The big tables first, by organization, in one statement each.
    for model in (Measurement, CheckIn, HealthChange):
        model.objects.filter(organization=org)._raw_delete(model.objects.db)
    delete_organization(org)
    prefix = options.username_prefix
    User.objects.filter(
        username__regex=rf"^{prefix}p[0-9]{{5}}$", memberships__isnull=True
    ).delete()


def _usernames_taken(generator: Generator, people: int) -> list[str]:
    from headway.orgs.models import User

    names = [generator.username(j) for j in range(people)]
    taken: list[str] = []
    for start in range(0, len(names), 5000):
        chunk = names[start : start + 5000]
        taken.extend(User.objects.filter(username__in=chunk).values_list("username", flat=True))
    return sorted(taken)


def load(
    options: Options, *, replace: bool = False, reporter: Reporter | None = None
) -> list[Timing]:
    """Generate and load the organization; the timings of each step, in order."""
    from headway.orgs.models import Organization

    reporter = reporter or _Quiet()
    timings: list[Timing] = []
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if Organization.objects.filter(slug=options.slug).exists():
            if not replace:
                raise BenchExists(f"the organization {options.slug!r} already exists")
            began = time.perf_counter()
            drop_organization(options.slug, options)
            timings.append(Timing("delete", 0, time.perf_counter() - began))
        began = time.perf_counter()
        ids = _first_free_ids()
        # One hash for everyone, salted from the seed so that the rows repeat exactly.
        digest = make_password(PASSWORD, salt=f"bench{options.seed}")
        generator = Generator(options, ids, digest)
        taken = _usernames_taken(generator, options.people)
        if taken:
            raise BenchExists(f"usernames already taken, e.g. {taken[0]!r}")
        tables = generator.tables()
        for table in tables:
            _check_columns(table)
        timings.append(Timing("plan", 0, time.perf_counter() - began))
        if not postgres:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size")
                cache = cursor.fetchone()[0]
                cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB while loading
        try:
            for table in tables:
                reporter.start(table.name, table.count)
                began = time.perf_counter()
                count = _copy(table, reporter) if postgres else _insert(table, reporter)
                reporter.finish()
                if count != table.count:
                    raise AssertionError(f"{table.name}: {count} rows, planned {table.count}")
                timings.append(Timing(table.name, count, time.perf_counter() - began))
        finally:
            if not postgres:
                with connection.cursor() as cursor:
                    cursor.execute(f"PRAGMA cache_size = {int(cache)}")
        if postgres:
            # Django's foreign keys are checked at commit (deferred): check them now, timed.
            began = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            timings.append(Timing("foreign keys", 0, time.perf_counter() - began))
            began = time.perf_counter()
            _after_postgres(tables)
            timings.append(Timing("analyze", 0, time.perf_counter() - began))
        began = time.perf_counter()
    if not connection.in_atomic_block:
        timings.append(Timing("commit", 0, time.perf_counter() - began))
    return timings


def _after_postgres(tables: Iterable[Table]) -> None:
    with connection.cursor() as cursor:
        for label in ALLOCATED:
            table = _model(label)._meta.db_table
            quoted = connection.ops.quote_name(table)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"GREATEST((SELECT MAX(id) FROM {quoted}), 1))"
            )
        for t in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(_model(t.name)._meta.db_table)}")
