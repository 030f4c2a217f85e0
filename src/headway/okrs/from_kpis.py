"""Key results that come from KPIs: "one or several KPIs will become Key Results when the team
decides to focus on improving a particular trend".

A key result made from a KPI takes the KPI's latest value as its baseline and then follows it:
every value the KPI gets is a check-in of the key result, written in the same transaction as the
value, so the objective and the team roll-ups move with the KPI and nobody retypes a number.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from headway import core
from headway.core.periods import Cadence
from headway.errors import Problems, ValidationFailed, to_confidence, to_value
from headway.kpis.choices import KpiDirection
from headway.kpis.formatting import period_label, with_unit
from headway.kpis.models import Kpi, Measurement
from headway.kpis.proposals import improves
from headway.okrs.choices import CycleState
from headway.okrs.models import CheckIn, KeyResult, Objective
from headway.okrs.services import (
    _clean_objective,
    create_key_result,
    create_objective,
    store_checkin,
)
from headway.orgs.models import Membership

# Units that make a key result about money rather than a plain number.
CURRENCY_UNITS = frozenset({"$", "€", "£", "¥", "USD", "EUR", "GBP", "CHF", "JPY"})
# Key results follow their KPI while their cycle is being planned or run; at grading the value is
# what gets scored, so it stops moving.
FOLLOWING_STATES = (CycleState.PLANNING, CycleState.ACTIVE)
DEFAULT_CONFIDENCE = 5


def latest_measurement(kpi_id: int) -> Measurement | None:
    """The KPI's value of its latest period (with its KPI, which a check-in's note names)."""
    return (
        Measurement.objects.filter(kpi_id=kpi_id).select_related("kpi").order_by("-period").first()
    )


def kind_for(kpi: Kpi) -> core.KRKind:
    unit = kpi.unit.strip()
    if unit == "%":
        return core.KRKind.PERCENTAGE
    if unit.upper() in CURRENCY_UNITS:
        return core.KRKind.CURRENCY
    return core.KRKind.METRIC


def default_title(kpi: Kpi, start: Decimal, target: Decimal) -> str:
    """ "Raise NPS from 32 to 50": the verb says which way the KPI should move."""
    verb = "Raise" if target > start else "Lower"
    return (
        f"{verb} {kpi.name} from {with_unit(start, kpi.unit)} to {with_unit(target, kpi.unit)}"
    )[:200]


def _clean(
    kpi: Kpi, target: Any, confidence: Any, field_prefix: str = ""
) -> tuple[Measurement, Decimal, int]:
    problems = Problems()
    latest = latest_measurement(kpi.pk)
    if latest is None:
        problems.add(
            f"{field_prefix}kpi", "the KPI has no values yet: a key result needs a baseline"
        )
    clean_target = problems.check(to_value, target, f"{field_prefix}target")
    clean_confidence = problems.check(to_confidence, confidence)
    if (
        latest is not None
        and clean_target is not None
        and not improves(kpi, latest.value, clean_target)
    ):
        better = {
            KpiDirection.HIGHER_BETTER: "above",
            KpiDirection.LOWER_BETTER: "below",
        }.get(KpiDirection(kpi.direction), "different from")
        problems.add(
            f"{field_prefix}target",
            f"must be {better} the KPI's current value {with_unit(latest.value, kpi.unit)}: "
            "a key result from a KPI aims to improve it",
        )
    problems.raise_any()
    assert latest is not None and clean_target is not None and clean_confidence is not None
    return latest, clean_target, clean_confidence


@transaction.atomic
def create_key_result_from_kpi(
    *,
    actor: Membership,
    kpi: Kpi,
    objective: Objective,
    target: Any,
    title: str = "",
    confidence: Any = DEFAULT_CONFIDENCE,
    owner_id: int | None = None,
    weight: Any = "1",
    at: dt.datetime | None = None,
) -> KeyResult:
    """A key result on ``objective`` that starts at the KPI's latest value and follows it."""
    if kpi.organization_id != actor.organization_id:
        raise ValidationFailed({"kpi": "no such KPI in this organization"})
    latest, clean_target, clean_confidence = _clean(kpi, target, confidence)
    direction = core.Direction.INCREASE if clean_target > latest.value else core.Direction.DECREASE
    kr = create_key_result(
        actor=actor,
        objective=objective,
        title=title.strip() or default_title(kpi, latest.value, clean_target),
        kind=kind_for(kpi).value,
        unit=kpi.unit,
        start=latest.value,
        target=clean_target,
        direction=direction.value,
        weight=weight,
        owner_id=owner_id if owner_id is not None else actor.pk,
        kpi_id=kpi.pk,
    )
    at = at or timezone.now()
    kr.follows_kpi = True
    kr.save(update_fields=["follows_kpi", "updated_at"])
    # The baseline is the first point of the key result's history, with the creator's confidence.
    _follow_checkin(kr, latest, at, confidence=clean_confidence, author=actor)
    return kr


@transaction.atomic
def create_objective_from_kpi(
    *,
    actor: Membership,
    kpi: Kpi,
    key_result: dict[str, Any],
    **objective: Any,
) -> Objective:
    """A new objective to fix a KPI, with one key result that follows it; all or nothing.

    Problems are reported together: the objective's by field, the key result's as
    ``key_result.<field>``.
    """
    errors: dict[str, str] = {}
    for check in (
        lambda: _clean_objective(actor, {"title": None, "cycle_id": None, **objective}),
        lambda: _clean(kpi, key_result.get("target"), key_result.get("confidence"), "key_result."),
    ):
        try:
            check()
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)
    created = create_objective(actor=actor, **objective)
    create_key_result_from_kpi(actor=actor, kpi=kpi, objective=created, **key_result)
    return created


def follow_kpi(kpi: Kpi, at: dt.datetime) -> int:
    """Move every key result that follows ``kpi`` to its latest value; returns how many moved.

    Runs inside the transaction that changed the KPI's values, so a key result never shows a
    value the KPI does not have.
    """
    followers = list(
        KeyResult.objects.select_for_update()
        .filter(kpi=kpi, follows_kpi=True, objective__cycle__state__in=FOLLOWING_STATES)
        .select_related("objective__cycle")
        .order_by("pk")
    )
    if not followers:
        return 0
    latest = latest_measurement(kpi.pk)
    return sum(_move(kr, latest, at) for kr in followers)


def sync_key_result(kr: KeyResult, at: dt.datetime) -> bool:
    """Bring one following key result to its KPI's latest value (when it was just linked)."""
    if kr.kpi_id is None or not kr.follows_kpi:
        return False
    return _move(kr, latest_measurement(kr.kpi_id), at)


def _move(kr: KeyResult, latest: Measurement | None, at: dt.datetime) -> bool:
    if latest is None or kr.current == latest.value:
        return False
    if kr.objective.cycle.state not in FOLLOWING_STATES:
        return False
    _follow_checkin(kr, latest, at, confidence=kr.confidence, author=None)
    return True


def _follow_checkin(
    kr: KeyResult,
    measurement: Measurement,
    at: dt.datetime,
    *,
    confidence: int | None,
    author: Membership | None,
) -> CheckIn:
    kpi = measurement.kpi
    return store_checkin(
        kr,
        value=measurement.value,
        # Confidence is a person's judgement: a KPI value carries the owner's latest one forward.
        confidence=confidence if confidence is not None else DEFAULT_CONFIDENCE,
        note=f"{kpi.name}: {period_label(measurement.period, Cadence(kpi.cadence))}",
        author=author,
        at=at,
        # The key result shows the KPI's value, whenever the check-in is dated.
        takes_value=True,
        kpi_period=measurement.period,
    )
