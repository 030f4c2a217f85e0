"""The permission matrix: every role tries every action through the real entry points.

One organization is built once; each (action, role) cell runs in its own savepoint that is rolled
back afterwards, so every cell starts from the same data. A cell passes only when the answer AND
the database agree: allowed means the change is there, refused or not found means nothing changed.
The matrix actually observed is printed and must equal permission_matrix.EXPECTED, cell by cell.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from typer.testing import CliRunner

from headway.cli.main import app
from headway.kpis import alert_services
from headway.kpis.choices import MeasurementSource
from headway.kpis.models import AlertChannel, Kpi, Measurement, XmrBaseline
from headway.kpis.services import upsert_measurements
from headway.okrs.choices import CycleState, ObjectiveStatus
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective
from headway.orgs.choices import Role
from headway.orgs.models import ApiToken, Membership, Team, User
from headway.orgs.services import create_token
from headway.strategy import canvas_services
from headway.strategy import services as strategy_services
from headway.strategy.models import CanvasFactor, StrategyCanvas, XMatrix, XMatrixItem
from tests.factories import (
    PASSWORD,
    World,
    make_kpi,
    make_kr,
    make_member,
    make_objective,
    make_user,
    make_world,
)
from tests.trust.permission_matrix import EXPECTED, ROLES, parse, render

NOW = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
# What every write sets: found in the database afterwards only if the write went through.
MARK = "Changed by the permission matrix"


@dataclass
class Answer:
    """What one entry point said: an HTTP status (or a CLI exit code) and the text it sent."""

    status: int
    text: str = ""
    location: str = ""
    cli: bool = False


@dataclass
class Scene:
    w: World
    company_objective: Objective  # owned by the company team: only the admin changes it
    growth_objective: Objective  # owned by Growth (T)
    mos_kr: KeyResult  # in T, owned by mo
    lenas_kr: KeyResult  # in T, owned by lena
    company_kr: KeyResult  # outside T, no owner
    mos_company_kr: KeyResult  # outside T, owned by mo
    mos_objective: Objective  # mo's personal objective
    growth_kpi: Kpi
    mos_kpi: Kpi
    company_kpi: Kpi
    channel: AlertChannel
    pats_token: ApiToken  # pat is one more member; nobody but pat and the admin may revoke it
    matrix: XMatrix
    canvas: StrategyCanvas
    people: dict[str, User]
    web: dict[str, Client] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def membership(self, role: str) -> Membership | None:
        return Membership.objects.filter(user=self.people[role]).first()


# --- the entry points -------------------------------------------------------------------------


def web(scene: Scene, role: str, method: str, path: str, data: Any = None) -> Answer:
    client = scene.web[role]
    response = client.post(path, data or {}) if method == "post" else client.get(path)
    return Answer(
        response.status_code,
        response.content.decode(errors="replace"),
        response.get("Location", ""),
    )


def api(scene: Scene, role: str, method: str, path: str, body: Any = None) -> Answer:
    """The API with the person's Bearer token; someone without one uses their session."""
    kwargs: dict[str, Any] = {}
    if role in scene.tokens:
        kwargs["HTTP_AUTHORIZATION"] = f"Bearer {scene.tokens[role]}"
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    client = Client() if role in scene.tokens else scene.web[role]
    response = getattr(client, method)(f"/api/v1{path}", **kwargs)
    return Answer(response.status_code, response.content.decode(errors="replace"))


def api_session(scene: Scene, role: str, method: str, path: str, body: Any = None) -> Answer:
    """The API as the browser calls it: the signed-in session, no token."""
    client = scene.web[role]
    response = getattr(client, method)(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json"
    )
    return Answer(response.status_code, response.content.decode(errors="replace"))


def cli(scene: Scene, role: str, *args: str) -> Answer:
    username = scene.people[role].username
    result = CliRunner().invoke(app, [*args, "--user", username], env={"HEADWAY_ORG": ""})
    return Answer(result.exit_code, result.output + (result.stderr or ""), cli=True)


# --- what each cell observed ------------------------------------------------------------------


def classify(answer: Answer, changed: bool) -> str:
    """The cell this answer and effect make; "?…" for anything the legend does not allow."""
    if answer.cli:
        text = answer.text.strip()
        if answer.status == 0:
            kind = "ok"
        elif text.startswith("error: permission denied"):
            kind = "✗"
        elif text.startswith("error: ") and text.endswith("not found"):
            kind = "404"
        elif text.startswith("error: user: ") and "belongs to no organization" in text:
            kind = "✗401"
        else:
            kind = f"?exit{answer.status}:{text[:60]}"
    elif answer.status in (200, 201, 204) or (
        answer.status == 302 and "login" not in answer.location and "sign-in" not in answer.location
    ):
        kind = "ok"
    elif answer.status == 302:
        kind = "✗"  # sent to a sign-in page: the Django admin's answer to non-staff
    else:
        kind = {403: "✗", 422: "✗422", 401: "✗401", 404: "404"}.get(
            answer.status, f"?{answer.status}"
        )
    if kind == "ok":
        return "✓" if changed else "?done-nothing"
    return kind if not changed else f"{kind}+changed!"


# --- the actions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    run: Callable[[Scene, str], Answer]
    # Whether the action's effect is there: read from the database (a write) or the answer (a read).
    done: Callable[[Scene, str, Answer], bool]
    prepare: Callable[[Scene], None] | None = None


def _kr_checked_in(kr: Callable[[Scene], KeyResult]) -> Callable[[Scene, str, Answer], bool]:
    return lambda s, r, a: CheckIn.objects.filter(key_result=kr(s), value=Decimal("41")).exists()


def _api_check_in(kr: Callable[[Scene], KeyResult]) -> Action:
    """A check-in of 41 through the API on ``kr``, done when the key result has it."""
    return Action(
        lambda s, r: api(
            s, r, "post", f"/key-results/{kr(s).pk}/check-ins", {"value": 41, "confidence": 6}
        ),
        _kr_checked_in(kr),
    )


def _checkin_form(kr: KeyResult) -> dict[str, str]:
    prefix = f"kr-{kr.pk}"
    return {f"{prefix}-value": "41", f"{prefix}-confidence": "6", f"{prefix}-note": MARK}


def _objective_form(s: Scene, owner: str) -> dict[str, str]:
    return {
        "title": MARK,
        "description": "",
        "cycle": str(s.w.cycle.pk),
        "owner": owner,
        "kind": "aspirational",
        "weight": "1",
        "kr-TOTAL_FORMS": "0",
        "kr-INITIAL_FORMS": "0",
        "kr-MIN_NUM_FORMS": "0",
        "kr-MAX_NUM_FORMS": "10",
    }


def _own_kpi(s: Scene, role: str) -> dict[str, Any]:
    body: dict[str, Any] = {"key": "matrix-made", "name": MARK, "direction": "higher"}
    me = s.membership(role)
    if me is not None:
        body["owner_id"] = me.pk
    return body


def _to_grading(s: Scene) -> None:
    s.w.cycle.state = CycleState.GRADING
    s.w.cycle.save(update_fields=["state"])


def _measured(kpi: Callable[[Scene], Kpi], value: str) -> Callable[[Scene, str, Answer], bool]:
    return lambda s, r, a: Measurement.objects.filter(kpi=kpi(s), value=Decimal(value)).exists()


def _objective_titled(pk: Callable[[Scene], int]) -> Callable[[Scene, str, Answer], bool]:
    return lambda s, r, a: Objective.objects.filter(pk=pk(s), title=MARK).exists()


def _shows(text: Callable[[Scene], str]) -> Callable[[Scene, str, Answer], bool]:
    return lambda s, r, a: a.status == 200 and text(s) in a.text


ACTIONS: dict[str, Action] = {
    "read the OKR board of the cycle (web)": Action(
        lambda s, r: web(s, r, "get", f"/okrs/cycle/{s.w.cycle.pk}/"),
        _shows(lambda s: s.growth_objective.title),
    ),
    "read T's objective (web)": Action(
        lambda s, r: web(s, r, "get", f"/objectives/{s.growth_objective.pk}/"),
        _shows(lambda s: s.mos_kr.title),
    ),
    "read T's KPI (API)": Action(
        lambda s, r: api(s, r, "get", f"/kpis/{s.growth_kpi.pk}"),
        _shows(lambda s: s.growth_kpi.name),
    ),
    "read the X-Matrix (web)": Action(
        lambda s, r: web(s, r, "get", f"/strategy/xmatrix/{s.matrix.pk}/"),
        _shows(lambda s: "Own the mid-market"),
    ),
    "read another person's page (web)": Action(
        lambda s, r: web(s, r, "get", f"/people/{s.w.mo.pk}/"),
        _shows(lambda s: s.mos_kr.title),
    ),
    "create an objective for T (web)": Action(
        lambda s, r: web(
            s, r, "post", "/objectives/new/", _objective_form(s, f"team:{s.w.growth.pk}")
        ),
        lambda s, r, a: Objective.objects.filter(title=MARK, owner_team=s.w.growth).exists(),
    ),
    "create an objective for T (API)": Action(
        lambda s, r: api(
            s,
            r,
            "post",
            "/objectives",
            {"title": MARK, "cycle_id": s.w.cycle.pk, "owner_team_id": s.w.growth.pk},
        ),
        lambda s, r, a: Objective.objects.filter(title=MARK, owner_team=s.w.growth).exists(),
    ),
    "create a personal objective for oneself (API)": Action(
        lambda s, r: api(s, r, "post", "/objectives", {"title": MARK, "cycle_id": s.w.cycle.pk}),
        lambda s, r, a: Objective.objects.filter(
            title=MARK, cycle=s.w.cycle, owner_person__isnull=False
        ).exists(),
    ),
    "edit T's objective (web)": Action(
        lambda s, r: web(
            s,
            r,
            "post",
            f"/objectives/{s.growth_objective.pk}/edit/",
            _objective_form(s, f"team:{s.w.growth.pk}"),
        ),
        _objective_titled(lambda s: s.growth_objective.pk),
    ),
    "edit another team's objective (API)": Action(
        lambda s, r: api(s, r, "patch", f"/objectives/{s.company_objective.pk}", {"title": MARK}),
        _objective_titled(lambda s: s.company_objective.pk),
    ),
    "edit the member's personal objective (API)": Action(
        lambda s, r: api(s, r, "patch", f"/objectives/{s.mos_objective.pk}", {"title": MARK}),
        _objective_titled(lambda s: s.mos_objective.pk),
    ),
    "hand T's objective to another team (API)": Action(
        lambda s, r: api(
            s, r, "patch", f"/objectives/{s.growth_objective.pk}", {"owner_team_id": s.w.company.pk}
        ),
        lambda s, r, a: Objective.objects.filter(
            pk=s.growth_objective.pk, owner_team=s.w.company
        ).exists(),
    ),
    "archive T's objective (web)": Action(
        lambda s, r: web(s, r, "post", f"/objectives/{s.growth_objective.pk}/archive/"),
        lambda s, r, a: Objective.objects.filter(
            pk=s.growth_objective.pk, status=ObjectiveStatus.ARCHIVED
        ).exists(),
    ),
    "add a key result to T's objective (API)": Action(
        lambda s, r: api(
            s,
            r,
            "post",
            "/key-results",
            {"objective_id": s.growth_objective.pk, "title": MARK, "start": 0, "target": 10},
        ),
        lambda s, r, a: KeyResult.objects.filter(title=MARK).exists(),
    ),
    "delete a key result of T (web)": Action(
        lambda s, r: web(s, r, "post", f"/key-results/{s.lenas_kr.pk}/delete/"),
        lambda s, r, a: not KeyResult.objects.filter(pk=s.lenas_kr.pk).exists(),
    ),
    "check in on the member's own key result in T (web)": Action(
        lambda s, r: web(
            s, r, "post", f"/key-results/{s.mos_kr.pk}/check-in/", _checkin_form(s.mos_kr)
        ),
        _kr_checked_in(lambda s: s.mos_kr),
    ),
    "check in on another's key result in T (API)": _api_check_in(lambda s: s.lenas_kr),
    "check in on a key result outside T (API)": _api_check_in(lambda s: s.company_kr),
    "check in on the member's key result outside T (API)": _api_check_in(
        lambda s: s.mos_company_kr
    ),
    "check in on the member's own key result in T (CLI)": Action(
        lambda s, r: cli(s, r, "checkin", str(s.mos_kr.pk), "41", "--confidence", "6"),
        _kr_checked_in(lambda s: s.mos_kr),
    ),
    "grade the member's key result in T (API)": Action(
        lambda s, r: api(
            s, r, "put", f"/key-results/{s.mos_kr.pk}/grade", {"score": 0.7, "reason": MARK}
        ),
        lambda s, r, a: KeyResult.objects.filter(
            pk=s.mos_kr.pk, score=0.7, score_reason=MARK
        ).exists(),
        prepare=_to_grading,
    ),
    "move the cycle on to grading (web)": Action(
        lambda s, r: web(
            s, r, "post", f"/okrs/cycles/{s.w.cycle.pk}/transition/", {"to": "grading"}
        ),
        lambda s, r, a: Cycle.objects.filter(pk=s.w.cycle.pk, state=CycleState.GRADING).exists(),
    ),
    "create a KPI for T (web)": Action(
        lambda s, r: web(
            s,
            r,
            "post",
            "/kpis/new/",
            {
                "name": MARK,
                "key": "matrix-made",
                "direction": "higher",
                "cadence": "month",
                "aggregation": "last",
                "owner_team": str(s.w.growth.pk),
            },
        ),
        lambda s, r, a: Kpi.objects.filter(key="matrix-made", owner_team=s.w.growth).exists(),
    ),
    "create a KPI one owns oneself (API)": Action(
        lambda s, r: api(s, r, "post", "/kpis", _own_kpi(s, r)),
        lambda s, r, a: Kpi.objects.filter(key="matrix-made", owner__user=s.people[r]).exists(),
    ),
    "hand T's KPI to another team (API)": Action(
        lambda s, r: api(
            s, r, "patch", f"/kpis/{s.growth_kpi.pk}", {"owner_team_id": s.w.company.pk}
        ),
        lambda s, r, a: Kpi.objects.filter(pk=s.growth_kpi.pk, owner_team=s.w.company).exists(),
    ),
    "edit T's KPI and its alert rule (API)": Action(
        lambda s, r: api(
            s, r, "patch", f"/kpis/{s.growth_kpi.pk}", {"name": MARK, "alert_after": 3}
        ),
        lambda s, r, a: Kpi.objects.filter(pk=s.growth_kpi.pk, name=MARK, alert_after=3).exists(),
    ),
    "record a measurement on T's KPI (web)": Action(
        lambda s, r: web(
            s,
            r,
            "post",
            f"/kpis/{s.growth_kpi.pk}/measurements/",
            {"period": "2026-10-01", "value": "41"},
        ),
        _measured(lambda s: s.growth_kpi, "41"),
    ),
    "record a measurement on the member's own KPI (API)": Action(
        lambda s, r: api(
            s,
            r,
            "post",
            f"/kpis/{s.mos_kpi.pk}/measurements",
            {"measurements": [{"period": "2026-10-01", "value": 41}]},
        ),
        _measured(lambda s: s.mos_kpi, "41"),
    ),
    "record a measurement on another team's KPI (CLI)": Action(
        lambda s, r: cli(s, r, "kpi", "record", s.company_kpi.key, "41", "--period", "2026-10-01"),
        _measured(lambda s: s.company_kpi, "41"),
    ),
    "re-baseline the XmR chart of T's KPI (API)": Action(
        lambda s, r: api(
            s,
            r,
            "post",
            f"/kpis/{s.growth_kpi.pk}/xmr/baselines",
            {"starts_on": "2026-05-01", "size": 3},
        ),
        lambda s, r, a: XmrBaseline.objects.filter(kpi=s.growth_kpi).exists(),
    ),
    "edit an alert channel (API)": Action(
        lambda s, r: api(s, r, "patch", f"/alert-channels/{s.channel.pk}", {"name": MARK}),
        lambda s, r, a: AlertChannel.objects.filter(pk=s.channel.pk, name=MARK).exists(),
    ),
    "delete an alert channel (web)": Action(
        lambda s, r: web(s, r, "post", f"/kpis/alerts/{s.channel.pk}/delete/"),
        lambda s, r, a: not AlertChannel.objects.filter(pk=s.channel.pk).exists(),
    ),
    "create an API token for oneself (API, signed in)": Action(
        lambda s, r: api_session(s, r, "post", "/tokens", {"name": MARK}),
        lambda s, r, a: ApiToken.objects.filter(name=MARK, membership__user=s.people[r]).exists(),
    ),
    "revoke another person's API token (API)": Action(
        lambda s, r: api(s, r, "delete", f"/tokens/{s.pats_token.pk}"),
        lambda s, r, a: ApiToken.objects.filter(
            pk=s.pats_token.pk, revoked_at__isnull=False
        ).exists(),
    ),
    "create an API token for oneself (web)": Action(
        lambda s, r: web(s, r, "post", "/account/tokens/", {"name": MARK, "scope": "read"}),
        lambda s, r, a: ApiToken.objects.filter(name=MARK, membership__user=s.people[r]).exists(),
    ),
    "revoke another person's API token (web)": Action(
        lambda s, r: web(s, r, "post", f"/account/tokens/{s.pats_token.pk}/revoke/"),
        lambda s, r, a: ApiToken.objects.filter(
            pk=s.pats_token.pk, revoked_at__isnull=False
        ).exists(),
    ),
    "create a team under T (API)": Action(
        lambda s, r: api(
            s,
            r,
            "post",
            "/teams",
            {"name": MARK, "slug": "matrix-made", "parent_id": s.w.growth.pk},
        ),
        lambda s, r, a: Team.objects.filter(slug="matrix-made").exists(),
    ),
    "add an item to the X-Matrix (web)": Action(
        lambda s, r: web(
            s,
            r,
            "post",
            f"/strategy/xmatrix/{s.matrix.pk}/lists/annual/add/",
            {"add-annual-title": MARK},
        ),
        lambda s, r, a: XMatrixItem.objects.filter(matrix=s.matrix, title=MARK).exists(),
    ),
    "add a factor to the Strategy Canvas (API)": Action(
        lambda s, r: api(s, r, "post", f"/canvases/{s.canvas.pk}/factors", {"name": MARK}),
        lambda s, r, a: CanvasFactor.objects.filter(canvas=s.canvas, name=MARK).exists(),
    ),
    "open the Django admin site (web)": Action(
        lambda s, r: web(s, r, "get", "/admin/"),
        _shows(lambda s: "Site administration"),
    ),
}


# --- the organization -------------------------------------------------------------------------


def build_scene() -> Scene:
    w = make_world()
    alice = w.alice
    company_objective = make_objective(w.cycle, team=w.company, title="Grow a loyal customer base")
    growth_objective = make_objective(w.cycle, team=w.growth, title="Bring new inbound leads")
    mos_kr = make_kr(growth_objective, "Monthly visitors from 3k to 7k", "3000", "7000", owner=w.mo)
    lenas_kr = make_kr(
        growth_objective, "Trial sign-ups from 250 to 500", "250", "500", owner=w.lena
    )
    company_kr = make_kr(company_objective, "Churn from 5% to 3%", "5", "3")
    mos_company_kr = make_kr(company_objective, "Referrals from 10 to 40", "10", "40", owner=w.mo)
    mos_objective = make_objective(w.cycle, person=w.mo, title="Write more often")
    growth_kpi = make_kpi(w.org, "signups", name="Trial sign-ups", owner_team=w.growth)
    mos_kpi = make_kpi(w.org, "blog-posts", name="Blog posts", owner=w.mo)
    company_kpi = make_kpi(w.org, "revenue", name="Revenue", owner_team=w.company)
    # Six months of values, so the XmR chart has a period to start a new baseline at.
    upsert_measurements(
        actor=alice,
        kpi=growth_kpi,
        rows=[{"period": dt.date(2026, m, 1), "value": str(10 + m)} for m in range(4, 10)],
        source=MeasurementSource.MANUAL,
    )
    channel = alert_services.create_channel(
        actor=alice, name="Ops mail", kind="email", recipients="ops@example.com"
    )
    pat = make_member(w.org, "pat", Role.MEMBER)
    pats_token, _ = create_token(membership=pat, name="pat's laptop")
    matrix = strategy_services.create_xmatrix(actor=alice, year=2026, title="Acme 2026")
    strategy_services.add_item(
        actor=alice, matrix=matrix, kind="annual", title="Own the mid-market"
    )
    canvas = canvas_services.create_canvas(actor=alice, title="Acme against the industry")
    people = {
        "admin": w.alice.user,
        "lead": w.lena.user,
        "member": w.mo.user,
        "viewer": w.vic.user,
        "outsider": w.oscar.user,
        "no-org": make_user("nora"),
    }
    scene = Scene(
        w,
        company_objective,
        growth_objective,
        mos_kr,
        lenas_kr,
        company_kr,
        mos_company_kr,
        mos_objective,
        growth_kpi,
        mos_kpi,
        company_kpi,
        channel,
        pats_token,
        matrix,
        canvas,
        people,
    )
    for role, user in people.items():
        client = Client()
        assert client.login(username=user.username, password=PASSWORD)
        scene.web[role] = client
        membership = scene.membership(role)
        if membership is not None:
            scene.tokens[role] = create_token(membership=membership, name="matrix")[1]
    return scene


@pytest.fixture
def scene(db: None) -> Iterator[Scene]:
    with time_machine.travel(NOW, tick=False):
        yield build_scene()


def run_cell(scene: Scene, action: Action, role: str) -> str:
    """One cell, in a savepoint rolled back afterwards: every cell sees the same organization."""
    with transaction.atomic():
        if action.prepare is not None:
            action.prepare(scene)
        if action.done(scene, role, Answer(0)):
            cell = "?effect-before-acting"
        else:
            answer = action.run(scene, role)
            cell = classify(answer, action.done(scene, role, answer))
        transaction.set_rollback(True)
    return cell


def test_the_permission_matrix(scene: Scene, capsys: pytest.CaptureFixture[str]) -> None:
    expected = parse(EXPECTED)
    assert list(expected) == list(ACTIONS), "the table and the actions must list the same rows"
    observed = {
        name: {role: run_cell(scene, action, role) for role in ROLES}
        for name, action in ACTIONS.items()
    }
    printed = render(observed)
    cells = sum(len(row) for row in observed.values())
    with capsys.disabled():
        print(f"\n\nPermission matrix checked ({len(observed)} actions x {len(ROLES)} roles):")
        print(printed + "\n")
    wrong = [
        f"{name} / {role}: expected {expected[name][role]}, got {observed[name][role]}"
        for name in expected
        for role in ROLES
        if observed[name][role] != expected[name][role]
    ]
    assert not wrong, "\n".join(wrong)
    assert cells == len(expected) * len(ROLES)
    assert printed == render(expected)
