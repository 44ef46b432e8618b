from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("invitation/<str:token>/", views.invitation_accept_view, name="invitation_accept"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
]
