"""The demo organization: the seeds' examples, five quarters of history, and nothing random."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import authenticate

from headway.core import default_score
from headway.core.periods import Cadence, periods_between
from headway.demo import (
    DEMO_PASSWORD,
    DEMO_SLUG,
    DEMO_USERNAME,
    DemoExists,
    demo_exists,
    load_demo,
)
from headway.demo.builder import demo_now
from headway.kpis.models import Benchmark, Kpi, Measurement
from headway.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.okrs.scores import recompute_scores
from headway.orgs.models import Membership, Organization, Team, TeamMember
from tests.factories import PASSWORD, make_kr, make_objective, make_user, make_world

TODAY = dt.date(2026, 11, 22)  # a Sunday, seven weeks into 2026-Q4
NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo() -> Organization:
    return load_demo(today=TODAY)


def current(org: Organization) -> Cycle:
    return Cycle.objects.get(organization=org, name="2026-Q4")


# --- content ----------------------------------------------------------------------------------

SEED_OKRS = {
    ("marketing", "Bring new inbound leads to the website"): [
        ("Increase the monthly visitors to the website from 3k to 7k", "3000", "7000"),
        ("Increase the trial sign-ups from 250 to 500", "250", "500"),
    ],
    ("product", "Increase user engagement"): [
        ("Increase 1-month retention from 20% to 40%", "20", "40"),
        ("Increase average time in the app from 15 to 30 minutes", "15", "30"),
        ("Increase sessions from 5 to 10 per user per day", "5", "10"),
    ],
    ("customer-success", "Our customers love our onboarding"): [
        ("Onboarding NPS rises from 32 to 55", "32", "55"),
    ],
    ("sales", "Increase revenue"): [("10% more revenue", "0", "10")],
}


def test_the_current_quarter_holds_the_seeds_okrs(demo: Organization) -> None:
    cycle = current(demo)
    # The company's quarterly objective (the other company objective came from the canvas).
    company = Objective.objects.get(
        cycle=cycle,
        owner_team__slug="company",
        title="Become the app small teams can't work without",
    )
    for (team, title), expected in SEED_OKRS.items():
        objective = Objective.objects.get(cycle=cycle, owner_team__slug=team, title=title)
        krs = list(objective.key_results.order_by("position"))
        got = [(kr.title, kr.start, kr.target) for kr in krs]
        assert got[: len(expected)] == [(t, Decimal(s), Decimal(e)) for t, s, e in expected]
        assert all(kr.weight == 1 and kr.owner is not None for kr in krs)
        assert list(objective.parents.all()) == [company]

    visitors = KeyResult.objects.get(objective__cycle=cycle, title__startswith="Increase the month")
    assert visitors.unit == "visitors"
    retention = KeyResult.objects.get(objective__cycle=cycle, title__contains="1-month retention")
    assert (retention.kind, retention.unit) == ("percentage", "%")

    nps = KeyResult.objects.get(objective__cycle=cycle, title="Onboarding NPS rises from 32 to 55")
    assert nps.kpi is not None and nps.kpi.key == "nps"
    assert nps.objective.key_results.count() >= 2

    # The coach's "KPI with extra steps": one KR, deliberately.
    revenue = Objective.objects.get(cycle=cycle, title="Increase revenue")
    (kr,) = revenue.key_results.all()
    assert (kr.kind, kr.start, kr.target, revenue.kind) == ("percentage", 0, 10, "committed")

    marathon = Objective.objects.get(cycle=cycle, owner_person__isnull=False)
    assert marathon.title == "Finish my first marathon in good shape"
    assert marathon.owner_person is not None
    assert marathon.owner_person.role == "member"
    assert {(k.start, k.target) for k in marathon.key_results.all()} == {(15, 40), (12, 30)}

    kinds = set(Objective.objects.filter(cycle=cycle).values_list("kind", flat=True))
    assert kinds == {"committed", "aspirational"}
    assert KeyResult.objects.filter(organization=demo, result_type="output").exists()


def test_people_teams_and_sign_in(demo: Organization) -> None:
    assert demo.slug == DEMO_SLUG and demo.name == "Northwind Labs" and demo_exists()
    root = Team.objects.get(organization=demo, parent=None)
    departments = set(Team.objects.filter(parent=root).values_list("name", flat=True))
    assert departments == {"Go-to-market", "Product & Engineering"}
    for name in ("Marketing", "Product", "Customer Success"):
        team = Team.objects.get(organization=demo, name=name)
        assert team.parent is not None and team.parent.parent == root
        assert TeamMember.objects.filter(team=team, is_lead=True).count() == 1
    roles = sorted(Membership.objects.filter(organization=demo).values_list("role", flat=True))
    assert len(roles) == 8
    assert {"admin", "lead", "member", "viewer"} == set(roles)
    assert roles.count("viewer") == 1

    user = authenticate(username=DEMO_USERNAME, password=DEMO_PASSWORD)
    assert user is not None
    assert Membership.objects.get(organization=demo, user=user).role == "admin"
    assert user.full_name == "Dana Demo"
    other = Membership.objects.filter(organization=demo, role="viewer").get().user
    assert authenticate(username=other.username, password=DEMO_PASSWORD) == other


def test_five_quarters_and_the_year(demo: Organization) -> None:
    cycles = [
        (c.name, c.kind, c.start, c.end, c.state)
        for c in Cycle.objects.filter(organization=demo).order_by("kind", "start")
    ]
    q = "quarter"
    assert cycles == [
        ("2025-Q4", q, dt.date(2025, 10, 1), dt.date(2025, 12, 31), "closed"),
        ("2026-Q1", q, dt.date(2026, 1, 1), dt.date(2026, 3, 31), "closed"),
        ("2026-Q2", q, dt.date(2026, 4, 1), dt.date(2026, 6, 30), "closed"),
        ("2026-Q3", q, dt.date(2026, 7, 1), dt.date(2026, 9, 30), "closed"),
        ("2026-Q4", q, dt.date(2026, 10, 1), dt.date(2026, 12, 31), "active"),
        ("2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31), "active"),
    ]
    for cycle in Cycle.objects.filter(organization=demo):
        assert Objective.objects.filter(cycle=cycle).exists()
        assert all(o.key_results.exists() for o in cycle.objectives.all())
    # Quarterly company objectives of 2026 support the annual one.
    annual = Objective.objects.get(cycle__name="2026")
    assert set(annual.children.values_list("cycle__name", flat=True)) == {
        "2026-Q1",
        "2026-Q2",
        "2026-Q3",
        "2026-Q4",
    }


def mondays(start: dt.date, end: dt.date) -> int:
    return sum(
        1 for n in range((end - start).days + 1) if (start + dt.timedelta(days=n)).weekday() == 0
    )


def test_weekly_checkins_for_every_key_result(demo: Organization) -> None:
    assert demo_now(TODAY) == NOW
    krs = KeyResult.objects.filter(organization=demo).select_related("objective__cycle")
    assert krs.count() > 40
    for kr in krs:
        cycle = kr.objective.cycle
        checkins = list(kr.checkins.order_by("created_at"))
        assert len(checkins) == mondays(cycle.start, min(cycle.end, TODAY)), kr.title
        assert all(c.created_at <= NOW for c in checkins)
        assert all(cycle.start <= c.created_at.date() <= cycle.end for c in checkins)
        assert all(c.author_id == kr.owner_id and c.author_id is not None for c in checkins)
        assert all(0 <= c.confidence <= 10 for c in checkins)
        gaps = {(b.created_at - a.created_at).days for a, b in itertools.pairwise(checkins)}
        assert gaps == {7}
        latest = checkins[-1]
        assert (kr.current, kr.confidence, kr.last_checkin_at) == (
            latest.value,
            latest.confidence,
            latest.created_at,
        )
        assert 0 <= kr.progress <= 1
    assert CheckIn.objects.exclude(organization=demo).count() == 0
    assert CheckIn.objects.filter(note__gt="").exists()

    # Closed quarters spread over the grading bands; the current one is under way.
    closed = KeyResult.objects.filter(organization=demo, objective__cycle__state="closed")
    finals = [kr.progress for kr in closed]
    assert min(finals) < 0.4 and max(finals) >= 0.7
    assert any(0.4 <= p < 0.7 for p in finals)
    in_flight = KeyResult.objects.filter(objective__cycle__name="2026-Q4")
    assert all(kr.progress < 1 for kr in in_flight)


def test_measurements_at_each_kpis_cadence(demo: Organization) -> None:
    keys = set(Kpi.objects.filter(organization=demo).values_list("key", flat=True))
    assert {"dau-mau", "conversion-rate", "cac", "domain-rating", "bounce-rate", "nps"} <= keys
    assert {"revenue", "resting-heart-rate", "weight", "hydration", "retention-1m"} <= keys
    span_start = dt.date(2025, 10, 1)
    for kpi in Kpi.objects.filter(organization=demo):
        rows = list(kpi.measurements.order_by("period"))
        expected = periods_between(span_start, TODAY, Cadence(kpi.cadence))
        assert [m.period for m in rows] == expected, kpi.key
        assert all(m.recorded_at <= NOW for m in rows)
        assert all(m.source in {"manual", "api"} for m in rows)
        assert kpi.target is not None and kpi.warning_threshold is not None
        assert kpi.critical_threshold is not None and kpi.warning_recovery is not None
    assert Measurement.objects.exclude(organization=demo).count() == 0

    nps = Kpi.objects.get(organization=demo, key="nps")
    (benchmark,) = Benchmark.objects.filter(kpi=nps)
    assert (benchmark.name, benchmark.value) == ("Competitor NPS", 50)
    assert benchmark.source and benchmark.observed_on is not None
    # The onboarding KR starts from the KPI's last value before the quarter...
    assert nps.measurements.get(period=dt.date(2026, 9, 1)).value == 32
    # ...and follows it from then on.
    kr = nps.key_results.get()
    assert kr.current == nps.measurements.get(period=dt.date(2026, 10, 1)).value
    assert abs(kr.current - 32) <= 3


def _health(kpi: Kpi, value: Decimal) -> str:
    """A simple reading of the thresholds (no hysteresis), enough to see the story."""
    assert kpi.warning_threshold is not None and kpi.critical_threshold is not None
    if kpi.direction == "range":
        assert kpi.range_low is not None and kpi.range_high is not None
        off = max(kpi.range_low - value, value - kpi.range_high, Decimal(0))
        return (
            "red"
            if off > kpi.critical_threshold
            else "amber"
            if off > kpi.warning_threshold
            else "green"
        )
    sign = 1 if kpi.direction == "higher" else -1
    if sign * (value - kpi.critical_threshold) < 0:
        return "red"
    return "amber" if sign * (value - kpi.warning_threshold) < 0 else "green"


def test_some_kpis_are_red_some_amber_most_green(demo: Organization) -> None:
    health = {}
    for kpi in Kpi.objects.filter(organization=demo):
        periods = list(kpi.measurements.order_by("-period").values_list("period", "value")[:2])
        last_closed = periods[1][1]  # the newest period is still running
        health[kpi.key] = _health(kpi, last_closed)
    assert health["cac"] == "red"
    assert health["bounce-rate"] == "amber"
    greens = [k for k, h in health.items() if h == "green"]
    assert len(greens) > len(health) / 2


def test_rollups_are_stored(demo: Organization) -> None:
    rollups = list(Rollup.objects.filter(organization=demo))
    assert rollups
    assert all(r.progress is not None and 0 <= r.progress <= 1 for r in rollups)
    for cycle in Cycle.objects.filter(organization=demo):
        assert Rollup.objects.filter(cycle=cycle, team=None).exists()
        for team_id in cycle.objectives.filter(owner_team__isnull=False).values_list(
            "owner_team", flat=True
        ):
            assert Rollup.objects.filter(cycle=cycle, team_id=team_id).exists()
    for objective in Objective.objects.filter(organization=demo):
        assert 0 <= objective.progress <= 1
    assert Objective.objects.filter(organization=demo, progress__gt=0).count() > 20


# --- grading, calibration, retrospectives, carry-over ------------------------------------------

CLOSED_QUARTERS = ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def test_every_key_result_of_a_closed_quarter_is_graded(demo: Organization) -> None:
    closed = list(
        KeyResult.objects.filter(organization=demo, objective__cycle__state="closed")
        .select_related("objective__cycle")
        .order_by("id")
    )
    assert len(closed) > 40
    overridden = []
    for kr in closed:
        cycle = kr.objective.cycle
        assert kr.score is not None and round(kr.score * 10) == kr.score * 10, kr.title
        assert kr.graded_at == dt.datetime.combine(cycle.end, dt.time(16, tzinfo=dt.UTC))
        assert kr.graded_by_id == kr.owner_id and kr.graded_by_id is not None
        if kr.score != default_score(kr.progress):
            overridden.append(kr)
        else:
            assert kr.score_reason == ""
    # A few grades differ from progress, each with its reason.
    assert 2 <= len(overridden) <= 5
    assert all(kr.score_reason for kr in overridden)
    reasons = " ".join(kr.score_reason for kr in overridden)
    assert "Counted the partner leads we agreed to exclude" in reasons
    # The current quarter is not graded yet.
    in_flight = KeyResult.objects.filter(organization=demo, objective__cycle__state="active")
    assert not in_flight.filter(score__isnull=False).exists()
    assert not in_flight.filter(graded_at__isnull=False).exists()


def test_objective_and_rollup_scores_are_stored(demo: Organization) -> None:
    closed = Cycle.objects.filter(organization=demo, state="closed")
    assert sorted(c.name for c in closed) == CLOSED_QUARTERS
    for cycle in closed:
        objectives = list(Objective.objects.filter(cycle=cycle))
        assert all(o.score is not None and 0 <= o.score <= 1 for o in objectives)
        rollups = list(Rollup.objects.filter(cycle=cycle))
        assert {r.team_id for r in rollups} == {
            o.owner_team_id for o in objectives if o.owner_team_id
        } | {None}
        assert all(r.score is not None for r in rollups)
        stored = {
            "objectives": sorted((o.pk, o.score) for o in objectives),
            "rollups": sorted((r.team_id or 0, r.score) for r in rollups),
        }
        recompute_scores(cycle)  # the stored scores are the ones the rules give
        assert stored == {
            "objectives": sorted(Objective.objects.filter(cycle=cycle).values_list("pk", "score")),
            "rollups": sorted(
                (r.team_id or 0, r.score) for r in Rollup.objects.filter(cycle=cycle)
            ),
        }
    # The active cycles have no scores yet.
    assert not Objective.objects.filter(
        organization=demo, cycle__state="active", score__isnull=False
    ).exists()


def _aspirational_scores(demo: Organization, cycle: str, team: str) -> list[float]:
    return [
        o.score
        for o in Objective.objects.filter(
            organization=demo, cycle__name=cycle, owner_team__slug=team, kind="aspirational"
        )
        if o.score is not None
    ]


def test_sales_sandbags_in_every_closed_quarter(demo: Organization) -> None:
    for cycle in CLOSED_QUARTERS:
        scores = _aspirational_scores(demo, cycle, "sales")
        assert scores and all(score == 1.0 for score in scores), cycle
        krs = KeyResult.objects.filter(
            objective__cycle__name=cycle,
            objective__owner_team__slug="sales",
            objective__kind="aspirational",
        )
        assert krs.exists() and all(kr.progress == 1.0 and kr.score == 1.0 for kr in krs)
    # The other teams keep a realistic spread: aspirational around 0.7, committed near 1.0.
    others = [
        score
        for cycle in CLOSED_QUARTERS
        for team in ("marketing", "product", "customer-success", "company")
        for score in _aspirational_scores(demo, cycle, team)
    ]
    assert len(others) >= 10
    assert 0.5 <= sum(others) / len(others) <= 0.8
    assert min(others) < 0.6 and all(score < 1.0 for score in others)
    committed = Objective.objects.filter(
        organization=demo, cycle__state="closed", kind="committed", owner_team__isnull=False
    ).values_list("score", flat=True)
    assert committed and sum(committed) / len(committed) >= 0.8


def test_the_latest_closed_quarter_has_retrospectives(demo: Organization) -> None:
    notes = Objective.objects.filter(organization=demo).exclude(retro_worked="")
    assert {o.cycle.name for o in notes} == {"2026-Q3"}
    assert notes.count() >= 3
    assert all(o.retro_change for o in notes)
    sales = notes.get(owner_team__slug="sales")
    assert "not sure we can reach" in sales.retro_change


def test_an_unfinished_objective_is_carried_over(demo: Organization) -> None:
    (copy,) = Objective.objects.filter(organization=demo, origin__isnull=False)
    origin = copy.origin
    assert origin is not None
    assert copy.origin_kind == "carried_over"
    assert (origin.cycle.name, copy.cycle.name) == ("2026-Q3", "2026-Q4")
    assert origin.progress < 1 and origin.score is not None and origin.score < 1
    same = ("title", "description", "kind", "owner_team_id", "weight")
    assert [getattr(copy, f) for f in same] == [getattr(origin, f) for f in same]
    fields = ("title", "kind", "unit", "start", "target", "direction", "owner_id", "weight")
    origin_krs = [[getattr(kr, f) for f in fields] for kr in origin.key_results.all()]
    assert [[getattr(kr, f) for f in fields] for kr in copy.key_results.all()] == origin_krs
    assert copy.score is None and copy.progress < 1
    assert list(copy.parents.values_list("cycle__name", "owner_team__slug")) == [
        ("2026-Q4", "company")
    ]
    assert list(origin.copies.all()) == [copy]


# --- determinism, reset -----------------------------------------------------------------------


def snapshot(org: Organization) -> dict[str, list[Any]]:
    """Every row of the organization, by natural keys (no ids), in a canonical order."""

    def rows(queryset: Any, *fields: str) -> list[Any]:
        return sorted(queryset.values_list(*fields), key=repr)

    o = {"organization": org}
    return {
        "org": [(org.name, org.slug, org.fiscal_year_start_month, org.created_at)],
        "teams": rows(Team.objects.filter(**o), "slug", "name", "parent__slug", "created_at"),
        "people": rows(
            Membership.objects.filter(**o),
            "user__username",
            "user__full_name",
            "user__email",
            "role",
            "title",
        ),
        "team_members": rows(
            TeamMember.objects.filter(**o), "team__slug", "membership__user__username", "is_lead"
        ),
        "cycles": rows(Cycle.objects.filter(**o), "name", "kind", "start", "end", "state"),
        "objectives": rows(
            Objective.objects.filter(**o),
            "cycle__name",
            "title",
            "owner_team__slug",
            "owner_person__user__username",
            "kind",
            "status",
            "weight",
            "progress",
            "position",
            "description",
            "created_at",
            "score",
            "retro_worked",
            "retro_change",
            "origin__cycle__name",
            "origin__title",
            "origin_kind",
        ),
        "alignments": rows(
            Alignment.objects.filter(**o),
            "child__cycle__name",
            "child__title",
            "parent__cycle__name",
            "parent__title",
        ),
        "key_results": rows(
            KeyResult.objects.filter(**o),
            "objective__cycle__name",
            "objective__title",
            "title",
            "kind",
            "unit",
            "start",
            "target",
            "current",
            "direction",
            "weight",
            "owner__user__username",
            "kpi__key",
            "result_type",
            "progress",
            "confidence",
            "last_checkin_at",
            "position",
            "score",
            "score_reason",
            "graded_at",
            "graded_by__user__username",
        ),
        "checkins": rows(
            CheckIn.objects.filter(**o),
            "key_result__objective__cycle__name",
            "key_result__title",
            "created_at",
            "value",
            "confidence",
            "note",
            "author__user__username",
        ),
        "kpis": rows(
            Kpi.objects.filter(**o),
            "key",
            "name",
            "unit",
            "direction",
            "cadence",
            "aggregation",
            "owner_team__slug",
            "owner__user__username",
            "target",
            "warning_threshold",
            "critical_threshold",
            "warning_recovery",
            "critical_recovery",
            "range_low",
            "range_high",
        ),
        "measurements": rows(
            Measurement.objects.filter(**o),
            "kpi__key",
            "period",
            "value",
            "source",
            "note",
            "recorded_by__user__username",
            "recorded_at",
        ),
        "benchmarks": rows(
            Benchmark.objects.filter(**o), "kpi__key", "name", "value", "source", "observed_on"
        ),
        "rollups": rows(
            Rollup.objects.filter(**o), "cycle__name", "team__slug", "progress", "score"
        ),
    }


def test_the_same_day_builds_the_same_demo() -> None:
    first = snapshot(load_demo(today=TODAY))
    second = snapshot(load_demo(today=TODAY, reset=True))
    assert first == second
    assert len(first["checkins"]) > 500 and len(first["measurements"]) > 500
    assert Organization.objects.filter(slug=DEMO_SLUG).count() == 1


def test_reset_deletes_only_the_demo() -> None:
    world = make_world()
    objective = make_objective(world.cycle, world.growth)
    make_kr(objective, owner=world.mo)
    before = {
        "objectives": Objective.objects.filter(organization=world.org).count(),
        "teams": Team.objects.filter(organization=world.org).count(),
        "people": Membership.objects.filter(organization=world.org).count(),
    }
    load_demo(today=TODAY)
    old_demo = Organization.objects.get(slug=DEMO_SLUG).pk
    org = load_demo(today=TODAY, reset=True)
    assert org.pk != old_demo
    assert not Objective.objects.filter(organization_id=old_demo).exists()
    assert Organization.objects.filter(pk=world.org.pk).exists()
    assert Organization.objects.filter(pk=world.other_org.pk).exists()
    assert before == {
        "objectives": Objective.objects.filter(organization=world.org).count(),
        "teams": Team.objects.filter(organization=world.org).count(),
        "people": Membership.objects.filter(organization=world.org).count(),
    }
    assert KeyResult.objects.filter(organization=world.org).count() == 1


def test_loading_twice_without_reset_raises(demo: Organization) -> None:
    with pytest.raises(DemoExists):
        load_demo(today=TODAY)
    assert Organization.objects.filter(slug=DEMO_SLUG).count() == 1


def test_a_later_day_moves_the_quarters_on() -> None:
    org = load_demo(today=dt.date(2027, 2, 3))  # a Wednesday in 2027-Q1
    names = set(Cycle.objects.filter(organization=org).values_list("name", "state"))
    assert ("2027-Q1", "active") in names and ("2026-Q1", "closed") in names
    assert ("2027", "active") in names and ("2025-Q4", "closed") not in names
    now = demo_now(dt.date(2027, 2, 3))
    assert not CheckIn.objects.filter(organization=org, created_at__gt=now).exists()
    assert not Measurement.objects.filter(organization=org, recorded_at__gt=now).exists()


def test_a_demo_username_used_elsewhere_keeps_its_password() -> None:
    world = make_world()
    outsider = make_user("demo-tom")
    Membership.objects.create(organization=world.org, user=outsider, role="member")
    org = load_demo(today=TODAY)
    outsider.refresh_from_db()
    assert outsider.check_password(PASSWORD) and not outsider.check_password(DEMO_PASSWORD)
    assert Membership.objects.filter(organization=org, user=outsider).exists()
    assert Membership.objects.filter(organization=world.org, user=outsider).exists()
