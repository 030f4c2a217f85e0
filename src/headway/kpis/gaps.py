"""The gap between a KPI and an external benchmark: "NPS 32, competitors at 50".

"If your NPS sits at 32 and you know competitors are at 50, that gap becomes a meaningful Key
Result": a gap on the bad side proposes the key result that would close it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from headway.kpis.choices import KpiDirection
from headway.kpis.formatting import number, with_unit
from headway.kpis.models import Benchmark, Kpi

MINUS = "\u2212"


@dataclass(frozen=True, slots=True)
class Gap:
    kpi: Kpi
    current: Decimal
    benchmark: Benchmark

    @property
    def difference(self) -> Decimal:
        """The KPI minus the benchmark, in the KPI's unit."""
        difference: Decimal = self.current - self.benchmark.value
        return difference

    @property
    def percent(self) -> float | None:
        """The difference relative to the benchmark (None when the benchmark is 0)."""
        if self.benchmark.value == 0:
            return None
        return float(self.difference / abs(self.benchmark.value)) * 100

    @property
    def behind(self) -> bool | None:
        """Whether the benchmark is better; None when level or when "better" has no side."""
        if self.difference == 0 or self.kpi.direction == KpiDirection.IN_RANGE:
            return None
        if self.kpi.direction == KpiDirection.LOWER_BETTER:
            return self.difference > 0
        return self.difference < 0

    @property
    def headline(self) -> str:
        """ "NPS 32, Competitor NPS at 50"."""
        unit = self.kpi.unit
        return (
            f"{self.kpi.name} {with_unit(self.current, unit)}, "
            f"{self.benchmark.name} at {with_unit(self.benchmark.value, unit)}"
        )

    @property
    def text(self) -> str:
        """ "-18 (-36%), behind" (with minus signs): the gap in the KPI's unit and in percent."""
        unit = self.kpi.unit
        # A gap between two percentages is in points: 2.7% vs 3.5% is 0.8 points, not 0.8%.
        magnitude = f"{number(abs(self.difference))} points" if unit == "%" else None
        parts = [_signed(magnitude or with_unit(abs(self.difference), unit), self.difference)]
        if self.percent is not None and self.difference != 0:
            parts.append(f"({_signed(f'{abs(self.percent):.0f}%', self.difference)})")
        text = " ".join(parts)
        if self.behind is not None:
            text += ", behind" if self.behind else ", ahead"
        return text

    @property
    def suggestion(self) -> str | None:
        """A key result that would close the gap, when the benchmark is ahead."""
        if not self.behind:
            return None
        verb = "Lower" if self.kpi.direction == KpiDirection.LOWER_BETTER else "Raise"
        unit = self.kpi.unit
        return (
            f"{verb} {self.kpi.name} from {with_unit(self.current, unit)} "
            f"to {with_unit(self.benchmark.value, unit)}"
        )

    @property
    def proposed_target(self) -> str:
        """The benchmark as a plain number, for a form to start from ("50", never "1,000")."""
        return number(self.benchmark.value, grouping=False)


def _signed(text: str, sign: Decimal) -> str:
    if sign > 0:
        return f"+{text}"
    if sign < 0:
        return f"{MINUS}{text}"
    return text
