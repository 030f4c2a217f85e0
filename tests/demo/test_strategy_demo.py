"""The demo's strategy layer: an X-Matrix of the current fiscal year and a Strategy Canvas."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from headway.demo import load_demo
from headway.demo.builder import demo_now
from headway.okrs.models import Objective
from headway.orgs.models import Organization
from headway.strategy.choices import ItemKind
from headway.strategy.models import (
    Assignment,
    CanvasFactor,
    CanvasLevel,
    CanvasPlayer,
    Correlation,
    StrategyCanvas,
    XMatrix,
    XMatrixItem,
    XMatrixResource,
)

TODAY = dt.date(2026, 11, 22)

pytestmark = pytest.mark.django_db

CORNERS = {
    (ItemKind.BREAKTHROUGH, ItemKind.ANNUAL),
    (ItemKind.ANNUAL, ItemKind.PRIORITY),
    (ItemKind.PRIORITY, ItemKind.METRIC),
    (ItemKind.METRIC, ItemKind.BREAKTHROUGH),
}


@pytest.fixture(autouse=True)
def fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo() -> Organization:
    return load_demo(today=TODAY)


def test_the_xmatrix_of_the_current_fiscal_year(demo: Organization) -> None:
    matrix = XMatrix.objects.get(organization=demo)
    assert matrix.year == 2026
    items = list(XMatrixItem.objects.filter(matrix=matrix))
    kinds = Counter(i.kind for i in items)
    assert kinds == {"breakthrough": 3, "annual": 4, "priority": 5, "metric": 5}
    # Positions run 0, 1, 2... within each list.
    for kind in kinds:
        assert sorted(i.position for i in items if i.kind == kind) == list(range(kinds[kind]))
    assert all(i.organization_id == demo.pk for i in items)


def test_annual_objectives_link_to_the_years_company_objectives(demo: Organization) -> None:
    annual = XMatrixItem.objects.filter(organization=demo, kind="annual").prefetch_related(
        "objectives__cycle", "objectives__owner_team"
    )
    linked = {i.title: {(o.cycle.name, o.title) for o in i.objectives.all()} for i in annual}
    assert linked["Grow to 700 paying customers and $1.8M annual recurring revenue"] == {
        ("2026", "Make Northwind the app small teams open every morning")
    }
    assert linked["Turn trials into customers who stay"] == {
        ("2026-Q1", "Turn trial users into loyal customers"),
        ("2026-Q2", "Turn trial users into loyal customers"),
    }
    assert linked["Get every new team to its first insight in its first week"] == {
        ("2026-Q4", "Every new team reaches its first insight in week one")
    }
    for item in annual:
        assert item.objectives.exists()
        for objective in item.objectives.all():
            assert objective.owner_team is not None and objective.owner_team.slug == "company"
            assert objective.cycle.start.year == 2026 and objective.organization_id == demo.pk


def test_metrics_follow_kpis_with_baseline_target_and_owner(demo: Organization) -> None:
    metrics = XMatrixItem.objects.filter(organization=demo, kind="metric").select_related(
        "kpi", "owner__user"
    )
    rows = {
        m.kpi.key: (m.baseline, m.target, m.owner.user.username)
        for m in metrics
        if m.kpi is not None and m.owner is not None
    }
    assert len(rows) == 5
    assert rows["nps"] == (Decimal("32"), Decimal("55"), "demo-chloe")
    assert rows["retention-1m"] == (Decimal("20"), Decimal("35"), "demo-priya")
    for m in metrics:
        assert m.kpi is not None and m.kpi.organization_id == demo.pk
        assert m.kpi.health in ("green", "amber", "red")  # a live value to show


def test_every_corner_is_marked_and_the_checks_stay_quiet(demo: Organization) -> None:
    matrix = XMatrix.objects.get(organization=demo)
    marks = list(Correlation.objects.filter(matrix=matrix).select_related("row", "column"))
    corners = Counter((c.row.kind, c.column.kind) for c in marks)
    assert set(corners) == CORNERS
    assert {c.strength for c in marks} == {"strong", "moderate", "weak"}
    items = list(XMatrixItem.objects.filter(matrix=matrix))
    # No breakthrough without an annual objective supporting it, no priority supporting nothing.
    for item in items:
        if item.kind == "breakthrough":
            assert any(c.row_id == item.pk and c.column.kind == "annual" for c in marks)
        if item.kind == "priority":
            assert any(c.column_id == item.pk and c.row.kind == "annual" for c in marks)
        if item.kind == "metric":
            assert item.owner_id is not None
    resources = list(XMatrixResource.objects.filter(matrix=matrix).select_related("team"))
    assert len(resources) == 4
    assert {r.team.slug for r in resources if r.team} == {
        "product",
        "customer-success",
        "marketing",
    }
    assert [r.person.title for r in resources if r.person] == ["Head of Sales"]
    assignments = list(Assignment.objects.filter(matrix=matrix).select_related("priority"))
    assert {a.responsibility for a in assignments} == {"primary", "secondary"}
    # Every priority has exactly one primary owner; nobody carries more than two.
    primaries = [a for a in assignments if a.responsibility == "primary"]
    assert sorted(a.priority.position for a in primaries) == [0, 1, 2, 3, 4]
    assert max(Counter(a.resource_id for a in primaries).values()) <= 2


def test_the_strategy_canvas(demo: Organization) -> None:
    canvas = StrategyCanvas.objects.get(organization=demo)
    assert canvas.tagline == "Analytics a small team runs itself, from day one"
    factors = list(CanvasFactor.objects.filter(canvas=canvas))
    players = list(CanvasPlayer.objects.filter(canvas=canvas))
    assert 6 <= len(factors) <= 8
    assert [p.kind for p in players] == ["us", "competitor", "competitor", "industry", "new_curve"]
    assert {f.errc for f in factors} == {"eliminate", "reduce", "raise", "create"}
    assert all(f.rationale for f in factors)
    levels = CanvasLevel.objects.filter(canvas=canvas)
    assert levels.count() == len(factors) * len(players)
    assert all(0 <= lv.level <= 10 for lv in levels)


def test_a_raise_factor_is_already_a_current_company_objective(demo: Organization) -> None:
    factor = CanvasFactor.objects.get(organization=demo, objective__isnull=False)
    assert (factor.name, factor.errc) == ("Guided onboarding", "raise")
    objective = Objective.objects.select_related("cycle", "owner_team").get(pk=factor.objective_id)
    assert objective.cycle.name == "2026-Q4" and objective.owner_team is not None
    assert objective.owner_team.slug == "company"
    assert objective.key_results.count() == 3
    assert objective.progress > 0  # it has check-ins like the others
    assert list(objective.canvas_factors.all()) == [factor]
    assert objective.parents.get().cycle.name == "2026"


def test_strategy_rows_are_dated_before_now_and_the_same_every_time(demo: Organization) -> None:
    matrix = XMatrix.objects.get(organization=demo)
    canvas = StrategyCanvas.objects.get(organization=demo)
    assert matrix.created_at == canvas.created_at == dt.datetime(2025, 12, 11, 10, tzinfo=dt.UTC)
    assert matrix.updated_at <= demo_now(TODAY)

    def snapshot() -> list[Any]:
        return [
            list(
                XMatrixItem.objects.filter(organization__slug="demo")
                .order_by("kind", "position")
                .values_list("kind", "title", "position", "kpi__key", "baseline", "target")
            ),
            sorted(
                Correlation.objects.filter(organization__slug="demo").values_list(
                    "row__title", "column__title", "strength"
                )
            ),
            list(
                CanvasLevel.objects.filter(organization__slug="demo")
                .order_by("factor__position", "player__position")
                .values_list("factor__name", "player__name", "level")
            ),
        ]

    first = snapshot()
    load_demo(today=TODAY, reset=True)
    assert snapshot() == first
    assert XMatrix.objects.filter(organization__slug="demo").count() == 1


def test_early_in_the_year_only_that_years_objectives_are_linked() -> None:
    org = load_demo(today=dt.date(2027, 2, 10))
    matrix = XMatrix.objects.get(organization=org)
    assert matrix.year == 2027
    cycles = set(
        Objective.objects.filter(xmatrix_items__matrix=matrix).values_list("cycle__name", flat=True)
    )
    assert cycles == {"2027", "2027-Q1"}
