"""headway.core must stay importable and testable without Django."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import headway.core

CORE_DIR = Path(headway.core.__file__).resolve().parent
SRC_DIR = CORE_DIR.parent.parent

PROBE = """
import pkgutil, sys
import headway.core
for info in pkgutil.walk_packages(headway.core.__path__, "headway.core."):
    __import__(info.name)
print(sorted(m for m in sys.modules if m.startswith("headway.core")))
print(any(m == "django" or m.startswith("django.") for m in sys.modules))
"""


def test_importing_every_core_module_loads_no_django() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")]))
    # The command is this interpreter and a fixed script, nothing from outside.
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    modules_line, django_line = result.stdout.strip().splitlines()[-2:]
    # Guard against a probe that silently imported nothing.
    assert "'headway.core.progress'" in modules_line
    assert django_line == "False", modules_line


def _is_django(name: str | None) -> bool:
    return name is not None and (name == "django" or name.startswith("django."))


def _django_imports(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [f"line {node.lineno}" for alias in node.names if _is_django(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _is_django(node.module):
            found.append(f"line {node.lineno}")
        elif isinstance(node, ast.Call) and node.args:
            # importlib.import_module("django...") and __import__("django...") dodge the above.
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                callee = node.func
                name = callee.attr if isinstance(callee, ast.Attribute) else None
                name = callee.id if isinstance(callee, ast.Name) else name
                if name in {"import_module", "__import__"} and _is_django(first.value):
                    found.append(f"line {node.lineno}")
    return found


def test_no_core_source_file_imports_django() -> None:
    files = sorted(CORE_DIR.rglob("*.py"))
    assert files
    offenders = {str(p.relative_to(CORE_DIR)): hits for p in files if (hits := _django_imports(p))}
    assert offenders == {}


def test_static_scan_catches_django_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    for source in (
        "import django",
        "import os, django.conf",
        "from django.db import models",
        "import importlib\nimportlib.import_module('django.apps')",
    ):
        sample.write_text(source, encoding="utf-8")
        assert _django_imports(sample), source
    sample.write_text("import djangoish\nfrom .django import x\n", encoding="utf-8")
    assert _django_imports(sample) == []
