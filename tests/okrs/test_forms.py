"""The OKR forms: creating, editing, archiving and moving objectives and key results.

Every form is also sent bad input: the answer is 422 with the message beside the field and the
typed values kept, and nothing is written.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from headway.audit.models import AuditEvent
from headway.okrs.models import CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.okrs.services import record_checkin
from tests.factories import make_kr, make_objective
from tests.okrs.conftest import Okrs

pytestmark = pytest.mark.usefixtures("frozen")


def html(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def field_error(page: str, field_id: str) -> str:
    """The error shown in the field block of the input ``field_id`` (empty if none)."""
    match = re.search(
        rf'<div class="field has-error">\s*<label for="{field_id}">.*?</div>', page, re.S
    )
    if not match:
        return ""
    errors = re.findall(r'<p class="error"[^>]*>(.*?)</p>', match.group(0))
    return " ".join(errors)


def objective_post(world, **overrides: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    data: dict[str, object] = {
        "title": "Our customers love our onboarding",
        "description": "Onboarding is where we lose people.",
        "cycle": world.cycle.pk,
        "owner": f"team:{world.growth.pk}",
        "kind": "committed",
        "weight": "2",
        "kr-TOTAL_FORMS": "5",
        "kr-INITIAL_FORMS": "0",
        "kr-MIN_NUM_FORMS": "0",
        "kr-MAX_NUM_FORMS": "5",
    }
    # Untouched rows, as a browser sends them.
    for i in range(5):
        data.update(
            {
                f"kr-{i}-title": "",
                f"kr-{i}-kind": "metric",
                f"kr-{i}-start": "0",
                f"kr-{i}-target": "",
                f"kr-{i}-unit": "",
                f"kr-{i}-direction": "increase",
                f"kr-{i}-owner": "",
            }
        )
    data.update(overrides)
    return data


TWO_KEY_RESULTS = {
    "kr-0-title": "Onboarding NPS rises from 32 to 55",
    "kr-0-start": "32",
    "kr-0-target": "55",
    "kr-0-unit": "NPS",
    "kr-1-title": "Week-one activation from 40% to 60%",
    "kr-1-kind": "percentage",
    "kr-1-start": "40",
    "kr-1-target": "60",
    "kr-1-unit": "%",
}


# --- creating objectives ----------------------------------------------------------------------


def test_lead_creates_an_objective_with_two_key_results_in_one_submit(
    world, okrs: Okrs, client_for
):
    lena = client_for("lena")
    form = html(lena.get(f"/objectives/new/?cycle={world.cycle.pk}"))
    assert "novalidate" in form
    data = objective_post(
        world,
        parents=[okrs.company.pk],
        **TWO_KEY_RESULTS,
        **{"kr-1-owner": str(world.mo.pk)},
    )

    response = lena.post("/objectives/new/", data)

    created = Objective.objects.get(title="Our customers love our onboarding")
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{created.pk}/"
    assert (created.owner_team, created.kind, created.weight) == (
        world.growth,
        "committed",
        Decimal(2),
    )
    assert list(created.parents.all()) == [okrs.company]
    nps, activation = created.key_results.order_by("position")
    assert (nps.title, nps.start, nps.target, nps.unit) == (
        "Onboarding NPS rises from 32 to 55",
        32,
        55,
        "NPS",
    )
    assert (activation.kind, activation.owner) == ("percentage", world.mo)
    assert {"objective.create", "key_result.create"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    page = html(lena.get(response["Location"]))
    assert "Onboarding NPS rises from 32 to 55" in page
    assert "Week-one activation from 40% to 60%" in page


def test_member_creates_a_personal_objective(world, client_for):
    response = client_for("mo").post(
        "/objectives/new/", objective_post(world, owner=f"person:{world.mo.pk}")
    )
    assert response.status_code == 302
    assert Objective.objects.get().owner_person == world.mo


def test_owner_choices_are_what_the_person_may_use(world, client_for):
    lena = html(client_for("lena").get("/objectives/new/"))
    assert f'value="team:{world.growth.pk}"' in lena
    assert f'value="team:{world.company.pk}"' not in lena
    assert f'value="person:{world.mo.pk}"' in lena  # a member of her team
    assert f'value="person:{world.vic.pk}"' not in lena
    mo = html(client_for("mo").get("/objectives/new/"))
    assert f'value="person:{world.mo.pk}"' in mo
    assert "team:" not in mo
    alice = html(client_for("alice").get("/objectives/new/"))
    assert f'value="team:{world.company.pk}"' in alice


def test_viewer_may_not_create(world, client_for):
    vic = client_for("vic")
    assert vic.get("/objectives/new/").status_code == 403
    assert vic.post("/objectives/new/", objective_post(world)).status_code == 403
    assert not Objective.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "id_title", "This field is required."),
        ({"weight": "0"}, "id_weight", "must be greater than 0"),
        ({"weight": "heavy"}, "id_weight", "must be a number"),
        ({"cycle": "OTHER"}, "id_cycle", "Select a valid choice"),
        ({"owner": "team:COMPANY"}, "id_owner", "Select a valid choice"),
        ({"kind": "sort of"}, "id_kind", "Select a valid choice"),
    ],
)
def test_bad_objective_keeps_the_typed_values(world, client_for, overrides, field, message):
    replace = {"OTHER": str(world.other_cycle.pk), "COMPANY": str(world.company.pk)}
    overrides = {
        k: re.sub("OTHER|COMPANY", lambda m: replace[m[0]], v) for k, v in overrides.items()
    }
    data = objective_post(world, **TWO_KEY_RESULTS, **overrides)

    response = client_for("lena").post("/objectives/new/", data)

    assert response.status_code == 422
    page = html(response)
    assert message in field_error(page, field)
    assert data["description"] in page
    if "title" not in overrides:
        assert 'value="Our customers love our onboarding"' in page
    assert 'value="Onboarding NPS rises from 32 to 55"' in page
    assert 'value="Week-one activation from 40% to 60%"' in page
    assert not Objective.objects.exists() and not KeyResult.objects.exists()


def test_bad_key_result_rows_show_their_errors_and_write_nothing(world, client_for):
    lena = client_for("lena")
    # The fifth row is touched but has no target: the form says so first, in that row.
    data = objective_post(
        world, **{**TWO_KEY_RESULTS, "kr-1-target": "sixty", "kr-4-title": "A fifth one"}
    )

    response = lena.post("/objectives/new/", data)

    assert response.status_code == 422
    page = html(response)
    assert "This field is required." in field_error(page, "id_kr-4-target")
    assert 'value="sixty"' in page and 'value="A fifth one"' in page
    assert '<details class="more" open>' in page  # rows past the second unfold to show it

    # With that row filled in, the service reads the numbers and names the bad one.
    response = lena.post("/objectives/new/", {**data, "kr-4-target": "10"})

    assert response.status_code == 422
    page = html(response)
    assert "must be a number, not &#x27;sixty&#x27;" in field_error(page, "id_kr-1-target")
    assert field_error(page, "id_kr-4-target") == ""
    assert not Objective.objects.exists() and not KeyResult.objects.exists()


def test_service_errors_of_objective_and_rows_come_back_together(world, client_for):
    # Both pass the form (text fields) and fail in the service, so they are reported at once.
    data = objective_post(world, weight="0", **{**TWO_KEY_RESULTS, "kr-0-start": "x"})

    response = client_for("lena").post("/objectives/new/", data)

    assert response.status_code == 422
    page = html(response)
    assert "must be greater than 0" in field_error(page, "id_weight")
    assert "must be a number" in field_error(page, "id_kr-0-start")
    assert not Objective.objects.exists()


# --- editing, archiving, moving objectives ----------------------------------------------------


def test_lead_edits_an_objective(world, okrs: Okrs, client_for):
    lena = client_for("lena")
    url = f"/objectives/{okrs.growth.pk}/edit/"
    form = html(lena.get(url))
    assert 'value="Bring new inbound leads to the website"' in form
    assert f'<option value="{okrs.company.pk}" selected>' in form

    response = lena.post(
        url,
        {
            "title": "Bring many more inbound leads",
            "description": "",
            "owner": f"team:{world.growth.pk}",
            "kind": "committed",
            "weight": "3",
        },
    )

    assert response.status_code == 302
    okrs.growth.refresh_from_db()
    assert (okrs.growth.title, okrs.growth.kind, okrs.growth.weight) == (
        "Bring many more inbound leads",
        "committed",
        3,
    )
    assert not okrs.growth.parents.exists()  # none chosen: the alignment is removed
    assert AuditEvent.objects.filter(action="objective.update").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": "  "}, "id_title", "This field is required."),
        ({"weight": "0"}, "id_weight", "must be greater than 0"),
        ({"weight": "-1"}, "id_weight", "must be greater than 0"),
    ],
)
def test_bad_objective_edit(world, okrs: Okrs, client_for, overrides, field, message):
    data = {
        "title": "A new title",
        "description": "typed description",
        "owner": f"team:{world.growth.pk}",
        "kind": "aspirational",
        "weight": "1",
        **overrides,
    }
    response = client_for("lena").post(f"/objectives/{okrs.growth.pk}/edit/", data)
    assert response.status_code == 422
    page = html(response)
    assert message in field_error(page, field)
    assert "typed description</textarea>" in page
    okrs.growth.refresh_from_db()
    assert okrs.growth.title == "Bring new inbound leads to the website"


def test_objective_cannot_support_its_own_supporter(world, okrs: Okrs, client_for):
    # growth supports company: company supporting growth would make a loop.
    response = client_for("alice").post(
        f"/objectives/{okrs.company.pk}/edit/",
        {
            "title": "Grow a loyal customer base",
            "owner": f"team:{world.company.pk}",
            "kind": "aspirational",
            "weight": "1",
            "parents": [okrs.growth.pk],
        },
    )
    assert response.status_code == 422
    assert "this alignment would make a loop" in field_error(html(response), "id_parents")


def test_only_editors_may_edit(world, okrs: Okrs, client_for):
    for username in ("vic", "mo"):
        client = client_for(username)
        assert client.get(f"/objectives/{okrs.growth.pk}/edit/").status_code == 403
        assert client.post(f"/objectives/{okrs.growth.pk}/archive/").status_code == 403
        assert client.get(f"/objectives/{okrs.growth.pk}/move/").status_code == 403
        assert client.get(f"/objectives/{okrs.growth.pk}/key-results/new/").status_code == 403
    okrs.growth.refresh_from_db()
    assert okrs.growth.status == "active"


def test_archive_and_unarchive(world, okrs: Okrs, client_for):
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="7000", confidence=9)
    lena = client_for("lena")
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == 0.5

    archived = lena.post(f"/objectives/{okrs.growth.pk}/archive/")

    assert archived.status_code == 302
    okrs.growth.refresh_from_db()
    assert okrs.growth.status == "archived"
    # An archived objective no longer counts in its team's roll-up.
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress is None
    assert "Objective archived" in html(lena.get(f"/objectives/{okrs.growth.pk}/"))
    assert "Bring new inbound leads" not in html(lena.get("/okrs/"))

    assert lena.post(f"/objectives/{okrs.growth.pk}/unarchive/").status_code == 302
    okrs.growth.refresh_from_db()
    assert okrs.growth.status == "active"
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == 0.5
    assert lena.get(f"/objectives/{okrs.growth.pk}/archive/").status_code == 405


def test_move_objective_to_another_cycle(world, okrs: Okrs, client_for):
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="7000", confidence=9)
    next_quarter = Cycle.objects.create(
        organization=world.org,
        name="2027-Q1",
        start=world.cycle.end.replace(year=2027, month=1, day=1),
        end=world.cycle.end.replace(year=2027, month=3, day=31),
    )
    lena = client_for("lena")
    form = html(lena.get(f"/objectives/{okrs.growth.pk}/move/"))
    assert "2027-Q1" in form
    assert f'<option value="{world.cycle.pk}"' not in form  # already there

    response = lena.post(f"/objectives/{okrs.growth.pk}/move/", {"cycle": next_quarter.pk})

    assert response.status_code == 302
    okrs.growth.refresh_from_db()
    assert okrs.growth.cycle == next_quarter
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress is None
    assert Rollup.objects.get(cycle=next_quarter, team=world.growth).progress == 0.5


@pytest.mark.parametrize("cycle", ["other", "closed", "same", ""])
def test_bad_objective_move(world, okrs: Okrs, client_for, cycle):
    closed = Cycle.objects.create(
        organization=world.org,
        name="2026-Q3",
        start=world.cycle.start.replace(month=7),
        end=world.cycle.start.replace(month=9, day=30),
        state="closed",
    )
    value = {
        "other": world.other_cycle.pk,
        "closed": closed.pk,
        "same": world.cycle.pk,
        "": "",
    }[cycle]
    response = client_for("lena").post(f"/objectives/{okrs.growth.pk}/move/", {"cycle": value})
    assert response.status_code == 422
    error = field_error(html(response), "id_cycle")
    assert "Select a valid choice" in error or "This field is required." in error
    okrs.growth.refresh_from_db()
    assert okrs.growth.cycle == world.cycle


# --- key results ------------------------------------------------------------------------------


def kr_post(**overrides: object) -> dict[str, object]:
    return {
        "title": "Demo requests from 20 to 60 a month",
        "kind": "metric",
        "start": "20",
        "target": "60",
        "unit": "requests",
        "direction": "increase",
        "owner": "",
        "weight": "1",
        "result_type": "outcome",
        **overrides,
    }


def test_lead_adds_a_key_result(world, okrs: Okrs, client_for):
    response = client_for("lena").post(
        f"/objectives/{okrs.growth.pk}/key-results/new/", kr_post(owner=world.mo.pk)
    )
    kr = KeyResult.objects.get(title="Demo requests from 20 to 60 a month")
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{okrs.growth.pk}/#kr-{kr.pk}"
    assert (kr.objective, kr.owner, kr.start, kr.target) == (okrs.growth, world.mo, 20, 60)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "id_title", "This field is required."),
        ({"target": "abc"}, "id_target", "must be a number, not &#x27;abc&#x27;"),
        ({"weight": "0"}, "id_weight", "must be greater than 0"),
        ({"direction": "sideways"}, "id_direction", "Select a valid choice"),
        ({"owner": "OSCAR"}, "id_owner", "Select a valid choice"),
    ],
)
def test_bad_new_key_result(world, okrs: Okrs, client_for, overrides, field, message):
    overrides = {k: world.oscar.pk if v == "OSCAR" else v for k, v in overrides.items()}
    data = kr_post(unit="typed unit", **overrides)
    response = client_for("lena").post(f"/objectives/{okrs.growth.pk}/key-results/new/", data)
    assert response.status_code == 422
    page = html(response)
    assert message in field_error(page, field)
    assert 'value="typed unit"' in page
    assert okrs.growth.key_results.count() == 2


def test_owner_edits_their_key_result(world, okrs: Okrs, client_for):
    mo = client_for("mo")
    url = f"/key-results/{okrs.visitors.pk}/edit/"
    form = html(mo.get(url))
    assert 'value="Increase monthly visitors from 3k to 7k"' in form
    assert 'value="3000"' in form and 'value="7000"' in form

    response = mo.post(
        url, kr_post(title="Monthly visitors from 3k to 8k", start="3000", target="8000")
    )

    assert response.status_code == 302
    okrs.visitors.refresh_from_db()
    assert (okrs.visitors.title, okrs.visitors.target) == ("Monthly visitors from 3k to 8k", 8000)
    assert client_for("mo").get(f"/key-results/{okrs.signups.pk}/edit/").status_code == 403
    assert client_for("vic").get(url).status_code == 403


def test_bad_key_result_edit(world, okrs: Okrs, client_for):
    response = client_for("mo").post(
        f"/key-results/{okrs.visitors.pk}/edit/", kr_post(start="lots", title="Typed title")
    )
    assert response.status_code == 422
    page = html(response)
    assert "must be a number" in field_error(page, "id_start")
    assert 'value="lots"' in page and 'value="Typed title"' in page
    okrs.visitors.refresh_from_db()
    assert okrs.visitors.start == 3000


def test_move_key_result_to_an_objective_of_another_cycle(world, okrs: Okrs, client_for):
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="7000", confidence=9)
    next_quarter = Cycle.objects.create(
        organization=world.org,
        name="2027-Q1",
        start=world.cycle.end.replace(year=2027, month=1, day=1),
        end=world.cycle.end.replace(year=2027, month=3, day=31),
    )
    target = make_objective(next_quarter, team=world.growth, title="Leads keep coming")
    lena = client_for("lena")
    url = f"/key-results/{okrs.visitors.pk}/move/"
    form = html(lena.get(url))
    assert "Leads keep coming (2027-Q1 · Growth)" in form
    assert "Grow a loyal customer base" not in form  # the company's: not hers to edit

    response = lena.post(url, {"objective": target.pk})

    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{target.pk}/#kr-{okrs.visitors.pk}"
    okrs.visitors.refresh_from_db()
    assert okrs.visitors.objective == target
    assert okrs.visitors.checkins.count() == 1  # the history moves with it
    okrs.growth.refresh_from_db()
    target.refresh_from_db()
    assert (okrs.growth.progress, target.progress) == (0, 1)
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == 0
    assert Rollup.objects.get(cycle=next_quarter, team=world.growth).progress == 1
    assert AuditEvent.objects.filter(action="key_result.move").exists()


@pytest.mark.parametrize("target", ["company", "other org", "same", ""])
def test_bad_key_result_move(world, okrs: Okrs, client_for, target):
    foreign = make_objective(world.other_cycle, team=world.other_team, title="Globex's")
    value = {
        "company": okrs.company.pk,
        "other org": foreign.pk,
        "same": okrs.growth.pk,
        "": "",
    }[target]
    response = client_for("lena").post(
        f"/key-results/{okrs.visitors.pk}/move/", {"objective": value}
    )
    assert response.status_code == 422
    error = field_error(html(response), "id_objective")
    assert "Select a valid choice" in error or "This field is required." in error
    okrs.visitors.refresh_from_db()
    assert okrs.visitors.objective == okrs.growth


def test_delete_key_result_after_confirmation(world, okrs: Okrs, client_for):
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="7000", confidence=9)
    lena = client_for("lena")
    url = f"/key-results/{okrs.visitors.pk}/delete/"

    confirm = html(lena.get(url))

    assert "Delete key result?" in confirm
    assert "1 check-in" in confirm
    assert KeyResult.objects.filter(pk=okrs.visitors.pk).exists()

    response = lena.post(url)

    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{okrs.growth.pk}/"
    assert not KeyResult.objects.filter(pk=okrs.visitors.pk).exists()
    assert not CheckIn.objects.exists()
    okrs.growth.refresh_from_db()
    assert okrs.growth.progress == 0
    assert Rollup.objects.get(cycle=world.cycle, team=world.growth).progress == 0
    event = AuditEvent.objects.get(action="key_result.delete")
    assert event.before["title"] == "Increase monthly visitors from 3k to 7k"
    assert event.before["checkins"] == 1


def test_member_may_not_move_or_delete_a_key_result(world, okrs: Okrs, client_for):
    mo = client_for("mo")
    for url in (
        f"/key-results/{okrs.visitors.pk}/move/",
        f"/key-results/{okrs.visitors.pk}/delete/",
    ):
        assert mo.get(url).status_code == 403
        assert mo.post(url, {"objective": okrs.personal.pk}).status_code == 403
    okrs.visitors.refresh_from_db()
    assert okrs.visitors.objective == okrs.growth


def test_objective_page_lists_a_new_key_result_with_a_check_in_form(world, okrs, client_for):
    kr = make_kr(okrs.growth, "Demo requests from 20 to 60", "20", "60", owner=world.mo)
    page = html(client_for("mo").get(f"/objectives/{okrs.growth.pk}/"))
    assert f'id="kr-{kr.pk}"' in page
    assert f'hx-post="/key-results/{kr.pk}/check-in/"' in page
