"""Pages of the quarterly rhythm (carry): retrospectives, carrying over and duplicating."""

from __future__ import annotations

from django.urls import URLPattern, path

from headway.okrs.views import carry

urlpatterns: list[URLPattern] = [
    path(
        "objectives/<int:objective_id>/retrospective/",
        carry.retrospective,
        name="objective-retrospective",
    ),
    path(
        "objectives/<int:objective_id>/carry-over/", carry.carry_over, name="objective-carry-over"
    ),
    path("objectives/<int:objective_id>/duplicate/", carry.duplicate, name="objective-duplicate"),
]
