"""Plain-text parts and subjects of e-mails are not HTML: "Evil & Co" arrives as "Evil & Co".

Every e-mail template in the product is rendered through `render_email` (what the outbox sends)
with every value in its context a name full of characters HTML escaping would change; one
journey checks the e-mail that arrives at the SMTP server.
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template

from channelops.core.emails import render_email

NASTY = 'Evil & Co\'s <Lab> "R&D"'
ESCAPED = ("&amp;", "&#x27;", "&#39;", "&lt;", "&gt;", "&quot;")


class Anything(str):
    """A template value that answers every lookup (``partner.legal_name``, ``items.0``,
    ``for x in xs``) with itself, and prints as a name full of HTML-special characters."""

    #: names that must be a date (``x.due|date``) or a number (``{% blocktrans count n=x.days %}``)
    special: dict[str, object] = {}

    def __new__(cls) -> Anything:
        return super().__new__(cls, NASTY)

    def _child(self, name: object) -> object:
        return self.special.get(str(name), type(self)())

    def __getitem__(self, key):  # type: ignore[override]
        return self._child(key)

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._child(name)

    def __iter__(self):  # type: ignore[override]
        return iter([type(self)()])

    def __len__(self) -> int:
        return 1

    def __index__(self) -> int:  # a count in {% blocktrans count %} / "%d"
        return 1


_TAG = re.compile(r"{{(.*?)}}|{%(.*?)%}", re.S)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'")
_NAME = re.compile(r"(?<![.\w])([A-Za-z_]\w*)")


_DATED = re.compile(r"(\w+)\|date")
_PAIRS = re.compile(r"for \w+\s*,\s*\w+ in [\w.]*?(\w+)")
_COUNTED = re.compile(r"count \w+=[\w.]*?(\w+)(?:\|\w+)?\s")


def _context_for(template: str) -> dict[str, object]:
    """Every name the template's tags mention, each an `Anything` (extra names are harmless);
    names formatted as dates are a date, names counted by blocktrans are a number, names looped
    over in pairs are a list of one pair."""
    names: set[str] = set()
    special: dict[str, object] = {}
    pairs: set[str] = set()
    for suffix in ("_subject.txt", ".txt", ".html"):
        source = get_template(f"{template}{suffix}").template.source
        for match in _TAG.finditer(source):
            inside = _QUOTED.sub("", match.group(1) or match.group(2))
            names.update(_NAME.findall(inside))
            special.update(
                dict.fromkeys(_DATED.findall(inside), dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC))
            )
            special.update(dict.fromkeys(_COUNTED.findall(inside + " "), 2))
            pairs.update(_PAIRS.findall(inside))
    value = type("AnythingHere", (Anything,), {"special": special})
    for source_name in list(pairs):
        special[source_name] = [(value(), value())]
    return {name: special.get(name, value()) for name in names - {"True", "False", "None", "site_url"}}


def _email_templates() -> list[str]:
    """Every ``<app>/email/<name>`` whose ``_subject.txt``, ``.txt`` and ``.html`` exist."""
    roots = [Path(settings.BASE_DIR) / "channelops"]
    found = set()
    for root in roots:
        for subject in root.rglob("templates/*/email/*_subject.txt"):
            base = subject.with_name(subject.name.removesuffix("_subject.txt"))
            rel = base.relative_to(base.parents[2])  # <app>/email/<name>
            found.add(str(rel))
    return sorted(found)


EMAIL_TEMPLATES = _email_templates()


def test_the_product_has_e_mail_templates_to_check():
    # Guards the parametrisation below against finding nothing (a moved folder).
    assert len(EMAIL_TEMPLATES) >= 40
    assert "licensing/email/license" in EMAIL_TEMPLATES


@pytest.mark.parametrize("template", EMAIL_TEMPLATES)
def test_subject_and_text_part_show_names_as_written_and_html_part_escapes_them(template):
    rendered = render_email(template, _context_for(template))
    assert NASTY in rendered["subject"] or NASTY in rendered["text"], rendered
    for part in ("subject", "text"):
        for entity in ESCAPED:
            assert entity not in rendered[part], f"{template} {part}: {rendered[part]!r}"
    if NASTY in rendered["text"]:
        # The HTML part keeps its escaping: the name is text there, never markup.
        assert "&lt;Lab&gt;" in rendered["html"]
        assert "lab" not in _tags(rendered["html"])


def _tags(html: str) -> set[str]:
    class Tags(HTMLParser):
        found: set[str] = set()

        def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
            self.found.add(tag)

    parser = Tags()
    parser.found = set()
    parser.feed(html)
    return parser.found


@pytest.mark.django_db
def test_a_company_called_evil_and_co_gets_its_name_as_written_in_the_arriving_e_mail(
    client, smtp_server, deliver
):
    from django.core.cache import cache

    cache.clear()  # the registration rate limit counts per address in the cache
    resp = client.post(
        "/register/",
        {
            "company_name": "Evil & Co's <Lab>",
            "website": "https://evil.example",
            "country": "DE",
            "region": "EMEA",
            "programs": ["reseller"],
            "first_name": "Eve",
            "last_name": "O'Neil",
            "email": "eve@evil.example",
            "agree": "on",
        },
    )
    assert resp.status_code == 302
    deliver()
    (mail,) = smtp_server.box.to("eve@evil.example")
    assert "Evil & Co's <Lab>" in mail["Subject"]
    text = smtp_server.box.text(mail)
    assert "O'Neil" in text or "Evil & Co's <Lab>" in text
    for entity in ESCAPED:
        assert entity not in mail["Subject"] and entity not in text
