"""The KPI pages: the dashboard, one KPI with its chart, values and benchmarks, and their forms.

Every change goes through ``headway.kpis.services``, so the audit log keeps the history; a form
the services refuse is shown again with the message beside the field (status 422).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from headway.core.health import Health
from headway.core.periods import Cadence as CoreCadence
from headway.core.periods import period_start
from headway.core.tree import descendants
from headway.errors import ValidationFailed
from headway.kpis import charts, history, services
from headway.kpis.alerts import alert_panel
from headway.kpis.choices import MeasurementSource
from headway.kpis.formatting import number, period_label, with_unit
from headway.kpis.forms import (
    MEASUREMENT_ERRORS,
    BenchmarkForm,
    CorrectionForm,
    FilterForm,
    KpiForm,
    MeasurementForm,
)
from headway.kpis.models import Benchmark, Kpi, Measurement
from headway.kpis.selectors import (
    KpiCard,
    TeamOrderedKpis,
    dashboard_counts,
    kpi_detail,
    okr_context,
    page_cards,
)
from headway.kpis.views.data_in import sources_section
from headway.kpis.views.xmr import RebaselineForm, xmr_section
from headway.okrs import forms as okr_forms
from headway.orgs import permissions
from headway.orgs.models import Membership, Team
from headway.orgs.selectors import teams_in_order, tree_order
from headway.web.decorators import member_view
from headway.web.pickers import first_rows
from headway.web.shortcuts import add_service_errors, get_or_404

# The measurements table shows this many periods, newest first, unless asked for all of them.
TABLE_ROWS = 100
# The charts draw this many of the latest periods (a year of a daily KPI) unless asked for all.
CHART_POINTS = 366
# The dashboard shows this many KPIs a page.
DASHBOARD_PAGE = 50
GET_POST = require_http_methods(["GET", "POST"])
WORST_FIRST = (Health.RED, Health.AMBER, Health.STALE, Health.UNKNOWN, Health.GREEN)


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _get_kpi(me: Membership, kpi_id: int) -> Kpi:
    return get_or_404(me, Kpi, kpi_id, select=("owner_team", "owner__user"))


def _require_edit(me: Membership, kpi: Kpi) -> None:
    if not permissions.can_edit_kpi(me, kpi):
        raise PermissionDenied("you may not change this KPI")


def _kpi_url(kpi: Kpi, anchor: str = "") -> str:
    return reverse("kpis:kpi", args=[kpi.pk]) + (f"#{anchor}" if anchor else "")


# --- the dashboard ----------------------------------------------------------------------------


@member_view
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    teams = teams_in_order(me.organization_id)
    filters = FilterForm(request.GET, teams=teams)
    team_id, health = filters.chosen()
    team_ids = None
    if team_id is not None:
        # A department's filter shows its teams' KPIs too.
        edges = [(t.parent_id, t.pk) for t, _ in teams if t.parent_id]
        team_ids = {team_id} | descendants(edges, {team_id})
    # The summary counts every KPI of the chosen teams, whatever the status filter.
    by_team_health = dashboard_counts(me.organization_id, team_ids)
    counts: Counter[Health] = Counter()
    sizes: Counter[int | None] = Counter()
    for (owner_team_id, status), n in by_team_health.items():
        counts[status] += n
        if health is None or status == health:
            sizes[owner_team_id] += n
    listing = TeamOrderedKpis(
        me.organization_id,
        sizes,
        {team.pk: i for i, (team, _) in enumerate(teams)},
        Health(health) if health else None,
    )
    # A page number that is no number shows the first page, one past the end the last.
    page = Paginator(listing, DASHBOARD_PAGE).get_page(request.GET.get("page"))
    cards = page_cards(
        me.organization_id, list(page.object_list), timezone.localdate(), with_benchmarks=True
    )
    return render(
        request,
        "kpis/dashboard.html",
        {
            "filters": filters,
            "team_id": team_id,
            "health": health,
            "summary": [(h, counts[h]) for h in WORST_FIRST if counts[h]],
            "groups": _groups(cards, [t for t, _ in teams]),
            "page": page,
            "can_create": permissions.can_create_kpi(me),
        },
    )


def _groups(cards: list[KpiCard], teams: list[Team]) -> list[tuple[Team | None, list[Any]]]:
    """Cards by owner team, in the team tree's order; KPIs without a team come last."""
    order = {team.pk: i for i, team in enumerate(teams)}
    by_team: dict[int | None, list[dict[str, Any]]] = {}
    for card in cards:
        by_team.setdefault(card.kpi.owner_team_id, []).append(
            {
                "card": card,
                "spark": charts.sparkline(card.kpi, card.points, card.health),
                "spark_id": f"spark-kpi-{card.kpi.pk}",
            }
        )
    named = {team.pk: team for team in teams}
    keys = sorted(by_team, key=lambda k: (k is None, order.get(k, 0) if k is not None else 0))
    return [(named.get(k) if k is not None else None, by_team[k]) for k in keys]


# --- one KPI ----------------------------------------------------------------------------------


@member_view
@require_safe
def kpi(request: HttpRequest, kpi_id: int) -> HttpResponse:
    return _kpi_page(request, _get_kpi(_me(request), kpi_id))


def _latest_closed_period(kpi: Kpi, today: dt.date) -> dt.date:
    cadence = CoreCadence(kpi.cadence)
    return period_start(period_start(today, cadence) - dt.timedelta(days=1), cadence)


def _kpi_page(
    request: HttpRequest,
    kpi: Kpi,
    *,
    measurement_form: MeasurementForm | None = None,
    benchmark_form: BenchmarkForm | None = None,
    rebaseline_form: RebaselineForm | None = None,
    status: int = 200,
) -> HttpResponse:
    me = _me(request)
    today = timezone.localdate()
    everything = request.GET.get("all") == "1"
    detail = kpi_detail(kpi, today, table_rows=None if everything else TABLE_ROWS)
    # The chart draws the latest values unless asked for the whole history.
    whole_chart = request.GET.get("chart") == "all"
    shown = detail.points if whole_chart else detail.points[-CHART_POINTS:]
    if measurement_form is None:
        # People mostly record the period that has just closed.
        initial = {"period": _latest_closed_period(kpi, today)}
        measurement_form = MeasurementForm(auto_id="m_%s", initial=initial)
    return render(
        request,
        "kpis/kpi.html",
        {
            "kpi": kpi,
            "detail": detail,
            "can_edit": permissions.can_edit_kpi(me, kpi),
            "chart": charts.kpi_chart(kpi, shown, detail.benchmarks) if shown else None,
            "chart_id": f"chart-kpi-{kpi.pk}",
            "chart_points": len(shown),
            "hidden_points": detail.count - len(shown),
            "xmr": xmr_section(
                me, kpi, detail, rebaseline_form, since=shown[0][0] if shown else None
            ),
            "rows": detail.rows,
            "hidden_rows": detail.count - len(detail.rows),
            "history": history.entries(kpi, detail.events),
            "measurement_form": measurement_form,
            "benchmark_form": benchmark_form or BenchmarkForm(auto_id="b_%s"),
            "okrs": okr_context(me, kpi, detail.points, today),
            "alerts": alert_panel(kpi, can_manage=permissions.can_administer(me)),
            "sources": sources_section(kpi),
        },
        status=status,
    )


# --- KPI definitions --------------------------------------------------------------------------


def _kpi_form(request: HttpRequest, me: Membership, kpi: Kpi | None) -> KpiForm:
    allowed: frozenset[int | None] | None = None
    if permissions.can_administer(me):
        # One more than the form lists: past it the team is a slug to type, no tree needed.
        every = first_rows(
            Team.objects.filter(organization_id=me.organization_id).order_by("name", "id"),
            okr_forms.TEAM_CHOICES_LIMIT,
        )
        fits = len(every) <= okr_forms.TEAM_CHOICES_LIMIT
        teams = tree_order(every) if fits else [(team, 0) for team in every]
    else:
        # Others may give a KPI only to a team they lead (or leave it where it is).
        allowed = permissions.led_team_ids(me) | {kpi.owner_team_id if kpi else None}
        teams = [(team, d) for team, d in teams_in_order(me.organization_id) if team.pk in allowed]
    # One more than a select lists: past it the owner is a username to type.
    people = first_rows(
        Membership.objects.filter(organization_id=me.organization_id)
        .select_related("user")
        .order_by("user__full_name", "user__username"),
        okr_forms.OWNER_CHOICES_LIMIT,
    )
    data = request.POST if request.method == "POST" else None
    return KpiForm(
        data, teams=teams, people=people, org_id=me.organization_id, team_ids=allowed, kpi=kpi
    )


def _kpi_form_page(request: HttpRequest, form: KpiForm, kpi: Kpi | None) -> HttpResponse:
    status = 422 if form.is_bound else 200  # a bound form here is one that was refused
    return render(request, "kpis/kpi_form.html", {"form": form, "kpi": kpi}, status=status)


@member_view
@GET_POST
def kpi_create(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    if not permissions.can_create_kpi(me):
        raise PermissionDenied("you may not create KPIs")
    form = _kpi_form(request, me, None)
    if form.is_bound and form.is_valid():
        try:
            kpi = services.create_kpi(actor=me, **form.service_data())
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        except PermissionDenied:
            form.add_error("owner_team", "Give it to a team you lead, or make yourself its owner.")
        else:
            messages.success(request, f"KPI {kpi.name} created.")
            return redirect(_kpi_url(kpi))
    return _kpi_form_page(request, form, None)


@member_view
@GET_POST
def kpi_edit(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = _get_kpi(me, kpi_id)
    _require_edit(me, kpi)
    form = _kpi_form(request, me, kpi)
    if form.is_bound and form.is_valid():
        try:
            services.update_kpi(actor=me, kpi=kpi, **form.service_data())
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"KPI {kpi.name} saved.")
            return redirect(_kpi_url(kpi))
    return _kpi_form_page(request, form, kpi)


# --- measurements -----------------------------------------------------------------------------


def _recorded(kpi: Kpi, value: str, period: dt.date, result: services.UpsertResult) -> str:
    shown = with_unit(value, kpi.unit)
    label = period_label(period_start(period, CoreCadence(kpi.cadence)), kpi.cadence)
    if result.created:
        return f"Recorded {shown} for {label}."
    if result.replaced:
        return f"{label} now reads {shown}."
    return f"{label} already read {shown}: nothing changed."


@member_view
@require_POST
def measurement_add(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = _get_kpi(me, kpi_id)
    _require_edit(me, kpi)
    form = MeasurementForm(request.POST, auto_id="m_%s")
    if form.is_valid():
        try:
            result = services.upsert_measurements(
                actor=me, kpi=kpi, rows=form.rows(), source=MeasurementSource.MANUAL
            )
        except ValidationFailed as exc:
            add_service_errors(form, exc, MEASUREMENT_ERRORS)
        else:
            data = form.cleaned_data
            messages.success(request, _recorded(kpi, data["value"], data["period"], result))
            return redirect(_kpi_url(kpi, "measurements"))
    return _kpi_page(request, kpi, measurement_form=form, status=422)


def _get_measurement(me: Membership, kpi_id: int, measurement_id: int) -> Measurement:
    measurement = get_or_404(
        me, Measurement, measurement_id, select=("kpi__owner_team",), kpi_id=kpi_id
    )
    _require_edit(me, measurement.kpi)
    return measurement


@member_view
@GET_POST
def measurement_edit(request: HttpRequest, kpi_id: int, measurement_id: int) -> HttpResponse:
    me = _me(request)
    measurement = _get_measurement(me, kpi_id, measurement_id)
    kpi = measurement.kpi
    if request.method == "POST":
        form = CorrectionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            row = {"period": measurement.period, "value": data["value"], "note": data["note"]}
            try:
                result = services.upsert_measurements(
                    actor=me, kpi=kpi, rows=[row], source=MeasurementSource.MANUAL
                )
            except ValidationFailed as exc:
                add_service_errors(form, exc, MEASUREMENT_ERRORS)
            else:
                messages.success(request, _recorded(kpi, data["value"], measurement.period, result))
                return redirect(_kpi_url(kpi, "measurements"))
    else:
        form = CorrectionForm(
            initial={"value": number(measurement.value, grouping=False), "note": measurement.note}
        )
    return render(
        request,
        "kpis/measurement_edit.html",
        {"kpi": kpi, "measurement": measurement, "form": form},
        status=422 if form.is_bound else 200,
    )


@member_view
@GET_POST
def measurement_delete(request: HttpRequest, kpi_id: int, measurement_id: int) -> HttpResponse:
    me = _me(request)
    measurement = _get_measurement(me, kpi_id, measurement_id)
    kpi = measurement.kpi
    what = (
        f"the value {with_unit(measurement.value, kpi.unit)} for "
        f"{period_label(measurement.period, kpi.cadence)}"
    )
    if request.method == "POST":
        services.delete_measurement(actor=me, measurement=measurement)
        messages.success(request, f"Deleted {what}.")
        return redirect(_kpi_url(kpi, "measurements"))
    return _confirm(request, kpi, f"Delete {what}?")


def _confirm(request: HttpRequest, kpi: Kpi, question: str) -> HttpResponse:
    return render(request, "kpis/confirm_delete.html", {"kpi": kpi, "question": question})


# --- benchmarks -------------------------------------------------------------------------------


@member_view
@require_POST
def benchmark_add(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = _get_kpi(me, kpi_id)
    _require_edit(me, kpi)
    form = BenchmarkForm(request.POST, auto_id="b_%s")
    if form.is_valid():
        try:
            benchmark = services.create_benchmark(actor=me, kpi=kpi, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Benchmark {benchmark.name} added.")
            return redirect(_kpi_url(kpi, "benchmarks"))
    return _kpi_page(request, kpi, benchmark_form=form, status=422)


@member_view
@GET_POST
def benchmark_delete(request: HttpRequest, kpi_id: int, benchmark_id: int) -> HttpResponse:
    me = _me(request)
    benchmark = get_or_404(me, Benchmark, benchmark_id, select=("kpi",), kpi_id=kpi_id)
    kpi = benchmark.kpi
    _require_edit(me, kpi)
    if request.method == "POST":
        services.delete_benchmark(actor=me, benchmark=benchmark)
        messages.success(request, f"Benchmark {benchmark.name} deleted.")
        return redirect(_kpi_url(kpi, "benchmarks"))
    what = f"the benchmark {benchmark.name} ({with_unit(benchmark.value, kpi.unit)})"
    return _confirm(request, kpi, f"Delete {what}?")
