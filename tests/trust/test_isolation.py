"""Tenant isolation, generated from the URL configuration and the OpenAPI document.

For every page and every API operation that names an object, a person acting in another
organization gets 404 for organization A's object, on read and on write, and A is unchanged
afterwards. A's own admin reaching the same URLs is the control that the ids are right. A new
page or endpoint is covered the day it is added; a new parameter name or a write without a body
recipe fails here until tests/trust/isolation_targets.py learns it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client

from headway.okrs.models import Objective
from headway.orgs.middleware import SESSION_KEY
from headway.orgs.models import Membership
from headway.orgs.services import create_token
from tests.trust.isolation_targets import (
    DEMO_NOW,
    ApiOperation,
    OrgA,
    Outsiders,
    api_operations,
    body_for,
    build_org_a,
    build_outsiders,
    changes,
    fill,
    snapshot,
    web_patterns,
)

pytestmark = pytest.mark.django_db

# Operations A's own admin is refused for a reason of the object's state, not its id: the
# control accepts that status (never 404) and the reason is printed with any failure.
OWNER_API_EXCEPTIONS: dict[str, tuple[int, str]] = {
    "grading_reopen_cycle": (422, "A's cycle is active; only a cycle in grading or closed reopens"),
    "grading_grade_key_result": (422, "A's cycle is active; grades are given in grading"),
    "grading_clear_grade": (422, "A's cycle is active; grades are cleared in grading"),
}
# Pages A's own admin gets a status other than 2xx/3xx from on GET, and why.
OWNER_WEB_EXCEPTIONS: dict[str, tuple[int, str]] = {}


@pytest.fixture
def scene(db: None) -> Iterator[tuple[OrgA, Outsiders]]:
    with time_machine.travel(DEMO_NOW, tick=False):
        a = build_org_a()
        yield a, build_outsiders(a)


def signed_in(membership: Membership) -> Client:
    """A browser of ``membership``'s person with that organization chosen as the current one."""
    client = Client(raise_request_exception=False)
    client.force_login(membership.user)
    session = client.session
    session[SESSION_KEY] = membership.organization_id
    session.save()
    return client


def bearer(membership: Membership) -> dict[str, str]:
    _, secret = create_token(membership=membership, name="isolation", scope="write")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def call_api(client: Client, op: ApiOperation, url: str, body: Any, auth: dict[str, str]) -> Any:
    kwargs: dict[str, Any] = dict(auth)
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    return getattr(client, op.method)(url, **kwargs)


def rolled_back(request: Callable[[], Any]) -> Any:
    """Send a write and undo it, so each control write starts from the same organization."""
    with transaction.atomic():
        response = request()
        transaction.set_rollback(True)
    return response


def refuses(response: Any, method: str) -> bool:
    """A POST-only action (or a GET-only page) answers the other method with 405 before looking
    anything up, whatever the id: that reveals nothing."""
    return response.status_code == 405 and method not in response.get("Allow", "")


def assert_unchanged(a: OrgA, before: dict[str, Any]) -> None:
    found = changes(before, snapshot(a.org))
    assert not found, "an outsider's requests changed organization A:\n" + "\n".join(found[:20])


def outsider(scene: tuple[OrgA, Outsiders], who: str) -> Membership:
    _, b = scene
    return b.admin if who == "admin_of_b" else b.dual_in_b


# --- inventory -------------------------------------------------------------------------------


def test_every_object_url_is_known_and_counted(scene: tuple[OrgA, Outsiders]) -> None:
    a, _ = scene
    with_objects, without = web_patterns()
    for pattern in with_objects:
        fill(list(pattern.params), a, f"page {pattern.route} ({pattern.name})")
    ops = api_operations()
    addressed = [op for op in ops if op.params]
    for op in addressed:
        fill(list(op.params), a, f"API {op.method.upper()} {op.path}")
        if op.writes:
            body_for(op, a)
    print(
        f"\nweb: {len(with_objects)} patterns with an object checked; {len(without)} without one:"
        f" {', '.join(p.route or '/' for p in without)}"
        f"\napi: {len(addressed)} of {len(ops)} operations name an object"
        f" ({sum(op.writes for op in addressed)} writes); without: "
        f"{', '.join(f'{op.method.upper()} {op.path}' for op in ops if not op.params)}"
    )
    # The walk really reads the configuration: a few pages and operations every version has.
    routes = {p.route for p in with_objects}
    assert {"objectives/<int:objective_id>/", "kpis/<int:kpi_id>/edit/"} <= routes
    assert ("patch", "/objectives/{objective_id}") in {(op.method, op.path) for op in addressed}
    assert len(with_objects) >= 60 and len(addressed) >= 60


# --- web pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_of_b", "admin_of_both_acting_in_b"])
def test_pages_of_another_organization_are_404(scene: tuple[OrgA, Outsiders], who: str) -> None:
    a, _ = scene
    client = signed_in(outsider(scene, who))  # signing in stamps last_login: before the snapshot
    before = snapshot(a.org)
    with_objects, _ = web_patterns()
    wrong: list[str] = []
    for pattern in with_objects:
        url = pattern.url(fill(list(pattern.params), a, pattern.route))
        got = client.get(url)
        if got.status_code != 404 and not refuses(got, "GET"):
            wrong.append(f"GET {url} ({pattern.name}): {got.status_code}")
        got = client.post(url, {})
        if got.status_code != 404 and not refuses(got, "POST"):
            wrong.append(f"POST {url} ({pattern.name}): {got.status_code}")
    assert not wrong, f"{len(wrong)} of A's pages answered {who} with other than 404:\n" + (
        "\n".join(wrong)
    )
    assert_unchanged(a, before)


def test_the_owner_reaches_every_page(scene: tuple[OrgA, Outsiders]) -> None:
    """The control: the same URLs work for A's admin, so the 404s above are not wrong ids."""
    a, _ = scene
    client = signed_in(a.admin)
    with_objects, _ = web_patterns()
    wrong: list[str] = []
    for pattern in with_objects:
        url = pattern.url(fill(list(pattern.params), a, pattern.route))
        got = client.get(url)
        expected, reason = OWNER_WEB_EXCEPTIONS.get(pattern.name, (0, ""))
        if refuses(got, "GET"):
            # A POST-only action: the owner's (undone) POST must reach the object.
            got = rolled_back(partial(client.post, url, {}))
            if got.status_code == 404 or got.status_code >= 500:
                wrong.append(f"POST {url} ({pattern.name}): {got.status_code}")
        elif not 200 <= got.status_code < 400 and got.status_code != expected:
            wrong.append(f"GET {url} ({pattern.name}): {got.status_code} {reason}")
    assert not wrong, f"{len(wrong)} of A's pages fail for A's own admin:\n" + "\n".join(wrong)


# --- API -------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_of_b", "admin_of_both_acting_in_b"])
def test_api_objects_of_another_organization_are_404(
    scene: tuple[OrgA, Outsiders], who: str
) -> None:
    a, _ = scene
    auth = bearer(outsider(scene, who))
    before = snapshot(a.org)
    client = Client(raise_request_exception=False)
    wrong: list[str] = []
    for op in api_operations():
        if not op.params:
            continue
        url = op.url(fill(list(op.params), a, op.path))
        got = call_api(client, op, url, body_for(op, a), auth)
        is_json = got.get("Content-Type", "").startswith("application/json")
        if got.status_code != 404 or not is_json or "detail" not in got.json():
            wrong.append(f"{op.method.upper()} {url}: {got.status_code} {got.content[:120]!r}")
    assert not wrong, f"{len(wrong)} of A's API objects answered {who} with other than 404:\n" + (
        "\n".join(wrong)
    )
    assert_unchanged(a, before)


def test_the_owner_reaches_every_api_object(scene: tuple[OrgA, Outsiders]) -> None:
    """The control: A's admin, with the same ids and bodies, succeeds (each write undone)."""
    a, _ = scene
    auth = bearer(a.admin)
    client = Client(raise_request_exception=False)
    wrong: list[str] = []
    for op in api_operations():
        if not op.params:
            continue
        url = op.url(fill(list(op.params), a, op.path))
        body = body_for(op, a)
        got = rolled_back(partial(call_api, client, op, url, body, auth))
        expected, reason = OWNER_API_EXCEPTIONS.get(op.operation_id, (0, ""))
        if not 200 <= got.status_code < 300 and got.status_code != expected:
            wrong.append(
                f"{op.method.upper()} {url} ({op.operation_id}): {got.status_code} "
                f"{got.content[:200]!r} {reason}"
            )
    assert not wrong, f"{len(wrong)} of A's API objects fail for A's admin:\n" + "\n".join(wrong)


# --- references to A's objects in B's own requests --------------------------------------------

# (what, method, path under /api/v1 built from B's objects, body naming only B's objects (the
# control: it succeeds), the field that then names A's object, A's object for it).
Reference = tuple[
    str,
    str,
    Callable[[Outsiders], str],
    Callable[[OrgA, Outsiders], dict[str, Any]],
    str,
    Callable[[OrgA], Any],
]
API_REFERENCES: list[Reference] = [
    (
        "objective owned by A's team",
        "post",
        lambda b: "/objectives",
        lambda a, b: {"title": "Ours", "cycle_id": b.cycle.pk, "owner_team_id": b.team.pk},
        "owner_team_id",
        lambda a: a.team.pk,
    ),
    (
        "objective owned by A's person",
        "post",
        lambda b: "/objectives",
        lambda a, b: {"title": "Ours", "cycle_id": b.cycle.pk, "owner_person_id": b.admin.pk},
        "owner_person_id",
        lambda a: a.person.pk,
    ),
    (
        "objective in A's cycle",
        "post",
        lambda b: "/objectives",
        lambda a, b: {"title": "Ours", "cycle_id": b.cycle.pk, "owner_team_id": b.team.pk},
        "cycle_id",
        lambda a: a.cycle.pk,
    ),
    (
        "objective supporting A's objective",
        "post",
        lambda b: "/objectives",
        lambda a, b: {
            "title": "Ours",
            "cycle_id": b.cycle.pk,
            "owner_team_id": b.team.pk,
            "parent_ids": [b.objective.pk],
        },
        "parent_ids",
        lambda a: [a.objective.pk],
    ),
    (
        "objective moved under A's objective",
        "patch",
        lambda b: f"/objectives/{b.objective.pk}",
        lambda a, b: {"parent_ids": []},
        "parent_ids",
        lambda a: [a.objective.pk],
    ),
    (
        "objective given to A's team",
        "patch",
        lambda b: f"/objectives/{b.objective.pk}",
        lambda a, b: {"owner_team_id": b.team.pk},
        "owner_team_id",
        lambda a: a.team.pk,
    ),
    (
        "key result under A's objective",
        "post",
        lambda b: "/key-results",
        lambda a, b: {"objective_id": b.objective.pk, "title": "Ours", "target": 10},
        "objective_id",
        lambda a: a.objective.pk,
    ),
    (
        "key result following A's KPI",
        "post",
        lambda b: "/key-results",
        lambda a, b: {
            "objective_id": b.objective.pk,
            "title": "Ours",
            "target": 10,
            "kpi_id": b.kpi.pk,
        },
        "kpi_id",
        lambda a: a.kpi.pk,
    ),
    (
        "key result owned by A's person",
        "post",
        lambda b: "/key-results",
        lambda a, b: {
            "objective_id": b.objective.pk,
            "title": "Ours",
            "target": 10,
            "owner_id": b.admin.pk,
        },
        "owner_id",
        lambda a: a.person.pk,
    ),
    (
        "KPI owned by A's team",
        "post",
        lambda b: "/kpis",
        lambda a, b: {"name": "Ours", "owner_team_id": b.team.pk},
        "owner_team_id",
        lambda a: a.team.pk,
    ),
    (
        "KPI owned by A's person",
        "post",
        lambda b: "/kpis",
        lambda a, b: {"name": "Ours", "owner_id": b.admin.pk},
        "owner_id",
        lambda a: a.person.pk,
    ),
    (
        "team under A's team",
        "post",
        lambda b: "/teams",
        lambda a, b: {"name": "Ours", "parent_id": b.team.pk},
        "parent_id",
        lambda a: a.team.pk,
    ),
    (
        "alert channel for A's KPI",
        "post",
        lambda b: "/alert-channels",
        lambda a, b: {
            "name": "Ours",
            "kind": "email",
            "recipients": "ops@initech.example",
            "kpi_ids": [b.kpi.pk],
        },
        "kpi_ids",
        lambda a: [a.kpi.pk],
    ),
    (
        "key result from our KPI under A's objective",
        "post",
        lambda b: f"/kpis/{b.kpi.pk}/key-results",
        lambda a, b: {"objective_id": b.objective.pk, "target": 10},
        "objective_id",
        lambda a: a.objective.pk,
    ),
    (
        "X-Matrix metric measured by A's KPI",
        "post",
        lambda b: f"/xmatrices/{b.matrix.pk}/items",
        lambda a, b: {"kind": "metric", "title": "Ours", "kpi_id": b.kpi.pk},
        "kpi_id",
        lambda a: a.kpi.pk,
    ),
    (
        "X-Matrix annual objective linked to A's objective",
        "post",
        lambda b: f"/xmatrices/{b.matrix.pk}/items",
        lambda a, b: {"kind": "annual", "title": "Ours", "objective_ids": [b.objective.pk]},
        "objective_ids",
        lambda a: [a.objective.pk],
    ),
    (
        "X-Matrix resource that is A's team",
        "post",
        lambda b: f"/xmatrices/{b.matrix.pk}/resources",
        lambda a, b: {"team_id": b.team.pk},
        "team_id",
        lambda a: a.team.pk,
    ),
    (
        "X-Matrix resource that is A's person",
        "post",
        lambda b: f"/xmatrices/{b.matrix.pk}/resources",
        lambda a, b: {"person_id": b.admin.pk},
        "person_id",
        lambda a: a.person.pk,
    ),
    (
        "values for A's KPI by its key",
        "post",
        lambda b: "/measurements",
        lambda a, b: {"measurements": [{"kpi": b.kpi.key, "period": "2026-11-01", "value": 1}]},
        "measurements",
        lambda a: [{"kpi": a.kpi.key, "period": "2026-11-01", "value": 1}],
    ),
]


def test_api_bodies_naming_objects_of_another_organization_are_refused(
    scene: tuple[OrgA, Outsiders],
) -> None:
    """One organization built for all the cases: each is a control and a refusal."""
    a, b = scene
    auth = bearer(b.admin)
    client = Client(raise_request_exception=False)
    me = client.get("/api/v1/people/me", HTTP_AUTHORIZATION=auth["HTTP_AUTHORIZATION"])
    assert me.status_code == 200  # the token's first use stamps it, before any snapshot
    wrong: list[str] = []
    for what, method, path, body, field, theirs in API_REFERENCES:
        url = "/api/v1" + path(b)
        ours = body(a, b)
        send = partial(getattr(client, method), url, content_type="application/json", **auth)
        control = rolled_back(partial(send, data=ours))
        assert 200 <= control.status_code < 300, f"{what}: the control fails: {control.content!r}"
        before_a, before_b = snapshot(a.org), snapshot(b.org)
        got = send(data={**ours, field: theirs(a)})
        named = [str(p) for d in got.json().get("detail", []) for p in d.get("loc", [])]
        if got.status_code == 422 and not any(n.startswith(field) for n in named):
            wrong.append(f"{what}: the error does not name {field}: {got.content!r}")
        elif got.status_code not in (404, 422):
            wrong.append(f"{what}: {got.status_code} {got.content[:160]!r}")
        found = changes(before_a, snapshot(a.org)) + changes(before_b, snapshot(b.org))
        if found:
            wrong.append(f"{what}: written although refused: {found[:3]}")
    assert not wrong, "\n".join(wrong)


WEB_OBJECTIVE_REFERENCES = [
    ("owner", lambda a: f"team:{a.team.pk}"),
    ("owner", lambda a: f"person:{a.person.pk}"),
    ("cycle", lambda a: a.cycle.pk),
    ("parents", lambda a: a.objective.pk),
]


@pytest.mark.parametrize(
    "field, theirs", WEB_OBJECTIVE_REFERENCES, ids=["team", "person", "cycle", "parent"]
)
def test_objective_form_naming_objects_of_another_organization_is_refused(
    scene: tuple[OrgA, Outsiders], field: str, theirs: Callable[[OrgA], Any]
) -> None:
    a, b = scene
    client = signed_in(b.admin)
    ours = {
        "title": "Initech answers every call",
        "cycle": b.cycle.pk,
        "owner": f"team:{b.team.pk}",
        "kind": "committed",
        "weight": "1",
        "kr-TOTAL_FORMS": "0",
        "kr-INITIAL_FORMS": "0",
    }
    control = rolled_back(lambda: client.post("/objectives/new/", ours))
    assert control.status_code == 302, "the control form does not create an objective"
    before_a, objectives_of_b = snapshot(a.org), Objective.objects.filter(organization=b.org)
    count = objectives_of_b.count()
    got = client.post("/objectives/new/", {**ours, field: theirs(a)})
    assert got.status_code == 422
    assert field in got.context["form"].errors
    assert objectives_of_b.count() == count
    assert not changes(before_a, snapshot(a.org))


QUERY_STRINGS = [
    "/okrs/?team={a.team.pk}&owner=person:{a.person.pk}",
    "/okrs/cycle/{b.cycle.pk}/?team={a.team.pk}",
    "/okrs/?cycle={a.cycle.pk}",
    "/kpis/?team={a.team.pk}",
    "/okrs/report/?cycle={a.cycle.pk}",
    "/objectives/new/?cycle={a.cycle.pk}",
]


def test_query_strings_naming_objects_of_another_organization_show_nothing_of_it(
    scene: tuple[OrgA, Outsiders],
) -> None:
    a, b = scene
    secrets = [a.team.name, a.objective.title, a.kpi.name, a.person.display_name]
    outsider_browser, owner_browser = signed_in(b.admin), signed_in(a.admin)
    for url in QUERY_STRINGS:
        got = outsider_browser.get(url.format(a=a, b=b), follow=True)
        assert got.status_code in (200, 404), url
        page = got.content.decode()
        shown = [secret for secret in secrets if secret in page]
        assert not shown, f"{url} shows A's {shown} to B"
        # The control: the same page (in A's own cycle) shows some of them to A's admin.
        own = owner_browser.get(url.format(a=a, b=a), follow=True).content.decode()
        assert any(secret in own for secret in secrets), url
