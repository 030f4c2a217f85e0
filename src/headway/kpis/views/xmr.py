"""The KPI page's "Process behaviour" section, and re-baselining its XmR chart (and undoing it).

A refused re-baseline re-renders the whole KPI page with the form's errors beside its fields
(status 422), like the page's other forms.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from headway.core.xmr import DEFAULT_BASELINE, MAX_BASELINE, MIN_BASELINE
from headway.errors import ValidationFailed
from headway.kpis import views as kpi_views
from headway.kpis import xmr
from headway.kpis.formatting import period_label
from headway.kpis.models import Kpi, XmrBaseline
from headway.kpis.selectors import KpiDetail
from headway.kpis.xmr_charts import charts
from headway.orgs import permissions
from headway.orgs.models import Membership
from headway.web.decorators import member_view
from headway.web.shortcuts import add_service_errors, get_or_404

AUTO_ID = "x_%s"  # the page has other forms: ids stay apart
# The signals table lists this many, newest first; the summary above it counts them all.
SIGNAL_ROWS = 12


class RebaselineForm(forms.Form):
    """Read as typed; the service checks the period and the size, so its words show here too."""

    starts_on = forms.DateField(
        label="New baseline from",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Any day of a period that has a value; the limits before it stay as they are.",
    )
    size = forms.CharField(
        label="Values in the baseline",
        max_length=10,
        initial=DEFAULT_BASELINE,
        help_text=f"How many values from there set the new limits ({MIN_BASELINE}-{MAX_BASELINE}).",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label="Why", required=False, max_length=2000, help_text="What changed in the process."
    )


def _me(request: HttpRequest) -> Membership:
    return request.membership  # type: ignore[attr-defined,no-any-return]


def _section_url(kpi: Kpi) -> str:
    return reverse("kpis:kpi", args=[kpi.pk]) + "#xmr"


def xmr_section(
    me: Membership,
    kpi: Kpi,
    detail: KpiDetail,
    form: RebaselineForm | None = None,
    *,
    since: dt.date | None = None,
) -> dict[str, Any]:
    """What ``kpis/_xmr.html`` shows; one query (the re-baselines) on top of the page's values.

    ``form`` is a refused re-baseline, shown with its errors and what was typed. The limits and
    signals come from the whole history; the charts draw the periods from ``since`` on.
    """
    result = xmr.build(kpi, detail.points, xmr.baselines_of(kpi))
    can_edit = permissions.can_edit_kpi(me, kpi)
    if form is None and can_edit and result.periods:
        # A baseline starts at a value; the latest is the likeliest start of a change.
        form = RebaselineForm(auto_id=AUTO_ID, initial={"starts_on": result.periods[-1]})
    ready = result.has_limits
    current = result.current
    found = current.segment.limits if current is not None else None
    said = xmr.summary(result)
    x_chart, mr_chart = charts(result, since, summary=said) if ready else (None, None)
    chart = result.chart
    # Newest first; only the rows the table shows are built (a long history has many signals).
    flagged = [i for i in reversed(range(len(chart))) if chart.rules[i]]
    signals = [
        {
            "period": result.label(i),
            "value": chart.values[i],
            "moving_range": result.moving_range(i),
            "rules": ", ".join(str(r) for r in chart.rules[i]),
            "signal": chart.signal[i],
        }
        for i in flagged[:SIGNAL_ROWS]
    ]
    return {
        "result": result,
        "ready": ready,
        "summary": said,
        "x_chart": x_chart,
        "mr_chart": mr_chart,
        "x_chart_id": f"xmr-x-{kpi.pk}",
        "mr_chart_id": f"xmr-mr-{kpi.pk}",
        "provisional": current is not None and current.segment.provisional,
        "limits": [
            (label, xmr.limits_text(None if found is None else getattr(found, field)))
            for label, field in (
                ("Centre line (X̄)", "centre"),
                ("Upper limit (UNPL)", "unpl"),
                ("Lower limit (LNPL)", "lnpl"),
                ("Upper halfway", "upper_halfway"),
                ("Lower halfway", "lower_halfway"),
                ("Average moving range", "mr_bar"),
                ("Upper range limit", "url"),
            )
        ],
        "segments": [xmr.describe_baseline(result, part) for part in result.segments],
        "baselines": [
            {"row": row, "period": period_label(row.starts_on, kpi.cadence)}
            for row in result.baselines
        ],
        "signals": signals,
        "more_signals": max(0, len(flagged) - SIGNAL_ROWS),
        "can_edit": can_edit,
        "form": form,
    }


def _kpi(me: Membership, kpi_id: int) -> Kpi:
    kpi = get_or_404(me, Kpi, kpi_id, select=("owner_team", "owner__user"))
    if not permissions.can_edit_kpi(me, kpi):
        raise PermissionDenied("you may not re-baseline this KPI")
    return kpi


@member_view
@require_POST
def rebaseline(request: HttpRequest, kpi_id: int) -> HttpResponse:
    me = _me(request)
    kpi = _kpi(me, kpi_id)
    form = RebaselineForm(request.POST, auto_id=AUTO_ID)
    if form.is_valid():
        try:
            baseline = xmr.rebaseline(actor=me, kpi=kpi, **form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"New baseline from {period_label(baseline.starts_on, kpi.cadence)}: "
                f"its first {baseline.size} values set the limits.",
            )
            return redirect(_section_url(kpi))
    return kpi_views._kpi_page(request, kpi, rebaseline_form=form, status=422)


@member_view
@require_http_methods(["GET", "POST"])
def rebaseline_undo(request: HttpRequest, kpi_id: int, baseline_id: int) -> HttpResponse:
    me = _me(request)
    baseline = get_or_404(me, XmrBaseline, baseline_id, select=("kpi",), kpi_id=kpi_id)
    kpi = baseline.kpi
    if not permissions.can_edit_kpi(me, kpi):
        raise PermissionDenied("you may not re-baseline this KPI")
    label = period_label(baseline.starts_on, kpi.cadence)
    if request.method == "POST":
        xmr.undo_rebaseline(actor=me, baseline=baseline)
        messages.success(request, f"Removed the baseline from {label}.")
        return redirect(_section_url(kpi))
    return render(
        request,
        "kpis/confirm_delete.html",
        {"kpi": kpi, "question": f"Remove the baseline from {label}?"},
    )
