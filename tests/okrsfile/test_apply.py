"""`headway apply FILE`: an organization made to match an OKR file, through the services."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from typer.testing import Result

from headway.audit.models import AuditEvent
from headway.kpis.models import Kpi
from headway.okrs.choices import CycleState
from headway.okrs.models import Alignment, Cycle, KeyResult, Objective
from headway.okrsfile import load
from headway.okrsfile.export import export_text
from headway.okrsfile.plan import make_plan
from headway.okrsfile.state import load_state
from headway.orgs.models import Organization, Team
from tests.factories import World
from tests.okrsfile.conftest import WORLD_FILE, empty_copy, line_of

Run = Callable[..., Result]
Write = Callable[..., str]
MODELS = (Team, Kpi, Cycle, Objective, KeyResult, Alignment, AuditEvent)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def error_lines(result: Result) -> list[str]:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), result.stderr
    return [line.removeprefix("error: ") for line in lines]


def actions(since: int) -> list[str]:
    events = AuditEvent.objects.filter(pk__gt=since).order_by("pk")
    return [e.action for e in events]


def last_event() -> int:
    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_apply_creates_the_plan_and_a_second_apply_changes_nothing(
    run: Run, write: Write, world: World
) -> None:
    path = write(WORLD_FILE)
    since = last_event()

    result = run("apply", path, "--user", "alice")

    assert result.exit_code == 0, result.output
    assert "+ objective 2026-Q4/onboarding: Our customers love our onboarding" in result.stdout
    assert "Applied" in result.stdout and "6 created, 0 updated, 0 deleted." in result.stdout
    onboarding = Objective.objects.get(cycle=world.cycle, key="onboarding")
    assert onboarding.owner_team == world.growth
    assert list(onboarding.parents.values_list("key", flat=True)) == ["grow-a-loyal-customer-base"]
    krs = list(onboarding.key_results.order_by("position"))
    assert [(kr.key, kr.start, kr.target) for kr in krs] == [
        ("onboarding-nps", Decimal(32), Decimal(55)),
        ("time-to-value", Decimal(14), Decimal(5)),
    ]
    assert krs[0].owner == world.mo and krs[1].direction == "decrease"
    assert sorted(actions(since)) == ["key_result.create"] * 4 + ["objective.create"] * 2

    again = run("apply", path, "--user", "alice")

    assert again.exit_code == 0, again.output
    assert again.stdout == f"No changes: acme already matches {path}.\n"
    assert actions(since).count("objective.create") == 2


def test_dry_run_prints_the_diff_and_writes_nothing(run: Run, write: Write, world: World) -> None:
    before = counts()

    created = run("apply", write(WORLD_FILE), "--dry-run", "--user", "alice")

    assert created.exit_code == 0, created.output
    assert counts() == before
    lines = created.stdout.splitlines()
    assert lines[0].startswith(
        "+ objective 2026-Q4/grow-a-loyal-customer-base: Grow a loyal customer base"
    )
    assert lines[-1] == "Dry run: 6 to create, 0 to update, 0 to delete; nothing was written."

    assert run("apply", write(WORLD_FILE), "--user", "alice").exit_code == 0
    edited = WORLD_FILE.replace(
        "to: 55\n            owner: mo", "to: 60.5\n            owner: lena"
    )
    before = counts()

    # Without --user a dry run reads the organization given by --org.
    updated = run("apply", write(edited), "--dry-run", "--org", "acme")

    assert updated.exit_code == 0, updated.output
    assert counts() == before
    path = write(edited)
    assert updated.stdout.splitlines() == [
        f"~ key result 2026-Q4/onboarding/onboarding-nps {path}:36",
        "    to: 55 -> 60.5",
        "    owner: mo -> lena",
        "Dry run: 0 to create, 1 to update, 0 to delete; nothing was written.",
    ]


OBJECTIVE_COLUMNS = (
    "key",
    "title",
    "description",
    "owner_team_id",
    "owner_person_id",
    "kind",
    "status",
    "weight",
    "cycle_id",
    "updated_at",
)
KR_COLUMNS = (
    "key",
    "title",
    "kind",
    "unit",
    "start",
    "target",
    "current",
    "direction",
    "weight",
    "owner_id",
    "kpi_id",
    "result_type",
    "updated_at",
)


def columns(model: Any, org: Organization, names: tuple[str, ...]) -> dict[int, tuple[Any, ...]]:
    rows = model.objects.filter(organization=org).values_list("pk", *names)
    return {pk: tuple(rest) for pk, *rest in rows}


def changed(
    before: dict[int, tuple[Any, ...]], after: dict[int, tuple[Any, ...]], names: tuple[str, ...]
) -> dict[int, set[str]]:
    """Which columns of which rows differ."""
    assert before.keys() == after.keys()
    out = {}
    for pk, old in before.items():
        fields = {name for name, a, b in zip(names, old, after[pk], strict=True) if a != b}
        if fields:
            out[pk] = fields
    return out


def test_editing_the_demo_changes_exactly_those_fields(
    run: Run, write: Write, demo: Organization
) -> None:
    text = export_text(demo)
    lines = text.splitlines(keepends=True)
    kr_line = line_of(text, "- key: increase-the-monthly-visitors", "name: 2026-Q4")
    target = next(i for i in range(kr_line, kr_line + 10) if lines[i].strip() == "to: 7000")
    lines[target] = lines[target].replace("7000", "8000")
    title = line_of(text, "title: Our customers love our onboarding", "name: 2026-Q4") - 1
    lines[title] = lines[title].replace("Our customers love", "Customers love")
    edited = "".join(lines)
    objectives = columns(Objective, demo, OBJECTIVE_COLUMNS)
    krs = columns(KeyResult, demo, KR_COLUMNS)
    kpis = columns(Kpi, demo, ("updated_at",))
    cycles = columns(Cycle, demo, ("name", "start", "end", "state"))
    teams = columns(Team, demo, ("slug", "name", "parent_id", "okrs_enabled"))
    since = last_event()

    plan = make_plan(load(edited, "demo.yaml"), load_state(demo))
    result = run("apply", write(edited), "--user", "demo")

    summary = [(c.op, c.name, [(f.name, f.before, f.after) for f in c.fields]) for c in plan]
    assert summary == [
        (
            "update",
            "2026-Q4/our-customers-love-our-onboarding",
            [("title", "Our customers love our onboarding", "Customers love our onboarding")],
        ),
        (
            "update",
            "2026-Q4/bring-new-inbound-leads-to-the-website/"
            "increase-the-monthly-visitors-to-the-website-from-3k-to-7k",
            [("to", Decimal("7000.0000"), Decimal(8000))],
        ),
    ]
    assert result.exit_code == 0, result.output
    objective_id, kr_id = (change.row.obj.pk for change in plan if change.row is not None)
    assert changed(objectives, columns(Objective, demo, OBJECTIVE_COLUMNS), OBJECTIVE_COLUMNS) == {
        objective_id: {"title", "updated_at"}
    }
    assert changed(krs, columns(KeyResult, demo, KR_COLUMNS), KR_COLUMNS) == {
        kr_id: {"target", "updated_at"}
    }
    assert KeyResult.objects.get(pk=kr_id).target == Decimal(8000)
    assert columns(Kpi, demo, ("updated_at",)) == kpis
    assert columns(Cycle, demo, ("name", "start", "end", "state")) == cycles
    assert columns(Team, demo, ("slug", "name", "parent_id", "okrs_enabled")) == teams
    events = list(AuditEvent.objects.filter(pk__gt=since).order_by("pk"))
    assert [(e.action, e.object_id) for e in events] == [
        ("objective.update", objective_id),
        ("key_result.update", kr_id),
    ]
    assert events[1].before is not None and events[1].after is not None
    assert (events[1].before["target"], events[1].after["target"]) == ("7000.0000", "8000.0000")
    assert export_text(demo) == edited


def test_export_apply_to_an_empty_organization_and_export_again_is_identical(
    run: Run, write: Write, demo: Organization
) -> None:
    text = export_text(demo)
    copy = empty_copy(demo)

    result = run("apply", write(text), "--user", "demo", "--org", "copy")

    assert result.exit_code == 0, result.output
    assert "note: " in result.stderr  # the file names demo, it went to copy
    assert export_text(copy) == text.replace("organization: demo\n", "organization: copy\n")
    assert Cycle.objects.get(organization=copy, name="2025-Q4").state == CycleState.CLOSED
    assert (
        Objective.objects.filter(organization=copy).count()
        == Objective.objects.filter(organization=demo).count()
    )
    again = run("apply", write(text), "--user", "demo", "--org", "copy")
    assert again.exit_code == 0 and "No changes: copy already matches" in again.stdout


def test_an_unknown_team_names_the_line_and_nothing_is_written(
    run: Run, write: Write, world: World
) -> None:
    path = write(WORLD_FILE.replace("owner: {team: growth}", "owner: {team: grwoth}"))
    before = counts()

    result = run("apply", path, "--user", "alice")

    assert error_lines(result) == [
        f"{path}:33: cycles[0].objectives[1].owner: no team 'grwoth' in the file or the"
        " organization"
    ]
    assert counts() == before


def test_every_unknown_reference_is_reported_at_once(run: Run, write: Write, world: World) -> None:
    text = (
        WORLD_FILE.replace("owner: mo", "owner: nobody")
        .replace("unit: days\n", "unit: days\n            kpi: churn\n")
        .replace("[grow-a-loyal-customer-base]", "[missing, '2020:old']")
        .replace("            from: 480\n", "")
    )
    path = write(text)

    lines = error_lines(run("apply", path, "--user", "alice"))

    assert lines == [
        f"{path}:20: cycles[0].objectives[0].key_results[0].from: is required to apply"
        " (the baseline)",
        f"{path}:33: cycles[0].objectives[1].supports[0]: no objective 'missing' in cycle"
        " '2026-Q4'",
        f"{path}:33: cycles[0].objectives[1].supports[1]: no cycle '2020' in the file or the"
        " organization",
        f"{path}:39: cycles[0].objectives[1].key_results[0].owner: no person 'nobody' in the"
        " organization 'acme'",
        f"{path}:45: cycles[0].objectives[1].key_results[1].kpi: no KPI 'churn' in the file or"
        " the organization",
    ]


def test_malformed_yaml_names_line_and_column_and_nothing_is_written(
    run: Run, write: Write, world: World
) -> None:
    path = write(WORLD_FILE.replace("    state: active\n", "    state: active\n   oops: 1\n"))
    before = counts()

    (line,) = error_lines(run("apply", path, "--user", "alice"))

    assert line.startswith(f"{path}:15:4: ")
    assert counts() == before


def test_prune_deletes_only_with_the_flag(run: Run, write: Write, world: World) -> None:
    assert run("apply", write(WORLD_FILE), "--user", "alice").exit_code == 0
    start = WORLD_FILE.index("      - key: onboarding\n")
    smaller = WORLD_FILE[:start]
    kr_start = smaller.index("          - key: net-revenue-retention\n")
    smaller = smaller[:kr_start]
    path = write(smaller)
    before = counts()

    kept = run("apply", path, "--user", "alice")

    assert kept.exit_code == 0, kept.output
    assert counts() == before
    assert kept.stdout.splitlines() == [
        f"No changes: acme already matches {path}.",
        "2 stored items are not in the file and kept; --prune would delete them.",
    ]

    since = last_event()
    pruned = run("apply", path, "--user", "alice", "--prune")

    assert pruned.exit_code == 0, pruned.output
    assert (
        pruned.stdout.splitlines()[:3]
        == [
            "- key result 2026-Q4/grow-a-loyal-customer-base/net-revenue-retention (with 0"
            " check-ins)",
            "- objective 2026-Q4/onboarding (with 2 key results and 0 check-ins)",
            "Applied " + path + " to acme: 0 created, 0 updated, 2 deleted.",
        ][:3]
    )
    assert actions(since) == ["key_result.delete", "objective.delete"]
    assert not Objective.objects.filter(key="onboarding").exists()
    assert set(Team.objects.filter(organization=world.org).values_list("slug", flat=True)) == {
        "company",
        "growth",
    }
    # A file without a teams list leaves the teams alone, even with --prune.
    no_teams = smaller[: smaller.index("teams:\n")] + smaller[smaller.index("cycles:\n") :]
    assert run("apply", write(no_teams), "--user", "alice", "--prune").exit_code == 0
    assert Team.objects.filter(organization=world.org).count() == 2


def test_prune_keeps_a_team_that_still_owns_objectives(
    run: Run, write: Write, world: World
) -> None:
    assert run("apply", write(WORLD_FILE), "--user", "alice").exit_code == 0
    text = WORLD_FILE[: WORLD_FILE.index("  - key: growth\n")] + "cycles: []\n"
    path = write(text)

    (line,) = error_lines(run("apply", path, "--user", "alice", "--prune"))

    assert line == (
        f"{path}:3: teams: team 'growth' is not listed, but --prune cannot delete it: it owns"
        " 1 objective in cycles the file keeps or does not cover"
    )


def test_a_viewer_may_not_apply(run: Run, write: Write, world: World) -> None:
    before = counts()

    (line,) = error_lines(run("apply", write(WORLD_FILE), "--user", "vic"))

    assert line == (
        "permission denied: objective 2026-Q4/grow-a-loyal-customer-base: you may not create"
        " objectives for this owner"
    )
    assert counts() == before


def test_a_refusal_of_a_service_names_the_line_and_undoes_everything(
    run: Run, write: Write, world: World
) -> None:
    kpis = "kpis:\n  - key: nps\n    name: NPS\n    warning: 30\n    critical: 40\n"
    text = WORLD_FILE.replace("cycles:\n", kpis + "cycles:\n")
    path = write(text)
    before = counts()

    (line,) = error_lines(run("apply", path, "--user", "alice"))

    assert line == (
        f"{path}:13: kpis[0].critical: must not be above the warning threshold 30"
        " (higher is better)"
    )
    assert counts() == before


def test_a_new_closed_cycle_is_built_then_closed(run: Run, write: Write, world: World) -> None:
    closed = """\
  - name: 2026-Q3
    start: 2026-07-01
    end: 2026-09-30
    state: closed
    objectives:
      - key: earlier
        title: Grow a loyal customer base, the first steps
        owner: {team: growth}
        key_results:
          - key: signups
            title: Trial sign-ups from 190 to 250
            from: 190
            to: 250
"""
    text = WORLD_FILE.replace("cycles:\n", "cycles:\n" + closed)
    path = write(text)
    since = last_event()

    result = run("apply", path, "--user", "alice")

    assert result.exit_code == 0, result.output
    cycle = Cycle.objects.get(organization=world.org, name="2026-Q3")
    assert cycle.state == CycleState.CLOSED
    assert cycle.objectives.get().key_results.get().key == "signups"
    assert actions(since)[:1] == ["cycle.create"] and actions(since)[-1] == "cycle.transition"
    assert run("apply", path, "--user", "alice").stdout.startswith("No changes")

    more = text.replace(
        "        key_results:\n          - key: signups\n",
        "        key_results:\n          - key: more\n            title: More\n"
        "            from: 1\n            to: 2\n          - key: signups\n",
        1,
    )
    (line,) = error_lines(run("apply", write(more), "--user", "alice"))
    assert line.endswith(
        "cycles[0].objectives[0].key_results[0]: its cycle is closed: no key result can be"
        " added to it"
    )


def test_alignment_can_be_turned_around(run: Run, write: Write, world: World) -> None:
    assert run("apply", write(WORLD_FILE), "--user", "alice").exit_code == 0
    turned = WORLD_FILE.replace("        supports: [grow-a-loyal-customer-base]\n", "").replace(
        "        owner: {team: company}\n",
        "        owner: {team: company}\n        supports: [onboarding]\n",
    )

    result = run("apply", write(turned), "--user", "alice")

    assert result.exit_code == 0, result.output
    links = Alignment.objects.filter(organization=world.org)
    assert [(a.child.key, a.parent.key) for a in links] == [
        ("grow-a-loyal-customer-base", "onboarding")
    ]


def test_teams_are_created_parents_first_and_can_move(run: Run, write: Write, world: World) -> None:
    teams = (
        "teams:\n"
        "  - key: company\n    name: Acme\n"
        "  - key: ops\n    name: Operations\n    parent: platform\n    okrs_enabled: false\n"
        "  - key: platform\n    name: Platform\n    parent: company\n"
        "  - key: growth\n    name: Growth\n    parent: platform\n"
    )
    text = "headway: 1\n" + teams
    since = last_event()

    result = run("apply", write(text), "--user", "alice")

    assert result.exit_code == 0, result.output
    tree = {
        t.slug: (t.parent.slug if t.parent else None)
        for t in Team.objects.filter(organization=world.org)
    }
    assert tree == {"company": None, "platform": "company", "ops": "platform", "growth": "platform"}
    assert not Team.objects.get(organization=world.org, slug="ops").okrs_enabled
    assert actions(since) == ["team.create", "team.create", "team.update"]
    assert run("apply", write(text), "--user", "alice").stdout.startswith("No changes")

    looped = text.replace("    parent: company\n", "    parent: growth\n")
    (line,) = error_lines(run("apply", write(looped), "--user", "alice"))
    assert "teams[2].parent: the team tree" in line and "loop" in line


def test_a_files_lint_section_becomes_the_organizations_setting(
    run: Run, write: Write, world: World
) -> None:
    text = WORLD_FILE.replace("teams:\n", "lint:\n  disable: [objective-too-long]\nteams:\n", 1)

    denied = error_lines(run("apply", write(text), "--user", "lena"))
    result = run("apply", write(text), "--user", "alice")

    assert denied == ["permission denied: coach rules: only an admin may switch coach rules off"]
    assert result.exit_code == 0, result.output
    world.org.refresh_from_db()
    assert world.org.coach_disabled_rules == ["objective-too-long"]
    assert "lint:\n  disable: [objective-too-long]\n" in export_text(world.org)


def test_kpis_are_created_and_key_results_follow_them(run: Run, write: Write, world: World) -> None:
    kpis = (
        "kpis:\n"
        "  - key: nps\n"
        "    name: NPS\n"
        "    owner_team: growth\n"
        "    owner: mo\n"
        "    target: 50\n"
        "    warning: 30\n"
        "    critical: 20\n"
    )
    text = WORLD_FILE.replace(
        "            owner: mo\n", "            owner: mo\n            kpi: nps\n"
    )
    text = text.replace("cycles:\n", kpis + "cycles:\n")

    result = run("apply", write(text), "--user", "alice")

    assert result.exit_code == 0, result.output
    kpi = Kpi.objects.get(organization=world.org, key="nps")
    assert (kpi.owner_team, kpi.owner, kpi.critical_threshold) == (world.growth, world.mo, 20)
    assert KeyResult.objects.get(key="onboarding-nps").kpi == kpi
    exported: Any = export_text(world.org)
    assert "    warning: 30\n    critical: 20\n" in exported


def test_a_key_result_can_follow_its_kpi_from_the_file(
    run: Run, write: Write, world: World
) -> None:
    from headway.kpis import services as kpi_services

    kpis = "kpis:\n  - key: nps\n    name: NPS\n    owner_team: growth\n"
    text = WORLD_FILE.replace(
        "            owner: mo\n",
        "            owner: mo\n            kpi: nps\n            follows_kpi: true\n",
    )
    text = text.replace("cycles:\n", kpis + "cycles:\n")
    result = run("apply", write(text), "--user", "alice")
    assert result.exit_code == 0, result.output
    kr = KeyResult.objects.get(key="onboarding-nps")
    assert kr.follows_kpi and kr.current is None  # no value to follow yet

    kpi = Kpi.objects.get(organization=world.org, key="nps")
    kpi_services.upsert_measurements(
        actor=world.alice, kpi=kpi, rows=[{"period": "2026-10-01", "value": 40}]
    )
    kr.refresh_from_db()
    assert kr.current == Decimal(40)
    exported: Any = export_text(world.org)
    assert "kpi: nps\n            follows_kpi: true\n" in exported
    # Following needs a KPI: the line is named and nothing changes.
    broken = text.replace("            kpi: nps\n", "")
    refused = run("apply", write(broken), "--user", "alice")
    (message,) = error_lines(refused)
    assert "follows_kpi" in message and "linked" in message
    assert KeyResult.objects.get(key="onboarding-nps").kpi == kpi


def test_a_cycle_moves_forward_step_by_step_and_never_back(
    run: Run, write: Write, world: World
) -> None:
    path = write(WORLD_FILE.replace("state: active", "state: closed", 1))
    since = last_event()

    result = run("apply", path, "--user", "alice")

    assert result.exit_code == 0, result.output
    world.cycle.refresh_from_db()
    assert world.cycle.state == CycleState.CLOSED
    steps = AuditEvent.objects.filter(pk__gt=since, action="cycle.transition").order_by("pk")
    assert [(e.before, e.after) for e in steps] == [
        ({"state": "active"}, {"state": "grading"}),
        ({"state": "grading"}, {"state": "closed"}),
    ]

    back = write(WORLD_FILE)  # active again: a reopen, which needs a reason
    (line,) = error_lines(run("apply", back, "--user", "alice"))
    assert line.endswith(
        "a closed cycle can only be reopened by an admin, with a reason (back to grading)"
    )
    world.cycle.refresh_from_db()
    assert world.cycle.state == CycleState.CLOSED
