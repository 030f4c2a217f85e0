"""`headway bench-data`: counts, determinism, stored values the services agree with, pages.

Small sizes (100 people: 10 teams, 25 KPIs) keep these fast; run them on SQLite and, with
DATABASE_URL set, on PostgreSQL (COPY).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from typer.testing import CliRunner

from headway.benchdata.digest import digest
from headway.benchdata.generate import Options
from headway.benchdata.load import BenchExists, load
from headway.cli.main import app
from headway.kpis.alerts import evaluate_kpi
from headway.kpis.models import HealthChange, Kpi
from headway.okrs.models import Cycle, KeyResult, Objective, Rollup
from headway.okrs.progress import key_result_progress
from headway.okrs.scores import recompute_scores
from headway.okrs.services import recompute_objective, recompute_rollups
from headway.orgs.models import Organization, Team, User

TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
PEOPLE = 100


def _options(**kwargs: Any) -> Options:
    return Options(**{"people": PEOPLE, "today": TODAY, **kwargs})


def _counts(org: Organization) -> dict[str, int]:
    out = {}
    for label in (
        "orgs.Team", "orgs.Membership", "orgs.TeamMember", "okrs.Cycle", "okrs.Objective",
        "okrs.Alignment", "okrs.KeyResult", "okrs.CheckIn", "okrs.Rollup", "kpis.Kpi",
        "kpis.Measurement",
    ):  # fmt: skip
        model: Any = apps.get_model(label)
        out[label] = model.objects.filter(organization=org).count()
    return out


@pytest.mark.django_db
def test_the_command_loads_the_planned_counts() -> None:
    result = CliRunner().invoke(
        app, ["bench-data", "--people", str(PEOPLE), "--today", TODAY.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "p00001" in result.output
    org = Organization.objects.get(slug="bench")
    teams, cycles = 10, 8
    # 2026-Q4 up to Nov 30 has 9 Monday check-ins; the seven closed quarters 13 each.
    checkins_per_kr = 7 * 13 + 9
    assert _counts(org) == {
        "orgs.Team": teams,
        "orgs.Membership": PEOPLE,
        "orgs.TeamMember": PEOPLE,
        "okrs.Cycle": cycles,
        "okrs.Objective": teams * cycles * 3,
        "okrs.Alignment": (teams - 1) * cycles * 3,
        "okrs.KeyResult": teams * cycles * 12,
        "okrs.CheckIn": teams * 12 * checkins_per_kr,
        "okrs.Rollup": (teams + 1) * cycles,
        "kpis.Kpi": PEOPLE // 4,
        "kpis.Measurement": PEOPLE // 4 * 730,
    }
    assert User.objects.filter(username__regex=r"^p[0-9]{5}$").count() == PEOPLE
    # The tree is five levels deep: company, division, department, group, team.
    depths = {}
    for team in org.teams.order_by("id"):
        depths[team.pk] = 0 if team.parent_id is None else depths[team.parent_id] + 1
    assert max(depths.values()) == 4
    assert list(Cycle.objects.filter(organization=org).values_list("state", flat=True)) == [
        "active",
        *["closed"] * 7,
    ]
    # The sequences (SQLite's too) moved past the loaded ids: the app's own inserts still work.
    team = Team.objects.create(organization=org, name="New", slug="new", parent=org.teams.first())
    assert team.pk > max(depths)
    # Once there, the organization is refused without --replace.
    again = CliRunner().invoke(app, ["bench-data", "--people", str(PEOPLE)])
    assert again.exit_code != 0
    assert "--replace" in again.output


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows() -> None:
    load(_options(slug="same"))
    first = digest(Organization.objects.get(slug="same").pk)
    with pytest.raises(BenchExists):
        load(_options(slug="same"))
    load(_options(slug="same"), replace=True)
    assert digest(Organization.objects.get(slug="same").pk) == first
    load(_options(slug="same", seed=9), replace=True)
    assert digest(Organization.objects.get(slug="same").pk) != first


@pytest.mark.django_db
def test_stored_values_are_what_the_services_compute() -> None:
    load(_options())
    org = Organization.objects.get(slug="bench")
    krs = KeyResult.objects.filter(organization=org)
    for kr in krs[:400]:
        assert key_result_progress(kr) == kr.progress
    for kr in krs.filter(objective__cycle__state="closed")[:200]:
        assert kr.score is not None and kr.graded_at is not None
    objectives = list(Objective.objects.filter(organization=org).order_by("id")[:120])
    for objective in objectives:
        stored = objective.progress
        assert recompute_objective(objective) == stored

    def snapshot() -> dict[str, Any]:
        return {
            "objectives": sorted(
                Objective.objects.filter(organization=org).values_list("id", "progress", "score")
            ),
            "rollups": sorted(
                Rollup.objects.filter(organization=org).values_list(
                    "cycle_id", "team_id", "progress", "score"
                ),
                key=repr,
            ),
        }

    before = snapshot()
    for cycle in Cycle.objects.filter(organization=org):
        team_ids = set(org.teams.values_list("id", flat=True))
        recompute_rollups(cycle, team_ids)
        if cycle.state == "closed":
            recompute_scores(cycle)
    assert snapshot() == before
    assert any(score is not None for *_, score in before["rollups"])

    # One evaluation at the moment it was built as of changes no health and records nothing.
    changes = HealthChange.objects.filter(organization=org).count()
    kpis = list(Kpi.objects.filter(organization=org))
    stored = [(k.health, k.alert_state, k.alert_state_since) for k in kpis]
    assert {k.health for k in kpis} - {"unknown"}
    for kpi in kpis:
        evaluate_kpi(kpi, NOW)
    assert [(k.health, k.alert_state, k.alert_state_since) for k in kpis] == stored
    assert HealthChange.objects.filter(organization=org).count() == changes


@pytest.mark.django_db
def test_pages_render_for_one_of_its_people(client: Any) -> None:
    load(_options())
    org = Organization.objects.get(slug="bench")
    client.force_login(User.objects.get(username="p00002"))
    objective = Objective.objects.filter(organization=org, cycle__state="active").first()
    kpi = Kpi.objects.filter(organization=org).first()
    assert objective is not None and kpi is not None
    with time_machine.travel(NOW + dt.timedelta(hours=3), tick=False):
        for url in ("/okrs/", f"/objectives/{objective.pk}/", f"/kpis/{kpi.pk}/", "/kpis/"):
            response = client.get(url)
            assert response.status_code == 200, url
    assert connection.vendor in ("sqlite", "postgresql")
