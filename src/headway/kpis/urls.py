from django.urls import path

from headway.kpis import views

app_name = "kpis"

urlpatterns = [
    path("kpis/", views.dashboard, name="dashboard"),
    path("kpis/new/", views.kpi_create, name="kpi-create"),
    path("kpis/<int:kpi_id>/", views.kpi, name="kpi"),
    path("kpis/<int:kpi_id>/edit/", views.kpi_edit, name="kpi-edit"),
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
