"""``headway kpi xmr``: the chart in the terminal, and the API's figures as JSON."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner, Result

from headway.cli.main import app
from headway.kpis import xmr
from headway.kpis.models import Kpi, Measurement
from headway.orgs.services import create_token
from tests.conftest import NOW
from tests.factories import World, make_kpi

pytestmark = pytest.mark.usefixtures("frozen")

WHEELER = [5045, 4350, 4350, 3975, 4290, 4430, 4485, 4285,
           3980, 3925, 3645, 3760, 3300, 3685, 3463, 5200]  # fmt: skip
MONTHS = [dt.date(2025 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(16)]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.delenv("HEADWAY_USER", raising=False)
    monkeypatch.delenv("HEADWAY_ORG", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, list(args))

    return invoke


@pytest.fixture
def orders(world: World) -> Kpi:
    kpi = make_kpi(world.org, "orders", name="Orders", unit="$", direction="lower", owner=world.mo)
    Measurement.objects.bulk_create(
        Measurement(organization=world.org, kpi=kpi, period=p, value=Decimal(v), recorded_at=NOW)
        for p, v in zip(MONTHS, WHEELER, strict=True)
    )
    return kpi


def error_line(result: Result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_text_shows_limits_baseline_summary_and_every_value(
    run: Any, world: World, orders: Kpi
) -> None:
    xmr.rebaseline(actor=world.mo, kpi=orders, starts_on="2026-07-01", size=3, note="new site")
    result = run("kpi", "xmr", "orders", "--org", "acme")

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Orders (orders), lower is better: 16 values" in out
    # The current segment's limits: 3300, 3685, 3463.
    centre = sum([3300, 3685, 3463]) / 3
    assert f"Centre line {round(centre, 2):,}" in " ".join(out.split())
    assert "From Jul 2025: limits from its 12 values" in out
    assert "Re-baselined by Mo on 16 Nov 2026 (new site)." in out
    # 5200 after a re-baseline at 3300-3685 (and 5045 against the first twelve values): concerns
    # when lower is better.
    assert (
        "2 signals: 2 concerns (Oct 2026 above the upper limit; Jul 2025 above the upper limit)."
        in out
    )
    assert out.count("$5,045") == 1 and "$5,200" in out
    assert out.count("│") >= 16 * 2  # a row per value
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in out.splitlines()
        if line.startswith("│")
    ]
    assert [row[0] for row in rows] == [f"{month:%b %Y}" for month in MONTHS]
    # Period, value, moving range (none where a segment starts), rules, signal, segment.
    assert rows[0] == ["Jul 2025", "$5,045", "\u2013", "1", "concern", "1"]
    assert rows[12] == ["Jul 2026", "$3,300", "\u2013", "", "", "2"]
    assert rows[-1] == ["Oct 2026", "$5,200", "1,737", "1", "concern", "2"]


def test_json_is_what_the_api_answers(run: Any, world: World, orders: Kpi) -> None:
    xmr.rebaseline(actor=world.mo, kpi=orders, starts_on="2026-01-01", size=4, note="n")
    result = run("kpi", "xmr", "orders", "--org", "acme", "--format", "json")
    _, secret = create_token(membership=world.vic, name="cli test", scope="read")
    api = Client().get(f"/api/v1/kpis/{orders.pk}/xmr", HTTP_AUTHORIZATION=f"Bearer {secret}")

    assert result.exit_code == 0, result.output
    assert api.status_code == 200
    printed = json.loads(result.stdout)
    assert printed == api.json()
    assert round(printed["segments"][0]["unpl"], 2) == round(
        xmr.load(orders).segments[0].segment.limits.unpl,  # type: ignore[union-attr]
        2,
    )
    assert printed["points"][-1]["rules"] == [1]


def test_user_picks_the_organization(run: Any, world: World, orders: Kpi) -> None:
    result = run("kpi", "xmr", "orders", "--user", "vic", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kpi_key"] == "orders"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope", "--org", "acme"], "error: KPI 'nope' not found"),
        # oscar's organization has no such KPI: another organization's is not found either.
        (["orders", "--org", "globex"], "error: KPI 'orders' not found"),
        (["orders", "--org", "acme", "--format", "xml"], "error: format: must be one of"),
        (["orders"], "error: org: there are several organizations"),
        (["orders", "--org", "initech"], "error: org: no organization 'initech'"),
    ],
)
def test_bad_input_is_one_line(
    run: Any, world: World, orders: Kpi, args: list[str], message: str
) -> None:
    assert error_line(run("kpi", "xmr", *args)).startswith(message)


def test_a_kpi_without_values(run: Any, world: World) -> None:
    make_kpi(world.org, "fresh", name="Fresh")
    result = run("kpi", "xmr", "fresh", "--org", "acme")
    assert result.exit_code == 0, result.output
    assert "Not enough values yet: limits need at least two." in result.stdout
    data = json.loads(run("kpi", "xmr", "fresh", "--org", "acme", "--format", "json").stdout)
    assert data["points"] == [] and data["segments"] == [] and data["centre_line"] is None
