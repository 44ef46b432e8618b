"""E-mails rendered from templates (text + HTML) and queued through the outbox."""

from __future__ import annotations

from functools import cache
from typing import Any

import css_inline
from django.conf import settings
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.utils import translation


@cache
def _text_engine() -> DjangoTemplates:
    """The project's template engine with HTML autoescaping off, for subjects and text parts.

    A plain-text part is not HTML: "Evil & Co" must arrive as "Evil & Co", not "Evil &amp; Co".
    Same template directories as the main engine; no context processors (e-mails get their
    context explicitly).
    """
    main = settings.TEMPLATES[0]
    return DjangoTemplates(
        {
            "NAME": "channelops-email-text",
            "DIRS": main.get("DIRS", []),
            "APP_DIRS": main.get("APP_DIRS", False),
            "OPTIONS": {"autoescape": False},
        }
    )


def render_email(template: str, context: dict[str, Any], *, language: str = "") -> dict[str, str]:
    """Render ``<template>_subject.txt``, ``<template>.txt`` and ``<template>.html`` in ``language``
    (the recipient's; ``settings.LANGUAGE_CODE`` when not given), never in the language of the page
    that caused the e-mail.

    Returns the subject and the plain-text body rendered without HTML escaping, and e-mail-safe
    HTML (escaped as usual, CSS inlined).
    """
    ctx = {"site_url": settings.SITE_URL, **context}
    text_engine = _text_engine()
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = " ".join(text_engine.get_template(f"{template}_subject.txt").render(ctx).split())
        text = text_engine.get_template(f"{template}.txt").render(ctx)
        html = render_to_string(f"{template}.html", ctx)
    return {"subject": subject, "text": text, "html": css_inline.inline(html)}
