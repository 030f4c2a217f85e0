"""Numbers the databases cannot hold are bad input (4xx), never an overflow (500)."""

from __future__ import annotations

import pytest

HUGE = 2**80


@pytest.mark.parametrize(
    "path",
    [
        f"/objectives?offset={HUGE}",
        f"/cycles?limit=50&offset={HUGE}",
        f"/objectives?cycle_id={HUGE}",
        f"/check-ins?key_result_id={HUGE}",
        f"/key-results?objective_id=-{HUGE}",
        "/key-results?limit=0",
    ],
)
def test_out_of_range_query_numbers_are_422(world, api_as, path):
    response = api_as(world.alice).get(path)

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


@pytest.mark.parametrize("path", [f"/objectives/{HUGE}", f"/kpis/{HUGE}/measurements", "/teams/-5"])
def test_out_of_range_ids_in_the_path_are_not_found(world, api_as, path):
    assert api_as(world.alice).get(path).status_code in {404, 422}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/objectives",
            {"title": "Delight", "cycle_id": 1, "owner_team_id": HUGE},
            "owner_team_id",
        ),
        ("/objectives", {"title": "Delight", "cycle_id": 1, "parent_ids": [HUGE]}, "parent_ids"),
        ("/key-results", {"objective_id": HUGE, "title": "T", "target": 1}, "objective_id"),
        ("/teams", {"name": "Sales", "parent_id": HUGE}, "parent_id"),
    ],
)
def test_out_of_range_ids_in_a_body_are_422_naming_the_field(world, api_as, path, body, field):
    response = api_as(world.alice).post(path, body)

    assert response.status_code == 422
    assert field in response.json()["detail"][0]["loc"]


def test_nul_in_text_is_422_on_every_database(world, api_as):
    response = api_as(world.alice).post(
        "/objectives", {"title": "Delight\x00", "cycle_id": world.cycle.pk, "description": "x"}
    )
    described = api_as(world.alice).post(
        "/objectives", {"title": "Delight", "cycle_id": world.cycle.pk, "description": "a\x00b"}
    )

    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "title"
    assert described.status_code == 422
    assert described.json()["detail"][0]["loc"][-1] == "description"


def test_a_lone_surrogate_is_422_not_a_database_error(world, api_as):
    # JSON may escape half of a surrogate pair ("\\ud800"); no UTF-8 text can hold it.
    created = api_as(world.alice).post(
        "/objectives", {"title": "Delight", "cycle_id": world.cycle.pk, "description": "x"}
    )
    objective_id = created.json()["id"]

    response = api_as(world.alice).patch(f"/objectives/{objective_id}", {"title": "\ud800 up"})

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "title"
    assert "valid Unicode" in response.json()["detail"][0]["msg"]
