"""``headway kpi xmr``: a KPI's process behaviour (XmR) chart in the terminal, or as JSON.

The JSON is the API's (``GET /api/v1/kpis/{id}/xmr``), from the same serializer.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from headway.cli.common import (
    CliError,
    OrgOption,
    UserOption,
    out,
    pick_organization,
    q,
    resolve_actor,
)
from headway.cli.work import kpi_app
from headway.errors import NotFound

if TYPE_CHECKING:
    from headway.kpis.xmr import KpiXmr

FORMATS = ("text", "json")


@kpi_app.command("xmr")
def kpi_xmr(
    key: Annotated[str, typer.Argument(metavar="KPI_KEY", help="The KPI's key, e.g. nps.")],
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="text (default) or json.")
    ] = "text",
    org: OrgOption = None,
    user: UserOption = None,
) -> None:
    """Show a KPI's process behaviour (XmR) chart: limits, baseline, signals, every value.

    Reading needs no person: --org names the organization (optional when there is one);
    --user, when given, picks that person's organization instead.
    """
    if fmt not in FORMATS:
        raise CliError(f"format: must be one of {', '.join(FORMATS)}, not {fmt!r}")
    organization = resolve_actor(user, org).organization if user else pick_organization(org)
    from django.core.serializers.json import DjangoJSONEncoder

    from headway.kpis import xmr
    from headway.kpis.models import Kpi

    kpi = Kpi.objects.filter(organization=organization, key=key).first()
    if kpi is None:
        raise NotFound("KPI", key)
    result = xmr.load(kpi)
    if fmt == "json":
        # The API's encoder: dates as YYYY-MM-DD and times as ISO 8601, exactly as it answers.
        typer.echo(json.dumps(xmr.as_dict(result), cls=DjangoJSONEncoder, indent=2))
        return
    _print(result)


def _print(result: KpiXmr) -> None:
    from rich.table import Table

    from headway.core.xmr import Signal
    from headway.kpis.formatting import number, period_label, with_unit
    from headway.kpis.xmr import describe_baseline, limits_text, summary

    kpi, chart = result.kpi, result.chart
    console = out()
    console.print(
        f"[bold]{q(kpi.name)}[/] ({q(kpi.key)}), {q(kpi.get_direction_display().lower())}: "
        f"{len(chart)} value{'s' if len(chart) != 1 else ''}"
    )
    current = result.current
    if current is not None and current.segment.limits is not None:
        found = current.segment.limits
        limits = Table(show_header=False, box=None, pad_edge=False)
        limits.add_column(style="bold")
        limits.add_column(justify="right")
        for label, value in (
            ("Centre line", found.centre),
            ("Upper limit (UNPL)", found.unpl),
            ("Lower limit (LNPL)", found.lnpl),
            ("Upper halfway", found.upper_halfway),
            ("Lower halfway", found.lower_halfway),
            ("Average moving range", found.mr_bar),
            ("Upper range limit", found.url),
        ):
            limits.add_row(label, limits_text(value))
        console.print(limits)
    for part in result.segments:
        console.print(q(describe_baseline(result, part)))
    console.print(q(summary(result)))
    if not len(chart):
        return
    table = Table(title=None)
    table.add_column("Period")
    table.add_column("Value", justify="right")
    table.add_column("Moving range", justify="right")
    table.add_column("Rules")
    table.add_column("Signal")
    table.add_column("Segment", justify="right")
    for i, period in enumerate(result.periods):
        signal = chart.signal[i]
        table.add_row(
            q(period_label(period, kpi.cadence)),
            q(with_unit(chart.values[i], kpi.unit)),
            q(number(result.moving_range(i))),
            ", ".join(str(r) for r in chart.rules[i]),
            "" if signal is None else signal.value,
            str(chart.segment_of[i] + 1),
            style=None if signal is None else ("green" if signal is Signal.IMPROVEMENT else "red"),
        )
    console.print(table)
