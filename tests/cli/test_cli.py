"""The ``headway`` command line, run in-process with typer's CliRunner."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from headway.cli.main import app
from headway.kpis.models import Measurement
from headway.okrs.models import CheckIn, KeyResult
from headway.orgs.choices import Role
from headway.orgs.models import ApiToken, Membership, Organization, User
from headway.orgs.services import authenticate_token
from tests.factories import PASSWORD, World, make_kpi, make_kr, make_objective

SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("HEADWAY_USER", raising=False)
    monkeypatch.delenv("HEADWAY_ORG", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(app, list(args), input=input, env=env)

    return invoke


def error_line(result: Result) -> str:
    """The single ``error:`` line a failed command prints (and nothing else on stderr)."""
    assert result.exit_code != 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def kr(world: World) -> KeyResult:
    objective = make_objective(world.cycle, team=world.growth)
    return make_kr(objective, owner=world.mo)  # start 32, target 55


# --- checkin ----------------------------------------------------------------------------------


def test_checkin_moves_the_key_result_and_prints_progress(run: Any, kr: KeyResult) -> None:
    result = run("checkin", str(kr.pk), "43.5", "--confidence", "7", "--note", "halfway",
                 "--user", "mo")  # fmt: skip
    assert result.exit_code == 0, result.output
    kr.refresh_from_db()
    assert kr.current == Decimal("43.5")
    assert kr.confidence == 7
    assert kr.progress == pytest.approx(0.5)
    assert kr.objective.progress == pytest.approx(0.5)
    assert "key result progress 50% (was 0%)" in result.stdout
    assert "objective progress 50%" in result.stdout
    checkin = CheckIn.objects.get(key_result=kr)
    assert checkin.note == "halfway"
    assert checkin.author_id == kr.owner_id


def test_checkin_takes_a_negative_value_and_the_user_from_the_environment(
    run: Any, kr: KeyResult
) -> None:
    result = run("checkin", str(kr.pk), "-5", "-c", "3", env={"HEADWAY_USER": "mo"})
    assert result.exit_code == 0, result.output
    kr.refresh_from_db()
    assert kr.current == Decimal("-5")
    assert kr.progress == 0


def test_checkin_confidence_11_is_one_line(run: Any, kr: KeyResult) -> None:
    result = run("checkin", str(kr.pk), "40", "--confidence", "11", "--user", "mo")
    assert result.exit_code == 1
    assert error_line(result) == "error: confidence: must be between 0 and 10, got 11"
    assert not CheckIn.objects.exists()


def test_checkin_value_must_be_a_number(run: Any, kr: KeyResult) -> None:
    result = run("checkin", str(kr.pk), "abc", "--confidence", "5", "--user", "mo")
    assert result.exit_code == 1
    assert error_line(result) == "error: value: must be a number, not 'abc'"


def test_checkin_unknown_key_result(run: Any, world: World) -> None:
    result = run("checkin", "999999", "40", "--confidence", "5", "--user", "alice")
    assert result.exit_code == 1
    assert error_line(result) == "error: key result 999999 not found"


def test_another_organizations_key_result_is_not_found(run: Any, world: World) -> None:
    theirs = make_kr(make_objective(world.other_cycle, team=world.other_team), owner=world.oscar)
    result = run("checkin", str(theirs.pk), "40", "--confidence", "5", "--user", "alice")
    assert result.exit_code == 1
    assert error_line(result) == f"error: key result {theirs.pk} not found"
    theirs.refresh_from_db()
    assert theirs.current is None


def test_viewer_may_not_check_in(run: Any, kr: KeyResult) -> None:
    result = run("checkin", str(kr.pk), "40", "--confidence", "5", "--user", "vic")
    assert result.exit_code == 1
    assert error_line(result) == "error: permission denied: you may not check in on this key result"


def test_unknown_user_and_foreign_org_are_one_line(run: Any, kr: KeyResult) -> None:
    unknown = run("checkin", str(kr.pk), "40", "-c", "5", "--user", "nobody")
    assert error_line(unknown) == "error: user: no user named 'nobody'"
    stranger = run("checkin", str(kr.pk), "40", "-c", "5", "--user", "oscar", "--org", "acme")
    assert error_line(stranger) == "error: org: oscar is not a member of 'acme'"
    no_org = run("checkin", str(kr.pk), "40", "-c", "5", "--user", "mo", "--org", "nope")
    assert error_line(no_org) == "error: org: no organization 'nope'"
    missing = run("checkin", str(kr.pk), "40", "-c", "5")
    assert error_line(missing) == "error: user: give --user USERNAME or set HEADWAY_USER"


def test_several_organizations_need_org(run: Any, kr: KeyResult, world: World) -> None:
    Membership.objects.create(organization=world.other_org, user=world.mo.user, role=Role.MEMBER)
    result = run("checkin", str(kr.pk), "40", "-c", "5", "--user", "mo")
    assert "belongs to several organizations (acme, globex)" in error_line(result)
    chosen = run("checkin", str(kr.pk), "40", "-c", "5", "--user", "mo",
                 env={"HEADWAY_ORG": "acme"})  # fmt: skip
    assert chosen.exit_code == 0, chosen.output


def test_usage_errors_are_one_line_with_exit_code_2(run: Any, world: World) -> None:
    result = run("checkin", "abc", "40", "--confidence", "5", "--user", "alice")
    assert result.exit_code == 2
    assert "KR_ID" in error_line(result)
    assert run("no-such-command").exit_code == 2


# --- kpi record -------------------------------------------------------------------------------


def test_kpi_record_creates_then_replaces_the_same_period(run: Any, world: World) -> None:
    kpi = make_kpi(world.org, "nps", unit="pts")  # monthly
    first = run("kpi", "record", "nps", "42", "--period", "2026-10-15", "--note", "survey",
                "--user", "alice")  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "created" in first.stdout
    second = run("kpi", "record", "nps", "45", "--period", "2026-10-03", "--user", "alice")
    assert second.exit_code == 0, second.output
    assert "replaced 42" in second.stdout
    measurement = Measurement.objects.get(kpi=kpi)
    assert measurement.period.isoformat() == "2026-10-01"
    assert measurement.value == Decimal("45")
    assert measurement.source == "manual"
    assert measurement.note == "survey"  # kept: no --note the second time
    assert measurement.recorded_by == world.alice


def test_kpi_record_errors(run: Any, world: World) -> None:
    make_kpi(world.org, "nps")
    make_kpi(world.other_org, "churn")
    unknown = run("kpi", "record", "churn", "3", "--user", "alice")
    assert unknown.exit_code == 1
    assert error_line(unknown) == "error: KPI 'churn' not found"
    bad_value = run("kpi", "record", "nps", "abc", "--user", "alice")
    assert error_line(bad_value) == "error: value: must be a number, not 'abc'"
    bad_period = run("kpi", "record", "nps", "1", "--period", "yesterday", "--user", "alice")
    assert error_line(bad_period) == "error: period: must be a date (YYYY-MM-DD), not 'yesterday'"
    viewer = run("kpi", "record", "nps", "1", "--user", "vic")
    assert error_line(viewer).startswith("error: permission denied: ")
    assert not Measurement.objects.exists()


# --- tokens -----------------------------------------------------------------------------------


def test_token_create_list_revoke(run: Any, world: World) -> None:
    created = run("token", "create", "ci", "--user", "mo", "--scope", "read")
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip()
    assert "won't be shown again" in created.stderr or "not be shown again" in created.stderr
    token = authenticate_token(secret)
    assert token is not None
    assert token.membership == world.mo
    assert token.scope == "read"

    listed = run("token", "list", "--user", "mo")
    assert listed.exit_code == 0, listed.output
    assert "ci" in listed.stdout
    assert secret not in listed.stdout

    others = run("token", "revoke", str(token.pk), "--user", "lena")
    assert error_line(others) == "error: permission denied: you may not revoke this token"
    foreign = run("token", "revoke", str(token.pk), "--user", "oscar")
    assert error_line(foreign) == f"error: token {token.pk} not found"

    revoked = run("token", "revoke", str(token.pk), "--user", "mo")
    assert revoked.exit_code == 0, revoked.output
    assert authenticate_token(secret) is None
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


def test_token_bad_scope(run: Any, world: World) -> None:
    result = run("token", "create", "ci", "--user", "mo", "--scope", "admin")
    assert error_line(result) == "error: scope: must be read or write"
    assert not ApiToken.objects.exists()


# --- export and import ------------------------------------------------------------------------


def _exchange() -> Any:
    module = pytest.importorskip("headway.exchange")
    if not hasattr(module, "export_organization"):
        pytest.skip("headway.exchange is not finished yet")
    return module


def test_export_writes_json_to_a_file(run: Any, world: World, tmp_path: Path) -> None:
    _exchange()
    target = tmp_path / "acme.json"
    result = run("export", "--org", "acme", "--output", str(target))
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text())
    assert isinstance(data, dict)
    assert "Globex" not in target.read_text()


def test_export_needs_org_when_there_are_several(run: Any, world: World) -> None:
    result = run("export")
    assert result.exit_code == 1
    assert error_line(result) == (
        "error: org: there are several organizations (acme, globex); choose one with --org"
    )


def test_import_of_malformed_json_names_line_and_column(run: Any, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "organization": {"name": "Acme",}\n}\n')
    result = run("import", str(broken))
    assert result.exit_code == 1
    assert error_line(result) == (
        f"error: {broken}:2:35: Expecting property name enclosed in double quotes"
    )
    missing = run("import", str(tmp_path / "missing.json"))
    assert error_line(missing) == f"error: {tmp_path / 'missing.json'}: No such file or directory"


def test_import_of_deeply_nested_json_is_one_line(run: Any, tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    result = run("import", str(deep))
    assert result.exit_code == 1
    assert error_line(result) == f"error: {deep}: nested too deeply to be a Headway export"


# --- createadmin, demo, migrate, serve ----------------------------------------------------------


def test_createadmin_reads_the_password_from_stdin(run: Any, world: World) -> None:
    result = run("createadmin", "root", "--email", "root@example.com", "--org", "acme",
                 "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    user = User.objects.get(username="root")
    assert user.is_superuser and user.is_staff
    assert user.check_password(PASSWORD)
    assert Membership.objects.get(user=user, organization=world.org).role == Role.ADMIN


def test_createadmin_creates_a_missing_organization(run: Any, db: None) -> None:
    result = run("createadmin", "root", "--email", "root@example.com", "--org", "newco",
                 "--org-name", "New Co", "--password-stdin", input=PASSWORD)  # fmt: skip
    assert result.exit_code == 0, result.output
    org = Organization.objects.get(slug="newco")
    assert org.name == "New Co"
    assert org.memberships.get().user.username == "root"


def test_createadmin_rejects_bad_input(run: Any, world: World) -> None:
    taken = run("createadmin", "alice", "--email", "a@example.com", "--password-stdin",
                input=PASSWORD)  # fmt: skip
    assert error_line(taken) == "error: username: a user named 'alice' already exists"
    weak = run("createadmin", "root", "--email", "root@example.com", "--password-stdin",
               input="password\n")  # fmt: skip
    assert error_line(weak).startswith("error: password: ")
    assert not User.objects.filter(username="root").exists()


def test_createadmin_prompts_twice(run: Any, db: None) -> None:
    result = run("createadmin", "root", "--email", "root@example.com",
                 input=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert User.objects.get(username="root").check_password(PASSWORD)


def test_demo_if_empty_loads_into_an_empty_database(run: Any, db: None) -> None:
    demo = pytest.importorskip("headway.demo")
    result = run("demo", "--if-empty", "--today", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert demo.demo_exists()
    assert demo.DEMO_USERNAME in result.stdout
    again = run("demo")
    assert again.exit_code == 1
    assert error_line(again) == "error: the demo organization exists; use --reset to rebuild it"


def test_demo_if_empty_skips_when_an_organization_exists(run: Any, world: World) -> None:
    result = run("demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "Skipped" in result.stdout
    assert Organization.objects.count() == 2


def test_demo_bad_date(run: Any, db: None) -> None:
    result = run("demo", "--today", "2026-02-30")
    assert error_line(result) == "error: today: must be a date (YYYY-MM-DD), not '2026-02-30'"


def test_migrate_reports_an_up_to_date_database(run: Any, db: None) -> None:
    result = run("migrate")
    assert result.exit_code == 0, result.output
    assert "up to date" in result.stdout


@pytest.mark.parametrize("dev", [False, True])
def test_serve_execs_the_server(
    run: Any, db: None, dev: bool, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    # The files are collected as `serve` does, without compressing each one (13 s a run).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    monkeypatch.setenv("DEBUG", "")  # restored after the test; --dev sets it for the server
    calls: list[list[str]] = []

    def fake_exec(file: str, argv: list[str]) -> None:
        calls.append(argv)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execvp", fake_exec)
    server = importlib.import_module("headway.cli.server")
    monkeypatch.setattr(server, "_demo_sign_in", lambda: ("demo", "secret"))
    args = ["serve", "--port", "8123", "--workers", "3"] + (["--dev"] if dev else [])
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8123/" in result.stdout
    assert "Demo sign-in: demo / secret" in result.stdout
    [argv] = calls
    assert argv[:2] == [sys.executable, "-m"]
    if dev:
        assert argv[2:] == ["django", "runserver", "127.0.0.1:8123"]
        assert os.environ["DEBUG"] == "1"
    else:
        assert argv[2:] == ["gunicorn", "headway.wsgi:application", "--bind", "127.0.0.1:8123",
                            "--workers", "3", "--access-logfile", "-"]  # fmt: skip


def test_module_help_runs_in_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "HEADWAY_DATA_DIR": str(tmp_path)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "headway", "--help"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "checkin" in done.stdout
