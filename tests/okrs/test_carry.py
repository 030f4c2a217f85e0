"""Retrospective notes, carrying unfinished objectives over and duplicating them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.audit.models import AuditEvent
from headway.errors import NotFound, ValidationFailed
from headway.okrs.carry import carry_over, duplicate_objective, save_retrospective
from headway.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective, Rollup
from headway.okrs.services import recompute_objective, record_checkin
from tests.factories import World, login, make_kpi, make_kr, make_objective

pytestmark = pytest.mark.usefixtures("frozen")

# What a copy takes from its origin: every other concrete field is set on purpose (see
# headway.okrs.carry). A field added to the models later lands in neither set and fails
# test_every_field_is_copied_or_set_on_purpose until someone decides which it is.
OBJECTIVE_COPIED = {
    "organization",
    "title",
    "description",
    "owner_team",
    "owner_person",
    "kind",
    "weight",
    "progress",
}
OBJECTIVE_SET = {
    "id",
    "cycle",
    "key",
    "status",
    "position",
    "origin",
    "origin_kind",
    "score",
    "retro_worked",
    "retro_change",
    "created_at",
    "updated_at",
}
KR_COPIED = {
    "organization",
    "key",
    "title",
    "kind",
    "unit",
    "start",
    "target",
    "current",
    "direction",
    "weight",
    "owner",
    "kpi",
    "follows_kpi",
    "result_type",
    "progress",
    "confidence",
    "position",
}
KR_SET = {
    "id",
    "objective",
    "last_checkin_at",
    "score",
    "score_reason",
    "graded_at",
    "graded_by",
    "created_at",
    "updated_at",
}


def quarter(world: World, name: str, start: dt.date, end: dt.date, **extra: Any) -> Cycle:
    return Cycle.objects.create(organization=world.org, name=name, start=start, end=end, **extra)


@pytest.fixture
def q1(world: World) -> Cycle:
    return quarter(world, "2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31))


def rich_objective(world: World) -> Objective:
    """An objective and two key results with every field away from its default."""
    objective = make_objective(
        world.cycle,
        team=world.growth,
        title="Bring new inbound leads to the website",
        key="inbound-leads",
        description="Leads that come to us, not the ones we chase.",
        kind="committed",
        weight=Decimal("2.5"),
        position=4,
        score=0.4,
        retro_worked="Weekly reviews.",
        retro_change="Start the blog earlier.",
        status="archived",
    )
    kpi = make_kpi(world.org, "visitors")
    graded = dict(
        score=0.3,
        score_reason="Traffic fell in December.",
        graded_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
        graded_by=world.lena,
        last_checkin_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )
    make_kr(
        objective,
        "Monthly visitors from 7k down to 3k bounce",
        "7000",
        "3000",
        owner=world.mo,
        key="bounces",
        kind="percentage",
        unit="visits",
        current=Decimal("5000"),
        direction="decrease",
        weight=Decimal("3"),
        kpi=kpi,
        follows_kpi=True,
        result_type="output",
        progress=0.5,
        confidence=6,
        position=2,
        **graded,
    )
    make_kr(objective, "Trial sign-ups from 250 to 500", "250", "500", key="signups", position=7)
    recompute_objective(objective)  # (0.5 x 3 + 0 x 1) / 4
    assert objective.progress == 0.375
    return objective


def _values(row: Model) -> dict[str, Any]:
    return {f.name: getattr(row, f.attname) for f in row._meta.concrete_fields}


def test_every_field_is_copied_or_set_on_purpose(world, q1):
    origin = rich_objective(world)
    CheckIn.objects.create(
        organization=world.org,
        key_result=origin.key_results.first(),
        value=5000,
        confidence=6,
        created_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
    )

    copy = carry_over(actor=world.alice, objective=origin, cycle=q1)

    assert {f.name for f in Objective._meta.concrete_fields} == OBJECTIVE_COPIED | OBJECTIVE_SET
    assert {f.name for f in KeyResult._meta.concrete_fields} == KR_COPIED | KR_SET
    before, after = _values(origin), _values(Objective.objects.get(pk=copy.pk))
    for name in OBJECTIVE_COPIED - {"owner_person"}:  # one owner: a team here
        default = Objective._meta.get_field(name).get_default()
        assert before[name] not in (None, "", default), f"the test should set {name}"
    for name in OBJECTIVE_COPIED:
        assert after[name] == before[name], name
    assert after["cycle"] == q1.pk
    assert after["key"] == "inbound-leads"  # free in the target cycle
    assert after["status"] == "active"
    assert (after["origin"], after["origin_kind"]) == (origin.pk, "carried_over")
    assert (after["score"], after["retro_worked"], after["retro_change"]) == (None, "", "")
    assert after["id"] != before["id"]

    origin_krs = list(origin.key_results.order_by("position"))
    copied_krs = list(KeyResult.objects.filter(objective=copy).order_by("position"))
    assert len(copied_krs) == 2
    first = _values(origin_krs[0])
    for name in KR_COPIED:
        default = KeyResult._meta.get_field(name).get_default()
        assert first[name] not in (None, "", default), f"the test should set {name}"
    for old, new in zip(origin_krs, copied_krs, strict=True):
        was, now = _values(old), _values(new)
        for name in KR_COPIED:
            assert now[name] == was[name], name
        assert now["objective"] == copy.pk
        assert (now["score"], now["score_reason"], now["graded_at"], now["graded_by"]) == (
            None,
            "",
            None,
            None,
        )
        assert now["last_checkin_at"] is None
        assert not CheckIn.objects.filter(key_result_id=new.pk).exists()


def test_the_origin_is_left_untouched(world, q1, okrs):
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="5000", confidence=7)
    Objective.objects.filter(pk=okrs.growth.pk).update(retro_worked="Blog posts")
    origin = Objective.objects.get(pk=okrs.growth.pk)
    before = _values(origin)
    krs_before = [_values(kr) for kr in origin.key_results.all()]
    checkins_before = [_values(c) for c in CheckIn.objects.order_by("id")]

    carry_over(actor=world.lena, objective=origin, cycle=q1)
    duplicate_objective(actor=world.lena, objective=origin)

    origin.refresh_from_db()
    assert _values(origin) == before
    assert [_values(kr) for kr in origin.key_results.all()] == krs_before
    assert [_values(c) for c in CheckIn.objects.order_by("id")] == checkins_before
    assert {c.origin_kind for c in origin.copies.all()} == {"carried_over", "duplicated"}


def test_carry_over_goes_to_the_next_quarter_by_default(world, okrs):
    year = quarter(world, "2027", dt.date(2027, 1, 1), dt.date(2027, 12, 31), kind="year")
    q2 = quarter(world, "2027-Q2", dt.date(2027, 4, 1), dt.date(2027, 6, 30))
    q1 = quarter(world, "2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31))

    copy = carry_over(actor=world.lena, objective=okrs.growth)

    assert copy.cycle == q1
    assert year != q2  # the year and the later quarter were not chosen


def test_carry_over_is_refused_without_an_open_later_cycle(world, okrs):
    with pytest.raises(ValidationFailed) as none:
        carry_over(actor=world.alice, objective=okrs.growth)
    assert none.value.errors == {"cycle_id": "no quarter starts after 2026-Q4: create it first"}
    q1 = quarter(world, "2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31), state="closed")
    with pytest.raises(ValidationFailed) as closed:
        carry_over(actor=world.alice, objective=okrs.growth)
    assert closed.value.errors == {"cycle_id": "2027-Q1 is closed"}
    with pytest.raises(ValidationFailed) as same:
        carry_over(actor=world.alice, objective=okrs.growth, cycle=world.cycle)
    assert same.value.errors == {"cycle_id": "choose a cycle that starts after 2026-Q4"}
    assert not Objective.objects.filter(cycle=q1).exists()


def test_a_finished_objective_is_not_carried_over_but_may_be_duplicated(world, q1, okrs):
    for kr in (okrs.visitors, okrs.signups):
        record_checkin(actor=world.lena, key_result=kr, value=kr.target, confidence=10)
    okrs.growth.refresh_from_db()
    assert okrs.growth.progress == 1

    with pytest.raises(ValidationFailed) as finished:
        carry_over(actor=world.lena, objective=okrs.growth, cycle=q1)
    assert list(finished.value.errors) == ["objective"]
    assert "finished" in finished.value.errors["objective"]

    copy = duplicate_objective(actor=world.lena, objective=okrs.growth, cycle=q1)
    assert (copy.origin, copy.origin_kind, copy.progress) == (okrs.growth, "duplicated", 1)


def test_carrying_over_twice_to_the_same_cycle_is_refused(world, q1, okrs):
    carry_over(actor=world.lena, objective=okrs.growth, cycle=q1)
    with pytest.raises(ValidationFailed) as twice:
        carry_over(actor=world.lena, objective=okrs.growth, cycle=q1)
    assert twice.value.errors["objective"].startswith("already carried over to 2027-Q1")
    assert Objective.objects.filter(cycle=q1).count() == 1


def test_duplicate_in_the_same_cycle_gets_a_unique_key_at_the_end(world, okrs):
    okrs.growth.key = "inbound"
    okrs.growth.save()
    first = duplicate_objective(actor=world.lena, objective=okrs.growth)
    second = duplicate_objective(actor=world.lena, objective=okrs.growth)

    assert first.cycle == second.cycle == world.cycle
    keys = set(Objective.objects.filter(cycle=world.cycle).values_list("key", flat=True))
    assert {"inbound", first.key, second.key} <= keys
    assert len({"inbound", first.key, second.key}) == 3
    last = max(o.position for o in Objective.objects.exclude(pk=second.pk))
    assert second.position == last + 1
    assert [kr.title for kr in first.key_results.all()] == [
        "Increase monthly visitors from 3k to 7k",
        "Trial sign-ups from 250 to 500",
    ]


def test_duplicate_into_a_closed_cycle_is_refused(world, okrs):
    world.cycle.state = "closed"
    world.cycle.save()
    with pytest.raises(ValidationFailed) as closed:
        duplicate_objective(actor=world.alice, objective=okrs.growth)
    assert closed.value.errors == {"cycle_id": "2026-Q4 is closed"}


def test_parents_in_the_target_cycle_or_a_covering_year_come_along(world, q1, okrs):
    year = quarter(world, "2027", dt.date(2027, 1, 1), dt.date(2027, 12, 31), kind="year")
    annual = make_objective(year, team=world.company, title="Be the tool teams reach for")
    next_company = make_objective(q1, team=world.company, title="Win the spring launch")
    for parent in (annual, next_company):
        Alignment.objects.create(organization=world.org, child=okrs.growth, parent=parent)

    copy = carry_over(actor=world.lena, objective=okrs.growth, cycle=q1)
    same_cycle = duplicate_objective(actor=world.lena, objective=okrs.growth)

    # okrs.company lives in 2026-Q4, which the carried-over copy has left behind.
    assert set(copy.parents.all()) == {annual, next_company}
    assert set(same_cycle.parents.all()) == {okrs.company}


def test_roll_ups_of_the_target_cycle_follow_the_copy(world, q1, okrs):
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="5000", confidence=7)

    copy = carry_over(actor=world.lena, objective=okrs.growth, cycle=q1)

    assert copy.progress == pytest.approx(0.25)
    rollups = {r.team_id: r.progress for r in Rollup.objects.filter(cycle=q1)}
    assert rollups == {world.growth.pk: pytest.approx(0.25), None: pytest.approx(0.25)}
    event = AuditEvent.objects.get(action="objective.carry_over")
    assert event.object_id == copy.pk
    assert event.after["origin_id"] == okrs.growth.pk
    assert event.after["key_results"] == 2


def test_scores_of_a_cycle_in_grading_follow_the_copy(world, okrs):
    grading = quarter(world, "2027-Q1", dt.date(2027, 1, 1), dt.date(2027, 3, 31), state="grading")
    record_checkin(actor=world.mo, key_result=okrs.visitors, value="7000", confidence=7)

    carry_over(actor=world.lena, objective=okrs.growth, cycle=grading)

    scores = {r.team_id: r.score for r in Rollup.objects.filter(cycle=grading)}
    assert scores[world.growth.pk] == pytest.approx(0.5)


def test_who_may_copy(world, q1, okrs):
    for who in (world.vic, world.mo):  # a viewer; a member of Growth who does not own it
        with pytest.raises(PermissionDenied):
            carry_over(actor=who, objective=okrs.growth, cycle=q1)
        with pytest.raises(PermissionDenied):
            duplicate_objective(actor=who, objective=okrs.growth)
    with pytest.raises(PermissionDenied):  # a lead of Growth, not of the company
        duplicate_objective(actor=world.lena, objective=okrs.company)
    assert carry_over(actor=world.mo, objective=okrs.personal, cycle=q1).owner_person == world.mo
    assert Objective.objects.filter(origin__isnull=False).count() == 1


def test_another_organizations_objective_or_cycle_is_not_found(world, q1, okrs):
    foreign = make_objective(world.other_cycle, team=world.other_team)
    with pytest.raises(NotFound):
        carry_over(actor=world.alice, objective=foreign, cycle=q1)
    with pytest.raises(NotFound):
        duplicate_objective(actor=world.alice, objective=okrs.growth, cycle=world.other_cycle)
    assert not Objective.objects.filter(origin__isnull=False).exists()


def test_retrospective_is_saved_limited_and_audited(world, okrs):
    saved = save_retrospective(
        actor=world.lena, objective=okrs.growth, worked="  Weekly reviews  ", change="Fewer KRs"
    )
    assert (saved.retro_worked, saved.retro_change) == ("Weekly reviews", "Fewer KRs")
    event = AuditEvent.objects.get(action="objective.retrospective")
    assert event.before == {"retro_worked": "", "retro_change": ""}
    assert event.after == {"retro_worked": "Weekly reviews", "retro_change": "Fewer KRs"}

    with pytest.raises(ValidationFailed) as long:
        save_retrospective(actor=world.lena, objective=okrs.growth, worked="x" * 5001, change="")
    assert long.value.errors == {"worked": "must be at most 5000 characters"}
    for who in (world.vic, world.mo):
        with pytest.raises(PermissionDenied):
            save_retrospective(actor=who, objective=okrs.growth, worked="", change="")
    okrs.growth.refresh_from_db()
    assert okrs.growth.retro_worked == "Weekly reviews"


# --- pages ------------------------------------------------------------------------------------


def test_objective_page_offers_carry_over_and_duplicate(world, q1, okrs, client):
    page = login(client, world.lena).get(f"/objectives/{okrs.growth.pk}/").content.decode()
    assert "Carry over to 2027-Q1" in page
    assert f'action="/objectives/{okrs.growth.pk}/duplicate/"' in page
    assert f'action="/objectives/{okrs.growth.pk}/retrospective/"' in page

    quarter(world, "2027-Q2", dt.date(2027, 4, 1), dt.date(2027, 6, 30))
    page = client.get(f"/objectives/{okrs.growth.pk}/").content.decode()
    assert 'id="carry-cycle"' in page  # several targets: a select

    viewer = login(Client(), world.vic).get(f"/objectives/{okrs.growth.pk}/").content.decode()
    assert "Carry over" not in viewer
    assert "No retrospective written yet." in viewer


def test_carry_over_page_redirects_to_the_copy_and_links_both_ways(world, q1, okrs, client):
    login(client, world.lena)
    response = client.post(f"/objectives/{okrs.growth.pk}/carry-over/", {"cycle": q1.pk})

    copy = Objective.objects.get(origin=okrs.growth)
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{copy.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert (
        f'Carried over from <a href="/objectives/{okrs.growth.pk}/">'
        "Bring new inbound leads to the website</a> (2026-Q4)"
    ) in page
    origin_page = client.get(f"/objectives/{okrs.growth.pk}/").content.decode()
    assert f'Carried over to <a href="/objectives/{copy.pk}/">' in origin_page

    response = client.post(f"/objectives/{okrs.growth.pk}/duplicate/", {"cycle": ""})
    duplicate = Objective.objects.get(origin=okrs.growth, origin_kind="duplicated")
    assert response["Location"] == f"/objectives/{duplicate.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "Duplicated from <a" in page


def test_refused_copies_show_the_error_on_the_page(world, q1, okrs, client):
    login(client, world.lena)
    form = client.get(f"/objectives/{okrs.growth.pk}/carry-over/")
    assert form.status_code == 200
    assert f'<option value="{q1.pk}">2027-Q1 (Planning)</option>' in form.content.decode()
    client.post(f"/objectives/{okrs.growth.pk}/carry-over/", {"cycle": q1.pk})
    response = client.post(f"/objectives/{okrs.growth.pk}/carry-over/", {"cycle": q1.pk})
    assert response.status_code == 422
    assert "already carried over to 2027-Q1" in response.content.decode()

    q1.state = "closed"
    q1.save()
    response = client.post(f"/objectives/{okrs.growth.pk}/duplicate/", {"cycle": q1.pk})
    assert response.status_code == 422
    assert "2027-Q1 is closed" in response.content.decode()


def test_copy_pages_are_forbidden_or_not_found(world, q1, okrs, client):
    foreign = make_objective(world.other_cycle, team=world.other_team)
    login(client, world.lena)
    assert client.post(f"/objectives/{foreign.pk}/carry-over/", {}).status_code == 404
    assert (
        client.post(
            f"/objectives/{okrs.growth.pk}/duplicate/", {"cycle": world.other_cycle.pk}
        ).status_code
        == 404
    )
    viewer = login(Client(), world.vic)
    assert viewer.post(f"/objectives/{okrs.growth.pk}/carry-over/", {}).status_code == 403
    assert viewer.post(f"/objectives/{okrs.growth.pk}/retrospective/", {}).status_code == 403
    assert not Objective.objects.filter(origin__isnull=False).exists()


def test_retrospective_page_saves_and_keeps_what_was_typed_on_error(world, okrs, client):
    login(client, world.lena)
    url = f"/objectives/{okrs.growth.pk}/retrospective/"
    response = client.post(url, {"worked": "Pairing on content", "change": "Ship earlier"})
    assert response["Location"] == f"/objectives/{okrs.growth.pk}/#retrospective"
    okrs.growth.refresh_from_db()
    assert okrs.growth.retro_change == "Ship earlier"

    response = client.post(url, {"worked": "y" * 5001, "change": "Kept as typed"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "must be at most 5000 characters" in body
    assert "Kept as typed" in body


def test_retrospective_is_emphasised_once_the_cycle_is_grading(world, okrs, client):
    login(client, world.lena)
    page = client.get(f"/objectives/{okrs.growth.pk}/").content.decode()
    assert '<summary id="retro-h">Retrospective</summary>' in page
    world.cycle.state = "grading"
    world.cycle.save()
    page = client.get(f"/objectives/{okrs.growth.pk}/").content.decode()
    assert '<h2 id="retro-h">Retrospective</h2>' in page
    assert "The cycle is grading: write down what worked and what to change." in page


# --- query counts -----------------------------------------------------------------------------


def _add_key_results(objective: Objective, n: int) -> None:
    KeyResult.objects.bulk_create(
        KeyResult(
            organization_id=objective.organization_id,
            objective=objective,
            title=f"KR {i}",
            start=Decimal(0),
            target=Decimal(10),
            current=Decimal(4),
            progress=0.4,
        )
        for i in range(n)
    )


@pytest.mark.parametrize("n", [2, 20])
def test_carry_over_post_takes_a_fixed_number_of_queries(world, q1, okrs, client, n):
    _add_key_results(okrs.growth, n)
    login(client, world.lena)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/objectives/{okrs.growth.pk}/carry-over/", {"cycle": q1.pk})
    assert response.status_code == 302
    assert KeyResult.objects.filter(objective__cycle=q1).count() == n + 2
    queries = [q["sql"] for q in captured.captured_queries]
    # session, user, membership, the objective, the lead's teams, the open cycles, the posted
    # cycle; in the service the origin, earlier copies, the last position, the keys taken, the
    # copy, its key results (read, one insert), its parents (read; none to insert), its
    # progress (read, update), two roll-ups (sum the objectives, update the missing row, insert
    # it, each) and the audit event: 24 statements, and 6 savepoint statements around the
    # transaction and the roll-ups' inserts.
    assert len([q for q in queries if "SAVEPOINT" not in q]) == 24
    assert len(queries) == 30


@pytest.mark.parametrize("n", [1, 10])
def test_objective_page_panel_takes_a_fixed_number_of_queries(world, q1, okrs, n):
    for _ in range(n):
        duplicate_objective(actor=world.alice, objective=okrs.growth)
    client = login(Client(), world.lena)
    url = f"/objectives/{okrs.growth.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(url)
    assert page.content.decode().count("Duplicated as") == 1
    # The objective page's 14 for a lead (see tests/okrs/test_query_counts.py, with the
    # strategy-canvas factor it may come from) and the panel's two: the origin with the copies,
    # and the open cycles.
    assert len(captured.captured_queries) == 16
