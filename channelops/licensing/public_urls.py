"""Public license URLs, mounted at ``/licenses/`` (no sign-in)."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("keys.json", public_views.license_keys, name="license_keys"),
    path("revoked.json", public_views.license_revocations, name="license_revocations"),
]
