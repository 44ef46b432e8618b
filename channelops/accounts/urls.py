from django.urls import path

from channelops.core.pages import staff_required

from . import access_views, team_views, views

app_name = "accounts"
urlpatterns = [
    path("invitation/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("settings/", views.settings_view, name="settings"),
    path("language/", views.language_switch, name="language"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
]

# Access requests for privileged permissions, under /console/ (included by channelops/console/urls.py).
console_patterns = [
    path("access/", access_views.access_home, name="access"),
    path("access/request/", access_views.access_request_new, name="access_request"),
    path("access/events.csv", access_views.access_events_export, name="access_events_export"),
    path("access/<int:pk>/", access_views.access_detail, name="access_detail"),
    path("access/<int:pk>/approve/", access_views.access_approve, name="access_approve"),
    path("access/<int:pk>/reject/", access_views.access_reject, name="access_reject"),
    path("access/<int:pk>/revoke/", access_views.access_revoke, name="access_revoke"),
    path("access/<int:pk>/withdraw/", access_views.access_withdraw, name="access_withdraw"),
    path("teams/", team_views.teams, name="staff_teams"),
    path("teams/<int:pk>/", team_views.team_detail, name="staff_team"),
    path("teams/<int:pk>/change/", staff_required(team_views.team_change.view), name="staff_team_change"),
]
