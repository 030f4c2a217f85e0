from django.urls import include, path

app_name = "strategy"

# One module per area: the X-Matrix editor, its one-page render, the Strategy Canvas.
urlpatterns = [
    path("", include("headway.strategy.urls_xmatrix")),
    path("", include("headway.strategy.urls_render")),
    path("", include("headway.strategy.urls_canvas")),
]
