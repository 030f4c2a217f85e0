"""``headway worker``: the huey consumer with the KPI jobs, and ``serve --with-worker``."""

from __future__ import annotations

import importlib
import os
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from headway.cli.main import app

SRC = Path(__file__).resolve().parents[2] / "src"


def _exec_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake_exec(file: str, argv: list[str]) -> None:
        calls.append(argv)
        raise SystemExit(0)

    monkeypatch.setattr(os, "execvp", fake_exec)
    return calls


def test_worker_becomes_the_huey_consumer(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _exec_calls(monkeypatch)
    result = CliRunner().invoke(app, ["worker", "--workers", "3", "--no-periodic"])
    assert result.exit_code == 0, result.output
    assert "Headway worker: 3 threads, queue SQLite " in result.stdout
    assert "without periodic jobs" in result.stdout
    assert calls == [
        [sys.executable, "-m", "django", "run_huey", "--workers", "3", "--no-periodic"]
    ]

    calls.clear()
    assert CliRunner().invoke(app, ["worker"]).exit_code == 0
    assert calls == [[sys.executable, "-m", "django", "run_huey", "--workers", "2"]]


def test_worker_refuses_a_bad_thread_count() -> None:
    result = CliRunner().invoke(app, ["worker", "--workers", "0"])
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: Invalid value for '--workers': ")
    assert line.endswith("(see 'headway worker --help')")


def test_serve_with_worker_starts_the_same_consumer(
    db: None, monkeypatch: pytest.MonkeyPatch, settings: Any, tmp_path: Path
) -> None:
    settings.STATIC_ROOT = tmp_path / "static"
    # The files are collected as `serve` does, without compressing each one (13 s a run).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    _exec_calls(monkeypatch)
    started: list[list[str]] = []
    server = importlib.import_module("headway.cli.server")
    monkeypatch.setattr(server.subprocess, "Popen", lambda argv, **kwargs: started.append(argv))
    monkeypatch.setattr(server, "_demo_sign_in", lambda: None)
    result = CliRunner().invoke(app, ["serve", "--with-worker"])
    assert result.exit_code == 0, result.output
    assert started == [[sys.executable, "-m", "django", "run_huey", "--workers", "1"]]


@pytest.mark.slow
def test_the_worker_runs_and_knows_the_kpi_jobs(tmp_path: Path) -> None:
    env = {**os.environ, "HEADWAY_DATA_DIR": str(tmp_path)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    for name in ("DATABASE_URL", "HUEY_REDIS_URL", "HUEY_IMMEDIATE"):
        env.pop(name, None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "headway", "worker", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert worker.stdout is not None
    output = ""
    wanted = ("headway.kpis.tasks.evaluate_alerts", "headway.kpis.tasks.deliver_due_notifications")
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(worker.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + 60
            while not all(name in output for name in wanted) and time.monotonic() < deadline:
                if selector.select(timeout=1) and (line := worker.stdout.readline()):
                    output += line
                elif worker.poll() is not None:
                    break
            # huey installs its signal handlers just after listing the tasks and says nothing
            # then: wait until its start-up output has gone quiet before asking it to stop.
            while selector.select(timeout=2) and (line := worker.stdout.readline()):
                output += line
    finally:
        worker.send_signal(signal.SIGINT)  # huey's graceful stop
        rest, _ = worker.communicate(timeout=30)
    output += rest
    assert "Headway worker: 1 thread, queue SQLite" in output
    assert str(tmp_path / "huey.sqlite3") in output
    assert "Periodic tasks are enabled" in output
    for name in (*wanted, "headway.kpis.tasks.deliver_notification"):
        assert name in output, output
    assert worker.returncode == 0, output
    assert (tmp_path / "huey.sqlite3").exists()
