"""PostgreSQL connections bind parameters on the server and prepare repeated statements."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

SRC = Path(__file__).resolve().parents[1] / "src"
POSTGRES = "postgres://postgres@127.0.0.1:5432/test"


def _options(tmp_path: Path, **env: str) -> dict[str, object]:
    """The database options the settings make for ``env`` (a fresh interpreter each time)."""
    environ = {**os.environ, "HEADWAY_DATA_DIR": str(tmp_path), **env}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), environ.get("PYTHONPATH")]))
    for name in ("DATABASE_URL", "HEADWAY_DB_PREPARE"):
        if name not in env:
            environ.pop(name, None)
    probe = (
        "import json, headway.settings as s;"
        " print(json.dumps(s.DATABASES['default'].get('OPTIONS', {})))"
    )
    result = subprocess.run(  # noqa: S603 - the probe is this file's own
        [sys.executable, "-c", probe], env=environ, capture_output=True, text=True, check=True
    )
    return dict(json.loads(result.stdout))


def test_postgresql_prepares_statements_unless_switched_off(tmp_path: Path) -> None:
    on = _options(tmp_path, DATABASE_URL=POSTGRES)
    assert on["server_side_binding"] is True and on["prepare_threshold"] == 5
    off = _options(tmp_path, DATABASE_URL=POSTGRES, HEADWAY_DB_PREPARE="0")
    assert "server_side_binding" not in off and "prepare_threshold" not in off
    # SQLite has neither.
    sqlite = _options(tmp_path)
    assert "server_side_binding" not in sqlite and "transaction_mode" in sqlite


@pytest.mark.django_db
def test_a_repeated_statement_is_prepared_on_postgresql(world) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    from headway.orgs.models import Team

    assert connection.features.uses_server_side_binding
    # A statement of its own (no page reads a team's description by slug), so the count below is
    # this loop's: none before it, one after six runs.
    shape = '%SELECT "orgs_team"."description" AS "description" FROM "orgs_team"%'

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [shape]
            )
            return int(cursor.fetchone()[0])

    assert prepared() == 0
    for _ in range(6):
        list(Team.objects.filter(organization=world.org, slug="growth").values_list("description"))
    assert prepared() == 1
