from django.contrib import admin
from django.urls import include, path

from headway.api.main import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("headway.okrs.urls")),
    path("", include("headway.kpis.urls")),
    path("", include("headway.strategy.urls")),
    path("", include("headway.orgs.urls")),
    path("", include("headway.web.urls")),
]
