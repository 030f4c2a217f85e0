from django.urls import path

from headway.orgs import token_views, views

app_name = "orgs"

urlpatterns = [
    path("teams/", views.teams, name="teams"),
    path("teams/<int:team_id>/", views.team, name="team"),
    path("people/", views.people, name="people"),
    path("people/<int:membership_id>/", views.person, name="person"),
    path("account/tokens/", token_views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", token_views.revoke, name="token-revoke"),
]
