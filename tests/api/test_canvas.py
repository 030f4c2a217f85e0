"""The Strategy Canvas API: canvases, factors, players, levels, indicators, objectives."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.okrs.models import Objective
from headway.strategy.models import CanvasFactor, StrategyCanvas

pytestmark = pytest.mark.django_db


def build(api) -> tuple[int, list[int], list[int]]:
    canvas = api.post("/canvases", {"title": "Budget wine", "tagline": "Easy wine"})
    assert canvas.status_code == 201, canvas.json()
    cid = canvas.json()["id"]
    fids = [
        api.post(f"/canvases/{cid}/factors", {"name": n}).json()["id"]
        for n in ("Price", "Jargon", "Ease", "Fun")
    ]
    pids = [
        api.post(f"/canvases/{cid}/players", {"name": n, "kind": k}).json()["id"]
        for n, k in (("Industry", "industry"), ("Yellow", "new_curve"))
    ]
    for fid, ind, new in zip(fids, [6, 7, 4, 2], [2, 0, 9, 9], strict=True):
        assert (
            api.put(
                f"/canvases/{cid}/levels", {"factor_id": fid, "player_id": pids[0], "level": ind}
            ).status_code
            == 200
        )
        assert (
            api.put(
                f"/canvases/{cid}/levels", {"factor_id": fid, "player_id": pids[1], "level": new}
            ).status_code
            == 200
        )
    return cid, fids, pids


def test_build_and_read_a_canvas(world, api_as):
    api = api_as(world.alice)
    cid, fids, pids = build(api)
    body = api.get(f"/canvases/{cid}").json()
    assert body["title"] == "Budget wine" and body["tagline"] == "Easy wine"
    assert [f["name"] for f in body["factors"]] == ["Price", "Jargon", "Ease", "Fun"]
    assert [p["kind"] for p in body["players"]] == ["industry", "new_curve"]
    assert len(body["levels"]) == 8
    assert {"factor_id": fids[2], "player_id": pids[1], "level": 9} in body["levels"]
    ind = body["indicators"]
    # levels 2, 0, 9, 9: 4.06 levels from their mean, out of 5
    assert ind["focus"]["value"] == pytest.approx(0.812, abs=0.001) and ind["focus"]["passed"]
    # gaps 4 + 7 + 5 + 7 = 23 over 4 factors, in tenths
    assert ind["divergence"]["value"] == 0.575 and ind["divergence"]["passed"]
    assert ind["findings"] == []
    assert body["chart"]["mark"]["type"] == "line"
    assert len(body["chart"]["data"]["values"]) == 8


def test_list_patch_reorder_and_delete(world, api_as):
    api = api_as(world.lena)
    cid, fids, pids = build(api)
    listed = api.get("/canvases").json()
    assert listed["count"] == 1
    assert listed["items"][0]["factor_count"] == 4 and listed["items"][0]["player_count"] == 2
    patched = api.patch(f"/canvases/{cid}", {"description": "Casella's curve"})
    assert patched.json()["description"] == "Casella's curve"
    assert patched.json()["title"] == "Budget wine"
    moved = api.patch(f"/canvases/{cid}/factors/{fids[3]}", {"position": 0, "errc": "create"})
    assert moved.status_code == 200 and moved.json()["errc"] == "create"
    order = [f["id"] for f in api.get(f"/canvases/{cid}").json()["factors"]]
    assert order == [fids[3], fids[0], fids[1], fids[2]]
    renamed = api.patch(f"/canvases/{cid}/players/{pids[0]}", {"name": "The industry"})
    assert renamed.json()["name"] == "The industry"
    assert api.delete(f"/canvases/{cid}/players/{pids[0]}").status_code == 204
    assert api.delete(f"/canvases/{cid}/factors/{fids[0]}").status_code == 204
    body = api.get(f"/canvases/{cid}").json()
    assert len(body["factors"]) == 3 and len(body["levels"]) == 3
    assert [f["code"] for f in body["indicators"]["findings"]] == ["no_rationale"]
    assert api.delete(f"/canvases/{cid}").status_code == 204
    assert not StrategyCanvas.objects.filter(pk=cid).exists()


def test_bad_input_answers_422_naming_the_field(world, api_as):
    api = api_as(world.alice)
    cid, fids, pids = build(api)

    def field(response) -> list[str]:
        assert response.status_code == 422, response.content
        return [d["loc"][-1] for d in response.json()["detail"]]

    assert field(api.post("/canvases", {"title": ""})) == ["title"]
    assert field(api.post(f"/canvases/{cid}/factors", {"name": "X", "errc": "boost"})) == ["errc"]
    assert field(api.post(f"/canvases/{cid}/players", {"name": "X", "kind": "ally"})) == ["kind"]
    assert field(api.patch(f"/canvases/{cid}/factors/{fids[0]}", {"position": -2})) == ["position"]
    level = {"factor_id": fids[0], "player_id": pids[0]}
    assert field(api.put(f"/canvases/{cid}/levels", {**level, "level": 11})) == ["level"]
    assert field(api.put(f"/canvases/{cid}/levels", {**level, "level": "high"})) == ["level"]
    assert field(api.put(f"/canvases/{cid}/levels", {**level, "player_id": 2**63, "level": 3})) == [
        "player_id"
    ]
    other = api.post("/canvases", {"title": "Other"}).json()["id"]
    assert field(api.put(f"/canvases/{other}/levels", {**level, "level": 3})) == ["factor_id"]


def test_make_objective_through_the_api(world, api_as, frozen):
    api = api_as(world.alice)
    cid, fids, _ = build(api)
    url = f"/canvases/{cid}/factors/{fids[2]}/objective"
    refused = api.post(url, {})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "errc"
    api.patch(f"/canvases/{cid}/factors/{fids[2]}", {"errc": "raise", "rationale": "Easy wins"})
    made = api.post(url, {"title": "The easiest wine to choose", "cycle_id": world.cycle.pk})
    assert made.status_code == 201, made.content
    objective = Objective.objects.get(pk=made.json()["objective_id"])
    assert objective.title == "The easiest wine to choose"
    assert objective.owner_team_id == world.company.pk and objective.cycle_id == world.cycle.pk
    assert CanvasFactor.objects.get(pk=fids[2]).objective_id == objective.pk
    again = api.post(url, {})
    assert again.status_code == 422 and again.json()["detail"][0]["loc"][-1] == "objective"


def test_permissions_and_other_organizations(world, api_as):
    cid, fids, _ = build(api_as(world.alice))
    viewer = api_as(world.vic)
    assert viewer.get(f"/canvases/{cid}").status_code == 200
    assert viewer.post("/canvases", {"title": "X"}).status_code == 403
    assert api_as(world.mo).patch(f"/canvases/{cid}", {"title": "X"}).status_code == 403
    assert api_as(world.alice, scope="read").post("/canvases", {"title": "X"}).status_code == 403
    oscar = api_as(world.oscar)
    assert oscar.get(f"/canvases/{cid}").status_code == 404
    assert oscar.patch(f"/canvases/{cid}/factors/{fids[0]}", {"name": "X"}).status_code == 404
    assert oscar.get("/canvases").json()["count"] == 0


def _count(api, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert api.get(path).status_code == 200
    return len(captured.captured_queries)


def test_query_counts_do_not_grow_with_the_canvas(world, api_as):
    api = api_as(world.alice)
    cid, _, _ = build(api)
    small = (_count(api, f"/canvases/{cid}"), _count(api, "/canvases"))
    for i in range(6):
        fid = api.post(f"/canvases/{cid}/factors", {"name": f"More {i}"}).json()["id"]
        api.patch(f"/canvases/{cid}/factors/{fid}", {"errc": "raise"})
    api.post("/canvases", {"title": "Second"})
    # the token with its membership, the canvas, factors, players, levels
    # the token with its membership, the count, the page of canvases
    assert small == (_count(api, f"/canvases/{cid}"), _count(api, "/canvases"))
    assert small == (5, 3)
