"""Data sources, run for real: SQL against PostgreSQL and SQLite, JSON from a local HTTP server.

Time is stopped with time_machine; a run is judged by what it stored and by the status it left
on the source.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection

from headway.audit.models import AuditEvent
from headway.errors import ValidationFailed
from headway.kpis.models import DataSource, Kpi, Measurement
from headway.kpis.sources import json_url, runner, services
from headway.kpis.sources.base import SourceError
from tests.conftest import NOW
from tests.factories import World, make_kpi

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def kpi(world: World) -> Kpi:
    return make_kpi(world.org, "signups", name="Sign-ups", owner=world.mo, cadence="day")


def values(kpi: Kpi) -> dict[str, str]:
    return {
        m.period.isoformat(): f"{m.value.normalize():f}"
        for m in Measurement.objects.filter(kpi=kpi)
    }


def make_source(world: World, kpi: Kpi, **fields: Any) -> DataSource:
    fields.setdefault("name", "Pull")
    return services.create_source(actor=world.mo, kpi=kpi, **fields)


def run(source: DataSource) -> runner.RunResult:
    return runner.run_source(source, NOW)


# --- SQLite -----------------------------------------------------------------------------------


@pytest.fixture
def sqlite_db(tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE signups (day TEXT, n INTEGER)")
        db.executemany(
            "INSERT INTO signups VALUES (?, ?)",
            [("2026-11-13", 40), ("2026-11-14", 35), ("2026-11-15", 52)],
        )
    db.close()
    settings.HEADWAY_SQL_SOURCES = {"warehouse": f"sqlite:///{path}"}
    return path


def test_sqlite_rows_become_values_of_their_periods(
    world: World, kpi: Kpi, sqlite_db: Path
) -> None:
    source = make_source(
        world, kpi, kind="sql", connection="warehouse", query="SELECT day, n FROM signups"
    )
    result = run(source)

    assert result.ok, result.message
    assert result.message == "3 values: 3 new, 0 replaced, 0 unchanged"
    assert values(kpi) == {"2026-11-13": "40", "2026-11-14": "35", "2026-11-15": "52"}
    assert set(Measurement.objects.values_list("source", "recorded_by")) == {("query", world.mo.pk)}
    source.refresh_from_db()
    assert (source.last_status, source.last_run_at) == ("ok", NOW)
    assert source.next_run_at == NOW + dt.timedelta(minutes=60)
    # Run again: nothing new, and it says so.
    assert run(source).message == "3 values: 0 new, 0 replaced, 3 unchanged"


def test_a_single_value_is_the_current_periods(world: World, kpi: Kpi, sqlite_db: Path) -> None:
    source = make_source(
        world, kpi, kind="sql", connection="warehouse", query="SELECT sum(n) FROM signups"
    )
    assert run(source).ok
    assert values(kpi) == {NOW.date().isoformat(): "127"}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("DELETE FROM signups RETURNING day, n", "attempt to write a readonly database"),
        ("SELECT 1, 2; DELETE FROM signups", "You can only execute one statement at a time."),
        ("SELECT day, n, n FROM signups", "not 3 columns"),
        ("SELECT n FROM signups", "a query with one column must return one row"),
        ("SELECT a, b FROM nowhere", "no such table: nowhere"),
        ("SELECT day, 'many' FROM signups", "row 1: value must be a number, not 'many'"),
        ("SELECT 'someday', 1", "row 1: period must be a date (YYYY-MM-DD), not 'someday'"),
    ],
)
def test_sqlite_errors_become_the_sources_status(
    world: World, kpi: Kpi, sqlite_db: Path, query: str, message: str
) -> None:
    source = make_source(world, kpi, kind="sql", connection="warehouse", query=query)
    result = run(source)

    assert not result.ok
    assert message in result.message
    source.refresh_from_db()
    assert source.last_status == "error" and message in source.last_message
    assert values(kpi) == {}
    with sqlite3.connect(sqlite_db) as db:
        assert db.execute("SELECT count(*) FROM signups").fetchone() == (3,)


def test_a_missing_database_or_connection_is_an_error(
    world: World, kpi: Kpi, sqlite_db: Path, settings: Any
) -> None:
    source = make_source(world, kpi, kind="sql", connection="warehouse", query="SELECT 1")
    settings.HEADWAY_SQL_SOURCES = {"warehouse": f"sqlite:///{sqlite_db.parent / 'gone.db'}"}
    assert "unable to open database file" in run(source).message
    settings.HEADWAY_SQL_SOURCES = {}
    assert run(source).message == (
        "no SQL connection named 'warehouse' is configured (HEADWAY_SQL_SOURCES)"
    )


# --- PostgreSQL -------------------------------------------------------------------------------


@pytest.fixture
def pg_table(db: None, settings: Any) -> Iterator[str]:
    """A table in the test database, committed so that the source's own connection sees it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    import psycopg

    params = connection.settings_dict
    url = (
        f"postgresql://{quote(params['USER'] or '')}:{quote(params['PASSWORD'] or '')}"
        f"@{params['HOST'] or 'localhost'}:{params['PORT'] or 5432}/{params['NAME']}"
    )
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DROP TABLE IF EXISTS source_signups")
        admin.execute("CREATE TABLE source_signups (day date, n numeric, at timestamptz)")
        admin.execute(
            "INSERT INTO source_signups VALUES ('2026-11-13', 40, '2026-11-13T23:30:00Z'),"
            " ('2026-11-14', 35.5, '2026-11-14T08:00:00Z')"
        )
    settings.HEADWAY_SQL_SOURCES = {"crm": url}
    yield url
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("DROP TABLE source_signups")


@pytest.mark.postgres
def test_postgresql_rows_dates_and_moments(world: World, kpi: Kpi, pg_table: str) -> None:
    for name, query in [
        ("by day", "SELECT day, n FROM source_signups ORDER BY day"),
        ("by moment", "SELECT at, n + 1 FROM source_signups WHERE n::text LIKE '%.5%'"),
        ("total", "SELECT sum(n) FROM source_signups"),
    ]:
        source = make_source(world, kpi, name=name, kind="sql", connection="crm", query=query)
        result = run(source)
        assert result.ok, result.message

    assert values(kpi) == {"2026-11-13": "40", "2026-11-14": "36.5", "2026-11-16": "75.5"}


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("DELETE FROM source_signups RETURNING day, n", "read-only transaction"),
        ("SET TRANSACTION READ WRITE", "returned no rows"),
        ("SELECT 1; DELETE FROM source_signups", "cannot insert multiple commands"),
        (
            "SELECT set_config('transaction_read_only', 'off', true), 1",
            "transaction read-write mode must be set before any query",
        ),
        ("SELECT day FROM source_signups", "a query with one column must return one row"),
        ("SELECT * FROM missing", 'relation "missing" does not exist'),
    ],
)
def test_postgresql_sources_only_read(
    world: World, kpi: Kpi, pg_table: str, query: str, message: str
) -> None:
    import psycopg

    source = make_source(world, kpi, kind="sql", connection="crm", query=query)
    result = run(source)

    assert not result.ok
    assert message in result.message
    with psycopg.connect(pg_table) as check:
        assert check.execute("SELECT count(*) FROM source_signups").fetchone() == (2,)


@pytest.mark.postgres
def test_a_query_that_runs_too_long_is_cancelled(
    world: World, kpi: Kpi, pg_table: str, settings: Any
) -> None:
    settings.HEADWAY_SOURCE_TIMEOUT = 0.2
    source = make_source(world, kpi, kind="sql", connection="crm", query="SELECT pg_sleep(30), 1")
    result = run(source)
    assert not result.ok
    assert "canceling statement due to statement timeout" in result.message


# --- JSON over HTTP ---------------------------------------------------------------------------


class Server:
    """A real HTTP server on 127.0.0.1 answering fixed routes."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.release = threading.Event()
        routes, release = self.routes, self.release

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/slow":
                    release.wait(10)
                status, body = routes.get(self.path, (404, b'{"error": "not found"}'))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def json(self, path: str, document: Any, status: int = 200) -> str:
        self.routes[path] = (status, json.dumps(document).encode())
        return self.url + path


@pytest.fixture
def server(settings: Any) -> Iterator[Server]:
    settings.HEADWAY_SOURCE_HOSTS = ["127.0.0.1"]  # the test server is on loopback
    server = Server()
    server.thread.start()
    yield server
    server.release.set()
    server.httpd.shutdown()
    server.httpd.server_close()


SERIES = {
    "data": {
        "series": [
            {"day": "2026-11-14", "signups": 35},
            {"day": "2026-11-15", "signups": "52.5"},
        ],
        "pairs": [["2026-11-12", 7]],
        "total": 87.5,
    }
}


def test_json_series_and_single_values(world: World, kpi: Kpi, server: Server) -> None:
    url = server.json("/stats", SERIES)
    sources = [
        make_source(
            world,
            kpi,
            name="series",
            kind="json",
            url=url,
            path="data.series[*]",
            period_field="day",
            value_field="signups",
        ),
        make_source(world, kpi, name="pairs", kind="json", url=url, path="$.data.pairs"),
        make_source(world, kpi, name="total", kind="json", url=url, path="data.total"),
    ]
    results = [run(source) for source in sources]

    assert [r.message for r in results] == [
        "2 values: 2 new, 0 replaced, 0 unchanged",
        "1 value: 1 new, 0 replaced, 0 unchanged",
        "1 value: 1 new, 0 replaced, 0 unchanged",
    ]
    assert values(kpi) == {
        "2026-11-12": "7",
        "2026-11-14": "35",
        "2026-11-15": "52.5",
        "2026-11-16": "87.5",  # the day containing now
    }
    assert set(Measurement.objects.values_list("source", flat=True)) == {"url"}


@pytest.mark.parametrize(
    ("route", "document", "status", "path", "message"),
    [
        ("/stats", SERIES, 200, "data.rows[*]", "data has no key 'rows'"),
        ("/stats", SERIES, 200, "data.total[0]", "data.total is not a list"),
        ("/stats", SERIES, 200, "data.series[5]", "data.series has no item [5] (it has 2)"),
        ("/stats", SERIES, 200, "data", "the path leads to an object"),
        ("/stats", SERIES, 200, "data.series", "item 1 has no 'period'"),
        ("/bad", [{"period": "2026-11-01", "value": "x"}], 200, "", "row 1: value must be"),
        ("/null", [["2026-11-01", 1], [None, 2]], 200, "", "row 2: period must be a date"),
        ("/down", {"error": "maintenance"}, 503, "", "HTTP 503 Service Unavailable from http://"),
        ("/missing", None, 0, "", "HTTP 404 Not Found"),
    ],
)
def test_json_errors_become_the_sources_status(
    world: World,
    kpi: Kpi,
    server: Server,
    route: str,
    document: Any,
    status: int,
    path: str,
    message: str,
) -> None:
    url = server.json(route, document, status) if status else server.url + route
    source = make_source(world, kpi, kind="json", url=url, path=path)
    result = run(source)

    assert not result.ok
    assert message in result.message
    assert values(kpi) == {}


def test_an_answer_that_is_not_json_too_large_or_too_slow(
    world: World, kpi: Kpi, server: Server, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.routes["/text"] = (200, b"<html>hello</html>")
    server.routes["/large"] = (200, b"[" + b"1," * 600 + b"1]")
    monkeypatch.setattr(json_url, "MAX_BYTES", 1000)
    settings.HEADWAY_SOURCE_TIMEOUT = 0.2
    messages = [
        run(make_source(world, kpi, name=route, kind="json", url=server.url + route)).message
        for route in ("/text", "/large", "/slow")
    ]

    assert messages[0].startswith(f"the answer from {server.url}/text is not JSON")
    assert messages[1] == f"the answer from {server.url}/large is larger than 0 MB"
    assert messages[2] == f"no answer from {server.url}/slow within 0.2 s"


@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("", [SERIES]),
        ("$", [SERIES]),
        ("data.total", [87.5]),
        ("data.series[-1].day", ["2026-11-15"]),
        ("data.series[*].signups", [35, "52.5"]),
        ("data.pairs[0][1]", [7]),
    ],
)
def test_path_expressions(path: str, found: list[Any]) -> None:
    assert json_url.resolve(SERIES, json_url.parse_path(path))[0] == found


@pytest.mark.parametrize("path", ["data..total", "data.[0]", "items[x]", "a[1", ".a", "a."])
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match="is not a path like"):
        json_url.parse_path(path)
    # Refused before the URL is read: nothing answers on port 9, which would fail otherwise.
    with pytest.raises(SourceError, match="is not a path like"):
        json_url.fetch("http://127.0.0.1:9/never", path, "period", "value", timeout=1)


# --- the schedule -----------------------------------------------------------------------------


def test_run_due_runs_enabled_sources_whose_time_has_come(
    world: World, kpi: Kpi, server: Server
) -> None:
    url = server.json("/total", {"total": 5})
    hourly = make_source(world, kpi, name="hourly", kind="json", url=url, path="total")
    daily = make_source(
        world, kpi, name="daily", kind="json", url=url, path="total", every_minutes=24 * 60
    )
    off = make_source(world, kpi, name="off", kind="json", url=url, path="total", enabled=False)
    broken = make_source(world, kpi, name="broken", kind="json", url=server.url + "/gone")

    assert {s.name for s, _ in runner.run_due(NOW)} == {"hourly", "daily", "broken"}
    assert runner.run_due(NOW) == []  # nothing is due twice
    with time_machine.travel(NOW + dt.timedelta(minutes=61), tick=False):
        later = runner.run_due(NOW + dt.timedelta(minutes=61))
    assert {s.name for s, _ in later} == {"hourly", "broken"}

    for source in (hourly, daily, off, broken):
        source.refresh_from_db()
    assert hourly.next_run_at == NOW + dt.timedelta(minutes=121)
    assert daily.next_run_at == NOW + dt.timedelta(days=1)
    assert off.last_run_at is None and off.last_status == ""
    # A failing source does not stop the others, and keeps its schedule.
    assert broken.last_status == "error" and "HTTP 404" in broken.last_message
    assert broken.next_run_at == NOW + dt.timedelta(minutes=121)


def test_the_worker_pulls_due_sources_every_minute(world: World, kpi: Kpi, server: Server) -> None:
    from huey.contrib.djhuey import HUEY

    import headway.kpis.tasks  # noqa: F401  (the module the worker discovers)
    from headway.kpis.sources.tasks import pull_due_sources

    # Due at any minute, like the worker's scheduler asks.
    due = {task.name for task in HUEY.read_periodic(dt.datetime(2026, 11, 16, 9, 7))}
    assert any(name.endswith("pull_due_sources") for name in due), due
    source = make_source(world, kpi, kind="json", url=server.json("/n", {"n": 3}), path="n")
    pull_due_sources()  # jobs run inline in tests

    source.refresh_from_db()
    assert source.last_status == "ok"
    assert values(kpi) == {"2026-11-16": "3"}


# --- creating, changing, deleting -------------------------------------------------------------


def test_sources_are_validated_field_by_field(world: World, kpi: Kpi, settings: Any) -> None:
    settings.HEADWAY_SQL_SOURCES = {"crm": "postgresql://ro@db/crm", "dw": "sqlite:////x.db"}

    def errors(**fields: Any) -> dict[str, str]:
        with pytest.raises(ValidationFailed) as raised:
            services.create_source(actor=world.mo, kpi=kpi, **fields)
        return raised.value.errors

    assert errors(name="", kind="sql", connection="prod", query="", every_minutes=0) == {
        "name": "is required",
        "connection": "must be one of the configured connections: crm, dw",
        "query": "is required",
        "every_minutes": "must be at least 1 minute",
    }
    assert errors(name="x", kind="json", url="ftp://example.com/a.json", path="a..b") == {
        "url": "must be an http:// or https:// URL",
        "path": "'a..b' is not a path like data.series[*] or items[0].total "
        "(keys separated by dots, [n] or [*] for lists)",
    }
    assert errors(name="x", kind="csv") == {"kind": "must be one of sql, json"}
    assert errors(name="x", kind="json", url="https://example.com", enabled="yes") == {
        "enabled": "must be true or false"
    }
    make_source(world, kpi, name="x", kind="sql", connection="crm", query="SELECT 1")
    assert errors(name="x", kind="sql", connection="dw", query="SELECT 1") == {
        "name": "this KPI already has a data source named 'x'"
    }
    settings.HEADWAY_SQL_SOURCES = {}
    assert errors(name="y", kind="sql", connection="crm", query="SELECT 1")["connection"] == (
        "no SQL connections are configured; an administrator sets HEADWAY_SQL_SOURCES"
    )


def test_only_editors_manage_and_run_sources_and_it_is_audited(world: World, kpi: Kpi) -> None:
    with pytest.raises(PermissionDenied):
        services.create_source(
            actor=world.vic, kpi=kpi, name="x", kind="json", url="https://example.com"
        )
    source = make_source(world, kpi, kind="json", url="https://example.com/a", path="a")
    assert source.next_run_at == NOW and source.created_by == world.mo

    source = services.update_source(
        actor=world.alice, source=source, every_minutes="15", path="b[*]"
    )
    assert (source.every_minutes, source.path) == (15, "b[*]")
    with pytest.raises(PermissionDenied):
        services.run_now(actor=world.vic, source=source)
    with pytest.raises(PermissionDenied):
        services.delete_source(actor=world.vic, source=source)  # a viewer changes nothing
    services.delete_source(actor=world.mo, source=source)

    assert not DataSource.objects.exists()
    actions = list(AuditEvent.objects.filter(object_type="kpis.datasource").order_by("id"))
    assert [e.action for e in actions] == ["source.create", "source.update", "source.delete"]
    assert actions[1].before["every_minutes"] == 60  # type: ignore[index]
    assert actions[1].after["every_minutes"] == 15  # type: ignore[index]


def test_an_edit_keeps_the_outcome_of_a_run_that_ended_since_the_source_was_read(
    world: World, kpi: Kpi, server: Server
) -> None:
    source = make_source(world, kpi, kind="json", url=server.json("/n", {"n": 3}), path="n")
    read_before_the_run = DataSource.objects.get(pk=source.pk)
    assert run(source).ok

    services.update_source(actor=world.mo, source=read_before_the_run, every_minutes=15)

    source.refresh_from_db()
    assert (source.every_minutes, source.next_run_at) == (15, NOW)
    assert (source.last_status, source.last_run_at, source.last_message) == (
        "ok",
        NOW,
        "1 value: 1 new, 0 replaced, 0 unchanged",
    )
