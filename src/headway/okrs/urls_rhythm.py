"""Pages of the quarterly rhythm (rhythm)."""

from __future__ import annotations

from django.urls import URLPattern, path

from headway.okrs.views import rhythm

urlpatterns: list[URLPattern] = [
    path("okrs/at-risk/", rhythm.at_risk, name="at-risk"),
    path("okrs/rhythm/settings/", rhythm.settings, name="rhythm-settings"),
    path("me/reminders/", rhythm.my_reminders, name="my-reminders"),
]
