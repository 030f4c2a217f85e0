"""Strategy pages (xmatrix): the strategy index and the X-Matrix editor."""

from __future__ import annotations

from django.urls import URLPattern, path

from headway.strategy.views import xmatrix

urlpatterns: list[URLPattern] = [
    path("strategy/", xmatrix.index, name="index"),
    path("strategy/xmatrix/new/", xmatrix.new, name="xmatrix-new"),
    path("strategy/xmatrix/<int:pk>/", xmatrix.editor, name="xmatrix"),
    path(
        "strategy/xmatrix/<int:pk>/lists/<str:kind>/add/",
        xmatrix.add_item,
        name="xmatrix-item-add",
    ),
    path(
        "strategy/xmatrix/<int:pk>/items/<int:item_id>/delete/",
        xmatrix.delete_item,
        name="xmatrix-item-delete",
    ),
    path(
        "strategy/xmatrix/<int:pk>/items/<int:item_id>/edit/",
        xmatrix.edit_item,
        name="xmatrix-item-edit",
    ),
    path(
        "strategy/xmatrix/<int:pk>/items/<int:item_id>/move/",
        xmatrix.move_item,
        name="xmatrix-item-move",
    ),
    path(
        "strategy/xmatrix/<int:pk>/resources/add/",
        xmatrix.add_resource,
        name="xmatrix-resource-add",
    ),
    path(
        "strategy/xmatrix/<int:pk>/resources/<int:resource_id>/delete/",
        xmatrix.remove_resource,
        name="xmatrix-resource-delete",
    ),
    path(
        "strategy/xmatrix/<int:pk>/mark/<int:row_id>/<int:column_id>/",
        xmatrix.mark,
        name="xmatrix-mark",
    ),
    path(
        "strategy/xmatrix/<int:pk>/assign/<int:priority_id>/<int:resource_id>/",
        xmatrix.assign,
        name="xmatrix-assign",
    ),
]
