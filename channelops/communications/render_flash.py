"""The Partner Flash edition layout: MJML (``mjml-python``) → responsive e-mail HTML with inlined
CSS (``css-inline``), and a plain-text part.

The result follows the contract of ``render.py`` (``Rendered``): every http(s) link of the content
is ``{{ch:link:N}}``; the greeting, unsubscribe and preferences links, the open pixel and the five
feedback links ("How useful was this edition?") are ``{{ch:…}}`` placeholders filled per recipient
(``links.personalise``). The web view link is the edition's archive address, written as it is
(not tracked; the archive page is public once the edition is sent). The featured image is served
from ``/newsletter/archive/image/<token>/``: a public address with an HMAC of the edition and the
asset, so mail clients can load it without signing in and nobody can guess another asset's.

Every visible word is translated into the edition's language (``mailing.language`` or
``LANGUAGE_CODE``).
"""

from __future__ import annotations

import re
from html import escape, unescape

import css_inline
import mjml
from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from channelops.core.markup import markdown_html

from . import links
from .models import Mailing
from .render import Rendered, html_to_text

_HREF_RE = re.compile(r'href="(https?://[^"]+)"')
ACCENT = "#206bc4"
MUTED = "#556270"  # 5.6:1 on the page background (WCAG AA for the 12 px footer)

_CSS = f"""
.content h2 {{ font-size: 17px; line-height: 1.3; margin: 16px 0 8px; color: #1d273b; }}
.content h3 {{ font-size: 15px; line-height: 1.3; margin: 16px 0 8px; color: #1d273b; }}
.content h4 {{ font-size: 15px; margin: 12px 0 6px; color: #1d273b; }}
.content p {{ margin: 0 0 12px; }}
.content ul, .content ol {{ margin: 0 0 12px; padding-left: 22px; }}
.content li {{ margin: 0 0 6px; }}
.content a {{ color: {ACCENT}; text-decoration: underline; }}
.content blockquote {{ margin: 0 0 12px; padding-left: 12px; border-left: 3px solid #dadfe5; color: {MUTED}; }}
.footer a {{ color: {MUTED}; text-decoration: underline; }}
.rating a {{ color: {ACCENT}; text-decoration: none; font-weight: bold; }}
"""


class _LinkCollector:
    """Numbers each distinct http(s) address of the content (``{{ch:link:N}}``), across sections."""

    def __init__(self) -> None:
        self.positions: dict[str, int] = {}
        self.links: list[tuple[int, str, str]] = []

    def position(self, url: str, label: str = "") -> int:
        if url not in self.positions:
            self.positions[url] = len(self.positions) + 1
            self.links.append((self.positions[url], url, label[:300]))
        return self.positions[url]

    def sub(self, html: str) -> str:
        return _HREF_RE.sub(lambda m: f'href="{{{{ch:link:{self.position(unescape(m.group(1)))}}}}}"', html)


def _neutralise(html: str) -> str:
    """Authors' text cannot carry placeholders (``{{ch:…}}`` typed into a section)."""
    return html.replace("{{", "{\u200b{")


def featured_image_url(mailing: Mailing) -> str:
    if not mailing.featured_image_id:
        return ""
    token = links.make_token("flash-image", mailing.pk, str(mailing.featured_image_id))
    return f"{links.site_url()}{links.PUBLIC_PREFIX}/archive/image/{token}/"


def read_image_token(token: str) -> int | None:
    """The edition id of a featured-image token (bound to the edition's current featured image)."""

    def extra(mailing_id: int) -> str | None:
        asset_id = Mailing.objects.filter(pk=mailing_id).values_list("featured_image_id", flat=True).first()
        return str(asset_id) if asset_id else None

    return links.read_token("flash-image", token, extra=extra)


def web_view_url(mailing: Mailing) -> str:
    from .editions import edition_slug

    slug = mailing.slug or (edition_slug(mailing.month) if mailing.month else "")
    return links.archive_url(slug)


def _section_html(text: str, collector: _LinkCollector) -> str:
    return collector.sub(_neutralise(markdown_html(text or "", heading_offset=1)))


def _text_block(html: str) -> str:
    return (
        f'<mj-text css-class="content" font-size="15px" line-height="1.55" color="#1d273b">{html}</mj-text>'
    )


def render_flash(mailing: Mailing, *, public: bool = False) -> Rendered:
    """Render a Partner Flash edition (``Rendered``: subject, HTML, text, links). ``public``: the
    archive's web view, without the greeting, the feedback links, the personal footer links and the
    open pixel."""
    language = mailing.language or settings.LANGUAGE_CODE
    with translation.override(language):
        return _render(mailing, language, public)


def _render(mailing: Mailing, language: str, public: bool) -> Rendered:
    from .editions import SECTION_KEYS, month_title, section_labels

    collector = _LinkCollector()
    labels = section_labels()
    sections = mailing.sections or {}
    title = month_title(mailing.month, language) if mailing.month else mailing.title
    subject = mailing.subject or title
    web = web_view_url(mailing)
    image = featured_image_url(mailing)
    image_alt = mailing.featured_image.title if mailing.featured_image_id and mailing.featured_image else ""
    body_parts: list[str] = []
    text_parts: list[str] = []
    for key in SECTION_KEYS:
        content = (sections.get(key) or "").strip()
        video = mailing.deal_video_url if key == "deal" else ""
        if not content and not (key == "featured" and image) and not video:
            continue
        heading = escape(str(labels[key]))
        html = _section_html(content, collector)
        blocks = [
            f'<mj-text css-class="content" font-size="20px" font-weight="bold" color="{ACCENT}" '
            f'padding-bottom="4px"><h2 style="margin:0;font-size:20px;line-height:1.3;font-weight:bold;'
            f'color:{ACCENT}">{heading}</h2></mj-text>'
        ]
        lines = [str(labels[key]).upper(), ""]
        if key == "featured" and image:
            blocks.append(f'<mj-image src="{escape(image)}" alt="{escape(image_alt)}" padding="8px 25px" />')
        if html:
            blocks.append(_text_block(html))
            lines.append(html_to_text(html))
        if video:
            n = collector.position(video, str(_("Watch the video")))
            blocks.append(
                f'<mj-button href="{{{{ch:link:{n}}}}}" background-color="{ACCENT}" align="left" '
                f'font-size="15px" border-radius="4px">{escape(str(_("Watch the video")))}</mj-button>'
            )
            lines.append(f"{_('Watch the video')}: {{{{ch:link:{n}}}}}\n")
        body_parts.append(
            '<mj-section background-color="#ffffff" padding="8px 0"><mj-column>'
            + "".join(blocks)
            + "</mj-column></mj-section>"
        )
        text_parts.append("\n".join(lines).strip() + "\n")
    ratings = " · ".join(f'<a href="{{{{ch:feedback_url:{n}}}}}">{n}</a>' for n in range(1, 6))
    question = escape(str(_("How useful was this edition?")))
    scale = escape(str(_("1 = not useful, 5 = very useful")))
    view_online = escape(str(_("View this edition in your browser")))
    why = escape(str(_("You receive the Partner Flash as a partner of our channel program.")))
    unsubscribe = escape(str(_("Unsubscribe")))
    preferences = escape(str(_("Preferences")))
    month_line = escape(formats.date_format(mailing.month, "F Y")) if mailing.month else ""
    if public:
        archive = f"{links.site_url()}{links.PUBLIC_PREFIX}/archive/"
        all_editions = escape(str(_("All editions of the Partner Flash")))
        web_link = f'<a href="{escape(archive)}">{all_editions}</a>'
    else:
        web_link = f'<a href="{escape(web)}">{view_online}</a>' if web else ""
    greeting_block = (
        ""
        if public
        else '<mj-section background-color="#ffffff" padding="12px 0 0"><mj-column>'
        '<mj-text css-class="content" font-size="15px" color="#1d273b">{{ch:greeting}}</mj-text>'
        "</mj-column></mj-section>"
    )
    rating_block = (
        ""
        if public
        else '<mj-section background-color="#ffffff" padding="8px 0 16px"><mj-column>'
        '<mj-divider border-color="#dadfe5" border-width="1px" />'
        f'<mj-text css-class="rating" align="center" font-size="15px" color="#1d273b"><strong>{question}</strong>'
        f"<br /><br />{ratings}<br /><span>{scale}</span></mj-text></mj-column></mj-section>"
    )
    personal_links = (
        ""
        if public
        else '<br /><a href="{{ch:unsubscribe_url}}">'
        + unsubscribe
        + '</a> · <a href="{{ch:preferences_url}}">'
        + preferences
        + "</a>"
    )
    pixel = "" if public else '<mj-raw><img src="{{ch:open_url}}" width="1" height="1" alt="" /></mj-raw>'
    source = f"""<mjml lang="{escape(language)}">
<mj-head>
<mj-title>{escape(subject)}</mj-title>
<mj-preview>{escape(mailing.preheader or "")}</mj-preview>
<mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
<mj-breakpoint width="480px" />
<mj-style>{_CSS}</mj-style>
</mj-head>
<mj-body background-color="#f1f5f9" width="600px">
<mj-section padding="12px 0 0"><mj-column>
<mj-text css-class="footer" align="center" font-size="12px" color="{MUTED}">{web_link}</mj-text>
</mj-column></mj-section>
<mj-section background-color="{ACCENT}" padding="20px 0"><mj-column>
<mj-text font-size="26px" font-weight="bold" color="#ffffff"><h1 style="margin:0;font-size:26px;line-height:1.2;font-weight:bold;color:#ffffff">{escape(str(_("Partner Flash")))}</h1></mj-text>
<mj-text font-size="15px" color="#ffffff" padding-top="0">{month_line}</mj-text>
</mj-column></mj-section>
{greeting_block}
{"".join(body_parts)}
{rating_block}
<mj-section padding="12px 0 24px"><mj-column>
<mj-text css-class="footer" align="center" font-size="12px" line-height="1.5" color="{MUTED}">{why}{personal_links}</mj-text>
{pixel}
</mj-column></mj-section>
</mj-body>
</mjml>"""
    html = mjml.mjml2html(source, disable_comments=True, fonts={})
    html = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False).inline(html)
    text = (
        "{{ch:greeting}}\n\n"
        + f"{_('Partner Flash')} · {month_line}\n"
        + (f"{_('View this edition in your browser')}: {web}\n" if web else "")
        + "\n"
        + "\n".join(text_parts)
        + f"\n{_('How useful was this edition?')} ({_('1 = not useful, 5 = very useful')})\n"
        + "".join(f"{n}: {{{{ch:feedback_url:{n}}}}}\n" for n in range(1, 6))
        + f"\n{_('You receive the Partner Flash as a partner of our channel program.')}\n"
        + f"{_('Unsubscribe')}: {{{{ch:unsubscribe_url}}}}\n{_('Preferences')}: {{{{ch:preferences_url}}}}\n"
    )
    return Rendered(subject=subject, html=html, text=text, links=collector.links)
