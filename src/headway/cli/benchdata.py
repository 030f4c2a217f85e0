"""``headway bench-data``: generate and load a deterministic large organization."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from headway.cli.common import CliError, err, out, parse_date, q, setup_django


class _Bar:
    """One rich task per table, with its rows per second."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: TaskID | None = None
        self.began = 0.0
        self.done = 0

    def start(self, table: str, total: int) -> None:
        self.task = self.progress.add_task(table, total=max(total, 1), rate="")
        self.began, self.done = time.perf_counter(), 0

    def advance(self, rows: int) -> None:
        assert self.task is not None
        self.done += rows
        elapsed = max(time.perf_counter() - self.began, 1e-9)
        self.progress.update(self.task, advance=rows, rate=f"{self.done / elapsed:,.0f} rows/s")

    def finish(self) -> None:
        assert self.task is not None
        task = next(t for t in self.progress.tasks if t.id == self.task)
        self.progress.update(self.task, completed=task.total)


def bench_data(
    people: Annotated[
        int, typer.Option(min=10, help="People; teams are a tenth, KPIs a quarter of it.")
    ] = 20_000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same options give the same rows.")
    ] = 8,
    org: Annotated[str, typer.Option("--org", metavar="SLUG", help="Organization slug.")] = "bench",
    replace: Annotated[
        bool, typer.Option("--replace", help="Delete that organization first if it exists.")
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Build as of this day (default: today)."),
    ] = None,
) -> None:
    """Generate a deterministic large organization for benchmarks (8 quarters, daily KPIs)."""
    day = parse_date(today, "today") if today is not None else None
    setup_django()
    from django.db import connection
    from django.utils import timezone
    from django.utils.text import slugify

    from headway.benchdata.generate import PASSWORD, Options
    from headway.benchdata.load import BenchExists, load

    if slugify(org) != org:
        raise CliError(f"org: {org!r} is not a slug")
    options = Options(slug=org, people=people, seed=seed, today=day or timezone.localdate())
    progress = Progress(
        TextColumn("{task.description:<20}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]:>16}"),
        TimeElapsedColumn(),
        console=err(),
    )
    began = time.perf_counter()
    try:
        with progress:
            timings = load(options, replace=replace, reporter=_Bar(progress))
    except BenchExists as exc:
        raise CliError(f"{exc}; use --replace to build it again") from None
    total = time.perf_counter() - began
    table = Table(title=f"bench-data {q(org)} on {connection.vendor}, {people:,} people")
    for name in ("table", "rows", "seconds", "rows/s"):
        table.add_column(name, justify="left" if name == "table" else "right")
    rows = 0
    for t in timings:
        rows += t.rows
        rate = f"{t.rate:,.0f}" if t.rows else ""
        table.add_row(t.table, f"{t.rows:,}" if t.rows else "", f"{t.seconds:.1f}", rate)
    table.add_row("total", f"{rows:,}", f"{total:.1f}", f"{rows / total:,.0f}")
    out().print(table)
    first = "p00001" if org == "bench" else f"{org}-p00001"
    out().print(f"Sign in as [bold]{q(first)}[/] (admin) with password [bold]{q(PASSWORD)}[/]")
