"""Pages of the quarterly rhythm (report): the calibration review and the executive report."""

from __future__ import annotations

from django.urls import URLPattern, path

from headway.okrs.views import report

urlpatterns: list[URLPattern] = [
    path("okrs/calibration/", report.calibration, name="calibration"),
    path("okrs/report/", report.report, name="report"),
    path("okrs/cycle/<int:cycle_id>/report/", report.report, name="cycle-report"),
    path("okrs/cycle/<int:cycle_id>/report.pdf", report.report_pdf, name="cycle-report-pdf"),
]
