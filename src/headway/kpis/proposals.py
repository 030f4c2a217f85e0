"""What a KPI proposes to the OKRs: "KPIs keep the business running and raise the alarm when
something goes off track", and one of them "becomes a Key Result when the team decides to focus
on improving a particular trend".

Two proposals come from a KPI's own data: a benchmark gap proposes the key result that would close
it (see ``gaps``), and a KPI that stays red proposes a new objective to fix it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from headway.core.health import Health, closed_periods
from headway.core.periods import Cadence
from headway.kpis.choices import KpiDirection
from headway.kpis.formatting import period_label
from headway.kpis.health import thresholds
from headway.kpis.models import Kpi

# A KPI critical for this many closed periods in a row proposes an objective: about a month or
# more, and never a single bad period, so that it is not noise, yet a quarter's OKRs can act on it.
RED_PERIODS_FOR_OBJECTIVE = {"day": 14, "week": 4, "month": 2, "quarter": 2}
UNITS = {"day": "days", "week": "weeks", "month": "months", "quarter": "quarters"}


@dataclass(frozen=True, slots=True)
class ObjectiveProposal:
    kpi: Kpi
    periods: int  # closed periods in a row at critical
    since: dt.date  # the first of them
    current: Decimal
    target: Decimal | None

    @property
    def reason(self) -> str:
        """Why: "CAC has been critical for 3 months in a row (since Aug 2026)"."""
        unit = UNITS[self.kpi.cadence] if self.periods != 1 else self.kpi.cadence
        since = period_label(self.since, Cadence(self.kpi.cadence))
        return (
            f"{self.kpi.name} has been critical for {self.periods} {unit} in a row (since {since})."
        )

    @property
    def title(self) -> str:
        return objective_title(self.kpi)


def objective_title(kpi: Kpi) -> str:
    """An objective to fix the KPI, in words, not numbers: the coach wants it qualitative."""
    return f"Get {kpi.name[:1].lower()}{kpi.name[1:]} back under control"[:200]


def improves(kpi: Kpi, start: Decimal, target: Decimal) -> bool:
    """Whether moving from ``start`` to ``target`` is better for this KPI."""
    if kpi.direction == KpiDirection.HIGHER_BETTER:
        return target > start
    if kpi.direction == KpiDirection.LOWER_BETTER:
        return target < start
    return target != start  # in range: either way may be the way back into the range


def red_streak(
    kpi: Kpi, points: list[tuple[dt.date, Decimal]], today: dt.date
) -> list[tuple[dt.date, Decimal]]:
    """The latest closed periods that were all critical, oldest first.

    Empty when the latest closed period was not critical.
    """
    judged = closed_periods(
        [(period, float(value)) for period, value in points],
        cadence=Cadence(kpi.cadence),
        thresholds=thresholds(kpi),
        today=today,
    )
    by_period = dict(points)
    streak: list[tuple[dt.date, Decimal]] = []
    for entry in reversed(judged):
        if entry.health is not Health.RED:
            break
        streak.append((entry.period, by_period[entry.period]))
    return streak[::-1]


def objective_proposal(
    kpi: Kpi, points: list[tuple[dt.date, Decimal]], today: dt.date
) -> ObjectiveProposal | None:
    streak = red_streak(kpi, points, today)
    if len(streak) < RED_PERIODS_FOR_OBJECTIVE[kpi.cadence]:
        return None
    current = max(points)[1]
    return ObjectiveProposal(
        kpi=kpi,
        periods=len(streak),
        since=streak[0][0],
        current=current,
        target=healthy_target(kpi, current),
    )


def healthy_target(kpi: Kpi, current: Decimal) -> Decimal | None:
    """Where a key result to fix the KPI should aim: its target, else back past the warning level.

    Only a level that improves on ``current`` is proposed.
    """
    if kpi.direction == KpiDirection.IN_RANGE:
        low: Decimal | None = kpi.range_low
        high: Decimal | None = kpi.range_high
        if low is not None and current < low:
            return low
        if high is not None and current > high:
            return high
        return None
    levels = (kpi.target, kpi.warning_recovery, kpi.warning_threshold)
    return next((x for x in levels if x is not None and improves(kpi, current, x)), None)
