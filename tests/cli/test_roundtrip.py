"""`headway export` then `headway import` into an empty database reproduces the organization.

Runs the real command in subprocesses against two separate SQLite databases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def headway(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HEADWAY_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [sys.executable, "-m", "headway", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_export_then_import_into_an_empty_database_is_exact(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    for folder in (source, target):
        assert headway(folder, "migrate").returncode == 0
    assert headway(source, "demo", "--today", "2026-11-22").returncode == 0
    exported = tmp_path / "demo.json"
    assert headway(source, "export", "--output", str(exported)).returncode == 0

    imported = headway(target, "import", str(exported))
    again = headway(target, "export")

    assert imported.returncode == 0, imported.stderr
    assert again.returncode == 0, again.stderr
    assert again.stdout == exported.read_text()
    data = json.loads(again.stdout)
    titles = {o["title"] for o in data["objectives"]}
    assert {
        "Bring new inbound leads to the website",
        "Increase user engagement",
        "Our customers love our onboarding",
        "Increase revenue",
    } <= titles
    checkins = sum(len(kr["checkins"]) for o in data["objectives"] for kr in o["key_results"])
    assert checkins > 500
