"""X-Matrix services, the page selector and the editor pages."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headway.audit.models import AuditEvent
from headway.core.health import Health
from headway.errors import ValidationFailed
from headway.kpis.models import Measurement
from headway.okrs.models import Cycle
from headway.strategy import selectors, services
from headway.strategy.models import Assignment, Correlation, XMatrix, XMatrixItem
from tests.factories import World, login, make_kpi, make_objective

KPI_KEYS = itertools.count()


def _matrix(world: World, year: int = 2026) -> XMatrix:
    return services.create_xmatrix(actor=world.alice, year=year, title="Acme 2026")


def _fill(world: World, matrix: XMatrix, n: int) -> dict[str, list[XMatrixItem]]:
    """``n`` items of each kind, every metric on a KPI with a value, marks in every corner."""
    items: dict[str, list[XMatrixItem]] = {}
    objective = make_objective(world.cycle, team=world.company, progress=0.5)
    for kind in ("breakthrough", "annual", "priority", "metric"):
        items[kind] = []
        for i in range(n):
            extra: dict[str, object] = {}
            if kind == "annual" and matrix.year == 2026:
                extra["objective_ids"] = [objective.pk]
            if kind == "metric":
                kpi = make_kpi(world.org, f"k{next(KPI_KEYS)}", name=f"KPI {i}")
                Measurement.objects.create(
                    organization=world.org,
                    kpi=kpi,
                    period=dt.date(2026, 10, 1),
                    value=Decimal(i + 10),
                    recorded_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
                )
                extra.update(kpi_id=kpi.pk, owner_id=world.mo.pk, baseline="1", target="2")
            items[kind].append(
                services.add_item(
                    actor=world.alice, matrix=matrix, kind=kind, title=f"{kind} {i}", **extra
                )
            )
    resource = services.add_resource(actor=world.alice, matrix=matrix, team_id=world.growth.pk)
    for a, b in (("breakthrough", "annual"), ("annual", "priority"), ("priority", "metric")):
        for row, column in zip(items[a], items[b], strict=True):
            services.cycle_correlation(matrix, row, column, actor=world.alice)
    for priority in items["priority"]:
        services.cycle_assignment(priority, resource, actor=world.alice)
    return items


# --- services ---------------------------------------------------------------------------------


def test_create_xmatrix_is_audited_and_one_per_year(world: World) -> None:
    matrix = _matrix(world)
    assert (matrix.year, matrix.title, matrix.organization_id) == (2026, "Acme 2026", world.org.pk)
    assert AuditEvent.objects.filter(action="xmatrix.create", object_id=matrix.pk).count() == 1
    with pytest.raises(ValidationFailed) as exc:
        services.create_xmatrix(actor=world.lena, year="2026")
    assert exc.value.errors == {"year": "there is already an X-Matrix for 2026"}
    with pytest.raises(ValidationFailed) as exc:
        services.create_xmatrix(actor=world.alice, year="soon")
    assert set(exc.value.errors) == {"year"}
    # Another organization may have its own 2026.
    assert (
        services.create_xmatrix(actor=world.oscar, year=2026).organization_id == world.other_org.pk
    )


def test_members_and_viewers_change_nothing(world: World) -> None:
    matrix = _matrix(world)
    for who in (world.mo, world.vic, world.oscar):
        with pytest.raises(PermissionDenied):
            services.add_item(actor=who, matrix=matrix, kind="breakthrough", title="x")
    lead_item = services.add_item(actor=world.lena, matrix=matrix, kind="breakthrough", title="x")
    assert lead_item.position == 0


def test_items_get_positions_and_reorder(world: World) -> None:
    matrix = _matrix(world)
    a, b, c = (
        services.add_item(actor=world.alice, matrix=matrix, kind="priority", title=t) for t in "abc"
    )
    assert [a.position, b.position, c.position] == [0, 1, 2]
    services.reorder_items(
        actor=world.alice, matrix=matrix, kind="priority", item_ids=[c.pk, a.pk, b.pk]
    )
    assert list(XMatrixItem.objects.filter(matrix=matrix).values_list("title", flat=True)) == [
        "c",
        "a",
        "b",
    ]
    services.move_item(actor=world.alice, item=XMatrixItem.objects.get(pk=b.pk), offset=-1)
    assert list(XMatrixItem.objects.filter(matrix=matrix).values_list("title", flat=True)) == [
        "c",
        "b",
        "a",
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.reorder_items(actor=world.alice, matrix=matrix, kind="priority", item_ids=[a.pk])
    assert set(exc.value.errors) == {"item_ids"}


def test_metric_fields_are_validated_and_scoped(world: World) -> None:
    matrix = _matrix(world)
    other_kpi = make_kpi(world.other_org, "nps")
    with pytest.raises(ValidationFailed) as exc:
        services.add_item(
            actor=world.alice,
            matrix=matrix,
            kind="metric",
            title="NPS",
            kpi_id=other_kpi.pk,
            baseline="abc",
        )
    assert exc.value.errors == {
        "kpi_id": "no such KPI in this organization",
        "baseline": "must be a number, not 'abc'",
    }
    with pytest.raises(ValidationFailed) as exc:
        services.add_item(actor=world.alice, matrix=matrix, kind="priority", title="p", unit="%")
    assert exc.value.errors == {"unit": "only metrics have this"}
    metric = services.add_item(
        actor=world.alice,
        matrix=matrix,
        kind="metric",
        title="NPS",
        baseline="32",
        target="55",
        unit="points",
        owner_id=world.mo.pk,
    )
    metric.refresh_from_db()
    assert (metric.baseline, metric.target, metric.unit, metric.owner_id) == (
        Decimal("32"),
        Decimal("55"),
        "points",
        world.mo.pk,
    )
    services.update_item(actor=world.alice, item=metric, target="60", owner_id=None)
    metric.refresh_from_db()
    assert (metric.target, metric.owner_id) == (Decimal("60"), None)


def test_annual_objectives_link_only_to_this_years_objectives(world: World) -> None:
    matrix = _matrix(world)
    ours = make_objective(world.cycle, team=world.company)
    theirs = make_objective(world.other_cycle, team=world.other_team)
    old_cycle = Cycle.objects.create(
        organization=world.org, name="2024-Q1", start=dt.date(2024, 1, 1), end=dt.date(2024, 3, 31)
    )
    old = make_objective(old_cycle, team=world.company, title="Old")
    item = services.add_item(
        actor=world.alice, matrix=matrix, kind="annual", title="Win", objective_ids=[ours.pk]
    )
    assert list(item.objectives.all()) == [ours]
    for bad, message in (
        (theirs.pk, "no such objective in this organization"),
        (old.pk, "“Old” is not in a cycle of 2026"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            services.update_item(actor=world.alice, item=item, objective_ids=[bad])
        assert exc.value.errors == {"objective_ids": message}
    assert list(item.objectives.all()) == [ours]


def test_cycle_correlation_goes_round_and_refuses_other_pairs(world: World) -> None:
    matrix = _matrix(world)
    breakthrough = services.add_item(
        actor=world.alice, matrix=matrix, kind="breakthrough", title="b"
    )
    annual = services.add_item(actor=world.alice, matrix=matrix, kind="annual", title="a")
    metric = services.add_item(actor=world.alice, matrix=matrix, kind="metric", title="m")
    seen = [
        services.cycle_correlation(matrix, breakthrough, annual, actor=world.alice)
        for _ in range(4)
    ]
    assert seen == ["strong", "moderate", "weak", ""]
    assert not Correlation.objects.exists()
    # The corner metric x breakthrough is stored with the metric as its row, whatever the order.
    services.cycle_correlation(matrix, breakthrough, metric, actor=world.alice)
    stored = Correlation.objects.get()
    assert (stored.row_id, stored.column_id, stored.strength) == (
        metric.pk,
        breakthrough.pk,
        "strong",
    )
    with pytest.raises(ValidationFailed) as exc:
        services.cycle_correlation(matrix, annual, metric, actor=world.alice)
    assert exc.value.errors == {"column_id": "a annual and a metric do not share a corner"}
    assert (
        services.set_correlation(matrix, annual, breakthrough, "weak", actor=world.alice) == "weak"
    )
    assert Correlation.objects.get(row=breakthrough, column=annual).strength == "weak"


def test_cycle_assignment_goes_round(world: World) -> None:
    matrix = _matrix(world)
    priority = services.add_item(actor=world.alice, matrix=matrix, kind="priority", title="p")
    resource = services.add_resource(actor=world.alice, matrix=matrix, person_id=world.mo.pk)
    seen = [services.cycle_assignment(priority, resource, actor=world.alice) for _ in range(3)]
    assert seen == ["primary", "secondary", ""]
    assert not Assignment.objects.exists()
    with pytest.raises(ValidationFailed) as exc:
        services.add_resource(actor=world.alice, matrix=matrix)
    assert exc.value.errors == {"label": "give a team, a person or a name"}


# --- the selector -----------------------------------------------------------------------------


def test_xmatrix_page_reads_everything_in_five_queries(world: World) -> None:
    matrix = _matrix(world)
    _fill(world, matrix, 2)
    with CaptureQueriesContext(connection) as small:
        selectors.xmatrix_page(matrix)
    _fill(world, _matrix(world, 2027), 1)  # noise in another matrix
    make_objective(world.cycle, team=world.company, title="Noise")
    big = matrix
    _fill(world, big, 4)
    with CaptureQueriesContext(connection) as large:
        data = selectors.xmatrix_page(big)
    assert len(small) == len(large) == 5
    assert [i.title for i in data.metrics] == [f"metric {i}" for i in (0, 1, 0, 1, 2, 3)]
    value = data.metric_values[data.metrics[5].pk]
    assert (value.kpi_name, value.value, value.health) == ("KPI 3", Decimal("13"), Health.UNKNOWN)
    linked = data.linked_objectives[data.annuals[0].pk]
    assert [(o.title, o.progress, o.cycle.name) for o in linked] == [
        ("Our customers love our onboarding", 0.5, "2026-Q4")
    ]
    assert data.strength(data.annuals[0].pk, data.breakthroughs[0].pk) == "strong"
    assert list(data.resource_names.values()) == ["Growth", "Growth"]
    # Each breakthrough has a mark, each priority too; 4 primaries overload the second Growth.
    assert [f.id for f in data.findings] == [f"overloaded-owner:{data.resources[1].pk}"]


# --- pages ------------------------------------------------------------------------------------


def test_index_and_new_matrix_form(client, world: World) -> None:
    login(client, world.alice)
    _matrix(world)
    page = client.get("/strategy/")
    assert page.status_code == 200
    assert "Acme 2026" in page.content.decode() and "/strategy/canvases/" in page.content.decode()
    taken = client.post("/strategy/xmatrix/new/", {"year": "2026", "title": "Again"})
    assert taken.status_code == 422
    body = taken.content.decode()
    assert "there is already an X-Matrix for 2026" in body and 'value="Again"' in body
    created = client.post("/strategy/xmatrix/new/", {"year": "2027", "title": ""})
    matrix = XMatrix.objects.get(year=2027)
    assert created.status_code == 302 and created["Location"] == f"/strategy/xmatrix/{matrix.pk}/"


def test_editor_page_has_a_fixed_number_of_queries(client, world: World) -> None:
    login(client, world.alice)
    small, big = _matrix(world), services.create_xmatrix(actor=world.alice, year=2027)
    _fill(world, small, 1)
    _fill(world, big, 5)
    for title in ("Other 1", "Other 2"):
        make_objective(world.cycle, team=world.company, title=title)
    counts = []
    for matrix in (small, big):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/strategy/xmatrix/{matrix.pk}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == 14, counts
    body = response.content.decode()
    assert "metric 4" in body and "KPI 4: 14" in body and "Growth" in body


def test_editor_htmx_add_mark_and_errors(client, world: World) -> None:
    login(client, world.lena)
    matrix = _matrix(world)
    url = f"/strategy/xmatrix/{matrix.pk}/"
    added = client.post(
        f"{url}lists/breakthrough/add/",
        {"add-breakthrough-title": "Lead the market"},
        HTTP_HX_REQUEST="true",
    )
    assert added.status_code == 200 and 'id="xmatrix-editor"' in added.content.decode()
    assert "No annual objective supports “Lead the market”" in added.content.decode()
    bad = client.post(
        f"{url}lists/metric/add/",
        {"add-metric-title": "NPS", "add-metric-baseline": "lots"},
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422
    assert "must be a number, not &#x27;lots&#x27;" in bad.content.decode()
    assert 'value="lots"' in bad.content.decode()
    client.post(f"{url}lists/annual/add/", {"add-annual-title": "Win"}, HTTP_HX_REQUEST="true")
    b = XMatrixItem.objects.get(kind="breakthrough")
    a = XMatrixItem.objects.get(kind="annual")
    cell = client.post(f"{url}mark/{b.pk}/{a.pk}/", HTTP_HX_REQUEST="true")
    assert cell.status_code == 200
    assert 'data-mark="strong"' in cell.content.decode()
    assert 'hx-swap-oob="true"' in cell.content.decode()
    assert "No annual objective supports" not in cell.content.decode()
    refused = client.post(f"{url}mark/{b.pk}/{b.pk}/", HTTP_HX_REQUEST="true")
    assert refused.status_code == 400


def test_readers_see_no_forms_and_others_get_404(client, world: World) -> None:
    matrix = _matrix(world)
    item = services.add_item(actor=world.alice, matrix=matrix, kind="breakthrough", title="b")
    login(client, world.vic)
    page = client.get(f"/strategy/xmatrix/{matrix.pk}/")
    assert page.status_code == 200 and "<form" not in page.content.decode().split('id="main"')[1]
    assert client.post(f"/strategy/xmatrix/{matrix.pk}/items/{item.pk}/delete/").status_code == 403
    client.logout()
    login(client, world.oscar)
    assert client.get(f"/strategy/xmatrix/{matrix.pk}/").status_code == 404
    assert client.post(f"/strategy/xmatrix/{matrix.pk}/items/{item.pk}/delete/").status_code == 404
    assert XMatrixItem.objects.filter(pk=item.pk).exists()


def test_edit_an_item_in_its_row(client, world: World) -> None:
    login(client, world.alice)
    matrix = _matrix(world)
    metric = services.add_item(actor=world.alice, matrix=matrix, kind="metric", title="NPS")
    url = f"/strategy/xmatrix/{matrix.pk}/items/{metric.pk}/edit/"
    form = client.get(url, HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and 'value="NPS"' in form.content.decode()
    prefix = f"edit-{metric.pk}"
    bad = client.post(
        url, {f"{prefix}-title": "NPS", f"{prefix}-target": "high"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 422 and bad["HX-Retarget"] == f"#item-{metric.pk}-edit"
    assert "must be a number, not &#x27;high&#x27;" in bad.content.decode()
    saved = client.post(
        url,
        {
            f"{prefix}-title": "Net promoter score",
            f"{prefix}-target": "55",
            f"{prefix}-owner": world.mo.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert saved.status_code == 200 and "Nobody owns" not in saved.content.decode()
    metric.refresh_from_db()
    assert (metric.title, metric.target, metric.owner_id) == (
        "Net promoter score",
        Decimal("55"),
        world.mo.pk,
    )
    assert client.get(url).status_code == 200  # without htmx: a page of its own


def test_index_query_count_does_not_grow(client, world: World) -> None:
    login(client, world.mo)
    counts = []
    for year in (2026, 2027, 2028):
        services.create_xmatrix(actor=world.alice, year=year)
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/strategy/").content.decode()
        assert str(year) in body and "New X-Matrix" not in body  # a member reads only
        counts.append(len(queries))
    assert counts == [4, 4, 4], counts
