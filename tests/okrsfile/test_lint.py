"""`headway lint FILE...`: the coach over OKR files, with no database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from headway.okrsfile import lint_text, load
from headway.okrsfile.drafts import cycle_drafts
from tests.okrsfile.conftest import WORLD_FILE, line_of

SRC = Path(__file__).resolve().parents[2] / "src"


def test_the_demo_is_flagged_for_its_kpi_in_okr_format(
    run: Callable[..., Result], write: Callable[..., str], demo_text: str
) -> None:
    path = write(demo_text, "demo.yaml")

    result = run("lint", path)

    assert result.exit_code == 1, result.output
    objective_line = line_of(demo_text, "- key: increase-revenue", "name: 2026-Q4")
    expected = f"{path}:{objective_line}: error kpi-in-okr-format: "
    assert any(line.startswith(expected) for line in result.stdout.splitlines()), result.stdout
    assert "Increase revenue" in result.stdout
    assert "1 file: 4 errors," in result.stderr


def test_a_clean_file_exits_0(run: Callable[..., Result], write: Callable[..., str]) -> None:
    result = run("lint", write(WORLD_FILE))

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "1 file: 0 errors, 0 warnings, 0 notes" in result.stderr


def test_a_file_can_switch_rules_off(
    run: Callable[..., Result], write: Callable[..., str], demo_text: str
) -> None:
    disabled = demo_text.replace(
        "organization: demo\n", "organization: demo\nlint:\n  disable: [kpi-in-okr-format]\n"
    )

    result = run("lint", write(disabled))

    assert result.exit_code == 0, result.output
    assert "kpi-in-okr-format" not in result.stdout
    assert "too-few-key-results" in result.stdout  # the other rules still speak


def test_json_output_lists_every_finding_with_its_place(
    run: Callable[..., Result], write: Callable[..., str], demo_text: str
) -> None:
    path = write(demo_text, "demo.yaml")

    result = run("lint", path, "--format", "json")

    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert {tuple(sorted(f)) for f in findings} == {
        ("file", "line", "message", "objective", "rule", "severity", "suggestion", "target")
    }
    revenue = [f for f in findings if f["rule"] == "kpi-in-okr-format"]
    assert revenue and all(f["objective"] == "increase-revenue" for f in revenue)
    assert all(f["severity"] == "error" and f["target"] == "objective" for f in revenue)
    baseline = next(f for f in findings if f["rule"] == "no-baseline")
    assert baseline["target"] == "key_results[0]"
    # A key result's finding points at the key result's own line.
    assert demo_text.splitlines()[baseline["line"] - 1].strip().startswith("- key: ")


def test_findings_about_a_key_result_point_at_its_line(write: Callable[..., str]) -> None:
    text = WORLD_FILE.replace(
        "            from: 14\n            to: 5\n", "            from: 14\n            to: 14\n"
    )

    (finding,) = lint_text(text, "okrs.yaml")

    assert finding.rule == "target-equals-start"
    assert finding.line == line_of(text, "- key: time-to-value")
    assert finding.text().startswith("okrs.yaml:41: error target-equals-start: Key result 2")


def test_an_unreadable_file_is_an_error_finding(
    run: Callable[..., Result], write: Callable[..., str]
) -> None:
    bad = write("headway: 1\ncycles:\n  - name: Q1\n   end: x\n", "bad.yaml")
    good = write(WORLD_FILE, "good.yaml")

    result = run("lint", good, bad)

    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"{bad}:4:4: error invalid-file: ")
    assert "2 files: 1 error" in result.stderr


def test_an_unknown_format_is_one_line(
    run: Callable[..., Result], write: Callable[..., str]
) -> None:
    result = run("lint", write(WORLD_FILE), "--format", "xml")
    assert result.exit_code == 1
    assert result.stderr == "error: format: must be one of text, json, not 'xml'\n"


def test_drafts_follow_the_file() -> None:
    okrs = load(WORLD_FILE, "okrs.yaml")
    ((cycle, draft),) = cycle_drafts(okrs)
    company, onboarding = draft.objectives
    assert draft.name == "2026-Q4"
    assert company.is_company and company.owner == "team:company" and not company.aligned
    assert not onboarding.is_company and onboarding.aligned
    kr = onboarding.key_results[1]
    assert (kr.start, kr.target, kr.direction, kr.unit) == (14.0, 5.0, "decrease", "days")
    assert kr.result_type is None  # the file does not say: the coach reads the wording
    assert cycle.key == "2026-Q4"


@pytest.mark.slow
def test_lint_needs_no_database(tmp_path: Path) -> None:
    path = tmp_path / "okrs.yaml"
    text = WORLD_FILE.replace("from: 14\n            to: 5\n", "from: 14\n            to: 14\n")
    path.write_text(text, encoding="utf-8")
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

    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith(f"{path}:41: error target-equals-start:")
    assert not (tmp_path / "nowhere" / "headway.sqlite3").exists()
