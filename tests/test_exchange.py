"""Whole-organization export and import: exact round trips, strict validation, no partial writes."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headway.audit.models import AuditEvent
from headway.errors import ValidationFailed
from headway.exchange import FORMAT, VERSION, dumps, export_organization, import_organization
from headway.kpis import services as kpi_services
from headway.kpis.models import (
    AlertChannel,
    DataSource,
    HealthChange,
    Kpi,
    Measurement,
    Notification,
    RawEvent,
    XmrBaseline,
)
from headway.okrs import services as okr_services
from headway.okrs.choices import CycleState, OriginKind
from headway.okrs.models import CheckIn, CheckinReminder, Cycle, KeyResult, Objective, Rollup
from headway.okrs.scores import recompute_scores
from headway.orgs import services as org_services
from headway.orgs.models import ApiToken, Membership, Organization, Team, User
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
from tests.factories import PASSWORD, World, make_kr, make_objective

UTC = dt.UTC
TOP_KEYS = {
    "format",
    "version",
    "organization",
    "users",
    "memberships",
    "teams",
    "cycles",
    "kpis",
    "alert_channels",
    "objectives",
    "rollups",
    "xmatrices",
    "canvases",
    "api_tokens",
    "checkin_reminders",
    "audit_events",
}


def at(day: int, hour: int = 9, micro: int = 0) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, 30, 15, micro, tzinfo=UTC)


def build_rich(w: World) -> Organization:
    """Every kind of row an organization can have, made through the services where possible."""
    org, alice, lena = w.org, w.alice, w.lena
    Organization.objects.filter(pk=org.pk).update(fiscal_year_start_month=4)
    Membership.objects.filter(pk=alice.pk).update(title="OKR champion")
    platform = org_services.create_team(
        actor=alice, name="Platform", parent=w.company, description="Keeps the engine running"
    )
    Team.objects.filter(pk=platform.pk).update(okrs_enabled=False)
    org_services.add_to_team(team=platform, membership=w.vic)
    org_services.create_team(actor=alice, name="Infra", parent=platform)
    year = okr_services.create_cycle(
        actor=alice, name="FY2026", start=dt.date(2026, 4, 1), end=dt.date(2027, 3, 31), kind="year"
    )

    nps = kpi_services.create_kpi(
        actor=alice,
        name="Onboarding NPS",
        key="nps",
        unit="pts",
        owner_team_id=w.growth.pk,
        owner_id=lena.pk,
        target="55",
        warning_threshold="40",
        critical_threshold="30",
        warning_recovery="42",
        critical_recovery="33",
        description="Asked after day 7",
    )
    cac = kpi_services.create_kpi(
        actor=alice,
        name="Customer acquisition cost",
        key="cac",
        direction="range",
        cadence="quarter",
        aggregation="mean",
        unit="EUR",
        range_low="100",
        range_high="3000",
    )
    kpi_services.upsert_measurements(
        actor=lena,
        kpi=nps,
        source="csv",
        at=at(2),
        rows=[
            {"period": "2026-07-01", "value": 31},
            {"period": "2026-08-01", "value": "32.5", "note": "après l'été ✓"},
        ],
    )
    kpi_services.upsert_measurements(
        actor=alice,
        kpi=cac,
        rows=[
            {"period": "2026-01-01", "value": "2999.1234"},
            {"period": "2026-04-01", "value": "2800"},
        ],
    )
    gone = Measurement.objects.get(kpi=cac, period=dt.date(2026, 4, 1))
    kpi_services.delete_measurement(actor=alice, measurement=gone)  # leaves a dangling audit id
    kpi_services.create_benchmark(
        actor=alice,
        kpi=nps,
        name="Competitor NPS",
        value=50,
        source="Survey 2026",
        observed_on=dt.date(2026, 3, 1),
    )

    company = okr_services.create_objective(
        actor=alice,
        title="Customers love us",
        cycle_id=w.cycle.pk,
        owner_team_id=w.company.pk,
        kind="committed",
        weight="2.5",
    )
    growth = okr_services.create_objective(
        actor=alice,
        title="Our customers love our onboarding",
        cycle_id=w.cycle.pk,
        owner_team_id=w.growth.pk,
        parent_ids=[company.pk],
        description="From the seeds",
    )
    marathon = okr_services.create_objective(
        actor=alice,
        title="Run a marathon",
        cycle_id=year.pk,
        owner_person_id=w.mo.pk,
        parent_ids=[growth.pk, company.pk],
    )
    okr_services.create_objective(
        actor=alice,
        title="Old idea",
        cycle_id=w.cycle.pk,
        owner_team_id=w.growth.pk,
        status="archived",
    )
    kr1 = okr_services.create_key_result(
        actor=alice,
        objective=growth,
        title="Onboarding NPS rises from 32 to 55",
        start="32",
        target="55",
        kpi_id=nps.pk,
        owner_id=lena.pk,
        unit="pts",
    )
    okr_services.create_key_result(
        actor=alice,
        objective=growth,
        title="Ship onboarding v2",
        kind="milestone",
        start=0,
        target=1,
        result_type="output",
        weight="0.5",
    )
    kr3 = okr_services.create_key_result(
        actor=alice,
        objective=company,
        title="Churn falls from 5% to 3%",
        start="5",
        target="3",
        direction="decrease",
        kind="percentage",
    )
    okr_services.record_checkin(
        actor=lena,
        key_result=kr1,
        value="40",
        confidence=7,
        note="good week",
        at=at(8, micro=123456),
    )
    okr_services.record_checkin(actor=lena, key_result=kr1, value=45.25, confidence=6, at=at(15))
    okr_services.record_checkin(
        actor=lena, key_result=kr1, value="41", confidence=5, note="back-dated", at=at(10)
    )
    okr_services.record_checkin(actor=alice, key_result=kr3, value=4, confidence=3)

    _kpi_engine_rows(w, nps, kr1)
    _rhythm_rows(w, company=company, marathon=marathon)
    _strategy_rows(w, company=company, growth=growth, nps=nps, platform=platform)

    token, _ = org_services.create_token(membership=lena, name="CI", scope="read")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=at(20, micro=5))
    old, _ = org_services.create_token(membership=alice, name="Laptop")
    org_services.revoke_token(actor=alice, token=old)

    # An actor who is not a member (support staff) and an event about an untracked object type.
    root = User.objects.create_superuser("root", "root@example.com", "secret-root-pw")
    AuditEvent.objects.create(
        organization=org,
        actor=root,
        action="org.support",
        object_type="orgs.organization",
        object_id=org.pk,
        after={"note": "ünïcode ✓", "n": [1, 2.5, None, True]},
        created_at=at(21),
    )
    AuditEvent.objects.create(
        organization=org,
        action="rollup.fix",
        object_type="okrs.rollup",
        object_id=987654,
        before=None,
        after=None,
        created_at=at(21),
    )
    org.refresh_from_db()
    return org


def _rhythm_rows(w: World, *, company: Objective, marathon: Objective) -> None:
    """The quarterly rhythm: settings, a graded closed quarter with a retrospective, an objective
    carried over from it, a copy whose origin comes later in the file, and sent reminders."""
    Organization.objects.filter(pk=w.org.pk).update(
        pace_on_track_margin=0.1, pace_at_risk_margin=0.25, reminder_weekday=0
    )
    Membership.objects.filter(pk=w.mo.pk).update(checkin_reminders=False)
    Membership.objects.filter(pk=w.lena.pk).update(reminder_weekday=2)
    q3 = Cycle.objects.create(
        organization=w.org,
        name="2026-Q3",
        start=dt.date(2026, 7, 1),
        end=dt.date(2026, 9, 30),
        state=CycleState.CLOSED,
    )
    beta = make_objective(
        q3,
        team=w.growth,
        title="Launch the beta",
        retro_worked="Weekly calls with the first customers.",
        retro_change="Start the sign-up page a month earlier.",
    )
    graded = dt.datetime(2026, 9, 30, 17, 0, 0, 250, tzinfo=UTC)
    make_kr(
        beta,
        "Sign 20 beta customers",
        "0",
        "20",
        owner=w.lena,
        current=Decimal(11),
        progress=0.55,
        score=0.6,
        score_reason="Counted the partner leads we agreed to exclude",
        graded_at=graded,
        graded_by=w.lena,
    )
    make_kr(beta, "Ship the beta", "0", "1", kind="milestone", progress=1.0, score=1.0)
    recompute_scores(q3)
    copy = make_objective(
        w.cycle,
        team=w.growth,
        title="Launch the beta",
        origin=beta,
        origin_kind=OriginKind.CARRIED_OVER,
        position=9,
    )
    make_kr(copy, "Sign 20 beta customers", "11", "20", owner=w.lena)
    # Duplicated from an objective of a later cycle: its origin comes after it in the file.
    Objective.objects.filter(pk=marathon.pk).update(
        origin=company, origin_kind=OriginKind.DUPLICATED
    )
    for member, week, count in [(w.lena, 5, 2), (w.lena, 12, 3), (w.alice, 5, 0)]:
        CheckinReminder.objects.create(
            organization=w.org,
            membership=member,
            week=dt.date(2026, 10, week),
            sent_at=at(week, 7),
            key_results=count,
        )


def _kpi_engine_rows(w: World, nps: Kpi, kr: KeyResult) -> None:
    """One row of each KPI-engine table, with every optional column filled."""
    Kpi.objects.filter(pk=nps.pk).update(
        alert_level="warning",
        alert_after=2,
        resolve_after=3,
        repeat_hours=0,
        notify_no_data=False,
        health="amber",
        health_since=at(3),
        alert_state="pending",
        alert_state_since=at(3, micro=7),
        alert_notified_at=at(4),
        evaluated_at=at(5),
    )
    HealthChange.objects.create(
        organization=w.org,
        kpi=nps,
        changed_at=at(3),
        before="green",
        after="amber",
        period=dt.date(2026, 8, 1),
        value=Decimal("32.5"),
    )
    channel = AlertChannel.objects.create(
        organization=w.org,
        name="Growth Slack",
        kind="webhook",
        url="https://hooks.example.com/T000/B000",
        secret="s3cr3t",
        recipients="",
        enabled=False,
    )
    channel.kpis.set([nps])
    AlertChannel.objects.create(
        organization=w.org, name="Leads", kind="email", recipients="lena@example.com"
    )
    Notification.objects.create(
        organization=w.org,
        kpi=nps,
        channel=channel,
        channel_name=channel.name,
        event="firing",
        dedupe_key="firing:2026-10-03T09:30:15",
        created_at=at(3),
        subject="Onboarding NPS is critical",
        payload={"text": "Onboarding NPS is critical", "n": [1, 2.5]},
        status="failed",
        attempts=3,
        next_attempt_at=at(4),
        delivered_at=at(5),
        last_error="HTTP 500",
    )
    Notification.objects.create(
        organization=w.org,
        kpi=nps,
        channel=None,
        channel_name="Deleted channel",
        event="resolved",
        dedupe_key="resolved:x",
        created_at=at(6),
        subject="resolved",
    )
    XmrBaseline.objects.create(
        organization=w.org,
        kpi=nps,
        starts_on=dt.date(2026, 8, 1),
        size=12,
        note="new survey wording",
        created_by=w.lena,
        created_at=at(7),
    )
    RawEvent.objects.create(
        organization=w.org, kpi=nps, at=at(2, micro=9), value=Decimal("7.5"), received_at=at(3)
    )
    DataSource.objects.create(
        organization=w.org,
        kpi=nps,
        name="Warehouse",
        kind="sql",
        connection="warehouse",
        query="SELECT period, value FROM nps",
        url="",
        path="",
        period_field="p",
        value_field="v",
        every_minutes=15,
        enabled=False,
        next_run_at=at(9),
        last_run_at=at(8),
        last_status="error",
        last_message="connection refused",
        created_by=w.alice,
    )
    KeyResult.objects.filter(pk=kr.pk).update(follows_kpi=True)
    first = CheckIn.objects.filter(key_result=kr).order_by("id").first()
    assert first is not None
    CheckIn.objects.filter(pk=first.pk).update(kpi_period=dt.date(2026, 8, 1), author=None)


def _strategy_rows(
    w: World, *, company: Objective, growth: Objective, nps: Kpi, platform: Team
) -> None:
    """An X-Matrix with every list, corner and assignment, an empty later one, and a canvas."""
    org = w.org
    matrix = XMatrix.objects.create(organization=org, year=2026, title="FY2026 on one page")
    XMatrix.objects.create(organization=org, year=2027)

    def item(kind: str, title: str, position: int, **fields: Any) -> XMatrixItem:
        return XMatrixItem.objects.create(
            organization=org, matrix=matrix, kind=kind, title=title, position=position, **fields
        )

    # Made out of order: the file lists them by kind, then position.
    metric = item(
        "metric",
        "Onboarding NPS",
        0,
        kpi=nps,
        baseline=Decimal("32"),
        target=Decimal("55.5"),
        unit="pts",
        owner=w.lena,
    )
    priority = item("priority", "Guided onboarding", 0, description="Week one, done with them")
    second = item("priority", "Self-serve billing", 1)
    annual = item("annual", "Customers love our onboarding", 0)
    annual.objectives.set([growth, company])
    breakthrough = item("breakthrough", "The tool small teams can't live without", 0)
    team = XMatrixResource.objects.create(organization=org, matrix=matrix, team=platform)
    person = XMatrixResource.objects.create(
        organization=org, matrix=matrix, person=w.mo, position=1
    )
    agency = XMatrixResource.objects.create(
        organization=org, matrix=matrix, label="Design agency", position=2
    )
    for row, column, strength in [
        (breakthrough, annual, "strong"),
        (annual, priority, "moderate"),
        (annual, second, "weak"),
        (priority, metric, "strong"),
        (metric, breakthrough, "moderate"),
    ]:
        Correlation.objects.create(
            organization=org, matrix=matrix, row=row, column=column, strength=strength
        )
    for prio, resource, responsibility in [
        (priority, person, "primary"),
        (priority, team, "secondary"),
        (second, agency, "primary"),
    ]:
        Assignment.objects.create(
            organization=org,
            matrix=matrix,
            priority=prio,
            resource=resource,
            responsibility=responsibility,
        )
    canvas = StrategyCanvas.objects.create(
        organization=org, title="Small-team analytics", tagline="Insight without an analyst"
    )
    factors = [
        CanvasFactor.objects.create(
            organization=org,
            canvas=canvas,
            name=name,
            position=i,
            errc=errc,
            rationale=f"Because {name.lower()}",
            objective=growth if errc == "raise" else None,
        )
        for i, (name, errc) in enumerate([("Price", "reduce"), ("Coaching", "raise"), ("SSO", "")])
    ]
    players = [
        CanvasPlayer.objects.create(
            organization=org, canvas=canvas, name=name, kind=kind, position=i
        )
        for i, (name, kind) in enumerate([("Us", "us"), ("BigCo", "competitor")])
    ]
    for f, factor in enumerate(factors):
        for p, player in enumerate(players):
            CanvasLevel.objects.create(
                organization=org, canvas=canvas, factor=factor, player=player, level=f * 3 + p
            )
    AuditEvent.objects.create(
        organization=org,
        actor=w.alice.user,
        action="xmatrix.create",
        object_type="strategy.xmatrix",
        object_id=matrix.pk,
        created_at=at(22),
    )


@pytest.fixture
def rich(world: World) -> Organization:
    return build_rich(world)


def count_rows(value: Any) -> int:
    """Objects in an export (every dict in a list), nested ones included; audit snapshots not."""
    if isinstance(value, dict):
        return sum(count_rows(v) for k, v in value.items() if k not in ("before", "after"))
    if isinstance(value, list):
        return sum(1 + count_rows(v) if isinstance(v, dict) else 0 for v in value)
    return 0


@pytest.fixture(autouse=True)
def fast_hasher(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def row_counts() -> dict[str, int]:
    labels = ("orgs", "okrs", "kpis", "audit", "strategy")
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in labels
    }


def fresh_digests(data: dict[str, Any], tag: str) -> None:
    """Token digests are unique across the database: a copy next to the original needs new ones."""
    for i, token in enumerate(data["api_tokens"]):
        token["digest"] = f"{tag}-{i}".ljust(64, "0")[:64]


def renamed(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    data = copy.deepcopy(data)
    data["organization"]["slug"] = new
    for event in data["audit_events"]:
        if event["object_type"] == "orgs.organization" and event.get("object") == old:
            event["object"] = new
    return data


# --- export ------------------------------------------------------------------------------------


def test_export_layout_and_values(rich: Organization) -> None:
    data = export_organization(rich)
    assert set(data) == TOP_KEYS
    assert data["format"] == FORMAT and data["version"] == VERSION == 1
    assert json.loads(dumps(data)) == data  # JSON-serializable, nothing lost
    assert data["organization"]["fiscal_year_start_month"] == 4
    assert [u["username"] for u in data["users"]] == ["alice", "lena", "mo", "root", "vic"]
    root = next(u for u in data["users"] if u["username"] == "root")
    assert root["password"] is None and "is_superuser" not in root
    alice = next(u for u in data["users"] if u["username"] == "alice")
    assert alice["password"].startswith(("pbkdf2_", "argon2", "md5", "bcrypt", "scrypt"))
    assert [t["slug"] for t in data["teams"]] == ["company", "growth", "platform", "infra"]
    assert data["teams"][2]["okrs_enabled"] is False
    assert data["teams"][1]["members"] == [
        {"user": "lena", "is_lead": True},
        {"user": "mo", "is_lead": False},
    ]
    kpis = {k["key"]: k for k in data["kpis"]}
    assert kpis["cac"]["range_high"] == "3000.0000"
    assert kpis["cac"]["measurements"][0]["value"] == "2999.1234"
    assert kpis["nps"]["benchmarks"][0]["value"] == "50.0000"
    objectives = {o["title"]: o for o in data["objectives"]}
    marathon = objectives["Run a marathon"]
    assert marathon["owner_person"] == "mo" and marathon["owner_team"] is None
    assert marathon["parents"] == [
        objectives["Customers love us"]["ref"],
        objectives["Our customers love our onboarding"]["ref"],
    ]
    assert objectives["Customers love us"]["weight"] == "2.500"
    kr = objectives["Our customers love our onboarding"]["key_results"][0]
    assert kr["kpi"] == "nps" and kr["owner"] == "lena" and kr["current"] == "45.2500"
    assert [c["created_at"] for c in kr["checkins"]] == [
        "2026-10-08T09:30:15.123456+00:00",
        "2026-10-10T09:30:15+00:00",
        "2026-10-15T09:30:15+00:00",
    ]
    assert kr["last_checkin_at"] == "2026-10-15T09:30:15+00:00"
    events = data["audit_events"]
    assert [e["created_at"] for e in events] == sorted(e["created_at"] for e in events)
    deleted = next(e for e in events if e["action"] == "measurement.delete")
    assert "object" not in deleted and deleted["object_id"] > 0
    checkin_event = next(e for e in events if e["action"] == "checkin.create")
    assert checkin_event["object"].startswith("c") and "object_id" not in checkin_event
    assert next(e for e in events if e["action"] == "org.support")["object"] == "acme"
    assert next(e for e in events if e["action"] == "rollup.fix")["object_id"] == 987654


def test_export_contains_no_database_ids(rich: Organization) -> None:
    """Only object_id (of objects not in the file) and audit snapshots may carry database ids."""
    keys: set[str] = set()
    ints: set[str] = set()

    def walk(value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                keys.add(k)
                # Stored verbatim, as the services wrote them.
                if k not in ("before", "after", "payload"):
                    walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, int) and not isinstance(value, bool):
            ints.add(key)

    walk(export_organization(rich))
    assert not {k for k in keys if k in ("id", "pk") or k.endswith("_id")} - {"object_id"}
    assert ints == {
        "version",
        "fiscal_year_start_month",
        "position",
        "confidence",
        "object_id",
        # The quarterly rhythm: weekdays and the reminders' key result counts.
        "reminder_weekday",
        "key_results",
        # The KPI engine's counts and sizes.
        "alert_after",
        "resolve_after",
        "repeat_hours",
        "size",
        "every_minutes",
        "attempts",
        # The strategy layer: an X-Matrix's year and a canvas level.
        "year",
        "level",
    }


def test_dumps_is_stable_text() -> None:
    text = dumps({"b": 1, "a": "é"})
    assert text == '{\n  "a": "é",\n  "b": 1\n}\n'


def test_export_of_other_organization_is_separate(rich: Organization, world: World) -> None:
    other = export_organization(world.other_org)
    assert [u["username"] for u in other["users"]] == ["oscar"]
    assert other["objectives"] == [] and other["audit_events"] == []


# --- round trips -------------------------------------------------------------------------------


def test_copy_in_the_same_database_round_trips(rich: Organization) -> None:
    original = export_organization(rich)
    source = copy.deepcopy(original)
    fresh_digests(source, "copy")
    users_before = User.objects.count()
    copy_org = import_organization(source, slug="copy")
    assert copy_org.slug == "copy" and copy_org.pk != rich.pk
    assert User.objects.count() == users_before  # existing users are reused
    assert export_organization(copy_org) == renamed(source, "acme", "copy")
    # The original is untouched.
    assert export_organization(rich) == original


def test_round_trip_into_a_database_without_the_organization(
    rich: Organization, world: World
) -> None:
    original = export_organization(rich)
    text = dumps(original)
    usernames = [u["username"] for u in original["users"]]
    org_services.delete_organization(rich)
    User.objects.filter(username__in=usernames).delete()
    assert not Objective.objects.exists() and not CheckIn.objects.exists()
    # Ids move on, and another organization lives in this database.
    imported = import_organization(json.loads(text))
    again = export_organization(imported)
    assert again == original
    assert dumps(again) == text
    # People can sign in with their old passwords; nobody became staff.
    assert authenticate(username="lena", password=PASSWORD) is not None
    root = User.objects.get(username="root")
    assert not root.is_superuser and not root.is_staff and not root.has_usable_password()
    # Timestamps were restored, not reset to "now".
    kr = KeyResult.objects.get(organization=imported, title__startswith="Onboarding NPS")
    exported_kr = next(
        k for o in original["objectives"] for k in o["key_results"] if k["title"] == kr.title
    )
    assert kr.created_at.isoformat() == exported_kr["created_at"]
    assert kr.updated_at.isoformat() == exported_kr["updated_at"]
    # Audit events point at the new objects; an id of a deleted object cannot hit a new one.
    events = AuditEvent.objects.filter(organization=imported)
    checkin_event = events.filter(action="checkin.create").order_by("created_at").first()
    assert checkin_event is not None
    assert CheckIn.objects.filter(pk=checkin_event.object_id, organization=imported).exists()
    assert events.get(action="measurement.delete").object_id < 0
    assert events.get(action="rollup.fix").object_id == 987654
    assert events.get(action="org.support").object_id == imported.pk


def test_quarterly_rhythm_fields_round_trip(rich: Organization) -> None:
    data = export_organization(rich)
    org = data["organization"]
    assert (org["pace_on_track_margin"], org["pace_at_risk_margin"]) == (0.1, 0.25)
    assert org["reminder_weekday"] == 0
    members = {m["user"]: m for m in data["memberships"]}
    assert members["mo"]["checkin_reminders"] is False and members["mo"]["reminder_weekday"] is None
    assert members["lena"]["checkin_reminders"] is True and members["lena"]["reminder_weekday"] == 2
    by_ref = {o["ref"]: o for o in data["objectives"]}
    beta, copy_ = (o for o in data["objectives"] if o["title"] == "Launch the beta")
    assert (beta["cycle"], copy_["cycle"]) == ("2026-Q3", "2026-Q4")
    assert copy_["origin"] == beta["ref"] and copy_["origin_kind"] == "carried_over"
    assert beta["origin"] is None and beta["origin_kind"] == ""
    assert beta["retro_worked"] == "Weekly calls with the first customers."
    assert beta["retro_change"] == "Start the sign-up page a month earlier."
    assert beta["score"] == 0.8 and copy_["score"] is None  # mean of 0.6 and 1.0
    marathon = data["objectives"][0]
    assert marathon["title"] == "Run a marathon" and marathon["origin_kind"] == "duplicated"
    assert by_ref[marathon["origin"]]["title"] == "Customers love us"  # later in the file
    kr = beta["key_results"][0]
    assert (kr["score"], kr["graded_by"], kr["graded_at"]) == (
        0.6,
        "lena",
        "2026-09-30T17:00:00.000250+00:00",
    )
    assert kr["score_reason"] == "Counted the partner leads we agreed to exclude"
    assert beta["key_results"][1]["graded_by"] is None
    scores = {(r["cycle"], r["team"]): r["score"] for r in data["rollups"]}
    assert scores[("2026-Q3", "growth")] == scores[("2026-Q3", None)] == 0.8
    assert scores[("2026-Q4", "growth")] is None
    assert data["checkin_reminders"] == [
        {"user": "alice", "week": "2026-10-05", "sent_at": at(5, 7).isoformat(), "key_results": 0},
        {"user": "lena", "week": "2026-10-05", "sent_at": at(5, 7).isoformat(), "key_results": 2},
        {"user": "lena", "week": "2026-10-12", "sent_at": at(12, 7).isoformat(), "key_results": 3},
    ]

    fresh_digests(data, "rhythm")
    imported = import_organization(data, slug="rhythm")
    assert export_organization(imported) == renamed(data, "acme", "rhythm")
    # The links point at the new organization's own objectives, across cycles.
    copied = Objective.objects.get(
        organization=imported, cycle__name="2026-Q4", title="Launch the beta"
    )
    assert copied.origin is not None and copied.origin.organization_id == imported.pk
    assert copied.origin.cycle.name == "2026-Q3" and copied.origin.score == 0.8
    duplicate = Objective.objects.get(organization=imported, title="Run a marathon")
    assert duplicate.origin is not None and duplicate.origin.title == "Customers love us"
    assert duplicate.origin.organization_id == imported.pk
    graded = KeyResult.objects.get(organization=imported, score_reason__startswith="Counted")
    assert graded.graded_by is not None and graded.graded_by.organization_id == imported.pk
    assert Rollup.objects.get(organization=imported, cycle__name="2026-Q3", team=None).score == 0.8
    assert CheckinReminder.objects.filter(organization=imported).count() == 3
    imported.refresh_from_db()
    assert (imported.pace_on_track_margin, imported.reminder_weekday) == (0.1, 0)


def test_existing_user_is_reused_not_overwritten(rich: Organization) -> None:
    data = export_organization(rich)
    fresh_digests(data, "reuse")
    lena = User.objects.get(username="lena")
    lena.set_password("a new one")
    lena.email = "lena@new.example"
    lena.save()
    for user in data["users"]:
        user["password"] = "md5$bogus$0"
    copy_org = import_organization(data, slug="copy")
    lena.refresh_from_db()
    assert lena.check_password("a new one") and lena.email == "lena@new.example"
    assert Membership.objects.get(organization=copy_org, user=lena).role == "lead"


def test_minimal_document_uses_defaults(db: None) -> None:
    org = import_organization(
        {
            "format": FORMAT,
            "version": 1,
            "organization": {"name": "Tiny", "slug": "tiny"},
            "users": [{"username": "solo"}],
            "memberships": [{"user": "solo", "role": "admin"}],
            "teams": [{"slug": "b", "name": "B", "parent": "a"}, {"slug": "a", "name": "A"}],
            "cycles": [{"name": "Q1", "start": "2027-01-01", "end": "2027-03-31"}],
            "objectives": [
                {
                    "cycle": "Q1",
                    "title": "Be small",
                    "owner_team": "b",
                    "key_results": [{"title": "One", "start": 0, "target": "1.5"}],
                }
            ],
        }
    )
    data = export_organization(org)
    assert data["teams"][0]["slug"] == "a" and data["teams"][1]["parent"] == "a"
    assert data["objectives"][0]["key_results"][0]["target"] == "1.5000"
    assert data["objectives"][0]["weight"] == "1.000"
    assert not User.objects.get(username="solo").has_usable_password()


def test_bulk_create_overwrites_auto_now_add_so_import_restores_it(world: World) -> None:
    """Why the importer writes created_at/updated_at again after bulk_create."""
    long_ago = dt.datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=UTC)
    [made] = Objective.objects.bulk_create(
        [
            Objective(
                organization=world.org,
                cycle=world.cycle,
                title="Old",
                owner_team=world.growth,
                created_at=long_ago,
                updated_at=long_ago,
            )
        ]
    )
    made.refresh_from_db()
    assert made.created_at != long_ago and made.updated_at != long_ago  # Django's pre_save
    data = export_organization(world.org)
    data["objectives"][0]["created_at"] = long_ago.isoformat()
    copy_org = import_organization(data, slug="copy")
    restored = Objective.objects.get(organization=copy_org)
    assert restored.created_at == long_ago


# --- invalid input -----------------------------------------------------------------------------

Mutation = Callable[[dict[str, Any]], Any]


def _kr_with_checkins(data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    for i, o in enumerate(data["objectives"]):
        if o["key_results"] and o["key_results"][0]["checkins"]:
            return i, o["key_results"][0]
    raise AssertionError("no check-ins")


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> Any:
        *parents, last = _parse_path(path)
        node: Any = data
        for key in parents:
            node = node[key]
        node[last] = value
        return data

    return mutate


def _parse_path(path: str) -> list[str | int]:
    out: list[str | int] = []
    for part in path.replace("[", ".[").split("."):
        out.append(int(part[1:-1]) if part.startswith("[") else part)
    return out


def _dup_period(data: dict[str, Any]) -> Any:
    ms = data["kpis"][1]["measurements"]
    ms[1]["period"] = ms[0]["period"]
    return data


def _confidence_11(data: dict[str, Any]) -> Any:
    _, kr = _kr_with_checkins(data)
    kr["checkins"][0]["confidence"] = 11
    return data


def _team_loop(data: dict[str, Any]) -> Any:
    data["teams"][0]["parent"] = "infra"
    return data


def _alignment_loop(data: dict[str, Any]) -> Any:
    by_title = {o["title"]: o for o in data["objectives"]}
    # The marathon supports the company objective, which would then support the marathon.
    by_title["Customers love us"]["parents"] = [by_title["Run a marathon"]["ref"]]
    return data


def _by_title(data: dict[str, Any], title: str, cycle: str) -> dict[str, Any]:
    return next(o for o in data["objectives"] if o["title"] == title and o["cycle"] == cycle)


def _own_origin(data: dict[str, Any]) -> Any:
    copy_ = _by_title(data, "Launch the beta", "2026-Q4")
    copy_["origin"] = copy_["ref"]
    return data


def _origin_loop(data: dict[str, Any]) -> Any:
    beta = _by_title(data, "Launch the beta", "2026-Q3")
    beta["origin"] = _by_title(data, "Launch the beta", "2026-Q4")["ref"]
    return data


def _dup_reminder(data: dict[str, Any]) -> Any:
    data["checkin_reminders"].append(dict(data["checkin_reminders"][1]))
    return data


def _drop(key: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> Any:
        del data[key]
        return data

    return mutate


BAD_INPUTS: list[tuple[str, Mutation, str, str]] = [
    ("list", lambda d: [d], "data", "must be a JSON object"),
    ("string", lambda d: "hello", "data", "must be a JSON object"),
    ("format", _set("format", "trello"), "format", "must be 'headway-organization'"),
    ("version", _set("version", 2), "version", "unsupported version"),
    ("version-bool", _set("version", True), "version", "unsupported version"),
    ("missing-org", _drop("organization"), "organization", "is required"),
    ("unknown-top-key", _set("colour", "red"), "colour", "unknown key"),
    ("teams-not-list", _set("teams", {"a": 1}), "teams", "must be a list"),
    (
        "unknown-team",
        _set("objectives[1].owner_team", "nope"),
        "objectives[1].owner_team",
        "unknown team 'nope'",
    ),
    ("unknown-parent-team", _set("teams[1].parent", "x"), "teams[1].parent", "unknown team 'x'"),
    ("team-loop", _team_loop, "teams[0].parent", "loop"),
    ("alignment-loop", _alignment_loop, "objectives[", "loop"),
    (
        "unknown-parent-objective",
        _set("objectives[0].parents", ["o99"]),
        "objectives[0].parents[0]",
        "unknown objective",
    ),
    (
        "two-owners",
        _set("objectives[1].owner_person", "mo"),
        "objectives[1].owner_team",
        "exactly one owner",
    ),
    ("confidence-11", _confidence_11, "key_results[0].checkins[0].confidence", "between 0 and 10"),
    ("dup-period", _dup_period, "kpis[1].measurements[1].period", "duplicate period"),
    ("weight-0", _set("objectives[0].weight", "0"), "objectives[0].weight", "greater than 0"),
    ("cycle-end", _set("cycles[0].end", "2026-01-01"), "cycles[0].end", "after the start"),
    ("bad-decimal", _set("kpis[0].target", "lots"), "kpis[0].target", "must be a number"),
    ("float-decimal-nan", _set("kpis[0].target", float("nan")), "kpis[0].target", "finite"),
    ("progress-2", _set("objectives[0].progress", 2), "objectives[0].progress", "from 0 to 1"),
    (
        "naive-datetime",
        _set("objectives[0].created_at", "2026-01-01T10:00:00"),
        "objectives[0].created_at",
        "UTC offset",
    ),
    ("bad-date", _set("cycles[0].start", "yesterday"), "cycles[0].start", "must be a date"),
    ("bad-choice", _set("memberships[0].role", "boss"), "memberships[0].role", "must be one of"),
    (
        "unknown-member",
        _set("memberships[0].user", "ghost"),
        "memberships[0].user",
        "unknown user 'ghost'",
    ),
    ("too-long", _set("objectives[0].title", "x" * 201), "objectives[0].title", "at most 200"),
    ("nul", _set("teams[0].description", "a\x00b"), "teams[0].description", "NUL"),
    ("bad-slug", _set("teams[0].slug", "two words"), "teams[0].slug", "must be a slug"),
    ("unknown-key", _set("objectives[0].colour", "red"), "objectives[0].colour", "unknown key"),
    ("bool-int", _set("objectives[0].position", True), "objectives[0].position", "whole number"),
    ("range", _set("kpis[0].range_low", "5000"), "kpis[0].range_high", "range_low"),
    ("audit-ref", _set("audit_events[0].object", "o99"), "audit_events[0].object", "unknown"),
    (
        "audit-json",
        _set("audit_events[0].after", {"x": float("inf")}),
        "audit_events[0].after.x",
        "finite",
    ),
    # The quarterly rhythm.
    (
        "margins-order",
        _set("organization.pace_at_risk_margin", 0.05),
        "organization.pace_at_risk_margin",
        "must not be below pace_on_track_margin",
    ),
    (
        "margin-range",
        _set("organization.pace_on_track_margin", -0.1),
        "organization.pace_on_track_margin",
        "from 0 to 1",
    ),
    (
        "org-weekday",
        _set("organization.reminder_weekday", 7),
        "organization.reminder_weekday",
        "between 0 and 6",
    ),
    (
        "member-weekday",
        _set("memberships[0].reminder_weekday", "friday"),
        "memberships[0].reminder_weekday",
        "whole number",
    ),
    (
        "member-reminders-bool",
        _set("memberships[0].checkin_reminders", "yes"),
        "memberships[0].checkin_reminders",
        "true or false",
    ),
    (
        "kr-score",
        _set("objectives[1].key_results[0].score", 1.5),
        "objectives[1].key_results[0].score",
        "from 0 to 1",
    ),
    (
        "kr-graded-by",
        _set("objectives[1].key_results[0].graded_by", "ghost"),
        "objectives[1].key_results[0].graded_by",
        "unknown member 'ghost'",
    ),
    (
        "kr-graded-at",
        _set("objectives[1].key_results[0].graded_at", "2026-09-30"),
        "objectives[1].key_results[0].graded_at",
        "UTC offset",
    ),
    ("objective-score", _set("objectives[1].score", "high"), "objectives[1].score", "from 0 to 1"),
    ("unknown-origin", _set("objectives[0].origin", "o99"), "objectives[0].origin", "unknown"),
    ("own-origin", _own_origin, "].origin", "its own origin"),
    ("origin-loop", _origin_loop, "].origin", "loop"),
    (
        "origin-kind",
        _set("objectives[0].origin_kind", "moved"),
        "objectives[0].origin_kind",
        "must be one of",
    ),
    ("rollup-score", _set("rollups[0].score", 2), "rollups[0].score", "from 0 to 1"),
    (
        "reminder-week",
        _set("checkin_reminders[0].week", "2026-10-06"),
        "checkin_reminders[0].week",
        "Monday",
    ),
    ("reminder-twice", _dup_reminder, "checkin_reminders[3]", "same person and week"),
    (
        "reminder-user",
        _set("checkin_reminders[0].user", "oscar"),
        "checkin_reminders[0].user",
        "unknown member 'oscar'",
    ),
    (
        "reminder-count",
        _set("checkin_reminders[0].key_results", -1),
        "checkin_reminders[0].key_results",
        "between 0",
    ),
    # The strategy layer.
    ("xm-year-twice", _set("xmatrices[1].year", 2026), "xmatrices[1].year", "second X-Matrix"),
    ("xm-year-range", _set("xmatrices[0].year", 26), "xmatrices[0].year", "between 1900"),
    (
        "xm-kpi",
        _set("xmatrices[0].items[4].kpi", "nope"),
        "xmatrices[0].items[4].kpi",
        "unknown KPI 'nope'",
    ),
    (
        "xm-objective",
        _set("xmatrices[0].items[1].objectives", ["o99"]),
        "xmatrices[0].items[1].objectives[0]",
        "unknown objective",
    ),
    (
        "xm-owner",
        _set("xmatrices[0].items[4].owner", "ghost"),
        "xmatrices[0].items[4].owner",
        "unknown member 'ghost'",
    ),
    ("xm-kind", _set("xmatrices[0].items[0].kind", "vision"), "items[0].kind", "must be one of"),
    ("xm-baseline", _set("xmatrices[0].items[4].baseline", "lots"), "baseline", "a number"),
    (
        "xm-team",
        _set("xmatrices[0].resources[0].team", "nope"),
        "xmatrices[0].resources[0].team",
        "unknown team 'nope'",
    ),
    (
        "xm-empty-resource",
        _set("xmatrices[0].resources[2].label", " "),
        "xmatrices[0].resources[2]",
        "a team, a person or a label",
    ),
    (
        "xm-corner",
        _set("xmatrices[0].correlations[0].column", "i3"),
        "xmatrices[0].correlations[0].column",
        "cannot be marked",
    ),
    (
        "xm-item-ref",
        _set("xmatrices[0].correlations[0].row", "i99"),
        "xmatrices[0].correlations[0].row",
        "unknown item of this matrix",
    ),
    (
        "xm-strength",
        _set("xmatrices[0].correlations[0].strength", "huge"),
        "xmatrices[0].correlations[0].strength",
        "must be one of",
    ),
    (
        "xm-mark-twice",
        lambda d: (
            d["xmatrices"][0]["correlations"].append(d["xmatrices"][0]["correlations"][0]) or d
        ),
        "xmatrices[0].correlations[5]",
        "marked twice",
    ),
    (
        "xm-assign-kind",
        _set("xmatrices[0].assignments[0].priority", "i1"),
        "xmatrices[0].assignments[0].priority",
        "must be a priority",
    ),
    (
        "xm-resource-ref",
        _set("xmatrices[0].assignments[0].resource", "r9"),
        "xmatrices[0].assignments[0].resource",
        "unknown resource of this matrix",
    ),
    (
        "canvas-level",
        _set("canvases[0].levels[0].level", 11),
        "canvases[0].levels[0].level",
        "between 0 and 10",
    ),
    ("canvas-errc", _set("canvases[0].factors[0].errc", "boost"), "errc", "must be one of"),
    (
        "canvas-objective",
        _set("canvases[0].factors[1].objective", "o99"),
        "canvases[0].factors[1].objective",
        "unknown objective 'o99'",
    ),
    ("canvas-kind", _set("canvases[0].players[0].kind", "friend"), "kind", "must be one of"),
    ("canvas-title", _set("canvases[0].title", ""), "canvases[0].title", "must not be blank"),
    (
        "canvas-factor-ref",
        _set("canvases[0].levels[0].factor", "f99"),
        "canvases[0].levels[0].factor",
        "unknown factor of this canvas",
    ),
    (
        "canvas-level-twice",
        lambda d: d["canvases"][0]["levels"].append(d["canvases"][0]["levels"][0]) or d,
        "canvases[0].levels[6]",
        "listed twice",
    ),
    (
        "dup-username",
        lambda d: d["users"].append(dict(d["users"][0])) or d,
        "users[5].username",
        "listed twice",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "key", "message"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_invalid_input_names_the_problem_and_writes_nothing(
    rich: Organization, mutate: Mutation, key: str, message: str
) -> None:
    data = export_organization(rich)
    fresh_digests(data, "bad")
    bad = mutate(copy.deepcopy(data))
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        import_organization(bad, slug="copy")
    assert len(exc.value.errors) == 1
    [(path, text)] = exc.value.errors.items()
    assert key in path and message in text, exc.value.errors
    assert row_counts() == before
    # The same data without the fault imports.
    assert import_organization(data, slug="copy").slug == "copy"


def test_existing_slug_is_refused_unless_overridden(rich: Organization) -> None:
    data = export_organization(rich)
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        import_organization(data)
    assert set(exc.value.errors) == {"organization.slug"}
    with pytest.raises(ValidationFailed) as exc:
        import_organization(data, slug="not a slug")
    assert set(exc.value.errors) == {"slug"}
    assert row_counts() == before


def test_token_already_in_the_database_is_refused(rich: Organization) -> None:
    data = export_organization(rich)
    before = row_counts()
    with pytest.raises(ValidationFailed) as exc:
        import_organization(data, slug="copy")
    assert set(exc.value.errors) == {"api_tokens[0].digest"}
    assert row_counts() == before


# --- fuzzing -----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["2026-01-01", "2026-01-01T00:00:00+00:00", "o1", "acme", "1.5"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
documents = json_values | st.dictionaries(
    st.sampled_from([*sorted(TOP_KEYS - {"format", "version"}), "extra"]), json_values
).map(lambda d: {"format": FORMAT, "version": VERSION, **d})


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(doc=documents)
def test_random_json_gives_only_validation_failed(db: None, doc: Any) -> None:
    try:
        import_organization(doc, slug="fuzz")
    except ValidationFailed as exc:
        assert exc.errors and "database refused" not in str(exc)
    else:  # only a well-formed document imports; undo it for the next example
        org_services.delete_organization(Organization.objects.get(slug="fuzz"))


def _node_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else []
    )
    for key, child in children:
        yield from _node_paths(child, (*prefix, key))


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_mutated_export_gives_only_validation_failed(rich: Organization, data: Any) -> None:
    base = export_organization(rich)
    doc = copy.deepcopy(base)
    path = data.draw(st.sampled_from(list(_node_paths(doc))[1:]))
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    if data.draw(st.booleans()) and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = data.draw(json_values)
    n = next(_counter)
    if isinstance(doc.get("api_tokens"), list):
        for i, token in enumerate(doc["api_tokens"]):
            digest = token.get("digest") if isinstance(token, dict) else None
            # A copy in the same database may not reuse the original's token digests.
            if isinstance(digest, str) and digest in {t["digest"] for t in base["api_tokens"]}:
                token["digest"] = f"fuzz-{n}-{i}"
    before = row_counts()
    try:
        import_organization(doc, slug=f"fuzz-{n}")
    except ValidationFailed as exc:
        assert exc.errors and "database refused" not in str(exc), exc.errors
        assert row_counts() == before


_counter = itertools.count()


# --- volume ------------------------------------------------------------------------------------


def test_thousands_of_rows_import_quickly(rich: Organization) -> None:
    data = export_organization(rich)
    fresh_digests(data, "big")
    kr = data["objectives"][1]["key_results"][0]
    start = dt.datetime(2020, 1, 1, tzinfo=UTC)
    kr["checkins"] = [
        {
            "ref": f"bulk-c{i}",
            "value": str(Decimal(i) / 4),
            "confidence": i % 11,
            "note": "",
            "author": "lena",
            "created_at": (start + dt.timedelta(hours=i)).isoformat(),
        }
        for i in range(3000)
    ]
    data["kpis"][0]["measurements"] = [
        {
            "ref": f"bulk-m{i}",
            "period": (dt.date(2000, 1, 1) + dt.timedelta(days=i)).isoformat(),
            "value": str(i),
            "source": "api",
            "note": "",
            "recorded_by": None,
            "recorded_at": start.isoformat(),
        }
        for i in range(3000)
    ]
    data["audit_events"] = [
        {
            "action": "checkin.create",
            "actor": "lena",
            "object_type": "okrs.checkin",
            "object": f"bulk-c{i}",
            "before": None,
            "after": {"i": i},
            "created_at": (start + dt.timedelta(hours=i)).isoformat(),
        }
        for i in range(3000)
    ]
    began = time.perf_counter()
    org = import_organization(data, slug="big")
    elapsed = time.perf_counter() - began
    print(f"imported 9000 bulk rows in {elapsed:.2f}s")
    assert elapsed < 10
    assert CheckIn.objects.filter(organization=org).count() == sum(
        len(k["checkins"]) for o in data["objectives"] for k in o["key_results"]
    )
    began = time.perf_counter()
    exported = export_organization(org)
    print(f"exported in {time.perf_counter() - began:.2f}s")
    assert len(exported["audit_events"]) == 3000
    assert (
        export_organization(
            import_organization(
                renamed(exported, "big", "big2")
                | {
                    "api_tokens": [
                        dict(t, digest=f"big2-{i}") for i, t in enumerate(exported["api_tokens"])
                    ]
                },
                slug="big2",
            )
        )["audit_events"]
        == exported["audit_events"]
    )


# --- the demo organization and the models ------------------------------------------------------


def test_demo_organization_round_trips_exactly(db: None) -> None:
    from headway.demo import load_demo

    demo = load_demo(today=dt.date(2026, 11, 22))
    original = export_organization(demo)
    assert len(original["objectives"]) > 10 and original["kpis"]
    usernames = [u["username"] for u in original["users"]]
    org_services.delete_organization(demo)
    User.objects.filter(username__in=usernames).delete()
    began = time.perf_counter()
    imported = import_organization(json.loads(dumps(original)))
    print(f"demo: {count_rows(original)} rows imported in {time.perf_counter() - began:.2f}s")
    assert export_organization(imported) == original


# Fields the file leaves out on purpose; every other concrete field must be in it.
NOT_EXPORTED = {
    "id",
    "organization",
    "is_superuser",
    "is_staff",  # staff powers do not move with a file
    "team",
    "membership",  # TeamMember: nested under its team, named by username
    "child",
    "kpi",
    "key_result",
    "objective",  # the nesting says these
}


# Models that stay behind on purpose: sign-in throttling rows live 15 minutes and belong to the
# installation, not to an organization.
# Sign-in failures are the server's, not the organization's; the coach tally is derived (recounted).
NOT_EXPORTED_MODELS = {"orgs.SignInFailure", "okrs.CoachTally"}


def test_every_model_field_is_in_the_file(rich: Organization) -> None:
    """A new model field must be added to the exchange (or listed above on purpose)."""
    data = export_organization(rich)
    keys: dict[str, set[str]] = {}

    def collect(name: str, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            keys.setdefault(name, set()).update(row)

    collect("orgs.Organization", [data["organization"]])
    for name, section in [
        ("orgs.User", "users"),
        ("orgs.Membership", "memberships"),
        ("orgs.Team", "teams"),
        ("okrs.Cycle", "cycles"),
        ("kpis.Kpi", "kpis"),
        ("okrs.Objective", "objectives"),
        ("okrs.Rollup", "rollups"),
        ("orgs.ApiToken", "api_tokens"),
        ("okrs.CheckinReminder", "checkin_reminders"),
        ("audit.AuditEvent", "audit_events"),
    ]:
        collect(name, data[section])
    collect("orgs.TeamMember", [m for t in data["teams"] for m in t["members"]])
    collect("kpis.Measurement", [m for k in data["kpis"] for m in k["measurements"]])
    collect("kpis.Benchmark", [b for k in data["kpis"] for b in k["benchmarks"]])
    for model, section in [
        ("kpis.HealthChange", "health_changes"),
        ("kpis.Notification", "notifications"),
        ("kpis.XmrBaseline", "xmr_baselines"),
        ("kpis.RawEvent", "raw_events"),
        ("kpis.DataSource", "data_sources"),
    ]:
        collect(model, [row for k in data["kpis"] for row in k[section]])
    collect("kpis.AlertChannel", data["alert_channels"])
    krs = [kr for o in data["objectives"] for kr in o["key_results"]]
    collect("okrs.KeyResult", krs)
    collect("okrs.CheckIn", [c for kr in krs for c in kr["checkins"]])
    keys["okrs.Alignment"] = {"parent"}  # objectives[].parents
    collect("strategy.XMatrix", data["xmatrices"])
    for model, section in [
        ("strategy.XMatrixItem", "items"),
        ("strategy.XMatrixResource", "resources"),
        ("strategy.Correlation", "correlations"),
        ("strategy.Assignment", "assignments"),
    ]:
        collect(model, [row for m in data["xmatrices"] for row in m[section]])
    collect("strategy.StrategyCanvas", data["canvases"])
    for model, section in [
        ("strategy.CanvasFactor", "factors"),
        ("strategy.CanvasPlayer", "players"),
        ("strategy.CanvasLevel", "levels"),
    ]:
        collect(model, [row for c in data["canvases"] for row in c[section]])
    for model in apps.get_models():
        if model._meta.app_label not in ("orgs", "okrs", "kpis", "audit", "strategy"):
            continue
        if model._meta.label in NOT_EXPORTED_MODELS:
            continue
        fields = {f.name for f in model._meta.concrete_fields} - NOT_EXPORTED
        if model._meta.app_label == "strategy":
            # Nested under their matrix or canvas; references by name, not by nesting.
            fields = (fields - {"matrix", "canvas"}) | (
                {"kpi", "objective", "team"} & {f.name for f in model._meta.concrete_fields}
            )
        if model._meta.label == "strategy.XMatrixItem":
            fields.add("objectives")  # many-to-many: the objective refs
        if model._meta.label == "okrs.KeyResult":
            fields.add("kpi")  # a reference, not the nesting
        if model._meta.label in ("orgs.TeamMember", "okrs.CheckinReminder"):
            fields.add("user")  # the membership, by username
        if model._meta.label == "audit.AuditEvent":
            fields = (fields - {"object_id"}) | {"object"}
            keys[model._meta.label] |= {"object"}
        missing = fields - keys.get(model._meta.label, set())
        assert not missing, f"{model._meta.label}: {sorted(missing)} not exported"


def test_stable_keys_round_trip_and_duplicates_are_refused(world: World) -> None:
    first = okr_services.create_objective(
        actor=world.alice,
        title="Delight new customers",
        cycle_id=world.cycle.pk,
        owner_team_id=world.growth.pk,
        key="delight",
    )
    second = okr_services.create_objective(
        actor=world.alice,
        title="Delight new customers",
        cycle_id=world.cycle.pk,
        owner_team_id=world.growth.pk,
    )
    world.org.coach_disabled_rules = ["objective-too-long"]
    world.org.save()
    data = export_organization(world.org)
    keys = sorted(o["key"] for o in data["objectives"])
    assert (first.key, second.key) == ("delight", "delight-new-customers")
    assert keys == ["delight", "delight-new-customers"]
    assert data["organization"]["coach_disabled_rules"] == ["objective-too-long"]

    for objective in data["objectives"]:
        objective["key"] = "delight"
    with pytest.raises(ValidationFailed) as exc:
        import_organization(data, slug="copy")
    assert list(exc.value.errors) == ["objectives[1].key"]


# One query per table, whatever the number of rows (copies, grades, reminders and strategy rows
# included): 22 for the OKRs and KPIs, 6 for X-Matrices and 4 for canvases.
EXPORT_QUERIES = 32


@pytest.mark.parametrize("copies", [1, 5])
def test_export_queries_do_not_grow_with_copies_grades_and_reminders(
    world: World, copies: int, django_assert_num_queries: Any
) -> None:
    origin = make_objective(world.cycle, team=world.growth, title="Origin")
    for n in range(copies):
        copy_ = make_objective(
            world.cycle,
            team=world.growth,
            title=f"Copy {n}",
            origin=origin,
            origin_kind="duplicated",
        )
        make_kr(copy_, f"KR {n}", owner=world.mo, score=0.5, graded_by=world.lena)
        CheckinReminder.objects.create(
            organization=world.org,
            membership=world.mo,
            week=dt.date(2026, 10, 5) + dt.timedelta(weeks=n),
            sent_at=at(5),
            key_results=n,
        )
        _strategy_copy(world, copy_, year=2030 + n)
    with django_assert_num_queries(EXPORT_QUERIES):
        data = export_organization(world.org)
    assert len(data["checkin_reminders"]) == copies
    assert [o["origin"] for o in data["objectives"]].count("o1") == copies
    assert {kr["graded_by"] for o in data["objectives"] for kr in o["key_results"]} == {"lena"}
    assert [len(m["correlations"]) for m in data["xmatrices"]] == [1] * copies
    assert [len(c["levels"]) for c in data["canvases"]] == [1] * copies


def _strategy_copy(world: World, objective: Objective, *, year: int) -> None:
    org = world.org
    matrix = XMatrix.objects.create(organization=org, year=year)
    breakthrough, annual = (
        XMatrixItem.objects.create(organization=org, matrix=matrix, kind=kind, title=kind)
        for kind in ("breakthrough", "annual")
    )
    annual.objectives.add(objective)
    Correlation.objects.create(
        organization=org, matrix=matrix, row=breakthrough, column=annual, strength="weak"
    )
    resource = XMatrixResource.objects.create(organization=org, matrix=matrix, team=world.growth)
    priority = XMatrixItem.objects.create(
        organization=org, matrix=matrix, kind="priority", title="p", owner=world.mo
    )
    Assignment.objects.create(
        organization=org,
        matrix=matrix,
        priority=priority,
        resource=resource,
        responsibility="primary",
    )
    canvas = StrategyCanvas.objects.create(organization=org, title=f"Canvas {year}")
    factor = CanvasFactor.objects.create(
        organization=org, canvas=canvas, name="Price", objective=objective
    )
    player = CanvasPlayer.objects.create(organization=org, canvas=canvas, name="Us", kind="us")
    CanvasLevel.objects.create(
        organization=org, canvas=canvas, factor=factor, player=player, level=4
    )


def test_strategy_layer_in_the_file(rich: Organization) -> None:
    data = export_organization(rich)
    objectives = {o["title"]: o["ref"] for o in data["objectives"]}
    assert [m["year"] for m in data["xmatrices"]] == [2026, 2027]
    matrix = data["xmatrices"][0]
    assert matrix["title"] == "FY2026 on one page" and matrix["ref"] == "x1"
    assert [(i["ref"], i["kind"], i["title"]) for i in matrix["items"]] == [
        ("i1", "breakthrough", "The tool small teams can't live without"),
        ("i2", "annual", "Customers love our onboarding"),
        ("i3", "priority", "Guided onboarding"),
        ("i4", "priority", "Self-serve billing"),
        ("i5", "metric", "Onboarding NPS"),
    ]
    assert matrix["items"][1]["objectives"] == sorted(
        [objectives["Customers love us"], objectives["Our customers love our onboarding"]],
        key=lambda ref: int(ref[1:]),
    )
    metric = matrix["items"][4]
    assert (metric["kpi"], metric["baseline"], metric["target"], metric["owner"]) == (
        "nps",
        "32.0000",
        "55.5000",
        "lena",
    )
    assert matrix["resources"] == [
        {"ref": "r1", "team": "platform", "person": None, "label": "", "position": 0},
        {"ref": "r2", "team": None, "person": "mo", "label": "", "position": 1},
        {"ref": "r3", "team": None, "person": None, "label": "Design agency", "position": 2},
    ]
    assert [(c["row"], c["column"], c["strength"]) for c in matrix["correlations"]] == [
        ("i1", "i2", "strong"),
        ("i2", "i3", "moderate"),
        ("i2", "i4", "weak"),
        ("i3", "i5", "strong"),
        ("i5", "i1", "moderate"),
    ]
    assert matrix["assignments"] == [
        {"priority": "i3", "resource": "r1", "responsibility": "secondary"},
        {"priority": "i3", "resource": "r2", "responsibility": "primary"},
        {"priority": "i4", "resource": "r3", "responsibility": "primary"},
    ]
    [canvas] = data["canvases"]
    assert canvas["tagline"] == "Insight without an analyst"
    assert [(f["name"], f["errc"], f["objective"]) for f in canvas["factors"]] == [
        ("Price", "reduce", None),
        ("Coaching", "raise", objectives["Our customers love our onboarding"]),
        ("SSO", "", None),
    ]
    assert [(lv["factor"], lv["player"], lv["level"]) for lv in canvas["levels"]][:3] == [
        ("f1", "p1", 0),
        ("f1", "p2", 1),
        ("f2", "p1", 3),
    ]
    event = next(e for e in data["audit_events"] if e["action"] == "xmatrix.create")
    assert event["object"] == "x1"

    # Into a fresh copy: the links point at the copy's own objectives, KPIs, teams and people.
    fresh_digests(data, "strategy")
    copy_org = import_organization(data, slug="copy")
    item = XMatrixItem.objects.get(organization=copy_org, kind="annual")
    assert {o.organization_id for o in item.objectives.all()} == {copy_org.pk}
    assert item.objectives.count() == 2
    metric_row = XMatrixItem.objects.get(organization=copy_org, kind="metric")
    assert metric_row.kpi is not None and metric_row.kpi.organization_id == copy_org.pk
    assert metric_row.owner is not None and metric_row.owner.organization_id == copy_org.pk
    factor = CanvasFactor.objects.get(organization=copy_org, name="Coaching")
    assert factor.objective is not None and factor.objective.organization_id == copy_org.pk
    matrix_row = XMatrix.objects.get(organization=copy_org, year=2026)
    assert (
        AuditEvent.objects.get(organization=copy_org, action="xmatrix.create").object_id
        == matrix_row.pk
    )
