"""The template lint of the i18n check (tests/test_i18n_catalog.py): text a person reads that is not
inside ``{% translate %}``/``{% blocktranslate %}``.

A template's source is reduced to a skeleton: every ``{{ variable }}`` and ``{% tag %}`` becomes a
placeholder, the whole of a translate tag or block too. HTML templates are then parsed: text nodes
and the attributes people read (``title``, ``aria-label``, ``placeholder``, ``alt``,
``data-confirm``, ``value`` of buttons) must hold no word left after removing placeholders,
punctuation and the allowed names below. Text templates (e-mail subjects and bodies) are text
throughout.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from django.template.base import Lexer, TokenType

PLACEHOLDER = " \x00 "
#: Words that are the same in every language: names, formats, units.
ALLOWED_WORDS = {
    "channelops",
    "CSV",
    "XLSX",
    "JSON",
    "API",
    "REST",
    "ID",
    "URL",
    "NFR",
    "CRM",
    "MDF",
    "OK",
    "TOTP",
    "E.164",
    "ISO",
    "UTC",
    "PDF",
    "SSO",
    "GitLab",
    "htmx",
    "Open",
    "Badges",
    "Open Badges",
}
#: Templates with no text of their own whose markup the lint cannot read, with the reason.
ALLOWED_FILES = {
    "templates/allauth/elements/button.html": "its tag name is chosen by a template tag; the text is a slot",
    "templates/layouts/app.html": "the body_class block holds a CSS class, not text",
}
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-confirm", "aria-description"}
SKIP_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "svg"}
_OPEN = re.compile(r"^(blocktrans|blocktranslate)\b")
_CLOSE = re.compile(r"^(endblocktrans|endblocktranslate)\b")
_COMMENT_OPEN = re.compile(r"^comment\b")
_COMMENT_CLOSE = re.compile(r"^endcomment\b")


def skeleton(source: str) -> str:
    out: list[str] = []
    depth = 0
    comment = 0
    for token in Lexer(source).tokenize():
        content = token.contents.strip()
        if token.token_type == TokenType.BLOCK:
            if _COMMENT_OPEN.match(content):
                comment += 1
            elif _COMMENT_CLOSE.match(content):
                comment -= 1
            elif _OPEN.match(content):
                depth += 1
            elif _CLOSE.match(content):
                depth -= 1
            out.append(PLACEHOLDER)
        elif token.token_type == TokenType.TEXT and not depth and not comment:
            out.append(token.contents)
        elif token.token_type in (TokenType.VAR,):
            out.append(PLACEHOLDER)
    return "".join(out)


def words(text: str) -> str:
    """What is left of ``text`` that needs a translation ("" when nothing)."""
    text = text.replace(PLACEHOLDER.strip(), " ")
    text = re.sub(r"&[a-zA-Z]+;|&#\d+;", " ", text)
    for w in sorted(ALLOWED_WORDS, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(w)}(?![\w-])", " ", text)
    text = re.sub(r"https?://\S+|\S+@\S+", " ", text)
    left = " ".join(text.split())
    return left if re.search(r"[A-Za-zÄÖÜäöüß]{2,}", left) else ""


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag in SKIP_ELEMENTS:
            self.skip += 1
        for name, value in attrs:
            if value and name in READ_ATTRIBUTES and words(value):
                self.found.append(f'{name}="{value.strip()}"')

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag in SKIP_ELEMENTS and self.skip:
            self.skip -= 1

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if not self.skip and words(data):
            self.found.append(" ".join(data.replace(PLACEHOLDER.strip(), "…").split()))


def unmarked(path: Path) -> list[str]:
    """The texts of one template that are not marked for translation."""
    source = path.read_text(encoding="utf-8")
    skel = skeleton(source)
    if path.suffix == ".txt":
        return [" ".join(p.split()) for p in skel.split(PLACEHOLDER.strip()) if words(p)]
    collector = _Collector()
    # A tag whose name a template tag chooses (<{% if link %}a{% else %}span{% endif %} …>).
    skel = re.sub(r"<\s*\x00\s*(\w+)(\s*\x00\s*\w+)*\s*\x00", r"<\1 ", skel)
    collector.feed(skel)
    collector.close()
    return collector.found
