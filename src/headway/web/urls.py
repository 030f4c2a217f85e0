from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from headway.web import pickers, views
from headway.web.sign_in import SignInView

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(success_url=reverse_lazy("web:password-change-done")),
        name="password-change",
    ),
    path(
        "account/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password-change-done",
    ),
    path("organization/", views.switch_organization, name="switch-organization"),
    path("assets/vega-embed.js", views.vega_bundle, name="vega-bundle"),
    # One route per kind of picker (a fixed list, not a parameter naming an object).
    *(
        path(f"pick/{kind}/", pickers.suggest, {"kind": kind}, name=f"pick-{kind}")
        for kind in pickers.PICKER_KINDS
    ),
]
