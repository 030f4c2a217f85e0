"""The KPI page over a long daily history: the charts draw the latest year unless asked for all,
the XmR limits still come from the whole history, and the cost does not grow with it."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.kpis.models import Kpi, Measurement
from headway.kpis.views import CHART_POINTS
from tests.conftest import NOW
from tests.factories import World, login, make_kpi

pytestmark = pytest.mark.usefixtures("frozen")


def _daily(kpi: Kpi, days: int) -> None:
    last = NOW.date() - dt.timedelta(days=1)
    Measurement.objects.bulk_create(
        Measurement(
            organization_id=kpi.organization_id,
            kpi=kpi,
            period=last - dt.timedelta(days=i),
            # A steady wobble, with a jump now and then: signals all along the history.
            value=Decimal(100 + (i * 7) % 13 + (40 if i % 97 == 0 else 0)),
            recorded_at=NOW,
        )
        for i in range(days)
    )


def _specs(content: str) -> dict[str, Any]:
    """The charts' Vega-Lite specs in the page, by element id."""
    found = re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', content)
    return {name: json.loads(spec) for name, spec in found}


def _values(spec: Any) -> list[Any]:
    """The longest data list in a spec (its values; other layers hold a few lines' rows)."""
    found: list[list[Any]] = []
    if isinstance(spec, dict):
        if isinstance(spec.get("values"), list):
            found.append(spec["values"])
        found.extend(_values(v) for v in spec.values() if isinstance(v, dict | list))
    elif isinstance(spec, list):
        found.extend(_values(v) for v in spec)
    return max(found, key=len, default=[])


def _drawn(spec: dict[str, Any]) -> int:
    return len(_values(spec))


@pytest.fixture
def long_kpi(world: World) -> Kpi:
    kpi = make_kpi(world.org, "visits", name="Visits", cadence="day", owner=world.mo)
    _daily(kpi, CHART_POINTS + 300)
    return kpi


def test_the_charts_draw_the_latest_year_with_a_link_to_the_whole_history(
    client: Client, world: World, long_kpi: Kpi
) -> None:
    login(client, world.vic)
    total = CHART_POINTS + 300

    content = client.get(f"/kpis/{long_kpi.pk}/").content.decode()
    specs = _specs(content)
    chart = specs[f"chart-kpi-{long_kpi.pk}"]
    assert _drawn(chart) == CHART_POINTS
    assert _values(chart)[-1]["period"] == (NOW.date() - dt.timedelta(days=1)).isoformat()
    assert _drawn(specs[f"xmr-x-{long_kpi.pk}"]) == CHART_POINTS
    assert _drawn(specs[f"xmr-mr-{long_kpi.pk}"]) == CHART_POINTS
    assert f"Chart all {total} values" in content
    assert "(300 older not drawn)" in content

    everything = _specs(client.get(f"/kpis/{long_kpi.pk}/?chart=all").content.decode())
    assert _drawn(everything[f"chart-kpi-{long_kpi.pk}"]) == total
    assert _drawn(everything[f"xmr-x-{long_kpi.pk}"]) == total
    # The limits are the same: they come from the whole history either way.
    limits = re.compile(r'<dl class="facts" data-testid="xmr-limits">.*?</dl>', re.S)
    assert limits.findall(content) == limits.findall(
        client.get(f"/kpis/{long_kpi.pk}/?chart=all").content.decode()
    )


def test_a_short_history_is_drawn_whole_without_a_link(client: Client, world: World) -> None:
    kpi = make_kpi(world.org, "short", name="Short", cadence="day", owner=world.mo)
    _daily(kpi, 40)
    content = login(client, world.vic).get(f"/kpis/{kpi.pk}/").content.decode()
    assert _drawn(_specs(content)[f"chart-kpi-{kpi.pk}"]) == 40
    assert "Chart all" not in content


def test_the_page_costs_as_many_queries_and_as_big_a_page_however_long_the_history(
    client: Client, world: World
) -> None:
    sizes = []
    for days in (CHART_POINTS + 10, CHART_POINTS + 900):
        kpi = make_kpi(world.org, f"k{days}", name=f"K{days}", cadence="day", owner=world.mo)
        _daily(kpi, days)
        login(client, world.vic).get(f"/kpis/{kpi.pk}/")
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/kpis/{kpi.pk}/")
        sizes.append((len(captured.captured_queries), len(response.content)))
    (queries_short, bytes_short), (queries_long, bytes_long) = sizes
    assert queries_short == queries_long
    # The same rows are drawn and listed: only a few counts and labels differ.
    assert abs(bytes_long - bytes_short) < 2_000
