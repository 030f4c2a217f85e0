"""The edit forms at size: past a limit a choice is a key to type, not thousands of options.

The limits are lowered so that the small world is "at size": its four people, two teams and few
objectives and KPIs are then typed as usernames, slugs and keys. Below the limits the selects
are as before (the other form tests).
"""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.kpis import alert_forms
from headway.kpis.models import AlertChannel
from headway.okrs import forms as okr_forms
from headway.okrs.models import KeyResult, Objective
from headway.orgs.choices import Role
from tests.factories import login, make_kpi, make_kr, make_member, make_objective
from tests.okrs.test_forms import TWO_KEY_RESULTS, field_error, objective_post

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def at_size(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OWNER_CHOICES_LIMIT", "TEAM_CHOICES_LIMIT", "OBJECTIVE_CHOICES_LIMIT"):
        monkeypatch.setattr(okr_forms, name, 1)
    monkeypatch.setattr(alert_forms, "KPI_CHOICES_LIMIT", 1)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def input_value(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


def test_objective_create_types_owners_past_the_limit(world, client, at_size):
    page = text(login(client, world.alice).get("/objectives/new/"))
    assert '<select name="owner"' not in page and '<select name="kr-0-owner"' not in page
    assert input_value(page, "owner") is None and input_value(page, "kr-0-owner") is None
    assert "<option" not in re.sub(
        r'<select name="(cycle|kind|kr-\d-\w+)".*?</select>', "", page, flags=re.S
    )
    assert 'hx-get="/pick/owner/"' in page and 'hx-get="/pick/person/"' in page

    data = objective_post(world, owner="growth", **TWO_KEY_RESULTS)
    data["kr-0-owner"] = "mo"
    response = client.post("/objectives/new/", data)
    assert response.status_code == 302
    created = Objective.objects.get(title=data["title"])
    assert created.owner_team == world.growth
    kr = KeyResult.objects.get(objective=created, title=TWO_KEY_RESULTS["kr-0-title"])
    assert kr.owner == world.mo

    person = client.post("/objectives/new/", objective_post(world, owner="lena", title="Mine"))
    assert person.status_code == 302
    assert Objective.objects.get(title="Mine").owner_person == world.lena


def test_an_unknown_key_is_an_error_beside_the_field_that_keeps_it(world, client, at_size):
    data = objective_post(world, owner="nobody", **TWO_KEY_RESULTS)
    data["kr-1-owner"] = "zed"
    response = login(client, world.alice).post("/objectives/new/", data)
    assert response.status_code == 422
    page = text(response)
    assert field_error(page, "id_owner") == (
        "no team with slug or person with username 'nobody' in this organization"
    )
    assert input_value(page, "owner") == "nobody"
    assert (
        field_error(page, "id_kr-1-owner") == "no person with username 'zed' in this organization"
    )
    assert input_value(page, "kr-1-owner") == "zed"
    assert not Objective.objects.filter(title=data["title"]).exists()

    # Another organization's are not this one's.
    response = client.post("/objectives/new/", objective_post(world, owner="oscar"))
    assert "no team with slug or person with username 'oscar'" in text(response)


def test_a_lead_may_type_only_the_owners_they_may_choose(world, client, at_size):
    response = login(client, world.lena).post(
        "/objectives/new/", objective_post(world, owner="company")
    )
    assert response.status_code == 422
    assert field_error(text(response), "id_owner") == ("you may not give an objective to 'company'")


def test_objective_edit_shows_the_current_owner_and_parents_as_keys(world, client, at_size):
    parent = make_objective(world.cycle, team=world.company, title="Grow", key="grow")
    other = make_objective(world.cycle, team=world.company, title="Keep", key="keep")
    child = make_objective(world.cycle, team=world.growth, title="Onboard", key="onboard")
    child.parents.add(parent, through_defaults={"organization": world.org})
    page = text(login(client, world.alice).get(f"/objectives/{child.pk}/edit/"))
    assert input_value(page, "owner") == "growth"
    assert input_value(page, "parents") == "2026-Q4/grow"
    # How to choose several in a select is not said of a field to type in.
    assert "Type objective keys, separated by commas." in page and "Ctrl" not in page

    data = {"title": "Onboard", "description": "", "owner": "growth", "kind": "aspirational"}
    saved = client.post(
        f"/objectives/{child.pk}/edit/", {**data, "weight": "1", "parents": "grow, 2026-Q4/keep"}
    )
    assert saved.status_code == 302
    assert set(child.parents.all()) == {parent, other}

    bad = client.post(f"/objectives/{child.pk}/edit/", {**data, "weight": "1", "parents": "nope"})
    assert bad.status_code == 422
    page = text(bad)
    assert field_error(page, "id_parents") == "no objective with key 'nope' in this organization"
    assert input_value(page, "parents") == "nope"
    # An id past any the database can hold is simply not found (not a database error).
    huge = "#" + "9" * 30
    bad = client.post(f"/objectives/{child.pk}/edit/", {**data, "weight": "1", "parents": huge})
    assert bad.status_code == 422
    assert input_value(text(bad), "parents") == huge


def test_key_result_edit_and_move_take_keys(world, client, at_size):
    source = make_objective(world.cycle, team=world.growth, title="From", key="from")
    target = make_objective(world.cycle, team=world.growth, title="To", key="to")
    make_objective(world.cycle, team=world.growth, title="Elsewhere", key="elsewhere")
    kr = make_kr(source, owner=world.mo)
    login(client, world.alice)
    page = text(client.get(f"/key-results/{kr.pk}/edit/"))
    assert input_value(page, "owner") == "mo"
    data = {
        "title": kr.title,
        "kind": "metric",
        "start": "32",
        "target": "55",
        "unit": "",
        "direction": "increase",
        "weight": "1",
        "result_type": "outcome",
    }
    bad = client.post(f"/key-results/{kr.pk}/edit/", {**data, "owner": "zed"})
    assert bad.status_code == 422
    assert "no person with username 'zed' in this organization" in text(bad)
    assert client.post(f"/key-results/{kr.pk}/edit/", {**data, "owner": "lena"}).status_code == 302
    kr.refresh_from_db()
    assert kr.owner == world.lena

    page = text(client.get(f"/key-results/{kr.pk}/move/"))
    assert '<select name="objective"' not in page
    moved = client.post(f"/key-results/{kr.pk}/move/", {"objective": "to"})
    assert moved.status_code == 302
    kr.refresh_from_db()
    assert kr.objective == target


def test_kpi_forms_take_a_slug_a_username_and_keys(world, client, at_size):
    kpi = make_kpi(world.org, "nps", owner_team=world.growth, owner=world.lena)
    make_kpi(world.org, "cac")
    login(client, world.alice)
    page = text(client.get(f"/kpis/{kpi.pk}/edit/"))
    assert input_value(page, "owner_team") == "growth"
    assert input_value(page, "owner") == "lena"
    form = {
        "name": "NPS",
        "key": "nps",
        "direction": "higher",
        "cadence": "month",
        "aggregation": "last",
        "owner_team": "company",
        "owner": "nobody",
    }
    bad = client.post(f"/kpis/{kpi.pk}/edit/", form)
    assert bad.status_code == 422
    assert field_error(text(bad), "id_owner") == (
        "no person with username 'nobody' in this organization"
    )
    assert client.post(f"/kpis/{kpi.pk}/edit/", {**form, "owner": "mo"}).status_code == 302
    kpi.refresh_from_db()
    assert (kpi.owner_team, kpi.owner) == (world.company, world.mo)

    page = text(client.get("/kpis/alerts/new/"))
    assert 'type="checkbox" name="kpis"' not in page and input_value(page, "kpis") is None
    channel = {"name": "Ops", "kind": "email", "recipients": "ops@example.com", "enabled": "on"}
    bad = client.post("/kpis/alerts/new/", {**channel, "kpis": "nps, nope"})
    assert bad.status_code == 422
    assert "no KPI with key 'nope' in this organization" in text(bad)
    assert input_value(text(bad), "kpis") == "nps, nope"
    assert client.post("/kpis/alerts/new/", {**channel, "kpis": "nps cac"}).status_code == 302
    made = AlertChannel.objects.get(name="Ops")
    assert {k.key for k in made.kpis.all()} == {"nps", "cac"}
    assert input_value(text(client.get(f"/kpis/alerts/{made.pk}/")), "kpis") == "cac, nps"


def test_pages_at_size_take_the_same_queries_for_3_and_30(world, client, at_size):
    def counts() -> list[int]:
        found = []
        for url in ("/objectives/new/", f"/objectives/{focus.pk}/edit/", "/kpis/new/"):
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            found.append(len(captured.captured_queries))
        return found

    focus = make_objective(world.cycle, team=world.growth, key="focus")
    login(client, world.alice)
    client.get("/objectives/new/")  # warm
    few = counts()
    for i in range(30):
        person = make_member(world.org, f"p{i:02}", Role.MEMBER)
        make_objective(world.cycle, person=person, key=f"o{i}")
        make_kpi(world.org, f"k{i}")
    assert counts() == few
    assert "p29" not in text(client.get("/objectives/new/")).lower()


def test_suggestions_are_the_organizations_and_for_writers(world, client, at_size):
    make_objective(world.cycle, team=world.growth, title="Grow revenue", key="grow")
    login(client, world.alice)
    people = text(client.get("/pick/person/?field=owner&owner=l"))
    assert '<option value="lena">' in people and "oscar" not in people
    owners = text(client.get("/pick/owner/?q=gro"))
    assert '<option value="growth">Growth</option>' in owners
    assert '<option value="2026-Q4/grow">' in text(client.get("/pick/objective/?q=revenue"))
    assert client.get("/pick/nothing/?q=a").status_code == 404
    login(client, world.vic)
    assert "<option" not in text(client.get("/pick/person/?q=l"))


def test_below_the_limit_the_selects_stay(world, client):
    page = text(login(client, world.alice).get("/objectives/new/"))
    assert '<select name="owner"' in page and '<select name="kr-0-owner"' in page
    assert f'<option value="person:{world.lena.pk}">' in page
    assert "The objectives this one contributes to. Choose several with Ctrl or ⌘." in page
