"""POST /api/v1/lint checks a draft objective; GET /api/v1/lint/rules lists the rule book."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from headway.core.coach import RULES
from headway.demo import load_demo
from headway.orgs.models import Membership, Organization
from headway.orgs.services import set_coach_disabled_rules

pytestmark = pytest.mark.django_db

KPI = "kpi-in-okr-format"
REVENUE = {
    "title": "Increase revenue",
    "key_results": [
        {"title": "10% more revenue", "start": 0, "target": 10, "kind": "percentage", "unit": "%"}
    ],
}
GOOD = {
    "title": "Our customers love our onboarding",
    "description": "Our NPS sits at 32 and competitors are at 50.",
    "key_results": [
        {"title": "Onboarding NPS rises from 32 to 55", "start": 32, "target": 55, "unit": "NPS"},
        {
            "title": "Cut the time to first value from 14 to 5 days",
            "start": 14,
            "target": 5,
            "direction": "decrease",
            "unit": "days",
            "result_type": "outcome",
        },
    ],
}


@pytest.fixture
def demo() -> Iterator[Organization]:
    with time_machine.travel(dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC), tick=False):
        yield load_demo(today=dt.date(2026, 11, 22))


def person(username: str) -> Membership:
    return Membership.objects.select_related("organization").get(user__username=username)


def rules_of(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return [f["rule"] for f in response.json()["findings"]]


def test_the_kpi_in_okr_format_is_an_error(demo, api_as):
    response = api_as(person("demo-omar")).post("/lint", {"objective": REVENUE})

    body = response.json()
    assert KPI in rules_of(response)
    assert body["errors"] is True
    kpi = next(f for f in body["findings"] if f["rule"] == KPI)
    assert set(kpi) == {"rule", "severity", "message", "suggestion", "objective", "target"}
    assert kpi["severity"] == "error" and kpi["target"] == "objective"
    assert "Keep revenue as a KPI" in kpi["suggestion"]


def test_the_good_okr_has_no_findings(world, api_as):
    response = api_as(world.mo).post("/lint", {"objective": GOOD})

    assert rules_of(response) == []
    assert response.json()["errors"] is False


def test_a_read_only_token_may_lint(world, api_as):
    response = api_as(world.vic, scope="read").post("/lint", {"objective": REVENUE})
    assert KPI in rules_of(response)


def test_rules_named_in_the_body_are_left_out(world, api_as):
    response = api_as(world.mo).post("/lint", {"objective": REVENUE, "disabled": [KPI]})

    assert KPI not in rules_of(response)
    assert "too-few-key-results" in rules_of(response)
    assert response.json()["errors"] is False


def test_rules_the_organization_switched_off_are_left_out(demo, api_as):
    set_coach_disabled_rules(person("demo"), [KPI])
    client = api_as(person("demo-omar"))

    assert KPI not in rules_of(client.post("/lint", {"objective": REVENUE}))
    listed = {r["id"]: r["enabled"] for r in client.get("/lint/rules").json()}
    assert listed[KPI] is False
    assert all(enabled for rule, enabled in listed.items() if rule != KPI)


def test_another_organizations_switches_do_not_apply(world, api_as):
    set_coach_disabled_rules(world.oscar, [KPI])
    assert KPI in rules_of(api_as(world.mo).post("/lint", {"objective": REVENUE}))


def test_rules_lists_the_rule_book(world, api_as):
    response = api_as(world.vic, scope="read").get("/lint/rules")

    assert response.status_code == 200
    rules = response.json()
    assert [r["id"] for r in rules] == list(RULES)
    kpi = next(r for r in rules if r["id"] == KPI)
    assert kpi == {
        "id": KPI,
        "severity": RULES[KPI].severity.value,
        "title": RULES[KPI].title,
        "why": RULES[KPI].why,
        "enabled": True,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "objective"),
        ({"objective": {"key_results": []}}, "title"),
        ({"objective": {"title": 7}}, "title"),
        ({"objective": {"title": "x", "key_results": [{"start": 1}]}}, "title"),
        ({"objective": {"title": "x", "key_results": [{"title": "y", "start": "abc"}]}}, "start"),
        ({"objective": {"title": "x", "key_results": [{"title": "y", "kind": "vibes"}]}}, "kind"),
        (
            {"objective": {"title": "x", "key_results": [{"title": "y", "direction": "up"}]}},
            "direction",
        ),
        (
            {"objective": {"title": "x", "key_results": [{"title": "y", "result_type": "a"}]}},
            "result_type",
        ),
        ({"objective": {"title": "x", "key_results": "many"}}, "key_results"),
        ({"objective": {"title": "x" * 1001}}, "title"),
        ({"objective": REVENUE, "disabled": ["no-such-rule"]}, "disabled"),
        ({"objective": REVENUE, "disabled": "kpi-in-okr-format"}, "disabled"),
    ],
)
def test_bad_input_is_422_naming_the_field(world, api_as, body, field):
    response = api_as(world.mo).post("/lint", body)

    assert response.status_code == 422, response.json()
    assert field in response.json()["detail"][0]["loc"]


def test_lint_needs_authentication(world):
    client = Client()
    assert client.post("/api/v1/lint", REVENUE, content_type="application/json").status_code == 401
    assert client.get("/api/v1/lint/rules").status_code == 401
