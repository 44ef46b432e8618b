"""Badge pages: ``public_patterns`` (under /badges/, no sign-in), ``portal_patterns`` (under
/portal/badges/), ``console_patterns`` (under /console/)."""

from django.urls import path  # noqa: F401

public_patterns: list = []

portal_patterns: list = []

console_patterns: list = []
