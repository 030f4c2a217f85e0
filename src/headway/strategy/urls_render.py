"""Strategy pages (render): the X-Matrix on one page, and its PDF and PNG."""

from __future__ import annotations

from django.urls import URLPattern, path

from headway.strategy.views import render

urlpatterns: list[URLPattern] = [
    path("strategy/xmatrix/<int:matrix_id>/page/", render.page, name="xmatrix-page"),
    path("strategy/xmatrix/<int:matrix_id>/page.pdf", render.pdf, name="xmatrix-pdf"),
    path("strategy/xmatrix/<int:matrix_id>/page.png", render.png, name="xmatrix-png"),
]
