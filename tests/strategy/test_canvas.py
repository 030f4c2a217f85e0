"""Strategy Canvas services, selectors and pages: permissions, validation, the audit log,
"make it an objective" and pinned query counts."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.audit.models import AuditEvent
from headway.errors import ValidationFailed
from headway.okrs.choices import CycleState
from headway.strategy import canvas_selectors as selectors
from headway.strategy import canvas_services as services
from headway.strategy.models import CanvasFactor, CanvasLevel, CanvasPlayer, StrategyCanvas
from tests.factories import World, login

pytestmark = pytest.mark.django_db


def build(world: World, factors: int = 3, players: int = 3) -> StrategyCanvas:
    a = world.alice
    canvas = services.create_canvas(actor=a, title="Budget wine", tagline="Fun and simple wine")
    kinds = ["industry", "competitor", "new_curve", "us", "competitor"]
    fs = [
        services.add_factor(actor=a, canvas=canvas, name=f"Factor {i}", errc="")
        for i in range(factors)
    ]
    ps = [
        services.add_player(actor=a, canvas=canvas, name=f"Player {j}", kind=kinds[j % 5])
        for j in range(players)
    ]
    services.set_levels(
        actor=a,
        canvas=canvas,
        levels={(f.pk, p.pk): (i * 3 + j) % 11 for i, f in enumerate(fs) for j, p in enumerate(ps)},
    )
    return canvas


# --- services ---------------------------------------------------------------------------------


def test_admin_builds_a_canvas_and_every_write_is_audited(world):
    canvas = build(world, factors=2, players=2)
    assert [f.name for f in canvas.factors.all()] == ["Factor 0", "Factor 1"]
    assert [f.position for f in canvas.factors.all()] == [0, 1]
    assert CanvasLevel.objects.filter(canvas=canvas).count() == 4
    actions = list(
        AuditEvent.objects.filter(organization=world.org)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "canvas.create",
        "canvas.factor.create",
        "canvas.factor.create",
        "canvas.player.create",
        "canvas.player.create",
        *["canvas.level.set"] * 4,
    ]


def test_leads_edit_members_and_viewers_do_not(world):
    canvas = services.create_canvas(actor=world.lena, title="Lena's canvas")
    assert canvas.organization_id == world.org.pk
    for who in (world.mo, world.vic):
        with pytest.raises(PermissionDenied):
            services.create_canvas(actor=who, title="No")
        with pytest.raises(PermissionDenied):
            services.add_factor(actor=who, canvas=canvas, name="No")
    with pytest.raises(PermissionDenied):
        services.update_canvas(actor=world.oscar, canvas=canvas, title="Mine")


def test_bad_input_names_the_field(world):
    with pytest.raises(ValidationFailed) as exc:
        services.create_canvas(actor=world.alice, title="  ")
    assert exc.value.errors == {"title": "is required"}
    canvas = build(world, 1, 1)
    factor = canvas.factors.get()
    with pytest.raises(ValidationFailed) as exc:
        services.update_factor(actor=world.alice, factor=factor, errc="amplify")
    assert list(exc.value.errors) == ["errc"]
    with pytest.raises(ValidationFailed) as exc:
        services.add_player(actor=world.alice, canvas=canvas, name="X", kind="partner")
    assert list(exc.value.errors) == ["kind"]
    player = canvas.players.get()
    for bad in (11, -1, "7.5", "abc", True):
        with pytest.raises(ValidationFailed) as exc:
            services.set_level(
                actor=world.alice,
                canvas=canvas,
                factor_id=factor.pk,
                player_id=player.pk,
                level=bad,
            )
        assert list(exc.value.errors) == ["level"], bad


def test_levels_of_another_canvas_are_refused_and_nothing_is_written(world):
    mine, theirs = build(world, 1, 1), build(world, 1, 1)
    f, p = mine.factors.get(), theirs.players.get()
    before = CanvasLevel.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.set_levels(actor=world.alice, canvas=mine, levels={(f.pk, p.pk): 3})
    assert exc.value.errors == {"player_id": "no such player on this canvas"}
    assert CanvasLevel.objects.count() == before


def test_setting_the_same_level_changes_nothing_and_blank_clears(world):
    canvas = build(world, 1, 1)
    f, p = canvas.factors.get(), canvas.players.get()
    level = CanvasLevel.objects.get(factor=f, player=p).level
    assert (
        services.set_level(
            actor=world.alice, canvas=canvas, factor_id=f.pk, player_id=p.pk, level=str(level)
        )
        == 0
    )
    assert (
        services.set_level(
            actor=world.alice, canvas=canvas, factor_id=f.pk, player_id=p.pk, level=""
        )
        == 1
    )
    assert not CanvasLevel.objects.filter(factor=f, player=p).exists()


def test_reordering_factors(world):
    canvas = build(world, 4, 1)
    f = list(canvas.factors.all())
    services.update_factor(actor=world.alice, factor=f[3], position=0)
    assert [x.name for x in canvas.factors.all()] == [
        "Factor 3",
        "Factor 0",
        "Factor 1",
        "Factor 2",
    ]
    services.move_factor(actor=world.alice, factor=f[3], offset=1)
    assert [x.name for x in canvas.factors.all()] == [
        "Factor 0",
        "Factor 3",
        "Factor 1",
        "Factor 2",
    ]
    assert [x.position for x in canvas.factors.all()] == [0, 1, 2, 3]


def test_make_objective_from_a_raise_factor(world, frozen):
    canvas = build(world, 2, 1)
    factor = canvas.factors.first()
    services.update_factor(actor=world.alice, factor=factor, errc="raise", rationale="Buyers ask")
    objective = services.make_objective(actor=world.alice, factor=factor)
    assert objective.title == "Stand out on Factor 0"
    assert objective.cycle_id == world.cycle.pk
    assert objective.owner_team_id == world.company.pk
    assert "Buyers ask" in objective.description
    factor.refresh_from_db()
    assert factor.objective_id == objective.pk
    assert AuditEvent.objects.filter(action="canvas.factor.objective", object_id=factor.pk).exists()
    assert AuditEvent.objects.filter(action="objective.create", object_id=objective.pk).exists()
    with pytest.raises(ValidationFailed) as exc:
        services.make_objective(actor=world.alice, factor=factor)
    assert list(exc.value.errors) == ["objective"]


def test_make_objective_only_for_raise_or_create_and_open_cycles(world, frozen):
    canvas = build(world, 2, 1)
    first, second = canvas.factors.all()
    services.update_factor(actor=world.alice, factor=first, errc="reduce")
    with pytest.raises(ValidationFailed) as exc:
        services.make_objective(actor=world.alice, factor=first)
    assert list(exc.value.errors) == ["errc"]
    services.update_factor(actor=world.alice, factor=second, errc="create")
    with pytest.raises(ValidationFailed) as exc:
        services.make_objective(actor=world.alice, factor=second, cycle_id=world.other_cycle.pk)
    assert list(exc.value.errors) == ["cycle_id"]
    world.cycle.state = CycleState.CLOSED
    world.cycle.save()
    with pytest.raises(ValidationFailed) as exc:
        services.make_objective(actor=world.alice, factor=second, title="Own the fun")
    assert list(exc.value.errors) == ["cycle_id"]
    second.refresh_from_db()
    assert second.objective_id is None


def test_selector_assesses_the_canvas(world):
    canvas = services.create_canvas(actor=world.alice, title="C")
    a = world.alice
    fs = [services.add_factor(actor=a, canvas=canvas, name=n) for n in ("Price", "Ease", "Fun")]
    ind = services.add_player(actor=a, canvas=canvas, name="Industry", kind="industry")
    new = services.add_player(actor=a, canvas=canvas, name="New", kind="new_curve")
    services.set_levels(
        actor=a,
        canvas=canvas,
        levels={
            **{(f.pk, ind.pk): v for f, v in zip(fs, [6, 6, 5], strict=True)},
            **{(f.pk, new.pk): v for f, v in zip(fs, [1, 9, 10], strict=True)},
        },
    )
    data = selectors.canvas_data(canvas)
    assert data.assessment.focus is not None and data.assessment.focus.passed
    assert data.assessment.divergence is not None
    assert data.assessment.divergence.value == pytest.approx(
        0.433, abs=0.001
    )  # (5 + 3 + 5) / 3 / 10
    assert [f.code for f in data.assessment.findings] == ["no_tagline"]
    values = data.chart["data"]["values"]
    assert len(values) == 6
    assert {"factor": "Fun", "order": 2, "player": "New", "new_curve": True, "level": 10} in values
    assert data.chart["encoding"]["x"]["sort"] == ["Price", "Ease", "Fun"]


# --- pages ------------------------------------------------------------------------------------


def test_list_page_creates_a_canvas(world, client):
    login(client, world.lena)
    response = client.post("/strategy/canvases/", {"title": "Growth canvas", "tagline": "Fast"})
    canvas = StrategyCanvas.objects.get(title="Growth canvas")
    assert (
        response.status_code == 302 and response["Location"] == f"/strategy/canvases/{canvas.pk}/"
    )
    page = client.get("/strategy/canvases/")
    assert "Growth canvas" in page.content.decode()


def test_list_page_keeps_what_was_typed_on_error(world, client):
    login(client, world.alice)
    response = client.post("/strategy/canvases/", {"title": " ", "tagline": "Kept tagline"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="Kept tagline"' in html and "This field is required" in html


def test_viewer_reads_but_cannot_write(world, client):
    canvas = build(world)
    login(client, world.vic)
    html = client.get(f"/strategy/canvases/{canvas.pk}/").content.decode()
    assert "Budget wine" in html and "Add factor" not in html
    assert client.post("/strategy/canvases/", {"title": "X"}).status_code == 403
    assert client.post(f"/strategy/canvases/{canvas.pk}/factors/", {}).status_code == 403


def test_another_organizations_canvas_is_a_404(world, client):
    canvas = build(world)
    login(client, world.oscar)
    assert client.get(f"/strategy/canvases/{canvas.pk}/").status_code == 404
    factor = canvas.factors.first()
    url = f"/strategy/canvases/{canvas.pk}/factors/{factor.pk}/"
    assert client.post(url, {f"factor-{factor.pk}-name": "Mine"}).status_code == 404


def test_factor_form_error_is_shown_beside_the_field(world, client):
    canvas = build(world, 1, 1)
    factor = canvas.factors.get()
    login(client, world.alice)
    p = f"factor-{factor.pk}"
    response = client.post(
        f"/strategy/canvases/{canvas.pk}/factors/{factor.pk}/",
        {f"{p}-name": "", f"{p}-errc": "raise", f"{p}-rationale": "Typed reason"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Typed reason" in html and f'id="id_{p}-name_error"' in html


def test_levels_post_from_htmx_redraws_the_chart_and_reports_bad_levels(world, client):
    canvas = build(world, 2, 2)
    f, p = canvas.factors.first(), canvas.players.first()
    login(client, world.alice)
    url = f"/strategy/canvases/{canvas.pk}/levels/"
    ok = client.post(url, {f"level-{f.pk}-{p.pk}": "9"}, HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and 'id="canvas-live"' in ok.content.decode()
    assert CanvasLevel.objects.get(factor=f, player=p).level == 9
    bad = client.post(url, {f"level-{f.pk}-{p.pk}": "12"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422
    assert "must be between 0 and 10, got 12" in bad.content.decode()
    assert CanvasLevel.objects.get(factor=f, player=p).level == 9


def test_make_it_an_objective_page_links_both_ways(world, client, frozen):
    canvas = build(world, 2, 1)
    factor = canvas.factors.first()
    services.update_factor(actor=world.alice, factor=factor, errc="raise", rationale="Why")
    login(client, world.alice)
    url = f"/strategy/canvases/{canvas.pk}/factors/{factor.pk}/objective/"
    form = client.get(url).content.decode()
    assert 'value="Stand out on Factor 0"' in form
    response = client.post(
        url, {"title": "Be the easiest", "cycle": world.cycle.pk, "owner_team": world.company.pk}
    )
    factor.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{factor.objective_id}/"
    objective_page = client.get(response["Location"]).content.decode()
    assert "From the strategy canvas:" in objective_page
    assert f'href="/strategy/canvases/{canvas.pk}/#factor-{factor.pk}"' in objective_page
    canvas_page = client.get(f"/strategy/canvases/{canvas.pk}/").content.decode()
    assert f'href="/objectives/{factor.objective_id}/"' in canvas_page


def _count(client: Client, url: str) -> int:
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("size", [(2, 2), (8, 4)])
def test_page_query_counts_are_pinned(world, client, size):
    canvas = build(world, *size)
    for factor in canvas.factors.all()[:1]:
        factor.errc = "raise"
        factor.save()
    login(client, world.alice)
    # session, user, membership; the canvas; factors (with objectives), players, levels
    assert _count(client, f"/strategy/canvases/{canvas.pk}/") == 7
    # session, user, membership; the canvases with their counts
    assert _count(client, "/strategy/canvases/") == 4


def test_objective_page_costs_one_query_for_its_canvas_origin(
    world, frozen, django_assert_num_queries
):
    from headway.strategy.templatetags.strategy_canvas import canvas_origin

    canvas = build(world, 1, 1)
    factor = canvas.factors.get()
    services.update_factor(actor=world.alice, factor=factor, errc="create", rationale="New")
    objective = services.make_objective(actor=world.alice, factor=factor)
    with django_assert_num_queries(1):
        found = canvas_origin(objective)["factor"]
        assert found.canvas.title == "Budget wine"
    assert CanvasFactor.objects.filter(objective=objective).count() == 1
    assert CanvasPlayer.objects.filter(canvas=canvas).count() == 1


def test_a_lead_is_told_beside_the_owner_when_the_team_is_not_theirs(world, client, frozen):
    canvas = build(world, 1, 1)
    factor = canvas.factors.get()
    services.update_factor(actor=world.alice, factor=factor, errc="raise", rationale="Why")
    login(client, world.lena)
    url = f"/strategy/canvases/{canvas.pk}/factors/{factor.pk}/objective/"
    data = {"title": "Typed title", "cycle": world.cycle.pk, "owner_team": world.company.pk}
    refused = client.post(url, data)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "You may not create objectives for this team." in html
    assert 'value="Typed title"' in html
    made = client.post(url, {**data, "owner_team": world.growth.pk})
    factor.refresh_from_db()
    assert made.status_code == 302 and factor.objective is not None
    assert factor.objective.owner_team_id == world.growth.pk
