"""The KPI pages: what everyone reads, what only some may change, and how bad input is answered.

mo owns the KPIs below (a member of Growth), lena leads Growth, alice is the admin, vic a
viewer and oscar is in another organization.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from headway.audit.models import AuditEvent
from headway.kpis import alerts, services
from headway.kpis.models import Benchmark, Kpi, Measurement
from headway.orgs.models import Team
from tests.conftest import NOW
from tests.factories import World, login, make_kpi

pytestmark = pytest.mark.usefixtures("frozen")


def record(kpi: Kpi, values: dict[str, str]) -> None:
    Measurement.objects.bulk_create(
        Measurement(
            organization_id=kpi.organization_id,
            kpi=kpi,
            period=dt.date.fromisoformat(period),
            value=Decimal(value),
            recorded_at=NOW,
        )
        for period, value in values.items()
    )


@pytest.fixture
def nps(world: World) -> Kpi:
    kpi = make_kpi(
        world.org,
        "nps",
        name="NPS",
        owner=world.mo,
        owner_team=world.growth,
        target=45,
        warning_threshold=25,
        critical_threshold=15,
    )
    record(kpi, {"2026-08-01": "29", "2026-09-01": "32", "2026-10-01": "30"})
    Benchmark.objects.create(
        organization=world.org, kpi=kpi, name="Competitor NPS", value=50, source="Survey"
    )
    return kpi


@pytest.fixture
def wait_time(world: World) -> Kpi:
    """The brief's example: lower is better, and 132 is beyond the critical threshold 120."""
    kpi = make_kpi(
        world.org,
        "wait",
        name="Support wait",
        unit="min",
        direction="lower",
        owner_team=world.company,
        warning_threshold=90,
        critical_threshold=120,
    )
    record(kpi, {"2026-09-01": "80", "2026-10-01": "132"})
    return kpi


def evaluate(*kpis: Kpi) -> None:
    """Store the KPIs' health, as every write through the services and the worker do: the
    dashboard reads it (``record`` above writes values without evaluating)."""
    for kpi in kpis:
        alerts.evaluate_kpi(kpi, NOW)


def page(response: Any) -> str:
    return response.content.decode()


def error_beside(content: str, field_id: str) -> str:
    """The error shown beside the input ``field_id`` (web/_field.html names it after the input)."""
    found = re.search(rf'<p class="error" id="{field_id}_error">(.*?)</p>', content)
    assert found, f"no error beside {field_id}"
    return html.unescape(found.group(1))


def typed(content: str, field_id: str) -> str:
    """The value an input shows again."""
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', content)
    assert tag, f"no input {field_id}"
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def post_forms(content: str) -> int:
    """Forms that write, besides the sign-out button every page has."""
    return content.count('method="post"') - 1


# --- reading ----------------------------------------------------------------------------------


def test_pages_need_sign_in(client: Client, nps: Kpi) -> None:
    for url in ("/kpis/", f"/kpis/{nps.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_dashboard_shows_a_card_per_kpi_grouped_by_team(
    client: Client, world: World, nps: Kpi, wait_time: Kpi
) -> None:
    hydration = make_kpi(world.org, "hydration", name="Hydration", unit="l/day", target=3)
    evaluate(nps, wait_time, hydration)
    content = page(login(client, world.vic).get("/kpis/"))

    acme, growth, none = (
        content.index(heading)
        for heading in (">Acme</a></h2>", ">Growth</a></h2>", ">No team</h2>")
    )
    assert acme < growth < none  # the team tree's order; KPIs without a team last
    card = content[growth:none]
    assert '<span class="value">30</span>' in card and "Oct 2026" in card
    assert "health-green" in card and "Healthy" in card
    assert "Target</dt><dd>45</dd>" in card
    assert "vs Competitor NPS (50)" in card and "\u221220 (\u221240%), behind" in card
    assert f'id="spark-kpi-{nps.pk}"' in card and f'data-chart="spark-kpi-{nps.pk}"' in card
    assert 'aria-label="NPS, 3 values from 29 in Aug 2026 to 30 in Oct 2026; target 45"' in card
    assert "132 min" in content and "health-red" in content
    assert "no values yet" in content  # Hydration
    assert '<a class="badge health-red" href="?health=red">1 critical</a>' in content
    assert "New KPI" not in content and post_forms(content) == 0


def test_dashboard_filters_by_team_with_its_sub_teams_and_by_health(
    client: Client, world: World, nps: Kpi, wait_time: Kpi
) -> None:
    evaluate(nps, wait_time)
    login(client, world.vic)

    growth = page(client.get(f"/kpis/?team={world.growth.pk}"))
    assert ">NPS</a>" in growth and ">Support wait</a>" not in growth
    company = page(client.get(f"/kpis/?team={world.company.pk}"))
    assert ">NPS</a>" in company and ">Support wait</a>" in company
    red = page(client.get("/kpis/?health=red"))
    assert ">NPS</a>" not in red and ">Support wait</a>" in red
    nothing = page(client.get(f"/kpis/?team={world.growth.pk}&health=red"))
    assert "No KPI matches these filters." in nothing
    # Values that are no choice (another organization's team too) are ignored, not a 500.
    ignored = client.get(f"/kpis/?team={world.other_team.pk}&health=purple")
    assert ignored.status_code == 200 and ">NPS</a>" in page(ignored)


def test_new_kpi_is_offered_to_admins_and_leads(client: Client, world: World, nps: Kpi) -> None:
    for who, offered in ((world.alice, True), (world.lena, True), (world.mo, False)):
        content = page(login(client, who).get("/kpis/"))
        assert ("New KPI" in content) is offered, who


def test_kpi_page_shows_chart_health_values_benchmarks_and_history(
    client: Client, world: World, nps: Kpi
) -> None:
    services.upsert_measurements(
        actor=world.mo, kpi=nps, rows=[{"period": "2026-10-01", "value": "31"}], source="manual"
    )
    content = page(login(client, world.vic).get(f"/kpis/{nps.pk}/"))

    assert "<h1>NPS</h1>" in content
    assert "Healthy: 31 (Oct 2026) is above the warning threshold 25." in content
    assert f'<script id="chart-kpi-{nps.pk}" type="application/json">' in content
    assert f'data-chart="chart-kpi-{nps.pk}" role="img"' in content
    periods = re.findall(r'<th scope="row">(\w{3} 2026)</th>', content)
    assert periods == ["Oct 2026", "Sep 2026", "Aug 2026"]  # newest first
    assert "NPS 31, Competitor NPS at 50: <strong>\u221219 (\u221238%), behind</strong>" in content
    assert "Raise NPS from 31 to 50" in content
    history = content[content.index('data-testid="history"') :]
    assert "Values recorded" in history and "by Mo" in history
    assert "Oct 2026: <del>30</del> → <ins>31</ins>" in history


def test_kpi_health_explains_a_critical_value(client: Client, world: World, wait_time: Kpi) -> None:
    content = page(login(client, world.vic).get(f"/kpis/{wait_time.pk}/"))

    assert '<span class="badge health-red">Critical</span>' in content
    assert "Critical: 132 min (Oct 2026) is above the critical threshold 120 min." in content


def test_viewer_sees_no_write_controls(client: Client, world: World, nps: Kpi) -> None:
    content = page(login(client, world.vic).get(f"/kpis/{nps.pk}/"))

    assert post_forms(content) == 0
    for hidden in ("Edit KPI", "Save value", "Add benchmark", "Correct", ">Delete<"):
        assert hidden not in content


def test_owner_sees_the_write_controls(client: Client, world: World, nps: Kpi) -> None:
    content = page(login(client, world.mo).get(f"/kpis/{nps.pk}/"))

    assert post_forms(content) == 3  # a value, a benchmark, a re-baseline
    for shown in ("Edit KPI", "Save value", "Add benchmark", "Re-baseline", "Correct", ">Delete<"):
        assert shown in content
    # The period offered is the one that has just closed.
    assert typed(content, "m_period") == "2026-10-01"
    # Each value's links are the routes' own (the template builds them from one reverse).
    from django.urls import reverse

    assert nps.measurements.exists()
    for m in nps.measurements.all():
        assert f'href="{reverse("kpis:measurement-edit", args=[nps.pk, m.pk])}"' in content
        assert f'href="{reverse("kpis:measurement-delete", args=[nps.pk, m.pk])}"' in content


def test_long_histories_show_the_newest_values_with_a_link_to_all(
    client: Client, world: World, nps: Kpi
) -> None:
    Measurement.objects.filter(kpi=nps).delete()
    start = dt.date(2016, 1, 1)
    record(nps, {f"{start.year + i // 12}-{i % 12 + 1:02d}-01": str(i) for i in range(130)})
    login(client, world.vic)

    recent = page(client.get(f"/kpis/{nps.pk}/"))
    assert recent.count('<tr id="measurement-') == 100
    assert "Show all 130 values" in recent
    assert page(client.get(f"/kpis/{nps.pk}/?all=1")).count('<tr id="measurement-') == 130


# The template loop the table's rows were drawn with before kpi_format.measurement_rows: the
# oracle for the rows built in Python (the same HTML, whitespace aside).
TEMPLATE_ROWS = "".join(
    [
        "{% load kpi_format %}{% for m in rows %}",
        "{% with label=m.period|period:kpi.cadence %}",
        '<tr id="measurement-{{ m.pk }}"><th scope="row">{{ label }}</th>',
        '<td class="num">{{ m.value|with_unit:kpi.unit }}</td><td>{{ m.note }}</td>',
        '<td class="wide-only"><small>{{ m.get_source_display }}',
        "{% if m.recorded_by %} · {{ m.recorded_by.display_name }}{% endif %}",
        ' · {{ m.recorded_at|date:"j M Y" }}</small></td>',
        '{% if can_edit %}<td class="actions"><a href="{{ url }}{{ m.pk }}/"',
        ' aria-label="Correct {{ label }}">Correct</a>',
        ' <a href="{{ url }}{{ m.pk }}/delete/" aria-label="Delete {{ label }}">Delete</a></td>',
        "{% endif %}</tr>{% endwith %}{% endfor %}",
    ]
)


@pytest.mark.parametrize("can_edit", [True, False])
def test_value_rows_are_the_template_loops_own(world: World, nps: Kpi, can_edit: bool) -> None:
    from django.template import Context, Template

    nps.unit = "<pts>"
    nps.save(update_fields=["unit"])
    Measurement.objects.filter(kpi=nps, period=dt.date(2026, 9, 1)).update(
        note='Survey <b>"late"</b> & small', recorded_by=world.mo, source="api"
    )
    rows = list(nps.measurements.select_related("recorded_by__user").order_by("-period"))
    url = "/kpis/1/measurements/"
    context = {"rows": rows, "kpi": nps, "can_edit": can_edit, "url": url}
    expected = Template(TEMPLATE_ROWS).render(Context(context))
    built = Template("{% load kpi_format %}{% measurement_rows rows kpi can_edit url %}").render(
        Context(context)
    )

    def squeezed(text: str) -> str:
        return re.sub(r">\s+<", "><", text.strip())

    assert "&lt;b&gt;&quot;late&quot;&lt;/b&gt; &amp; small" in built
    assert "&lt;pts&gt;" in built and world.mo.display_name in built
    assert ("Correct" in built) is can_edit
    assert squeezed(built) == squeezed(expected)


# --- other organizations ----------------------------------------------------------------------


def test_another_organizations_kpi_is_not_found(client: Client, world: World, nps: Kpi) -> None:
    measurement = Measurement.objects.filter(kpi=nps).first()
    benchmark = Benchmark.objects.get(kpi=nps)
    assert measurement is not None
    login(client, world.oscar)

    for url in (
        f"/kpis/{nps.pk}/",
        f"/kpis/{nps.pk}/edit/",
        f"/kpis/{nps.pk}/measurements/{measurement.pk}/",
        f"/kpis/{nps.pk}/measurements/{measurement.pk}/delete/",
        f"/kpis/{nps.pk}/benchmarks/{benchmark.pk}/delete/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (f"/kpis/{nps.pk}/measurements/", f"/kpis/{nps.pk}/benchmarks/"):
        assert (
            client.post(url, {"name": "x", "value": "1", "period": "2026-10-01"}).status_code == 404
        )
    assert Measurement.objects.filter(kpi=nps).count() == 3


def test_a_value_is_found_only_under_its_own_kpi(
    client: Client, world: World, nps: Kpi, wait_time: Kpi
) -> None:
    measurement = Measurement.objects.filter(kpi=wait_time).first()
    assert measurement is not None
    login(client, world.alice)

    assert client.get(f"/kpis/{nps.pk}/measurements/{measurement.pk}/").status_code == 404


# --- who may write ----------------------------------------------------------------------------


def _forged_posts(nps: Kpi) -> list[tuple[str, dict[str, str]]]:
    measurement = Measurement.objects.filter(kpi=nps).first()
    benchmark = Benchmark.objects.get(kpi=nps)
    assert measurement is not None
    kpi_form = {
        "name": "Hacked",
        "key": "nps",
        "direction": "higher",
        "cadence": "month",
        "aggregation": "last",
    }
    return [
        ("/kpis/new/", {**kpi_form, "key": "new"}),
        (f"/kpis/{nps.pk}/edit/", kpi_form),
        (f"/kpis/{nps.pk}/measurements/", {"period": "2026-11-01", "value": "99"}),
        (f"/kpis/{nps.pk}/measurements/{measurement.pk}/", {"value": "99"}),
        (f"/kpis/{nps.pk}/measurements/{measurement.pk}/delete/", {}),
        (f"/kpis/{nps.pk}/benchmarks/", {"name": "Mine", "value": "1"}),
        (f"/kpis/{nps.pk}/benchmarks/{benchmark.pk}/delete/", {}),
    ]


def _state() -> tuple[Any, ...]:
    return (
        list(Kpi.objects.values_list("name", "key", "target").order_by("pk")),
        list(Measurement.objects.values_list("period", "value").order_by("pk")),
        list(Benchmark.objects.values_list("name", "value").order_by("pk")),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize("who", ["vic", "mo"])
def test_forged_posts_are_refused_and_write_nothing(
    client: Client, world: World, nps: Kpi, who: str
) -> None:
    if who == "mo":
        # A member may change only the KPIs they own.
        Kpi.objects.filter(pk=nps.pk).update(owner=world.lena)
    before = _state()
    login(client, getattr(world, who))

    for url, data in _forged_posts(nps):
        assert client.post(url, data).status_code == 403, url
        if not url.endswith("/new/") and not url.endswith(("/measurements/", "/benchmarks/")):
            assert client.get(url).status_code == 403, url
    assert _state() == before


def test_lead_creates_kpis_only_for_teams_they_lead(client: Client, world: World) -> None:
    other = Team.objects.create(organization=world.org, name="Sales", slug="sales")
    login(client, world.lena)
    form = {"name": "Pipeline", "direction": "higher", "cadence": "month", "aggregation": "sum"}

    teams = re.search(
        r'<select name="owner_team".*?</select>', page(client.get("/kpis/new/")), re.S
    )
    assert teams is not None
    assert "Growth" in teams.group(0) and "Sales" not in teams.group(0)
    refused = client.post("/kpis/new/", {**form, "owner_team": str(other.pk)})
    assert refused.status_code == 422
    assert "Select a valid choice" in error_beside(page(refused), "id_owner_team")
    nobody = client.post("/kpis/new/", form)
    assert nobody.status_code == 422
    assert error_beside(page(nobody), "id_owner_team").startswith("Give it to a team you lead")
    created = client.post("/kpis/new/", {**form, "owner_team": str(world.growth.pk)})
    kpi = Kpi.objects.get(key="pipeline")
    assert created.status_code == 302 and created["Location"] == f"/kpis/{kpi.pk}/"
    assert kpi.owner_team == world.growth and kpi.aggregation == "sum"


def test_admin_creates_and_edits_a_kpi(client: Client, world: World) -> None:
    login(client, world.alice)
    response = client.post(
        "/kpis/new/",
        {
            "name": "Customer acquisition cost",
            "unit": "$",
            "direction": "lower",
            "cadence": "month",
            "aggregation": "last",
            "owner_team": str(world.growth.pk),
            "owner": str(world.mo.pk),
            "target": "180",
            "warning_threshold": "220",
            "critical_threshold": "260",
            "warning_recovery": "210",
            "critical_recovery": "250",
        },
    )
    kpi = Kpi.objects.get(key="customer-acquisition-cost")
    assert response.status_code == 302
    assert (kpi.owner, kpi.target, kpi.critical_recovery) == (world.mo, 180, 250)

    form = page(client.get(f"/kpis/{kpi.pk}/edit/"))
    assert typed(form, "id_key") == "customer-acquisition-cost"
    assert typed(form, "id_target") == "180"
    edited = client.post(
        f"/kpis/{kpi.pk}/edit/",
        {
            "name": "CAC",
            "key": "cac",
            "unit": "$",
            "direction": "lower",
            "cadence": "month",
            "aggregation": "last",
            "target": "170",
            "warning_threshold": "220",
            "critical_threshold": "260",
        },
    )
    assert edited.status_code == 302
    kpi.refresh_from_db()
    assert (kpi.name, kpi.key, kpi.target, kpi.warning_recovery, kpi.owner) == (
        "CAC",
        "cac",
        170,
        None,
        None,
    )
    history = page(client.get(f"/kpis/{kpi.pk}/"))
    assert "KPI changed" in history and "Target: <del>$180</del> → <ins>$170</ins>" in history
    assert "Name: <del>Customer acquisition cost</del> → <ins>CAC</ins>" in history


def test_owner_adds_corrects_and_deletes_a_value(client: Client, world: World, nps: Kpi) -> None:
    login(client, world.mo)

    added = client.post(
        f"/kpis/{nps.pk}/measurements/", {"period": "2026-11-14", "value": "34", "note": "survey"}
    )
    assert added.status_code == 302 and added["Location"] == f"/kpis/{nps.pk}/#measurements"
    new = Measurement.objects.get(kpi=nps, period=dt.date(2026, 11, 1))
    assert (new.value, new.note, new.source, new.recorded_by) == (34, "survey", "manual", world.mo)
    assert "Recorded 34 for Nov 2026." in page(client.get(added["Location"]))

    form = page(client.get(f"/kpis/{nps.pk}/measurements/{new.pk}/"))
    assert "Correct NPS for Nov 2026" in form and typed(form, "id_value") == "34"
    corrected = client.post(f"/kpis/{nps.pk}/measurements/{new.pk}/", {"value": "35.5"})
    assert corrected.status_code == 302
    new.refresh_from_db()
    assert new.value == Decimal("35.5") and new.period == dt.date(2026, 11, 1)
    assert "Nov 2026 now reads 35.5." in page(client.get(corrected["Location"]))

    confirm = page(client.get(f"/kpis/{nps.pk}/measurements/{new.pk}/delete/"))
    assert "Delete the value 35.5 for Nov 2026?" in confirm
    assert Measurement.objects.filter(pk=new.pk).exists()  # asking deletes nothing
    deleted = client.post(f"/kpis/{nps.pk}/measurements/{new.pk}/delete/")
    assert deleted.status_code == 302
    assert not Measurement.objects.filter(pk=new.pk).exists()

    content = page(client.get(f"/kpis/{nps.pk}/"))
    history = content[content.index('data-testid="history"') :]
    # Newest first: the deletion, the correction with before and after, the first value.
    assert history.index("Value deleted") < history.index("<del>34</del> → <ins>35.5</ins>")
    assert history.index("<del>34</del> → <ins>35.5</ins>") < history.index("<ins>34</ins> (new)")
    assert "Nov 2026: <del>35.5</del> (deleted)" in history
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["measurement.upsert", "measurement.upsert", "measurement.delete"]


def test_owner_adds_and_deletes_a_benchmark(client: Client, world: World, nps: Kpi) -> None:
    login(client, world.mo)

    added = client.post(
        f"/kpis/{nps.pk}/benchmarks/",
        {
            "name": "Industry average",
            "value": "41",
            "source": "Report",
            "observed_on": "2026-09-30",
        },
    )
    assert added.status_code == 302
    benchmark = Benchmark.objects.get(kpi=nps, name="Industry average")
    assert (benchmark.value, benchmark.observed_on) == (41, dt.date(2026, 9, 30))
    content = page(client.get(f"/kpis/{nps.pk}/"))
    assert (
        "NPS 30, Industry average at 41: <strong>\u221211 (\u221227%), behind</strong>" in content
    )

    assert "Delete the benchmark Industry average (41)?" in page(
        client.get(f"/kpis/{nps.pk}/benchmarks/{benchmark.pk}/delete/")
    )
    assert client.post(f"/kpis/{nps.pk}/benchmarks/{benchmark.pk}/delete/").status_code == 302
    assert not Benchmark.objects.filter(pk=benchmark.pk).exists()
    event = AuditEvent.objects.get(action="benchmark.delete")
    assert event.before is not None and event.before["name"] == "Industry average"


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"period": "2026-11-01", "value": ""}, "value", "This field is required."),
        ({"period": "2026-11-01", "value": "abc"}, "value", "must be a number, not 'abc'"),
        ({"period": "2026-13-45", "value": "3"}, "period", "Enter a valid date."),
        ({"period": "", "value": "3"}, "period", "This field is required."),
        ({"period": "2026-11-01", "value": "1e30"}, "value", "is too large"),
    ],
)
def test_a_bad_value_is_answered_beside_the_field(
    client: Client, world: World, nps: Kpi, data: dict[str, str], field: str, message: str
) -> None:
    before = _state()
    response = login(client, world.mo).post(f"/kpis/{nps.pk}/measurements/", data)

    assert response.status_code == 422
    content = page(response)
    assert error_beside(content, f"m_{field}") == message
    for name, value in data.items():
        assert typed(content, f"m_{name}") == value
    assert "<h1>NPS</h1>" in content  # the whole page again, chart and table included
    assert _state() == before


def test_a_bad_correction_is_answered_beside_the_field(
    client: Client, world: World, nps: Kpi
) -> None:
    measurement = Measurement.objects.filter(kpi=nps).first()
    assert measurement is not None
    response = login(client, world.mo).post(
        f"/kpis/{nps.pk}/measurements/{measurement.pk}/", {"value": "abc", "note": "oops"}
    )

    assert response.status_code == 422
    assert error_beside(page(response), "id_value") == "must be a number, not 'abc'"
    assert typed(page(response), "id_value") == "abc" and typed(page(response), "id_note") == "oops"
    measurement.refresh_from_db()
    assert measurement.value != 0 and measurement.note == ""


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"name": "Competitor NPS", "value": "55"},
            "name",
            "this KPI already has a benchmark named 'Competitor NPS'",
        ),
        ({"name": "", "value": "55"}, "name", "This field is required."),
        ({"name": "Peers", "value": "lots"}, "value", "must be a number, not 'lots'"),
        (
            {"name": "Peers", "value": "5", "observed_on": "yesterday"},
            "observed_on",
            "Enter a valid date.",
        ),
    ],
)
def test_a_bad_benchmark_is_answered_beside_the_field(
    client: Client, world: World, nps: Kpi, data: dict[str, str], field: str, message: str
) -> None:
    response = login(client, world.mo).post(f"/kpis/{nps.pk}/benchmarks/", data)

    assert response.status_code == 422
    content = page(response)
    assert error_beside(content, f"b_{field}") == message
    for name, value in data.items():
        assert typed(content, f"b_{name}") == value
    assert Benchmark.objects.filter(kpi=nps).count() == 1


KPI_FORM = {
    "name": "Bounce rate",
    "unit": "%",
    "direction": "lower",
    "cadence": "week",
    "aggregation": "mean",
}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"key": "taken"}, "key", "a KPI with key 'taken' already exists"),
        ({"warning_threshold": "abc"}, "warning_threshold", "must be a number, not 'abc'"),
        (
            {"warning_threshold": "60", "critical_threshold": "50"},
            "critical_threshold",
            "must not be below the warning threshold 60 (lower is better)",
        ),
        (
            {"warning_threshold": "55", "warning_recovery": "58"},
            "warning_recovery",
            "must not be above the warning threshold 55",
        ),
        ({"range_low": "5", "range_high": "3"}, "range_low", "must not be above range_high"),
        ({"direction": "sideways"}, "direction", "Select a valid choice. sideways is not one of"),
    ],
)
def test_a_bad_kpi_is_answered_beside_the_field(
    client: Client, world: World, nps: Kpi, data: dict[str, str], field: str, message: str
) -> None:
    make_kpi(world.org, "taken")
    before = _state()
    login(client, world.alice)
    for url in ("/kpis/new/", f"/kpis/{nps.pk}/edit/"):
        sent = {**KPI_FORM, "key": "bounce", **data}
        response = client.post(url, sent)

        assert response.status_code == 422, url
        content = page(response)
        assert error_beside(content, f"id_{field}").startswith(message), url
        for name in ("name", "key", "unit", "warning_threshold", "range_low"):
            if name in sent:
                assert typed(content, f"id_{name}") == sent[name], (url, name)
    assert _state() == before


# --- queries ----------------------------------------------------------------------------------


def _kpis(world: World, size: int) -> list[Kpi]:
    teams = [
        Team.objects.create(
            organization=world.org, name=f"Team {i}", slug=f"t{i}", parent=world.company
        )
        for i in range(size)
    ]
    kpis = []
    for i in range(size):
        kpi = make_kpi(
            world.org,
            f"kpi-{i}",
            owner_team=teams[i],
            owner=world.mo,
            target=10,
            critical_threshold=5,
        )
        record(kpi, {f"2026-{m:02d}-01": str(m) for m in range(1, 11)})
        Benchmark.objects.create(organization=world.org, kpi=kpi, name="Peers", value=8)
        evaluate(kpi)
        kpis.append(kpi)
    return kpis


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _dashboard_queries(client: Client, world: World, size: int) -> int:
    _kpis(world, size)
    return _queries(login(client, world.lena), "/kpis/")


def _kpi_page_queries(client: Client, world: World, size: int) -> int:
    kpi = _kpis(world, 1)[0]
    for i in range(size):
        period = f"{2020 + i // 12}-{i % 12 + 1:02d}-01"
        services.upsert_measurements(actor=world.mo, kpi=kpi, rows=[{"period": period, "value": i}])
        Benchmark.objects.create(organization=world.org, kpi=kpi, name=f"B{i}", value=i)
    for measurement in Measurement.objects.filter(kpi=kpi, period__year=2020):
        services.delete_measurement(actor=world.mo, measurement=measurement)
    return _queries(login(client, world.lena), f"/kpis/{kpi.pk}/")


Counter = Callable[[Client, World, int], int]


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        # session, user, membership; the team tree; KPIs counted by team and stored health; the
        # page's KPIs, their latest measurements, benchmarks.
        (_dashboard_queries, 8),
        # session, user, membership; the KPI, its values (as pairs, and the table's newest rows),
        # benchmarks, history; lena's led teams; the key results that follow it; its health
        # changes and notifications; its XmR baselines; its data sources.
        (_kpi_page_queries, 14),
    ],
)
@pytest.mark.parametrize("size", [5, 50])
def test_query_counts_are_pinned(
    client: Client, world: World, count: Counter, expected: int, size: int
) -> None:
    assert count(client, world, size) == expected
