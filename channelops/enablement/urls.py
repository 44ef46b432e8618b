"""Enablement pages: ``portal_patterns`` (under /portal/enablement/), ``console_patterns`` (under /console/)."""

from django.urls import path  # noqa: F401

portal_patterns: list = []

console_patterns: list = []
