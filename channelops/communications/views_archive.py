"""The public archive of the Partner Flash (/newsletter/archive/…) and the portal's Partner Flash page.

The web view of an edition is rendered for the public: no greeting name, no tracking pixel, no
personal links (the feedback, unsubscribe and preferences links point to the archive instead), the
content's links go to their plain addresses. It shows no personal data by construction: it is built
from the edition's content, never from a recipient row.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from channelops.core.files import private_file_response
from channelops.partners.pages import partner_required

from .links import archive_url, personalise, site_url
from .models import Mailing, MailingKind, Subscriber

ARCHIVE_CSP = (
    "default-src 'none'; img-src 'self' https: data: {site}; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def archive_editions() -> Any:
    return Mailing.objects.archive().filter(kind=MailingKind.FLASH).order_by("-send_on", "-pk")


@require_safe
def archive_list(request: HttpRequest) -> HttpResponse:
    """``/newsletter/archive/``: every sent Partner Flash edition (public)."""
    return render(
        request,
        "communications/archive/list.html",
        {
            "editions": list(
                archive_editions().only("pk", "title", "subject", "slug", "send_on", "sent_at", "month")
            )
        },
    )


def public_values(mailing: Mailing, rendered_links: list[tuple[int, str, str]]) -> dict[str, Any]:
    """Placeholder values for the public web view: generic, untracked, no personal link."""
    archive = f"{site_url()}/newsletter/archive/"
    values: dict[str, Any] = {
        "greeting": _("Hello,"),
        "unsubscribe_url": archive,
        "preferences_url": archive,
        "open_url": "",
        "web_url": archive_url(mailing.slug),
        **{f"feedback_url:{n}": archive for n in range(1, 6)},
    }
    for position, url, _label in rendered_links:
        values[f"link:{position}"] = url
    return values


@require_safe
def archive_edition(request: HttpRequest, slug: str) -> HttpResponse:
    """``/newsletter/archive/<slug>/``: the web view of one sent edition."""
    from django.utils import translation

    from .render_flash import render_flash

    edition = get_object_or_404(archive_editions().select_related("featured_image"), slug=slug)
    rendered = render_flash(edition, public=True)
    with translation.override(edition.language or settings.LANGUAGE_CODE):
        html = personalise(rendered.html, public_values(edition, rendered.links), html=True)
    html = _as_web_page(html)
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = ARCHIVE_CSP.format(site=_site_origin())
    response["Referrer-Policy"] = "no-referrer"
    return response


_BODY_OPEN = re.compile(r"(<body\b[^>]*>)", re.I)


def _as_web_page(html: str) -> str:
    """The e-mail's HTML as a web page: its content in one ``main`` landmark (screen readers)."""
    html = _BODY_OPEN.sub(r"\1<main>", html, count=1)
    head, sep, tail = html.rpartition("</body>")
    return f"{head}</main>{sep}{tail}" if sep else html


@require_safe
def archive_image(request: HttpRequest, token: str) -> HttpResponseBase:
    """``/newsletter/archive/image/<token>/``: an edition's featured image for mail clients (an
    unguessable address per edition and asset; the asset must still be a published image)."""
    from .editions import IMAGE_TYPES
    from .render_flash import read_image_token

    mailing_id = read_image_token(token)
    if mailing_id is None:
        raise Http404(_("No such image."))
    edition = get_object_or_404(
        Mailing.objects.select_related("featured_image__current_version"),
        pk=mailing_id,
        kind=MailingKind.FLASH,
    )
    asset = edition.featured_image
    version = asset.current_version if asset else None
    if (
        asset is None
        or version is None
        or asset.status != "published"
        or version.content_type not in IMAGE_TYPES
    ):
        raise Http404(_("No such image."))
    response = private_file_response(
        version.file, filename=version.filename, content_type=version.content_type, inline=True
    )
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@partner_required
@require_safe
def portal_flash(request: Any) -> HttpResponse:
    """``/portal/communications/flash/``: the Partner Flash editions, and how to manage one's subscription."""
    from .links import preferences_url

    subscriber = Subscriber.objects.filter(user=request.user).only("pk", "email").first()
    return render(
        request,
        "communications/archive/portal.html",
        {
            "editions": list(archive_editions().only("pk", "title", "subject", "slug", "send_on", "month")),
            "preferences_url": preferences_url(subscriber.pk, subscriber.email) if subscriber else "",
            "nav": "comms_flash",
        },
    )


def _site_origin() -> str:
    """``SITE_URL``'s origin: the featured image's address (``https:`` covers it in production)."""
    from .links import site_url

    url = site_url()
    scheme, _sep, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else "'self'"
