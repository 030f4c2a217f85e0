"""`headway export --format yaml`: the stored plan as an OKR file."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import Result

from headway.okrs.models import Alignment, Objective
from headway.okrs.services import (
    create_key_result,
    create_objective,
    update_key_result,
    update_objective,
)
from headway.okrsfile import load
from headway.okrsfile.dump import dumps
from headway.okrsfile.export import export_text
from headway.okrsfile.parse import read_yaml
from headway.okrsfile.plan import make_plan
from headway.okrsfile.state import load_state
from headway.orgs.services import set_coach_disabled_rules
from tests.factories import World, make_kr, make_objective


def test_export_yaml_writes_the_plan(run: Callable[..., Result], world: World) -> None:
    objective = create_objective(
        actor=world.alice,
        title="Our customers love our onboarding",
        cycle_id=world.cycle.pk,
        owner_team_id=world.growth.pk,
        key="onboarding",
    )
    create_key_result(
        actor=world.alice,
        objective=objective,
        title="Onboarding NPS rises from 32 to 55.5",
        start="32",
        target="55.5",
        owner_id=world.mo.pk,
    )

    result = run("export", "--format", "yaml", "--org", "acme")

    assert result.exit_code == 0, result.output
    assert result.stdout == export_text(world.org)
    assert result.stdout.endswith(
        """\
  - name: 2026-Q4
    kind: quarter
    start: 2026-10-01
    end: 2026-12-31
    state: active
    objectives:
      - key: onboarding
        title: Our customers love our onboarding
        owner: {team: growth}
        kind: aspirational
        key_results:
          - key: onboarding-nps-rises-from-32-to-555
            title: Onboarding NPS rises from 32 to 55.5
            kind: metric
            from: 32
            to: 55.5
            direction: increase
            owner: mo
            type: outcome
"""
    )
    assert "teams:\n  - key: company\n    name: Acme\n  - key: growth\n" in result.stdout


def test_an_unknown_format_is_refused(run: Callable[..., Result], world: World) -> None:
    result = run("export", "--format", "toml", "--org", "acme")
    assert result.exit_code == 1
    assert result.stderr == "error: format: must be json or yaml, not 'toml'\n"


def test_numbers_come_out_plain(demo_text: str) -> None:
    # No padding zeros (7000.0000, 2.50) and no exponents (1.8E+6).
    assert not re.search(r": -?\d+\.\d*0\n", demo_text)
    assert not re.search(r": -?[\d.]+[eE]", demo_text)
    assert "\n            to: 1800000\n" in demo_text
    assert "\n    warning: 2.5\n" in demo_text  # conversion rate
    assert "\n    target: 4\n" in demo_text
    data = yaml.safe_load(demo_text)
    kpi = next(k for k in data["kpis"] if k["key"] == "conversion-rate")
    assert isinstance(kpi["target"], int) and isinstance(kpi["warning"], float)


def test_the_demo_export_is_deterministic_and_reads_well(db: None, demo_text: str) -> None:
    from headway.demo import load_demo
    from tests.okrsfile.conftest import DEMO_DAY

    org = load_demo(today=DEMO_DAY)
    assert export_text(org) == demo_text == export_text(org)
    assert demo_text.startswith("# Headway OKRs as code (format 1)")
    # Cycles oldest first (the year before its quarters); the company's objectives first.
    cycles = [c["name"] for c in yaml.safe_load(demo_text)["cycles"]]
    assert cycles == ["2025-Q4", "2026", "2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    q4 = yaml.safe_load(demo_text)["cycles"][-1]["objectives"]
    assert q4[0]["owner"] == {"team": "company"}
    assert q4[0]["supports"] == ["2026:make-northwind-the-app-small-teams-open-every-morning"]
    assert q4[-1]["owner"] == {"person": "demo-jonas"}
    assert "checkin" not in demo_text and "current" not in demo_text


def test_the_organizations_switched_off_rules_are_the_files_lint_section(world: World) -> None:
    set_coach_disabled_rules(world.alice, ["objective-too-long", "output-not-outcome"])
    assert "lint:\n  disable: [objective-too-long, output-not-outcome]\n" in export_text(world.org)


def test_rows_without_keys_get_their_titles_keys(world: World) -> None:
    objective = make_objective(world.cycle, team=world.growth)  # written outside the services
    make_kr(objective)
    data = yaml.safe_load(export_text(world.org))
    (exported,) = data["cycles"][0]["objectives"]
    assert exported["key"] == "our-customers-love-our-onboarding"
    assert exported["key_results"][0]["key"] == "onboarding-nps-rises-from-32-to-55"


@pytest.mark.parametrize("objectives", [1, 6])
def test_export_reads_a_fixed_number_of_queries(world: World, objectives: int) -> None:
    company = make_objective(world.cycle, team=world.company, title="Grow", key="grow")
    for n in range(objectives):
        objective = make_objective(
            world.cycle, team=world.growth, title=f"Objective {n}", key=f"o{n}"
        )
        Alignment.objects.create(organization=world.org, child=objective, parent=company)
        make_kr(objective, key="kr", owner=world.mo)
    assert Objective.objects.filter(organization=world.org).count() == objectives + 1

    with CaptureQueriesContext(connection) as captured:
        export_text(world.org)

    # Teams, people, KPIs, cycles, objectives, alignments, key results; then the strategy:
    # X-Matrices, items, their objectives, resources, marks, assignments, canvases, players,
    # factors, levels (tests/okrsfile/test_strategy.py pins them with rows in every table).
    assert len(captured) == 17, [q["sql"] for q in captured]


# NUL and lone surrogates are refused by the services (no database stores them); see
# test_nul_is_refused and tests/api/test_bad_numbers.py.
storable = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
text = st.text(storable, max_size=80)
values = st.decimals(
    min_value=-(10**15), max_value=10**15, places=4, allow_nan=False, allow_infinity=False
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    title=text.filter(lambda t: t.strip()),
    description=text,
    unit=st.text(storable, max_size=30),
    start=values,
    target=values,
)
def test_whatever_is_stored_reads_back_as_no_change(
    world: World, title: str, description: str, unit: str, start: Decimal, target: Decimal
) -> None:
    objective, created = Objective.objects.get_or_create(
        organization=world.org,
        cycle=world.cycle,
        key="o",
        defaults={"title": "x", "owner_team": world.growth},
    )
    if created:
        make_kr(objective, key="kr")
    update_objective(actor=world.alice, objective=objective, title=title, description=description)
    update_key_result(
        actor=world.alice,
        key_result=objective.key_results.get(),
        title=title,
        unit=unit,
        start=start,
        target=target,
    )

    exported = export_text(world.org)
    plan = make_plan(load(exported, "okrs.yaml"), load_state(world.org))

    assert not plan, [(c.name, c.fields) for c in plan]


@pytest.mark.parametrize(
    "value",
    [
        "Our customers love our onboarding",
        "two\nlines",
        "a trailing newline\n",
        "two trailing newlines\n\n",
        "  indented first line\nsecond",
        "windows\r\nline ends",
        "next line\x85and separators\u2028\u2029",
        "2026",
        "2026-10-01",
        "yes",
        "null",
        "#hashtag",
        "key: value",
        "- a dash",
        "'quoted'",
        "tab\tinside",
        "\x00",
        "émoji 🚀",
        "",
        " ",
    ],
)
def test_text_survives_the_file_exactly(value: str) -> None:
    text = dumps({"headway": 1, "organization": value})
    document, _lines = read_yaml(text, "okrs.yaml")
    assert document["organization"] == value
