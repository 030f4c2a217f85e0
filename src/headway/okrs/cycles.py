"""A cycle's life: planning -> active -> grading -> closed, reopening, and the next quarter.

Only admins move cycles. Each forward move is one step; going back is a reopen, which needs a
reason that the audit log keeps. Entering grading and closing keep the stored scores whole: at
close every key result nobody graded gets its default score (final progress on the 0.1 grid).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from headway import core
from headway.audit import services as audit
from headway.core.periods import fiscal_quarter
from headway.errors import NotFound, ValidationFailed, to_text
from headway.okrs.choices import CycleKind, CycleState
from headway.okrs.models import Cycle, KeyResult
from headway.okrs.scores import recompute_scores
from headway.orgs import permissions
from headway.orgs.models import Membership, Organization

# The one forward step out of each state.
NEXT_STATE: dict[str, str] = {
    CycleState.PLANNING: CycleState.ACTIVE,
    CycleState.ACTIVE: CycleState.GRADING,
    CycleState.GRADING: CycleState.CLOSED,
}
# The states in which scores mean something: grading has started.
GRADED_STATES = (CycleState.GRADING, CycleState.CLOSED)


def is_graded(cycle: Cycle) -> bool:
    """Scores mean something once grading has started."""
    return cycle.state in GRADED_STATES


# The one step back a reopen takes.
REOPEN_STATE: dict[str, str] = {
    CycleState.CLOSED: CycleState.GRADING,
    CycleState.GRADING: CycleState.ACTIVE,
}
# What the button of each forward move says.
MOVE_LABELS: dict[str, str] = {
    CycleState.ACTIVE: "Start the cycle",
    CycleState.GRADING: "Start grading",
    CycleState.CLOSED: "Close the cycle",
}
# The next quarter is set up this many days before the current one ends.
NEXT_QUARTER_LEAD_DAYS = 30
MAX_REASON_LENGTH = 2000


def refused_move(current: str, wanted: str) -> str:
    """Why ``current`` -> ``wanted`` is not a forward move, in words that say what to do."""
    if current == wanted:
        return f"the cycle is already {current}"
    if current == CycleState.CLOSED:
        return "a closed cycle can only be reopened by an admin, with a reason (back to grading)"
    if REOPEN_STATE.get(current) == wanted:
        return f"going back from {current} to {wanted} is a reopen: it needs a reason"
    allowed = NEXT_STATE[current]
    article = "an" if current[:1] in "aeiou" else "a"
    return f"{article} {current} cycle can only move on to {allowed}, one step at a time"


def check_forward_move(current: str, wanted: str) -> None:
    """ValidationFailed on "state" unless ``wanted`` is the one step forward from ``current``."""
    if wanted not in CycleState.values:
        raise ValidationFailed({"state": f"must be one of {', '.join(CycleState.values)}"})
    if NEXT_STATE.get(current) != wanted:
        raise ValidationFailed({"state": refused_move(current, wanted)})


def _ensure_admin(actor: Membership, what: str) -> None:
    if not permissions.can_administer(actor):
        raise PermissionDenied(f"only an admin may {what}")


def locked(actor: Membership, cycle: Cycle) -> Cycle:
    """The cycle read again and locked for the transaction; another organization's is not found."""
    found = (
        Cycle.objects.select_for_update()
        .filter(pk=cycle.pk, organization_id=actor.organization_id)
        .first()
    )
    if found is None:
        raise NotFound("cycle", cycle.pk)
    return found


def entered(cycle: Cycle) -> None:
    """What entering the cycle's (new) state does to its scores; in the caller's transaction."""
    if cycle.state == CycleState.CLOSED:
        # Nobody graded these: they keep the default score, which is what the roll-ups counted.
        ungraded = list(
            KeyResult.objects.filter(objective__cycle=cycle, score__isnull=True).only(
                "pk", "progress"
            )
        )
        for kr in ungraded:
            kr.score = core.default_score(kr.progress)
        KeyResult.objects.bulk_update(ungraded, ["score"], batch_size=500)
    if is_graded(cycle):
        recompute_scores(cycle)


@transaction.atomic
def transition_cycle(*, actor: Membership, cycle: Cycle, to: str) -> Cycle:
    """Move a cycle one step forward: planning -> active -> grading -> closed (admins only)."""
    _ensure_admin(actor, "move a cycle on")
    cycle = locked(actor, cycle)
    check_forward_move(cycle.state, to)
    before = audit.snapshot(cycle, ["state"])
    cycle.state = to
    cycle.save(update_fields=["state"])
    entered(cycle)
    audit.record(
        organization_id=cycle.organization_id,
        actor_id=actor.user_id,
        action="cycle.transition",
        instance=cycle,
        before=before,
        after=audit.snapshot(cycle, ["state"]),
    )
    return cycle


_ORDER = [CycleState.PLANNING, CycleState.ACTIVE, CycleState.GRADING, CycleState.CLOSED]


@transaction.atomic
def advance_cycle(*, actor: Membership, cycle: Cycle, to: str) -> Cycle:
    """Move a cycle forward to ``to`` one step at a time, each step a transition of its own.

    For files that state where a cycle should be (``headway apply``); going back stays a reopen.
    """
    if to not in CycleState.values:
        raise ValidationFailed({"state": f"must be one of {', '.join(CycleState.values)}"})
    if _ORDER.index(CycleState(to)) < _ORDER.index(CycleState(cycle.state)):
        raise ValidationFailed({"state": refused_move(cycle.state, to)})
    while cycle.state != to:
        cycle = transition_cycle(actor=actor, cycle=cycle, to=NEXT_STATE[cycle.state])
    return cycle


@transaction.atomic
def reopen_cycle(*, actor: Membership, cycle: Cycle, reason: Any) -> Cycle:
    """Take a cycle one step back (closed -> grading, grading -> active), with a reason."""
    _ensure_admin(actor, "reopen a cycle")
    cycle = locked(actor, cycle)
    back = REOPEN_STATE.get(cycle.state)
    if back is None:
        raise ValidationFailed(
            {
                "state": "only a cycle in grading or closed can be reopened; "
                f"this one is {cycle.state}"
            }
        )
    clean_reason = to_text(reason, "reason", max_length=MAX_REASON_LENGTH)
    before = audit.snapshot(cycle, ["state"])
    cycle.state = back
    cycle.save(update_fields=["state"])
    if cycle.state == CycleState.GRADING:
        recompute_scores(cycle)
    audit.record(
        organization_id=cycle.organization_id,
        actor_id=actor.user_id,
        action="cycle.reopen",
        instance=cycle,
        before=before,
        after={**audit.snapshot(cycle, ["state"]), "reason": clean_reason},
    )
    return cycle


# --- the fiscal year and the next quarter ------------------------------------------------------


def quarter_name(day: dt.date, fiscal_start_month: int) -> str:
    """ "2027-Q1": the fiscal year (named after the year it ends in) and the quarter of ``day``."""
    year, number, _, _ = fiscal_quarter(day, fiscal_start_month)
    return f"{year}-Q{number}"


def _free_name(organization_id: int, wanted: str) -> str:
    taken = set(
        Cycle.objects.filter(organization_id=organization_id, name__startswith=wanted).values_list(
            "name", flat=True
        )
    )
    if wanted not in taken:
        return wanted
    suffix = 2
    while f"{wanted} ({suffix})" in taken:
        suffix += 1
    return f"{wanted} ({suffix})"


@transaction.atomic
def ensure_next_quarter(organization: Organization, today: dt.date) -> Cycle | None:
    """Create the next fiscal quarter's cycle (in planning) once today is within
    ``NEXT_QUARTER_LEAD_DAYS`` of the current quarter's end; None when nothing was needed.

    A quarter cycle that already covers the next quarter's dates counts, whatever its name.
    """
    month = organization.fiscal_year_start_month
    _, _, _, last = fiscal_quarter(today, month)
    if (last - today).days >= NEXT_QUARTER_LEAD_DAYS:
        return None
    _, _, first, end = fiscal_quarter(last + dt.timedelta(days=1), month)
    # Lock the organization so two runs of the job cannot both create it.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    exists = (
        Cycle.objects.filter(organization_id=organization.pk)
        .exclude(kind=CycleKind.YEAR)
        # Any quarter overlapping the next one is it (or would clash with it).
        .filter(start__lte=end, end__gte=first)
        .exists()
    )
    if exists:
        return None
    cycle = Cycle.objects.create(
        organization_id=organization.pk,
        name=_free_name(organization.pk, quarter_name(first, month)),
        kind=CycleKind.QUARTER,
        start=first,
        end=end,
        state=CycleState.PLANNING,
    )
    audit.record(
        organization_id=organization.pk,
        actor_id=None,
        action="cycle.create",
        instance=cycle,
        after=audit.snapshot(cycle),
    )
    return cycle


def ensure_next_quarters(today: dt.date) -> list[Cycle]:
    """``ensure_next_quarter`` for every organization; the cycles it created."""
    created = []
    for organization in Organization.objects.order_by("pk"):
        cycle = ensure_next_quarter(organization, today)
        if cycle is not None:
            created.append(cycle)
    return created


MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def to_month(raw: Any, field: str = "fiscal_year_start_month") -> int:
    if isinstance(raw, bool):
        raise ValidationFailed({field: "must be a month number from 1 to 12"})
    try:
        month = raw if isinstance(raw, int) else int(str(raw).strip())
    except ValueError:
        raise ValidationFailed({field: "must be a month number from 1 to 12"}) from None
    if not 1 <= month <= 12:
        raise ValidationFailed({field: f"must be a month number from 1 to 12, got {month}"})
    return month


@transaction.atomic
def set_fiscal_year_start(*, actor: Membership, month: Any) -> Organization:
    """Set the month the organization's fiscal year starts in (admins only).

    Existing cycles keep their dates and names; new quarters follow the new calendar.
    """
    _ensure_admin(actor, "change the fiscal year")
    clean = to_month(month)
    org = Organization.objects.select_for_update().get(pk=actor.organization_id)
    before = audit.snapshot(org, ["fiscal_year_start_month"])
    org.fiscal_year_start_month = clean
    org.save(update_fields=["fiscal_year_start_month"])
    audit.record(
        organization_id=org.pk,
        actor_id=actor.user_id,
        action="organization.fiscal_year",
        instance=org,
        before=before,
        after=audit.snapshot(org, ["fiscal_year_start_month"]),
    )
    actor.organization.fiscal_year_start_month = clean
    return org
