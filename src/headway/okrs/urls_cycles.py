"""Pages of the quarterly rhythm (cycles): moving cycles on, the fiscal year, grading."""

from __future__ import annotations

from django.urls import URLPattern, path

from headway.okrs.views import cycles

urlpatterns: list[URLPattern] = [
    path("okrs/cycles/", cycles.cycle_list, name="cycles"),
    path("okrs/cycles/<int:cycle_id>/transition/", cycles.transition, name="cycle-transition"),
    path("okrs/cycles/<int:cycle_id>/reopen/", cycles.reopen, name="cycle-reopen"),
    path("okrs/cycles/fiscal-year/", cycles.fiscal_year, name="fiscal-year"),
    path("key-results/<int:kr_id>/grade/", cycles.grade, name="grade"),
]
