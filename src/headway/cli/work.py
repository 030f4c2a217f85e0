"""Day-to-day updates from the shell or a cron job: OKR check-ins and KPI values."""

from __future__ import annotations

from typing import Annotated

import typer

from headway.cli.common import (
    OrgOption,
    UserOption,
    number,
    out,
    parse_date,
    percent,
    q,
    resolve_actor,
)
from headway.errors import NotFound, ValidationFailed

# Lets a negative VALUE through ("-5" would otherwise be read as an option).
NUMBERS_AS_ARGUMENTS = {"ignore_unknown_options": True}


def checkin(
    kr_id: Annotated[int, typer.Argument(metavar="KR_ID", help="The key result's id.")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The key result's value now.")],
    confidence: Annotated[
        str,
        typer.Option(
            "--confidence", "-c", metavar="N", help="0-10: how sure you are to reach the target."
        ),
    ],
    note: Annotated[str, typer.Option(metavar="TEXT", help="What changed and why.")] = "",
    user: UserOption = None,
    org: OrgOption = None,
) -> None:
    """Record a check-in on a key result, as --user."""
    actor = resolve_actor(user, org)
    from headway.okrs.models import KeyResult
    from headway.okrs.services import record_checkin
    from headway.orgs.accessors import get_for

    kr = get_for(actor, KeyResult, kr_id, select=("objective",))
    before = kr.progress
    record_checkin(actor=actor, key_result=kr, value=value, confidence=confidence, note=note)
    kr.refresh_from_db()
    objective = kr.objective
    objective.refresh_from_db()
    console = out()
    console.print(f"Checked in on key result {kr.pk}: [bold]{q(kr.title)}[/]")
    console.print(
        f"  value {q(number(kr.current))}{(' ' + q(kr.unit)) if kr.unit else ''}, "
        f"confidence {kr.confidence}/10"
    )
    console.print(f"  key result progress [bold]{percent(kr.progress)}[/] (was {percent(before)})")
    console.print(f"  objective progress [bold]{percent(objective.progress)}[/]: {q(objective)}")


kpi_app = typer.Typer(help="KPIs: record values.", no_args_is_help=True)


@kpi_app.command("record", context_settings=NUMBERS_AS_ARGUMENTS)
def kpi_record(
    key: Annotated[str, typer.Argument(metavar="KPI_KEY", help="The KPI's key, e.g. nps.")],
    value: Annotated[str, typer.Argument(metavar="VALUE", help="The value for the period.")],
    period: Annotated[
        str | None,
        typer.Option(
            metavar="YYYY-MM-DD", help="A day in the period (default: today); replaces its value."
        ),
    ] = None,
    note: Annotated[
        str | None, typer.Option(metavar="TEXT", help="A note (default: keep the existing one).")
    ] = None,
    user: UserOption = None,
    org: OrgOption = None,
) -> None:
    """Record a KPI's value for a period; sending a period again replaces its value."""
    actor = resolve_actor(user, org)
    from django.utils import timezone

    from headway.core.periods import Cadence, period_start
    from headway.kpis.choices import MeasurementSource
    from headway.kpis.models import Kpi, Measurement
    from headway.kpis.services import upsert_measurements

    kpi = Kpi.objects.filter(organization_id=actor.organization_id, key=key).first()
    if kpi is None:
        raise NotFound("KPI", key)
    day = parse_date(period, "period") if period is not None else timezone.localdate()
    start = period_start(day, Cadence(kpi.cadence))
    previous = Measurement.objects.filter(kpi=kpi, period=start).first()
    if note is None:
        note = previous.note if previous is not None else ""
    try:
        result = upsert_measurements(
            actor=actor,
            kpi=kpi,
            rows=[{"period": day, "value": value, "note": note}],
            source=MeasurementSource.MANUAL,
        )
    except ValidationFailed as exc:
        # The service names fields by row (measurements[0].value); here there is one row.
        raise ValidationFailed(
            {field.removeprefix("measurements[0]."): msg for field, msg in exc.errors.items()}
        ) from None
    stored = Measurement.objects.get(kpi=kpi, period=start)
    unit = f" {kpi.unit}" if kpi.unit else ""
    if result.created:
        outcome = "created"
    elif result.replaced:
        outcome = f"replaced {number(previous.value) if previous else '—'}"
    else:
        outcome = "unchanged"
    out().print(
        f"{q(kpi.name)} ({q(kpi.key)}), {kpi.get_cadence_display().lower()} period from "
        f"{start.isoformat()}: [bold]{q(number(stored.value))}{q(unit)}[/] ({outcome})"
    )
