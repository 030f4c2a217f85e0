"""``headway kpi import`` (CSV files of values or raw events) and ``headway kpi pull`` (sources)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from headway.cli.common import (
    CliError,
    OrgOption,
    UserOption,
    fail,
    out,
    q,
    resolve_actor,
    setup_django,
)
from headway.cli.work import kpi_app

if TYPE_CHECKING:
    from headway.kpis.importing import ImportReport
    from headway.kpis.models import DataSource
    from headway.kpis.sources.runner import RunResult


def count_lines(path: Path) -> int:
    """Lines in a file, counted in binary: about a second per gigabyte, for the progress total."""
    lines, last = 0, b"\n"
    with path.open("rb") as raw:
        while chunk := raw.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


@kpi_app.command("import")
def kpi_import(
    file: Annotated[
        str, typer.Argument(metavar="FILE", help="A CSV file with a header row; - reads stdin.")
    ],
    kpi: Annotated[
        str | None,
        typer.Option(
            "--kpi", metavar="KEY", help="The one KPI the file is about (it has no kpi column)."
        ),
    ] = None,
    events: Annotated[
        bool,
        typer.Option(
            "--events", help="Rows are raw events (kpi,at,value), aggregated into periods."
        ),
    ] = False,
    keep_valid: Annotated[
        bool,
        typer.Option(
            "--keep-valid", help="Import the good rows even when some are bad (default: none)."
        ),
    ] = False,
    user: UserOption = None,
    org: OrgOption = None,
) -> None:
    """Import KPI values (kpi,period,value[,note]) or raw events from a CSV file.

    Every bad line is listed with its number (the header is line 1) and the reason.

    With any bad line nothing is imported, unless --keep-valid.
    """
    actor = resolve_actor(user, org)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from headway.kpis.importing import import_csv
    from headway.kpis.models import Kpi

    chosen = None
    if kpi is not None:
        chosen = Kpi.objects.filter(organization_id=actor.organization_id, key=kpi).first()
        if chosen is None:
            raise CliError(f"kpi: no KPI with key {kpi!r} in this organization")
    path = None if file == "-" else Path(file)
    if path is not None and not path.is_file():
        raise CliError(f"file: no such file {file!r}")
    total = max(count_lines(path) - 1, 0) if path is not None else None
    name = "stdin" if path is None else path.name
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
    )
    opened = (
        path.open(encoding="utf-8-sig", newline="") if path is not None else nullcontext(sys.stdin)
    )
    with opened as handle, Progress(*columns, console=out()) as progress:
        task = progress.add_task(f"Importing {q(name)}", total=total)

        def advance(rows: int) -> None:
            # A quoted value may span lines, so the count can fall short of the rows.
            progress.update(task, completed=rows, total=max(total or 0, rows))

        report = import_csv(
            actor=actor,
            lines=handle,
            kpi=chosen,
            events=events,
            keep_valid=keep_valid,
            progress=advance,
        )
    _summary(report, name, events)


def _summary(report: ImportReport, name: str, events: bool) -> None:
    console = out()
    for line in report.bad:
        console.print(q(str(line)))
    if report.more_bad:
        console.print(f"… and {report.more_bad:,} more bad lines")
    bad = f"{report.bad_count:,} bad line{'s' if report.bad_count != 1 else ''}"
    if not report.written:
        if report.error:
            raise fail(f"{name}: {report.error}; nothing was imported")
        if not report.bad_count:
            raise fail(f"{name} has no rows to import")
        hint = ""
        if report.valid and not report.fatal:
            hint = f"; --keep-valid imports the {report.valid:,} valid rows"
        raise fail(f"{bad} in {name}: nothing was imported{hint}")
    values = report.values
    count = report.events if events else report.valid
    noun = ("event" if events else "row") + ("s" if count != 1 else "")
    what = f"{count:,} {noun}" + (" into periods" if events else "")
    console.print(
        f"Imported {what} from {q(name)}: [bold]{values.created:,} new[/], "
        f"{values.replaced:,} replaced, {values.unchanged:,} unchanged"
        + (f"; skipped {bad}" if report.bad_count else "")
        + "."
    )


@kpi_app.command("pull")
def kpi_pull(
    source_id: Annotated[
        int | None, typer.Argument(metavar="SOURCE_ID", help="Run this data source now.")
    ] = None,
    due: Annotated[
        bool, typer.Option("--due", help="Run every source that is due (what the worker does).")
    ] = False,
    user: UserOption = None,
    org: OrgOption = None,
) -> None:
    """Pull KPI values from data sources (SQL queries, JSON URLs) now.

    Exits with 1 when a source fails; its message is kept on the KPI's page too.
    """
    if (source_id is None) == (not due):
        raise CliError("give a SOURCE_ID, or --due for every source that is due")
    setup_django()
    from django.utils import timezone

    from headway.kpis.sources import runner, services

    if source_id is not None:
        actor = resolve_actor(user, org)
        from headway.kpis.models import DataSource
        from headway.orgs.accessors import get_for

        source = get_for(actor, DataSource, source_id, select=("kpi",))
        results = [(source, services.run_now(actor=actor, source=source))]
    else:
        results = runner.run_due(timezone.now())
        if not results:
            out().print("No data source is due.")
    for source, result in results:
        _print_run(source, result)
    failed = sum(not result.ok for _, result in results)
    if failed:
        raise fail(f"{failed} of {len(results)} data sources failed")


def _print_run(source: DataSource, result: RunResult) -> None:
    mark = "[green]ok[/]" if result.ok else "[red]error[/]"
    out().print(
        f"{mark} source {source.pk} {q(source.name)} (KPI {q(source.kpi.key)}): {q(result.message)}"
    )
