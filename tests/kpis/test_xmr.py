"""A KPI's XmR chart from stored values, re-baselining it, and its section of the KPI page.

mo owns the KPIs below (a member of Growth), lena leads Growth, alice is the admin, vic a
viewer and oscar is in another organization.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal
from typing import Any

import pytest
import vl_convert
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.audit import services as audit
from headway.audit.models import AuditEvent
from headway.errors import ValidationFailed
from headway.kpis import xmr
from headway.kpis.models import Kpi, Measurement, XmrBaseline
from headway.kpis.xmr_charts import charts
from tests.conftest import NOW
from tests.factories import World, login, make_kpi

pytestmark = pytest.mark.usefixtures("frozen")

WHEELER = [5045, 4350, 4350, 3975, 4290, 4430, 4485, 4285,
           3980, 3925, 3645, 3760, 3300, 3685, 3463, 5200]  # fmt: skip
# Sixteen months ending in October 2026 (the world's clock stands in mid-November).
MONTHS = [dt.date(2025 + (6 + i) // 12, (6 + i) % 12 + 1, 1) for i in range(16)]


def record(kpi: Kpi, values: list[float] | list[int], months: list[dt.date] = MONTHS) -> None:
    Measurement.objects.bulk_create(
        Measurement(
            organization_id=kpi.organization_id,
            kpi=kpi,
            period=period,
            value=Decimal(str(value)),
            recorded_at=NOW,
        )
        for period, value in zip(months, values, strict=False)
    )


@pytest.fixture
def wheeler(world: World) -> Kpi:
    kpi = make_kpi(world.org, "orders", name="Orders", owner=world.mo, owner_team=world.growth)
    record(kpi, WHEELER)
    return kpi


def page(response: Any) -> str:
    return response.content.decode()


def section(content: str) -> str:
    start = content.index('id="xmr"')
    return content[start : content.index("</section>", start)]


def error_beside(content: str, field_id: str) -> str:
    found = re.search(rf'<p class="error" id="{field_id}_error">(.*?)</p>', content)
    assert found, f"no error beside {field_id}"
    return html.unescape(found.group(1))


# --- reading ----------------------------------------------------------------------------------


def test_the_stored_values_give_wheelers_figures(wheeler: Kpi) -> None:
    result = xmr.load(wheeler)

    assert result.periods == tuple(MONTHS)
    data = xmr.as_dict(result)
    assert round(data["centre_line"], 2) == 4135.50
    assert round(data["mr_bar"], 2) == 355.93
    assert round(data["unpl"], 2) == 5082.28
    assert round(data["lnpl"], 2) == 3188.72
    assert round(data["url"], 2) == 1163.19
    last = data["points"][-1]
    assert last == {
        "period": dt.date(2026, 10, 1),
        "value": 5200.0,
        "moving_range": 1737.0,
        "rules": [1],
        "signal": "improvement",
        "segment": 0,
    }
    assert [p for p in data["points"] if p["rules"]] == [last]
    assert data["signals"] == {"improvement": 1, "concern": 0}
    assert data["summary"] == "1 signal: 1 improvement (Oct 2026 above the upper limit)."
    assert data["baseline"]["provisional"] and data["baseline"]["points"] == 16


def test_load_takes_two_queries_whatever_the_history(
    world: World, wheeler: Kpi, django_assert_num_queries: Any
) -> None:
    XmrBaseline.objects.create(
        organization=world.org, kpi=wheeler, starts_on=MONTHS[8], size=5, created_by=world.lena,
        created_at=NOW,
    )  # fmt: skip
    with django_assert_num_queries(2):  # the values; the re-baselines with who made them
        result = xmr.load(wheeler)
        xmr.as_dict(result)
        xmr.describe_baseline(result, result.segments[1])


def test_the_same_shift_reads_by_the_kpis_direction(world: World) -> None:
    values = [10, 12] * 10 + [30]
    higher = make_kpi(world.org, "up", direction="higher")
    lower = make_kpi(world.org, "down", direction="lower")
    low_range = make_kpi(world.org, "band", direction="range", range_low=20, range_high=40)
    months = [dt.date(2024 + i // 12, i % 12 + 1, 1) for i in range(21)]
    for kpi in (higher, lower, low_range):
        record(kpi, values, months)

    def last_signal(kpi: Kpi) -> str | None:
        return xmr.as_dict(xmr.load(kpi))["points"][-1]["signal"]

    assert last_signal(higher) == "improvement"
    assert last_signal(lower) == "concern"
    # From around 11, below the range 20..40, to 30 inside it: toward the range.
    assert last_signal(low_range) == "improvement"
    assert xmr.summary(xmr.load(lower)) == ("1 signal: 1 concern (Sep 2025 above the upper limit).")


def test_a_baseline_row_starts_a_segment_even_after_its_value_is_gone(
    world: World, wheeler: Kpi
) -> None:
    rows = [
        XmrBaseline(organization=world.org, kpi=wheeler, starts_on=MONTHS[6], size=3,
                    created_by=world.lena, created_at=NOW),
        # Its value was deleted: it starts at the next measured period.
        XmrBaseline(organization=world.org, kpi=wheeler, starts_on=dt.date(2026, 3, 15), size=3,
                    created_at=NOW),
        # After the last value: nothing to start yet.
        XmrBaseline(organization=world.org, kpi=wheeler, starts_on=dt.date(2027, 1, 1),
                    created_at=NOW),
    ]  # fmt: skip
    points = [(m, Decimal(v)) for m, v in zip(MONTHS, WHEELER, strict=True) if m.month != 4]
    result = xmr.build(wheeler, points, rows)

    assert [(s.starts_on, s.segment.size) for s in result.segments] == [
        (MONTHS[0], 20),
        (MONTHS[6], 3),
        (dt.date(2026, 5, 1), 3),
    ]
    assert [s.row for s in result.segments] == [None, rows[0], rows[1]]
    assert result.segments[1].locked_since == MONTHS[8]
    assert result.segments[0].segment.limits == xmr.xmr(WHEELER[:6]).segments[0].limits
    moving = [p["moving_range"] for p in xmr.as_dict(result)["points"]]
    assert moving[0] is None and moving[6] is None and moving[9] is None


def test_baselines_are_described_with_who_and_when(world: World, wheeler: Kpi) -> None:
    before = xmr.load(wheeler)
    assert xmr.describe_baseline(before, before.segments[0]) == (
        "From Jul 2025: limits from all 16 values so far (Jul 2025 \u2013 Oct 2026); "
        "provisional: they move with each new value until there are 20."
    )
    xmr.rebaseline(
        actor=world.lena, kpi=wheeler, starts_on="2026-01-20", size=5, note="new supplier"
    )
    result = xmr.load(wheeler)
    first, second = (xmr.describe_baseline(result, part) for part in result.segments)

    assert first == (
        "From Jul 2025: limits from its 6 values (Jul 2025 \u2013 Dec 2025), locked since Dec 2025."
    )
    assert second == (
        "From Jan 2026: limits from the first 5 values (Jan 2026 \u2013 May 2026), locked since "
        "May 2026. Re-baselined by Lena on 16 Nov 2026 (new supplier)."
    )


def test_a_new_baseline_with_one_value_keeps_the_chart_before_it(
    world: World, wheeler: Kpi
) -> None:
    xmr.rebaseline(actor=world.mo, kpi=wheeler, starts_on="2026-10-01")
    result = xmr.load(wheeler)

    assert result.has_limits and result.current is not None
    assert result.current.segment.limits is None
    # The fifteen values before it, without the 5,200, still have their limits and signals.
    assert xmr.summary(result).startswith("5 signals: 4 concerns")
    assert xmr.as_dict(result)["unpl"] is None  # the current segment has none yet
    spec, _ = charts(result)
    # The lines stop where the first segment ends, and no line of the new one is named yet.
    steps = spec["layer"][0]["data"]["values"]
    assert [row["period"] for row in steps] == ["2025-07-01", "2026-09-01"]
    assert not [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert _svg(spec).count('aria-roledescription="point"') == 16 + 5


def test_too_few_values_are_said_plainly(world: World) -> None:
    kpi = make_kpi(world.org, "new")
    assert xmr.summary(xmr.load(kpi)) == "Not enough values yet: limits need at least two."
    record(kpi, [3])
    result = xmr.load(kpi)
    assert not result.has_limits and xmr.as_dict(result)["centre_line"] is None


# --- re-baselining ----------------------------------------------------------------------------


def test_rebaseline_writes_the_row_and_the_audit_log(world: World, wheeler: Kpi) -> None:
    at = NOW + dt.timedelta(hours=1)
    baseline = xmr.rebaseline(
        actor=world.mo, kpi=wheeler, starts_on="2026-03-31", size="8", note=" shift ", at=at
    )

    # Any day of the period names it.
    assert baseline.starts_on == dt.date(2026, 3, 1) and baseline.size == 8
    assert baseline.note == "shift" and baseline.created_by == world.mo
    assert baseline.created_at == at
    event = AuditEvent.objects.get(action="xmr_baseline.create")
    assert event.actor_id == world.mo.user_id and event.created_at == at
    assert event.object_id == baseline.pk
    assert event.after is not None
    assert event.after["kpi_id"] == wheeler.pk and event.after["starts_on"] == "2026-03-01"
    segments = xmr.load(wheeler).segments
    assert [s.starts_on for s in segments] == [MONTHS[0], dt.date(2026, 3, 1)]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"starts_on": "2027-01-01"}, "starts_on", "Jan 2027 has no value"),
        ({"starts_on": "last month"}, "starts_on", "must be a date (YYYY-MM-DD)"),
        ({"starts_on": None}, "starts_on", "must be a date"),
        ({"starts_on": "2026-01-01", "size": 1}, "size", "from 2 to 100, got 1"),
        ({"starts_on": "2026-01-01", "size": 101}, "size", "from 2 to 100, got 101"),
        ({"starts_on": "2026-01-01", "size": "ten"}, "size", "a whole number from 2 to 100"),
        ({"starts_on": "2026-01-01", "size": True}, "size", "a whole number from 2 to 100"),
        ({"starts_on": "2026-01-01", "note": "x" * 2001}, "note", "at most 2000 characters"),
    ],
)
def test_rebaseline_refuses_bad_input_by_field(
    world: World, wheeler: Kpi, data: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        xmr.rebaseline(actor=world.mo, kpi=wheeler, **data)
    assert list(caught.value.errors) == [field]
    assert message in caught.value.errors[field]
    assert not XmrBaseline.objects.exists() and not AuditEvent.objects.exists()


def test_one_baseline_per_period(world: World, wheeler: Kpi) -> None:
    xmr.rebaseline(actor=world.mo, kpi=wheeler, starts_on="2026-01-01")
    with pytest.raises(ValidationFailed) as caught:
        xmr.rebaseline(actor=world.lena, kpi=wheeler, starts_on="2026-01-09", size=4)
    assert caught.value.errors == {"starts_on": "a baseline already starts in Jan 2026"}


@pytest.mark.parametrize("who", ["vic", "oscar"])
def test_rebaseline_needs_the_right_to_edit_the_kpi(world: World, wheeler: Kpi, who: str) -> None:
    with pytest.raises(PermissionDenied):
        xmr.rebaseline(actor=getattr(world, who), kpi=wheeler, starts_on="2026-01-01")
    assert not XmrBaseline.objects.exists()


def test_the_row_and_its_audit_record_are_written_together(
    world: World, wheeler: Kpi, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        xmr.rebaseline(actor=world.mo, kpi=wheeler, starts_on="2026-01-01")
    assert not XmrBaseline.objects.exists()


def test_undo_removes_the_segment_and_is_audited(world: World, wheeler: Kpi) -> None:
    baseline = xmr.rebaseline(actor=world.mo, kpi=wheeler, starts_on="2026-01-01", size=4)
    with pytest.raises(PermissionDenied):
        xmr.undo_rebaseline(actor=world.vic, baseline=baseline)

    xmr.undo_rebaseline(actor=world.lena, baseline=baseline)

    assert not XmrBaseline.objects.exists()
    event = AuditEvent.objects.get(action="xmr_baseline.delete")
    assert event.actor_id == world.lena.user_id and event.before is not None
    assert event.before["starts_on"] == "2026-01-01" and event.before["size"] == 4
    assert len(xmr.load(wheeler).segments) == 1


# --- the charts -------------------------------------------------------------------------------


def _svg(spec: dict[str, Any]) -> str:
    return str(vl_convert.vegalite_to_svg({**spec, "width": 600}))


def test_the_x_chart_draws_limits_halfway_lines_and_signals(world: World, wheeler: Kpi) -> None:
    result = xmr.load(wheeler)
    spec, _ = charts(result)
    svg = _svg(spec)

    # Sixteen values, and the one signal drawn again over the last of them.
    assert svg.count('aria-roledescription="point"') == 16 + 1
    assert "Upper limit 5,082.28" in svg and "Lower limit 3,188.72" in svg
    assert "Centre line 4,135.5" in svg
    assert len(spec["data"]["values"]) == 16  # the values once, shared by the layers
    lines = [layer for layer in spec["layer"] if layer["mark"].get("interpolate") == "step-after"]
    assert [layer["encoding"]["y"]["field"] for layer in lines] == [
        "unpl", "upper_halfway", "centre", "lower_halfway", "lnpl",
    ]  # fmt: skip
    assert [bool(layer["mark"].get("strokeDash")) for layer in lines] == [
        False, True, False, True, False,
    ]  # fmt: skip
    signals = spec["layer"][len(lines) + 1]
    assert signals["transform"] == [{"filter": "datum.signal != null"}]
    assert signals["encoding"]["shape"]["scale"] == {
        "domain": ["improvement", "concern"],
        "range": ["circle", "diamond"],
    }
    assert spec["description"].startswith(
        "Process behaviour chart of Orders, 16 values from Jul 2025 to Oct 2026; "
        "centre line 4,135.5, limits 3,188.72 to 5,082.28. 1 signal"
    )


def test_the_limits_step_at_a_rebaseline(world: World, wheeler: Kpi) -> None:
    xmr.rebaseline(actor=world.mo, kpi=wheeler, starts_on="2026-01-01", size=5)
    result = xmr.load(wheeler)
    x_spec, mr_spec = charts(result)

    # Each segment's limits at its first and last period; drawn step-after, they step at the
    # re-baseline.
    steps = x_spec["layer"][0]["data"]["values"]
    assert [row["period"] for row in steps] == [
        "2025-07-01", "2025-12-01", "2026-01-01", "2026-10-01",
    ]  # fmt: skip
    first, second = (part.segment.limits for part in result.segments)
    assert first is not None and second is not None
    assert [row["unpl"] for row in steps] == [first.unpl, first.unpl, second.unpl, second.unpl]
    assert [row["url"] for row in mr_spec["layer"][0]["data"]["values"]] == [
        first.url, first.url, second.url, second.url,
    ]  # fmt: skip
    # 16 values in two segments: 14 moving ranges, drawn as one line per segment.
    ranges = next(layer for layer in mr_spec["layer"] if layer["encoding"]["y"]["field"] == "mr")
    assert ranges["encoding"]["detail"] == {"field": "segment", "type": "nominal"}
    svg = _svg(mr_spec)
    # The jump to 5,200 (1,737) is above the new range limit: drawn again as a diamond.
    assert svg.count('aria-roledescription="point"') == 14 + 1
    assert "Range limit" in svg and "Average range" in svg
    assert mr_spec["description"].startswith("Moving range chart of Orders: 14 moving ranges")
    # Sixteen values, and their six signals against the two segments' limits drawn again.
    assert sum(label is not None for label in result.chart.signal) == 6
    assert _svg(x_spec).count('aria-roledescription="point"') == 16 + 6


# --- the KPI page -----------------------------------------------------------------------------


def test_the_page_shows_both_charts_the_summary_and_the_baseline(
    client: Client, world: World, wheeler: Kpi
) -> None:
    xmr.rebaseline(actor=world.lena, kpi=wheeler, starts_on="2026-07-01", size=2, note="promo")
    content = page(login(client, world.vic).get(f"/kpis/{wheeler.pk}/"))
    part = section(content)

    # The section sits just before the values.
    assert content.index('id="xmr"') < content.index('id="measurements"')
    assert f'<script id="xmr-x-{wheeler.pk}" type="application/json">' in part
    assert f'<script id="xmr-mr-{wheeler.pk}" type="application/json">' in part
    assert f'data-chart="xmr-x-{wheeler.pk}" role="img"' in part
    summary = re.search(r'data-testid="xmr-summary"><strong>(.*?)<', part)
    assert summary is not None
    # Against the first twelve values, the first one is above their upper limit too.
    assert html.unescape(summary[1]) == (
        "2 signals: 2 improvements "
        "(Oct 2026 above the upper limit; Jul 2025 above the upper limit)."
    )
    assert "Re-baselined by Lena on 16 Nov 2026 (promo)." in html.unescape(part)
    assert "From Jul 2025: limits from its 12 values" in html.unescape(part)
    assert 'data-testid="xmr-signals"' in part
    # A viewer reads and changes nothing.
    assert "Re-baseline</button>" not in part and "Remove" not in part


def test_without_values_the_section_says_so_and_offers_no_form(
    client: Client, world: World
) -> None:
    kpi = make_kpi(world.org, "fresh", name="Fresh", owner=world.mo)
    part = section(page(login(client, world.mo).get(f"/kpis/{kpi.pk}/")))

    assert "Not enough values yet: limits need at least two." in part
    assert "xmr-x-" not in part and 'method="post"' not in part


def test_the_owner_rebaselines_from_the_page(client: Client, world: World, wheeler: Kpi) -> None:
    login(client, world.mo)
    form = section(page(client.get(f"/kpis/{wheeler.pk}/")))
    assert 'id="x_starts_on"' in form and 'value="2026-10-01"' in form  # the latest period

    response = client.post(
        f"/kpis/{wheeler.pk}/xmr/baselines/",
        {"starts_on": "2026-02-14", "size": "6", "note": "new supplier"},
    )

    assert response.status_code == 302
    assert response["Location"] == f"/kpis/{wheeler.pk}/#xmr"
    baseline = XmrBaseline.objects.get()
    assert (baseline.starts_on, baseline.size, baseline.created_by) == (
        dt.date(2026, 2, 1), 6, world.mo,
    )  # fmt: skip
    content = page(client.get(response["Location"]))
    assert "New baseline from Feb 2026: its first 6 values set the limits." in content
    assert "Re-baselined by Mo on 16 Nov 2026 (new supplier)." in html.unescape(section(content))


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"starts_on": "2027-03-01", "size": "20"}, "x_starts_on", "Mar 2027 has no value"),
        ({"starts_on": "2026-03-01", "size": "1"}, "x_size", "from 2 to 100, got 1"),
        ({"starts_on": "2026-03-01", "size": "many"}, "x_size", "a whole number from 2 to 100"),
        ({"starts_on": "soon", "size": "20"}, "x_starts_on", "Enter a valid date."),
    ],
)
def test_a_refused_rebaseline_is_answered_beside_the_field(
    client: Client, world: World, wheeler: Kpi, data: dict[str, str], field: str, message: str
) -> None:
    response = login(client, world.mo).post(f"/kpis/{wheeler.pk}/xmr/baselines/", data)

    assert response.status_code == 422
    content = page(response)
    assert message in error_beside(content, field)
    # What was typed is kept, and the rest of the page is whole.
    assert f'value="{data["size"]}"' in section(content)
    assert 'id="measurements"' in content
    assert not XmrBaseline.objects.exists()


def test_undo_from_the_page(client: Client, world: World, wheeler: Kpi) -> None:
    baseline = xmr.rebaseline(actor=world.mo, kpi=wheeler, starts_on="2026-02-01")
    login(client, world.mo)
    url = f"/kpis/{wheeler.pk}/xmr/baselines/{baseline.pk}/delete/"
    assert f'href="{url}"' in section(page(client.get(f"/kpis/{wheeler.pk}/")))

    assert "Remove the baseline from Feb 2026?" in page(client.get(url))
    response = client.post(url)

    assert response.status_code == 302 and not XmrBaseline.objects.exists()
    assert AuditEvent.objects.filter(action="xmr_baseline.delete").count() == 1


def test_others_may_not_rebaseline(client: Client, world: World, wheeler: Kpi) -> None:
    baseline = xmr.rebaseline(actor=world.mo, kpi=wheeler, starts_on="2026-02-01")
    create = f"/kpis/{wheeler.pk}/xmr/baselines/"
    undo = f"/kpis/{wheeler.pk}/xmr/baselines/{baseline.pk}/delete/"
    data = {"starts_on": "2026-03-01", "size": "5"}

    login(client, world.vic)
    assert client.post(create, data).status_code == 403
    assert client.get(undo).status_code == 403 and client.post(undo).status_code == 403
    login(client, world.oscar)
    assert client.post(create, data).status_code == 404
    assert client.post(undo).status_code == 404
    # A baseline is found only under its own KPI.
    other = make_kpi(world.org, "other", owner=world.mo)
    login(client, world.mo)
    assert client.post(f"/kpis/{other.pk}/xmr/baselines/{baseline.pk}/delete/").status_code == 404
    assert XmrBaseline.objects.count() == 1


def test_the_section_costs_one_query(client: Client, world: World, wheeler: Kpi) -> None:
    login(client, world.vic)

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/kpis/{wheeler.pk}/").status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    before = queries()
    for start in ("2026-01-01", "2026-04-01", "2026-07-01"):
        xmr.rebaseline(actor=world.mo, kpi=wheeler, starts_on=start, size=3)
    after = queries()
    assert len(after) == len(before)
    assert sum('"kpis_xmrbaseline"' in sql for sql in after) == 1


def test_the_kpis_history_lists_rebaselines_made_and_undone(
    client: Client, world: World, wheeler: Kpi
) -> None:
    baseline = xmr.rebaseline(
        actor=world.mo, kpi=wheeler, starts_on="2026-02-01", size=6, note="new supplier"
    )
    xmr.undo_rebaseline(actor=world.lena, baseline=baseline)
    other = make_kpi(world.org, "other", name="Other", owner=world.mo)
    record(other, [1, 2, 3])
    xmr.rebaseline(actor=world.mo, kpi=other, starts_on=MONTHS[1])  # not this KPI's history
    content = html.unescape(page(login(client, world.mo).get(f"/kpis/{wheeler.pk}/")))
    history = content[content.index('data-testid="history"') :]
    text = " ".join(re.sub(r"<[^>]+>", " ", history).split())
    assert "Re-baseline removed by Lena" in text
    assert "Re-baselined the process behaviour chart by Mo" in text
    assert "From Feb 2026: first 6 values: new supplier (new)" in text
    assert text.count("Re-baselined") == 1
