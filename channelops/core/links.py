"""Absolute links for e-mails, outbox payloads and mirrors: one place that knows ``SITE_URL``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse


def absolute_url(path_or_name: str, *args: Any) -> str:
    """The absolute URL of a URL name (``"console:work_item", item.pk``) or of a path (``"/portal/"``).

    A path starts with ``/``; a URL that already has a scheme (``https://…``) is returned unchanged.
    """
    if "://" in path_or_name:
        return path_or_name
    path = path_or_name if path_or_name.startswith("/") else reverse(path_or_name, args=args)
    return settings.SITE_URL + path
