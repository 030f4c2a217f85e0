from django.urls import path

from headway.kpis import views
from headway.kpis.views import alerts as alert_views
from headway.kpis.views import data_in
from headway.kpis.views import okrs as okr_views
from headway.kpis.views import xmr as xmr_views

app_name = "kpis"

urlpatterns = [
    path("kpis/", views.dashboard, name="dashboard"),
    path("kpis/new/", views.kpi_create, name="kpi-create"),
    path("kpis/alerts/", alert_views.channels, name="alert-channels"),
    path("kpis/alerts/new/", alert_views.channel_create, name="alert-channel-new"),
    path("kpis/alerts/<int:channel_id>/", alert_views.channel_edit, name="alert-channel"),
    path(
        "kpis/alerts/<int:channel_id>/toggle/",
        alert_views.channel_toggle,
        name="alert-channel-toggle",
    ),
    path("kpis/alerts/<int:channel_id>/test/", alert_views.channel_test, name="alert-channel-test"),
    path(
        "kpis/alerts/<int:channel_id>/secret/",
        alert_views.channel_secret,
        name="alert-channel-secret",
    ),
    path(
        "kpis/alerts/<int:channel_id>/delete/",
        alert_views.channel_delete,
        name="alert-channel-delete",
    ),
    path("kpis/import/", data_in.import_values, name="import"),
    path("kpis/<int:kpi_id>/", views.kpi, name="kpi"),
    path("kpis/<int:kpi_id>/import/", data_in.import_kpi_values, name="import-kpi"),
    path("kpis/<int:kpi_id>/sources/new/", data_in.source_create, name="source-create"),
    path(
        "kpis/<int:kpi_id>/sources/<int:source_id>/",
        data_in.source_edit,
        name="source-edit",
    ),
    path(
        "kpis/<int:kpi_id>/sources/<int:source_id>/run/",
        data_in.source_run,
        name="source-run",
    ),
    path(
        "kpis/<int:kpi_id>/sources/<int:source_id>/delete/",
        data_in.source_delete,
        name="source-delete",
    ),
    path("kpis/<int:kpi_id>/edit/", views.kpi_edit, name="kpi-edit"),
    path("kpis/<int:kpi_id>/key-result/", okr_views.make_key_result, name="make-key-result"),
    path("kpis/<int:kpi_id>/objective/", okr_views.propose_objective, name="propose-objective"),
    path("kpis/<int:kpi_id>/xmr/baselines/", xmr_views.rebaseline, name="xmr-rebaseline"),
    path(
        "kpis/<int:kpi_id>/xmr/baselines/<int:baseline_id>/delete/",
        xmr_views.rebaseline_undo,
        name="xmr-rebaseline-undo",
    ),
    path("kpis/<int:kpi_id>/measurements/", views.measurement_add, name="measurement-add"),
    path(
        "kpis/<int:kpi_id>/measurements/<int:measurement_id>/",
        views.measurement_edit,
        name="measurement-edit",
    ),
    path(
        "kpis/<int:kpi_id>/measurements/<int:measurement_id>/delete/",
        views.measurement_delete,
        name="measurement-delete",
    ),
    path("kpis/<int:kpi_id>/benchmarks/", views.benchmark_add, name="benchmark-add"),
    path(
        "kpis/<int:kpi_id>/benchmarks/<int:benchmark_id>/delete/",
        views.benchmark_delete,
        name="benchmark-delete",
    ),
]
