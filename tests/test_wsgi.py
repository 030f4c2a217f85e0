"""The WSGI entry point gunicorn serves."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def test_the_application_loads_and_puts_start_up_objects_out_of_the_collectors_way(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "HEADWAY_DATA_DIR": str(tmp_path)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.pop("DATABASE_URL", None)
    probe = (
        "import gc; before = gc.get_freeze_count(); import headway.wsgi as w; "
        "import sys; print(callable(w.application), before, gc.get_freeze_count() > 10_000,"
        " 'numpy' in sys.modules, gc.get_threshold())"
    )
    result = subprocess.run(  # noqa: S603 - the probe is this file's own
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    # numpy frozen with the rest; a full collection only after a hundred young ones.
    assert result.stdout.strip().split(maxsplit=4) == [
        "True",
        "0",
        "True",
        "True",
        "(700, 10, 100)",
    ], result.stderr
