"""Rendering a mailing once: Markdown content → the e-mail's HTML and plain text with placeholders.

``render_mailing`` returns the subject, the HTML, the text and the links. Every http(s) link of the
content becomes ``{{ch:link:N}}`` (``MailingLink`` position N); the greeting, the unsubscribe and
preferences links, the open pixel, the feedback links and the web view are ``{{ch:…}}``
placeholders too (``links.PLACEHOLDERS``), substituted per recipient by ``links.personalise``.
``render_save`` stores the result on the mailing (and its ``MailingLink`` rows) before a send.

This is the plain renderer every kind can use; the Partner Flash edition layout (MJML, sections,
featured image) is the editions part's (docs/communications-editions.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape, unescape

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from channelops.core.markup import markdown_html

from .models import Mailing, MailingLink

_HREF_RE = re.compile(r'href="(https?://[^"]+)"')


@dataclass
class Rendered:
    subject: str
    html: str
    text: str
    links: list[tuple[int, str, str]] = field(default_factory=list)  # (position, url, label)


def link_placeholders(html: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Replace each distinct http(s) ``href`` by ``{{ch:link:N}}``; returns the HTML and the links."""
    positions: dict[str, int] = {}
    links: list[tuple[int, str, str]] = []

    def repl(m: re.Match[str]) -> str:
        url = unescape(m.group(1))
        if url not in positions:
            positions[url] = len(positions) + 1
            links.append((positions[url], url, ""))
        return f'href="{{{{ch:link:{positions[url]}}}}}"'

    return _HREF_RE.sub(repl, html), links


def html_to_text(html: str) -> str:
    """A readable plain-text part: links as "text (address)", paragraphs kept apart."""
    text = re.sub(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', r"\2 (\1)", html, flags=re.S)
    text = re.sub(r"<li[^>]*>", "- ", text)
    text = re.sub(r"</(p|h[1-6]|li|ul|ol|div|tr)>|<br\s*/?>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = unescape(text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_mailing(mailing: Mailing) -> Rendered:
    """The mailing's body (Markdown, sanitised) in a simple layout with the personal placeholders;
    a Partner Flash edition in its own layout (``render_flash.py``)."""
    if mailing.kind == "flash":
        from .render_flash import render_flash

        return render_flash(mailing)
    body = markdown_html(mailing.body or "\n\n".join(str(v) for v in (mailing.sections or {}).values()))
    body, links = link_placeholders(body)
    subject = mailing.subject or mailing.title
    with translation.override(mailing.language or settings.LANGUAGE_CODE):
        why = escape(
            str(_("You receive this as a partner of our channel program, or because you signed up."))
        )
        unsubscribe, preferences = escape(str(_("Unsubscribe"))), escape(str(_("Preferences")))
        lang = translation.get_language() or settings.LANGUAGE_CODE
    html = (
        f'<!doctype html><html lang="{escape(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(subject)}</title></head><body>"
        f"<p>{{{{ch:greeting}}}}</p>{body}"
        f'<hr><p><small>{why}<br><a href="{{{{ch:unsubscribe_url}}}}">{unsubscribe}</a> · '
        f'<a href="{{{{ch:preferences_url}}}}">{preferences}</a></small></p>'
        '<img src="{{ch:open_url}}" width="1" height="1" alt=""></body></html>'
    )
    text = (
        "{{ch:greeting}}\n\n"
        + html_to_text(body)
        + f"\n--\n{unescape(why)}\n{unescape(unsubscribe)}: {{{{ch:unsubscribe_url}}}}\n"
        + f"{unescape(preferences)}: {{{{ch:preferences_url}}}}\n"
    )
    return Rendered(subject=subject, html=html, text=text, links=links)


@transaction.atomic
def render_save(mailing: Mailing, rendered: Rendered | None = None) -> Mailing:
    """Store the rendered HTML, text and links on the mailing (replacing earlier ones)."""
    r = rendered or render_mailing(mailing)
    Mailing.objects.filter(pk=mailing.pk).update(
        html=r.html, text=r.text, subject=mailing.subject or r.subject, rendered_at=timezone.now()
    )
    MailingLink.objects.filter(mailing=mailing).delete()
    MailingLink.objects.bulk_create(
        [MailingLink(mailing=mailing, position=p, url=u, label=label[:300]) for p, u, label in r.links]
    )
    mailing.refresh_from_db()
    return mailing
