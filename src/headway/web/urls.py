from django.contrib.auth import views as auth_views
from django.urls import path

from headway.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("sign-in/", auth_views.LoginView.as_view(), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("organization/", views.switch_organization, name="switch-organization"),
]
