"""E-mails rendered from templates (text + HTML) and queued through the outbox."""

from __future__ import annotations

from typing import Any

import css_inline
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation


def render_email(template: str, context: dict[str, Any]) -> dict[str, str]:
    """Render ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html``.

    Returns the subject, the plain-text body and e-mail-safe HTML (CSS inlined).
    """
    ctx = {"site_url": settings.SITE_URL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"{template}_subject.txt", ctx).split())
        text = render_to_string(f"{template}.txt", ctx)
        html = render_to_string(f"{template}.html", ctx)
    return {"subject": subject, "text": text, "html": css_inline.inline(html)}
