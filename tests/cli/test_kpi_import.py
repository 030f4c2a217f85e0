"""``headway kpi import`` and ``headway kpi pull``, run in-process with typer's CliRunner."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from headway.cli.kpi_import import count_lines
from headway.cli.main import app
from headway.kpis.models import DataSource, Kpi, Measurement, RawEvent
from headway.kpis.sources import services as sources
from tests.factories import World, make_kpi


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("HEADWAY_USER", raising=False)
    monkeypatch.delenv("HEADWAY_ORG", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return invoke


def error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def kpis(world: World) -> list[Kpi]:
    return [
        make_kpi(world.org, f"metric-{i}", owner=world.mo, cadence="day", aggregation="sum")
        for i in range(10)
    ]


def test_a_100k_row_file_imports_with_a_progress_bar(
    run: Any, kpis: list[Kpi], tmp_path: Path
) -> None:
    path = tmp_path / "values.csv"
    start = dt.date(1990, 1, 1)
    with path.open("w") as file:
        file.write("kpi,period,value,note\n")
        for i in range(100_000):
            day = start + dt.timedelta(days=i // 10)
            file.write(f"metric-{i % 10},{day.isoformat()},{i * 0.25},\n")

    result = run("kpi", "import", str(path), "--user", "mo")

    assert result.exit_code == 0, result.output
    assert Measurement.objects.count() == 100_000
    assert Measurement.objects.get(kpi=kpis[3], period=start).value == 3 * 0.25
    # Not a terminal: rich draws the bar once, finished, instead of animating it.
    bar = next(line for line in result.stdout.splitlines() if line.startswith("Importing"))
    assert "values.csv" in bar and "━" in bar and "100000/100000 rows" in bar
    assert "Imported 100,000 rows from values.csv: 100,000 new, 0 replaced, 0 unchanged." in (
        result.stdout
    )


BAD = (
    "kpi,period,value\n"
    "metric-0,2026-10-01,1\n"
    "metric-0,2026-10-02,2\n"
    "metric-0,2026-10-03,3\n"
    "ghost,2026-10-04,4\n"
    "metric-0,2026-10-05,5\n"
    "metric-0,2026-10-06,abc\n"  # line 7
    "metric-0,2026-10-07,7\n"
)


def test_bad_lines_are_listed_and_nothing_is_written(
    run: Any, kpis: list[Kpi], tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD)

    result = run("kpi", "import", str(path), "--user", "mo")

    assert "line 5: no KPI with key 'ghost' in this organization" in result.stdout
    assert "line 7: value 'abc' is not a number" in result.stdout
    assert error_line(result) == (
        "error: 2 bad lines in bad.csv: nothing was imported; --keep-valid imports the 5 valid rows"
    )
    assert Measurement.objects.count() == 0


def test_keep_valid_writes_only_the_valid_rows(run: Any, kpis: list[Kpi], tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD)

    result = run("kpi", "import", str(path), "--keep-valid", "--user", "mo")

    assert result.exit_code == 0, result.output
    assert "line 7: value 'abc' is not a number" in result.stdout
    assert "Imported 5 rows from bad.csv: 5 new, 0 replaced, 0 unchanged; skipped 2 bad lines." in (
        result.stdout
    )
    assert sorted(Measurement.objects.values_list("period__day", flat=True)) == [1, 2, 3, 5, 7]


def test_one_kpi_and_events(run: Any, kpis: list[Kpi], tmp_path: Path) -> None:
    values = tmp_path / "one.csv"
    values.write_text("period,value\n2026-10-01,5\n")
    events = tmp_path / "events.csv"
    events.write_text("at,value\n2026-10-02T09:00:00Z,2\n2026-10-02T10:00:00Z,3\n")

    first = run("kpi", "import", str(values), "--kpi", "metric-1", "--user", "mo")
    second = run("kpi", "import", str(events), "--kpi", "metric-1", "--events", "--user", "mo")

    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert "Imported 2 events into periods from events.csv: 1 new" in second.stdout
    assert RawEvent.objects.count() == 2
    assert dict(Measurement.objects.values_list("period__day", "value")) == {1: 5, 2: 5}


def test_stdin_is_read_with_a_dash_byte_order_mark_and_all(run: Any, kpis: list[Kpi]) -> None:
    result = run(
        "kpi",
        "import",
        "-",
        "--user",
        "mo",
        input="\ufeffkpi,period,value\nmetric-2,2026-10-01,9\n",
    )
    assert result.exit_code == 0, result.output
    assert Measurement.objects.get().value == 9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv"], "error: file: no such file 'missing.csv'"),
        (["{file}", "--kpi", "nope"], "error: kpi: no KPI with key 'nope' in this organization"),
        (["{empty}"], "error: 1 bad line in empty.csv: nothing was imported"),
        (["{header}"], "error: header.csv has no rows to import"),
    ],
)
def test_bad_input_is_one_error_line(
    run: Any, kpis: list[Kpi], tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "good.csv").write_text("period,value\n2026-10-01,1\n")
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "header.csv").write_text("kpi,period,value\n")
    names = {"file": "good.csv", "empty": "empty.csv", "header": "header.csv"}
    args = [str(tmp_path / a.format(**names)) if a.startswith("{") else a for a in args]
    result = run("kpi", "import", *args, "--user", "mo")
    assert error_line(result) == message
    assert Measurement.objects.count() == 0


def test_a_viewer_imports_nothing(run: Any, kpis: list[Kpi], tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("kpi,period,value\nmetric-0,2026-10-01,1\n")
    result = run("kpi", "import", str(path), "--user", "vic")
    assert "line 2: you may not record values for KPI 'metric-0'" in result.stdout
    assert error_line(result).startswith("error: 1 bad line in v.csv")
    assert run("kpi", "import", str(path), "--kpi", "metric-0", "--user", "vic").exit_code == 1


def test_line_count_for_the_progress_total(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(b"a\nb\nc")
    assert count_lines(path) == 3
    path.write_bytes(b"a\nb\n")
    assert count_lines(path) == 2
    path.write_bytes(b"")
    assert count_lines(path) == 0


# --- pull -------------------------------------------------------------------------------------


@pytest.fixture
def feed(settings: Any) -> Iterator[str]:
    """A JSON endpoint on 127.0.0.1: /total answers 42, anything else 500."""
    settings.HEADWAY_SOURCE_HOSTS = ["127.0.0.1"]  # the feed is on loopback, refused by default

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.path == "/total"
            self.send_response(200 if ok else 500)
            self.end_headers()
            self.wfile.write(json.dumps({"total": 42}).encode() if ok else b"oops")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_pull_runs_one_source_or_the_due_ones(
    run: Any, world: World, kpis: list[Kpi], feed: str
) -> None:
    good = sources.create_source(
        actor=world.mo, kpi=kpis[0], name="Feed", kind="json", url=f"{feed}/total", path="total"
    )
    one = run("kpi", "pull", str(good.pk), "--user", "mo")
    assert one.exit_code == 0, one.output
    assert f"ok source {good.pk} Feed (KPI metric-0): 1 value: 1 new" in one.stdout
    assert Measurement.objects.get().value == 42

    sources.create_source(
        actor=world.mo, kpi=kpis[1], name="Broken", kind="json", url=f"{feed}/gone"
    )
    due = run("kpi", "pull", "--due")
    assert "error source" in due.stdout and "HTTP 500" in due.stdout
    assert error_line(due) == "error: 1 of 1 data sources failed"  # Feed ran a moment ago
    assert DataSource.objects.get(name="Broken").last_status == "error"
    assert run("kpi", "pull", "--due").stdout.strip() == "No data source is due."


def test_pull_needs_a_source_or_due(run: Any, world: World, kpis: list[Kpi]) -> None:
    assert error_line(run("kpi", "pull")) == (
        "error: give a SOURCE_ID, or --due for every source that is due"
    )
    assert error_line(run("kpi", "pull", "77", "--user", "mo")) == (
        "error: data source 77 not found"
    )
