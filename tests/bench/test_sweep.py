"""bench/sweep.py: every page and every GET endpoint of the API is timed, none left out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from bench.scale import _subjects

from bench import sweep as sweep_module
from headway.benchdata.generate import Options
from headway.benchdata.load import load

TODAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)
# What `headway bench-data` does not make: alert channels, data sources, XmR baselines,
# benchmarks, X-Matrices (``<int:pk>`` in their editor's routes) and strategy canvases.
NONE_IN_BENCH = ("channel_id", "source_id", "baseline_id", "benchmark_id", "<int:pk>")
NONE_IN_BENCH += ("matrix_id", "canvas_id")


@pytest.mark.django_db
def test_the_sweep_times_every_get_route_of_a_bench_organization(monkeypatch: Any) -> None:
    # One request a route is enough to prove coverage; the benchmark itself takes several.
    monkeypatch.setattr(sweep_module, "_timed", lambda action: {"p50_ms": 0, "p95_ms": 0, "n": 1})
    with time_machine.travel(NOW, tick=False):
        load(Options(people=100, today=TODAY))
        s = _subjects("bench")
        result = sweep_module.sweep(s, "admin", s["admin"])

    routes = {r["url"] for r in result["rows"]}
    # Pages and API operations alike, each with its parameters filled from the organization.
    assert {"/okrs/", "/okrs/alignment/", "/people/", "/api/v1/at-risk"} <= routes
    assert f"/objectives/{s['objective'].pk}/edit/" in routes
    assert f"/api/v1/cycles/{s['cycle'].pk}/report" in routes
    # Each report PDF is timed twice: asked again (kept under its digest) and drawn afresh.
    for pdf in (
        f"/okrs/cycle/{s['cycle'].pk}/report.pdf",
        f"/api/v1/cycles/{s['cycle'].pk}/report.pdf",
    ):
        assert {pdf, f"{pdf} (drawn afresh)"} <= routes
    # The admin reaches every page: nothing broken, nothing refused, nothing missing.
    assert [r["url"] for r in result["rows"] if r["status"] != 200] == []
    # Only routes naming objects a bench organization has none of are left out.
    assert result["not_measured"]
    assert [m for m in result["not_measured"] if not any(p in m for p in NONE_IN_BENCH)] == []
    lines = sweep_module.report_lines([result])
    assert len([line for line in lines if line.startswith("| /")]) == len(result["rows"])
