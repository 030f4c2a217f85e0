"""bench/scale.py's own floor: a page's SELECT statements replayed raw, rows serialized."""

from __future__ import annotations

import json

from bench.scale import replayed
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import World, make_objective


def test_the_own_floor_replays_every_select_of_the_page(world: World, client: Client) -> None:
    objective = make_objective(world.cycle, world.growth, title="Replayed on the floor")
    client.force_login(world.mo.user)
    url = f"/objectives/{objective.pk}/"
    with CaptureQueriesContext(connection) as page:
        client.get(url)
    selects = [q for q in page.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]

    run = replayed(client, url, {})
    with CaptureQueriesContext(connection) as floor:
        rows = json.loads(str(run()))

    assert len(floor.captured_queries) == len(selects) > 3
    assert len(rows) == len(selects)
    assert "Replayed on the floor" in json.dumps(rows)


def test_a_figure_and_its_floors_are_sampled_in_turn(monkeypatch) -> None:
    import bench.scale as scale

    monkeypatch.setattr(scale, "ROUNDS", 4)
    calls: list[str] = []
    timings = scale.interleaved(
        {"page": lambda: calls.append("page"), "floor": lambda: calls.append("floor")}
    )

    assert calls == ["page", "floor"] * 4
    assert {name: t["n"] for name, t in timings.items()} == {"page": 4, "floor": 4}
    assert all(t["p50_ms"] <= t["p95_ms"] for t in timings.values())
