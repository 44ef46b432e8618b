"""The public Partner Flash archive: no personal data, no tracking; the portal page and the home link."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from channelops.communications import editions, hooks
from channelops.communications.models import Mailing, MailingStatus

from .assets_helpers import make_asset, png
from .comms_editions_helpers import edition_with_content, marketing, recipients

pytestmark = pytest.mark.django_db


def published_edition(with_image: bool = True) -> Mailing:
    mia = marketing()
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC), tick=False):
        extra = {}
        if with_image:
            extra["featured_image"] = make_asset(
                mia, "Launch banner", kind="logo", data=png(), filename="banner.png"
            )
        edition = edition_with_content(by=mia, **extra)
    recipients(edition, 3, status="sent")
    Mailing.objects.filter(pk=edition.pk).update(
        status=MailingStatus.SENT, sent_at=datetime(2026, 12, 3, 16, tzinfo=UTC)
    )
    edition.refresh_from_db()
    hooks.mailing_sent.call(mailing=edition)
    edition.refresh_from_db()
    return edition


def test_archive_lists_sent_editions_only(client):
    edition = published_edition(with_image=False)
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC), tick=False):
        draft = editions.edition_open(month=date(2027, 1, 1))
    page = client.get("/newsletter/archive/").content.decode()
    assert edition.title in page and draft.title not in page
    assert client.get(f"/newsletter/archive/{edition.slug}/").status_code == 200
    Mailing.objects.filter(pk=draft.pk).update(slug="2027-01-partner-flash")
    assert client.get("/newsletter/archive/2027-01-partner-flash/").status_code == 404


def test_web_view_has_no_personal_data_and_no_tracking(client):
    edition = published_edition()
    r = client.get(reverse("newsletter:archive_edition", args=[edition.slug]))
    assert r.status_code == 200
    body = r.content.decode()
    for i in range(3):
        assert f"reader{i}@partner.test" not in body and f"Reader {i}" not in body
    assert "{{ch:" not in body
    assert "/newsletter/o/" not in body and "/newsletter/c/" not in body
    assert "/newsletter/u/" not in body and "/newsletter/p/" not in body and "/newsletter/f/" not in body
    assert "How useful was this edition?" not in body
    assert "https://docs.vendor.test/launch" in body  # plain addresses
    assert "Big launch" in body
    assert "All editions of the Partner Flash" in body and "/newsletter/archive/" in body
    assert (
        "default-src 'none'" in r["Content-Security-Policy"]
        and "script-src" not in r["Content-Security-Policy"]
    )


def test_featured_image_is_served_by_its_unguessable_address(client):
    edition = published_edition()
    src = edition.html.split("/newsletter/archive/image/")[1].split('"')[0]
    r = client.get(f"/newsletter/archive/image/{src}")
    assert r.status_code == 200 and r["Content-Type"] == "image/png"
    assert b"".join(r.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"
    token = src.rstrip("/")
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert client.get(f"/newsletter/archive/image/{tampered}/").status_code == 404
    other = token.split("-", 1)
    assert client.get(f"/newsletter/archive/image/zz-{other[1]}/").status_code == 404


def test_portal_page_lists_editions_and_home_links_the_archive(client, user_a):
    edition = published_edition(with_image=False)
    client.force_login(user_a)
    page = client.get(reverse("portal:comms_flash")).content.decode()
    assert edition.title in page and reverse("newsletter:archive_edition", args=[edition.slug]) in page
    assert "Your subscription" in page
    assert 'href="/portal/communications/flash/"' in client.get(reverse("portal:dashboard")).content.decode()
    client.logout()
    assert "/newsletter/archive/" in client.get("/").content.decode()
