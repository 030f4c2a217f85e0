"""The strategy layer in an OKR file: X-Matrices and Strategy Canvases, exported and applied."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.db import connection
from django.test.utils import CaptureQueriesContext
from typer.testing import Result

from headway.audit.models import AuditEvent
from headway.okrsfile import FileProblems, lint_text, load
from headway.okrsfile.export import export_text
from headway.okrsfile.plan import make_plan
from headway.okrsfile.state import load_state
from headway.strategy.models import (
    Assignment,
    CanvasFactor,
    CanvasLevel,
    CanvasPlayer,
    Correlation,
    StrategyCanvas,
    XMatrix,
    XMatrixItem,
    XMatrixResource,
)
from tests.factories import World
from tests.okrsfile.conftest import WORLD_FILE, empty_copy, line_of

SRC = Path(__file__).resolve().parents[2] / "src"
Run = Callable[..., Result]
Write = Callable[..., str]
STRATEGY_MODELS = (
    XMatrix,
    XMatrixItem,
    XMatrixResource,
    Correlation,
    Assignment,
    StrategyCanvas,
    CanvasPlayer,
    CanvasFactor,
    CanvasLevel,
)

KPIS = """\
kpis:
  - key: nps
    name: Onboarding NPS
    direction: higher
    cadence: month
    aggregation: last

"""

# Written as the export writes it, so the round trip can compare text.
STRATEGY = """\
xmatrices:
  - year: 2026
    title: Acme on one page
    breakthroughs:
      - key: the-tool-small-teams-live-in
        title: The tool small teams live in
    annual:
      - key: customers-love-our-onboarding
        title: Customers love our onboarding
        objectives: ['2026-Q4:grow-a-loyal-customer-base', '2026-Q4:onboarding']
    priorities:
      - key: guided-onboarding
        title: Guided onboarding
        description: Week one, done with them
      - key: self-serve-billing
        title: Self-serve billing
    metrics:
      - key: onboarding-nps
        title: Onboarding NPS
        kpi: nps
        baseline: 32
        target: 55.5
        unit: pts
        owner: lena
    resources:
      - key: growth
        team: growth
      - key: mo
        person: mo
      - key: design-agency
        label: Design agency
    correlations:
      - {row: the-tool-small-teams-live-in, column: customers-love-our-onboarding, strength: strong}
      - {row: customers-love-our-onboarding, column: guided-onboarding, strength: moderate}
      - {row: customers-love-our-onboarding, column: self-serve-billing, strength: weak}
      - {row: guided-onboarding, column: onboarding-nps, strength: strong}
      - {row: onboarding-nps, column: the-tool-small-teams-live-in, strength: moderate}
    assignments:
      - {priority: guided-onboarding, resource: growth, responsibility: primary}
      - {priority: guided-onboarding, resource: mo, responsibility: secondary}
      - {priority: self-serve-billing, resource: design-agency, responsibility: primary}

canvases:
  - key: small-team-analytics
    title: Small-team analytics
    tagline: Insight without an analyst
    players:
      - key: us
        name: Us
        kind: us
      - key: bigco
        name: BigCo
        kind: competitor
    factors:
      - key: price
        name: Price
        errc: reduce
        rationale: Small teams pay less
        levels: {us: 4, bigco: 9}
      - key: coaching
        name: Coaching
        errc: raise
        rationale: Nobody coaches them
        objective: 2026-Q4:onboarding
        levels: {us: 3, bigco: 1}
"""

FILE = WORLD_FILE.replace("cycles:\n", KPIS + "cycles:\n") + "\n" + STRATEGY


def strategy_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in STRATEGY_MODELS}


def error_lines(result: Result) -> list[str]:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return [line.removeprefix("error: ") for line in result.stderr.splitlines()]


def last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def actions(since: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(pk__gt=since).order_by("pk").values_list("action", flat=True)
    )


def tail(text: str) -> str:
    return text[text.index("xmatrices:\n") :]


@pytest.fixture
def applied(run: Run, write: Write, world: World) -> str:
    result = run("apply", write(FILE), "--user", "alice")
    assert result.exit_code == 0, result.output
    return FILE


# --- export ---------------------------------------------------------------------------------


def test_the_demo_export_has_its_matrix_and_canvas(demo_text: str) -> None:
    data = yaml.safe_load(demo_text)
    (matrix,) = data["xmatrices"]
    assert matrix["year"] == 2026
    assert [len(matrix[name]) for name in ("breakthroughs", "annual", "priorities", "metrics")] == [
        3,
        4,
        5,
        5,
    ]
    assert matrix["annual"][0]["objectives"] == [
        "2026:make-northwind-the-app-small-teams-open-every-morning"
    ]
    assert {m["kpi"] for m in matrix["metrics"]} == {
        "retention-1m",
        "nps",
        "conversion-rate",
        "sessions",
        "revenue",
    }
    keys = {
        i["key"]
        for name in ("breakthroughs", "annual", "priorities", "metrics")
        for i in matrix[name]
    }
    assert all(c["row"] in keys and c["column"] in keys for c in matrix["correlations"])
    (canvas,) = data["canvases"]
    assert canvas["key"] == "northwind-against-the-analytics-suites"
    raised = [f for f in canvas["factors"] if "objective" in f]
    assert [(f["name"], f["errc"], f["objective"]) for f in raised] == [
        (
            "Guided onboarding",
            "raise",
            "2026-Q4:every-new-team-reaches-its-first-insight-in-week-one",
        )
    ]
    assert len(canvas["players"]) == 5 and all(len(f["levels"]) == 5 for f in canvas["factors"])
    # The lint reads the same file; its one error is the demo's deliberate "KPI with extra steps".
    errors = {f.rule for f in lint_text(demo_text, "demo.yaml") if f.severity == "error"}
    assert errors == {"kpi-in-okr-format"}


def test_yaml_to_database_to_yaml_reproduces_the_file(
    run: Run, write: Write, world: World, applied: str
) -> None:
    assert tail(export_text(world.org)) == STRATEGY
    matrix = XMatrix.objects.get(organization=world.org, year=2026)
    metric = XMatrixItem.objects.get(matrix=matrix, kind="metric")
    assert (metric.kpi.key if metric.kpi else None, metric.target) == ("nps", Decimal("55.5"))
    assert metric.owner == world.lena
    annual = XMatrixItem.objects.get(matrix=matrix, kind="annual")
    assert sorted(annual.objectives.values_list("key", flat=True)) == [
        "grow-a-loyal-customer-base",
        "onboarding",
    ]
    assert [p.position for p in XMatrixItem.objects.filter(matrix=matrix, kind="priority")] == [
        0,
        1,
    ]
    factor = CanvasFactor.objects.get(organization=world.org, name="Coaching")
    assert factor.objective is not None and factor.objective.key == "onboarding"
    assert sorted(CanvasLevel.objects.filter(factor=factor).values_list("level", flat=True)) == [
        1,
        3,
    ]
    again = run("apply", write(FILE), "--user", "alice")
    assert again.exit_code == 0 and "No changes: acme already matches" in again.stdout

    # And into an empty organization: the same text again.
    copy = empty_copy(world.org)
    text = export_text(world.org)
    moved = run("apply", write(text), "--user", "alice", "--org", "copy")
    assert moved.exit_code == 0, moved.output
    assert export_text(copy) == text.replace("organization: acme\n", "organization: copy\n")
    assert XMatrix.objects.get(organization=copy).items.count() == 5


def test_apply_creates_everything_and_audits_it(run: Run, write: Write, world: World) -> None:
    since = last_event()
    result = run("apply", write(FILE), "--user", "alice")
    assert result.exit_code == 0, result.output
    assert "+ X-Matrix 2026" in result.stdout
    assert "+ X-Matrix item 2026/guided-onboarding: Guided onboarding" in result.stdout
    assert "+ strategy canvas small-team-analytics: Small-team analytics" in result.stdout
    assert "29 created, 0 updated, 0 deleted." in result.stdout
    assert strategy_counts() == {
        "XMatrix": 1,
        "XMatrixItem": 5,
        "XMatrixResource": 3,
        "Correlation": 5,
        "Assignment": 3,
        "StrategyCanvas": 1,
        "CanvasPlayer": 2,
        "CanvasFactor": 2,
        "CanvasLevel": 4,
    }
    done = actions(since)
    assert done.count("xmatrix.create") == 1 and done.count("xmatrix.item.create") == 5
    assert done.count("xmatrix.correlation.create") == 5
    assert done.count("canvas.factor.create") == 2
    event = AuditEvent.objects.get(action="xmatrix.create")
    assert event.object_type == "strategy.xmatrix" and event.after == {
        "year": 2026,
        "title": "Acme on one page",
    }


def test_dry_run_shows_strategy_changes_and_writes_nothing(
    run: Run, write: Write, world: World, applied: str
) -> None:
    edited = (
        applied.replace(
            "column: self-serve-billing, strength: weak",
            "column: self-serve-billing, strength: strong",
        )
        .replace("target: 55.5", "target: 60")
        .replace("levels: {us: 3, bigco: 1}", "levels: {us: 8, bigco: 1}")
    )
    before, since = strategy_counts(), last_event()
    path = write(edited)

    result = run("apply", path, "--user", "alice", "--dry-run")

    assert result.exit_code == 0, result.output
    item = line_of(edited, "      - key: onboarding-nps", "xmatrices:")
    mark = line_of(edited, "column: self-serve-billing", "xmatrices:")
    factor = line_of(edited, "      - key: coaching", "canvases:")
    assert result.stdout.splitlines() == [
        f"~ X-Matrix item 2026/onboarding-nps {path}:{item}",
        "    target: 55.5 -> 60",
        f"~ X-Matrix mark 2026/customers-love-our-onboarding/self-serve-billing {path}:{mark}",
        "    strength: weak -> strong",
        f"~ canvas factor small-team-analytics/coaching {path}:{factor}",
        "    levels: {'us': 3, 'bigco': 1} -> {'us': 8, 'bigco': 1}",
        "Dry run: 0 to create, 3 to update, 0 to delete; nothing was written.",
    ]
    assert strategy_counts() == before and last_event() == since

    applied_now = run("apply", write(edited), "--user", "alice")
    assert applied_now.exit_code == 0, applied_now.output
    assert actions(since) == [
        "xmatrix.item.update",
        "xmatrix.correlation.update",
        "canvas.factor.update",
    ]
    assert tail(export_text(world.org)) == tail(edited)
    level = CanvasLevel.objects.get(factor__name="Coaching", player__name="Us")
    assert level.level == 8


def test_prune_deletes_strategy_rows_only_with_the_flag(
    run: Run, write: Write, world: World, applied: str
) -> None:
    smaller = (
        applied.replace("      - key: self-serve-billing\n        title: Self-serve billing\n", "")
        .replace(
            "      - {row: customers-love-our-onboarding, column: self-serve-billing,"
            " strength: weak}\n",
            "",
        )
        .replace(
            "      - {priority: self-serve-billing, resource: design-agency,"
            " responsibility: primary}\n",
            "",
        )
    )
    smaller = smaller[: smaller.index("\ncanvases:\n")] + "\n" + "canvases: []\n"
    before = strategy_counts()

    kept = run("apply", write(smaller), "--user", "alice")

    assert kept.exit_code == 0, kept.output
    assert strategy_counts() == before
    # The priority, its mark and its assignment (the empty canvas list prunes nothing).
    assert "3 stored items are not in the file and kept" in kept.stdout

    since = last_event()
    pruned = run("apply", write(smaller), "--user", "alice", "--prune")

    assert pruned.exit_code == 0, pruned.output
    assert "- X-Matrix item 2026/self-serve-billing" in pruned.stdout
    assert sorted(actions(since)) == [
        "xmatrix.assignment.delete",
        "xmatrix.correlation.delete",
        "xmatrix.item.delete",
    ]
    assert not XMatrixItem.objects.filter(title="Self-serve billing").exists()
    assert StrategyCanvas.objects.filter(organization=world.org).count() == 1
    # A file that lists another year's matrix prunes this one (and everything in it).
    other = smaller.replace("  - year: 2026\n", "  - year: 2027\n")
    assert run("apply", write(other), "--user", "alice", "--prune").exit_code == 0
    assert list(XMatrix.objects.values_list("year", flat=True)) == [2027]
    assert XMatrixItem.objects.filter(matrix__year=2026).count() == 0


def test_unknown_references_are_named_with_their_lines(
    run: Run, write: Write, world: World
) -> None:
    text = (
        FILE.replace("kpi: nps\n        baseline", "kpi: churn\n        baseline")
        .replace("owner: lena\n    resources", "owner: nobody\n    resources")
        .replace("'2026-Q4:onboarding']", "'2026-Q4:missing']")
        .replace("      - key: growth\n        team: growth\n", "      - team: grwoth\n")
        .replace("resource: growth,", "resource: grwoth,")
        .replace("objective: 2026-Q4:onboarding", "objective: 2020:old")
    )
    path = write(text)
    before = strategy_counts()

    lines = error_lines(run("apply", path, "--user", "alice"))

    def at(needle: str, start: str = "xmatrices:") -> int:
        return line_of(text, needle, start)

    assert lines == [
        f"{path}:{at('objectives: [')}: xmatrices[0].annual[0].objectives[1]: no objective"
        " 'missing' in cycle '2026-Q4'",
        f"{path}:{at('kpi: churn')}: xmatrices[0].metrics[0].kpi: no KPI 'churn' in the file or"
        " the organization",
        f"{path}:{at('owner: nobody')}: xmatrices[0].metrics[0].owner: no person 'nobody' in the"
        " organization 'acme'",
        f"{path}:{at('team: grwoth')}: xmatrices[0].resources[0].team: no team 'grwoth' in the"
        " file or the organization",
        f"{path}:{at('objective: 2020')}: canvases[0].factors[1].objective: no cycle '2020' in the"
        " file or the organization",
    ]
    assert strategy_counts() == before


BAD_FILES = [
    (
        "unknown item",
        ("row: guided-onboarding,", "row: guided,"),
        "correlations[3].row",
        "no item 'guided' in this matrix",
    ),
    (
        "wrong corner",
        ("column: onboarding-nps, strength", "column: self-serve-billing, strength"),
        "correlations[3].column",
        "a priority x priority mark",
    ),
    (
        "flipped corner",
        (
            "row: guided-onboarding, column: onboarding-nps",
            "row: onboarding-nps, column: guided-onboarding",
        ),
        "correlations[3].column",
        "swap row and column",
    ),
    (
        "assignment on a metric",
        ("priority: self-serve-billing,", "priority: onboarding-nps,"),
        "assignments[2].priority",
        "must be one of the priorities",
    ),
    (
        "unknown resource",
        ("resource: design-agency,", "resource: agency,"),
        "assignments[2].resource",
        "no resource 'agency' in this matrix",
    ),
    (
        "wrong key",
        ("key: guided-onboarding\n", "key: onboarding-guided\n"),
        "priorities[0].key",
        "must be 'guided-onboarding'",
    ),
    ("level 11", ("{us: 4, bigco: 9}", "{us: 4, bigco: 11}"), "levels.bigco", "less than 11"),
    ("unknown player", ("{us: 4, bigco: 9}", "{us: 4, big: 9}"), "levels.big", "no player 'big'"),
    ("strength", ("strength: weak", "strength: huge"), "correlations[2].strength", "one of"),
    (
        "objective without cycle",
        ("objective: 2026-Q4:onboarding", "objective: onboarding"),
        "factors[1].objective",
        "CYCLE:KEY",
    ),
    ("year", ("year: 2026", "year: 26"), "xmatrices[0].year", "greater than 1999"),
    (
        "two resources in one",
        ("team: growth\n", "team: growth\n        person: mo\n"),
        "resources[0]",
        "exactly one of team, person or label",
    ),
    ("unknown field", ("tagline:", "slogan:"), "canvases[0].slogan", "unknown field"),
]


@pytest.mark.parametrize(
    ("change", "path", "message"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_a_file_that_makes_no_sense_is_refused_with_its_line(
    change: tuple[str, str], path: str, message: str
) -> None:
    old, new = change
    assert old in FILE
    text = FILE.replace(old, new, 1)
    with pytest.raises(FileProblems) as exc:
        load(text, "okrs.yaml")
    problems = exc.value.problems
    assert any(path in p.path and message in p.message for p in problems), problems
    # Every problem has a line inside the strategy part of the file.
    first = line_of(text, "xmatrices:")
    assert all(p.line >= first for p in problems if "xmatrices" in p.path or "canvases" in p.path)


def test_a_member_may_not_change_the_strategy(run: Run, write: Write, world: World) -> None:
    # The OKRs and the KPI are in already: what mo's apply would change is the strategy alone.
    text = WORLD_FILE.replace("cycles:\n", KPIS + "cycles:\n")
    assert run("apply", write(text), "--user", "alice").exit_code == 0
    before = strategy_counts()

    (line,) = error_lines(run("apply", write(FILE), "--user", "mo"))

    assert line == (
        "permission denied: X-Matrix 2026: only admins and team leads may change the strategy"
    )
    assert strategy_counts() == before
    assert run("apply", write(FILE), "--user", "lena").exit_code == 0
    assert strategy_counts()["XMatrix"] == 1


def test_a_file_without_strategy_sections_leaves_the_strategy_alone(
    run: Run, write: Write, world: World, applied: str
) -> None:
    before = strategy_counts()
    result = run("apply", write(WORLD_FILE), "--user", "alice", "--prune")
    assert result.exit_code == 0, result.output
    assert strategy_counts() == before


@pytest.mark.parametrize("copies", [1, 3])
def test_export_reads_a_fixed_number_of_queries_with_strategy(
    run: Run, write: Write, world: World, copies: int
) -> None:
    text = FILE
    for n in range(1, copies):
        more = STRATEGY[len("xmatrices:\n") : STRATEGY.index("\ncanvases:")]
        text = text.replace(
            "xmatrices:\n", "xmatrices:\n" + more.replace("2026", f"{2026 + n}", 1), 1
        )
        text = text.replace(
            "canvases:\n",
            "canvases:\n"
            + STRATEGY[STRATEGY.index("canvases:\n") + len("canvases:\n") :]
            .replace("Small-team analytics", f"Canvas {n}")
            .replace("key: small-team-analytics", f"key: canvas-{n}"),
            1,
        )
    result = run("apply", write(text), "--user", "alice")
    assert result.exit_code == 0, result.output
    assert XMatrix.objects.filter(organization=world.org).count() == copies
    assert StrategyCanvas.objects.filter(organization=world.org).count() == copies

    with CaptureQueriesContext(connection) as captured:
        out = export_text(world.org)

    # 7 for the OKRs and KPIs (see test_export.py), 10 for the strategy: one per table.
    assert len(captured) == 17, [q["sql"] for q in captured]
    assert len(yaml.safe_load(out)["xmatrices"]) == copies


def test_the_plan_matches_by_year_and_key(world: World, applied: str) -> None:
    renamed = applied.replace("title: Acme on one page", "title: Acme, one page")
    plan = make_plan(load(renamed), load_state(world.org))
    summary = [
        (c.op, c.kind, c.name, [(f.name, f.before, f.after) for f in c.fields]) for c in plan
    ]
    assert summary == [
        ("update", "xmatrix", "2026", [("title", "Acme on one page", "Acme, one page")])
    ]


@pytest.mark.slow
def test_a_file_with_strategy_lints_without_a_database(tmp_path: Path) -> None:
    path = tmp_path / "okrs.yaml"
    path.write_text(FILE.replace("row: guided-onboarding,", "row: guided,"), encoding="utf-8")
    env = {**os.environ, "HEADWAY_DATA_DIR": str(tmp_path / "nowhere")}
    env.pop("DATABASE_URL", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))

    result = subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "headway", "lint", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    line = line_of(FILE, "row: guided-onboarding,")
    assert result.returncode == 1, result.stderr
    assert result.stdout == (
        f"{path}:{line}: error invalid-file: xmatrices[0].correlations[3].row: no item"
        " 'guided' in this matrix\n"
    )
    assert not (tmp_path / "nowhere" / "headway.sqlite3").exists()
