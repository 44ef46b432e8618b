"""The whole Partner Flash cycle across every part of partner communications, against the real SMTP
server: the quarter opens the editions and their work items → an edition is authored in the console
→ test send to the reviewers → scheduled → the minutely job sends it (a suppressed address is never
mailed) → the reader opens it, clicks a link, rates it and unsubscribes with an RFC 8058 one-click
POST without cookies → the report shows it all → the next mailing skips the unsubscribed reader →
on the Friday after, the figures go into the work item and close it → the public archive shows the
edition without personal data."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from channelops.communications.jobs_editions import editions_figures_task, editions_quarter_task
from channelops.communications.models import (
    Event,
    Feedback,
    Mailing,
    MailingStatus,
    Recipient,
    Subscriber,
    Suppression,
)
from channelops.communications.sending import send_due

from .comms_editions_helpers import CONTENT, marketing
from .factories import MembershipFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://partners.vendor.example"


def _path(url: str) -> str:
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == SITE, url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _send_all(deliver) -> None:
    """What the worker and the scheduler do: the minutely job, then the outbox, until the send ends."""
    for _ in range(5):
        send_due()
        deliver()
        if not Mailing.objects.filter(status=MailingStatus.SENDING).exists():
            return
    raise AssertionError("the send did not finish")


def test_partner_flash_full_cycle(client, smtp_server, deliver, settings):
    settings.SITE_URL = SITE
    settings.COMMS_SEND_CONCURRENCY = 1
    settings.COMMS_SMTP_URL = ""
    settings.COMMS_FROM_EMAIL = "Partner Flash <flash@vendor.example>"
    settings.COMMS_REVIEWERS = ["reviewers@vendor.example"]
    mia = marketing()
    partner = PartnerFactory(country="GB")
    ana = UserFactory(email="ana@partner-a.example", full_name="Ana Reader", language="en")
    MembershipFactory(user=ana, partner=partner)
    ben = UserFactory(email="ben@partner-a.example", full_name="Ben Reader", language="en")
    MembershipFactory(user=ben, partner=partner)
    gone = UserFactory(email="gone@partner-a.example", full_name="Gone Reader", language="en")
    MembershipFactory(user=gone, partner=partner)
    Suppression.objects.create(email=gone.email, reason="hard_bounce", detail="550 5.1.1")
    Subscriber.objects.create(
        email="signup@reader.example", name="Sam Signup", status="subscribed", source="signup"
    )

    # The quarter opens the editions (FY from February: November – January) with their work items.
    with time_machine.travel(datetime(2026, 11, 1, 12, 0, tzinfo=UTC), tick=False):
        editions_quarter_task.call()
    edition = Mailing.objects.get(kind="flash", month=date(2026, 12, 1))
    assert edition.work_item is not None and edition.send_on == date(2026, 12, 3)

    with time_machine.travel(datetime(2026, 11, 20, 15, 0, tzinfo=UTC), tick=False):
        # Authored in the console.
        client.force_login(mia)
        r = client.post(reverse("console:comms_edition", args=[edition.pk]), CONTENT)
        assert r.status_code == 302, r.content.decode()[:2000]
        # Test send to the reviewers (the setting and one more address).
        r = client.post(
            reverse("console:comms_edition_test_send", args=[edition.pk]),
            {"addresses": "extra@vendor.example"},
        )
        assert r.status_code == 302
        deliver()
        tests = smtp_server.box.messages[:]
        assert {m["To"] for m in tests} >= {"reviewers@vendor.example", "extra@vendor.example"}
        assert all(m["Subject"].startswith("[Test]") for m in tests)
        smtp_server.box.clear()
        # Scheduled.
        r = client.post(reverse("console:comms_edition_schedule", args=[edition.pk]))
        assert r.status_code == 302
    edition.refresh_from_db()
    assert edition.status == MailingStatus.SCHEDULED
    assert edition.send_at == datetime(2026, 12, 3, 16, 0, tzinfo=UTC)  # 09:00 in Denver

    # Nothing goes before its time; at its time the minutely job sends it.
    with time_machine.travel(datetime(2026, 12, 3, 15, 59, tzinfo=UTC), tick=False):
        send_due()
        deliver()
    assert not smtp_server.box.messages
    with time_machine.travel(datetime(2026, 12, 3, 16, 0, 30, tzinfo=UTC), tick=False):
        _send_all(deliver)
    edition.refresh_from_db()
    assert edition.status == MailingStatus.SENT
    received = smtp_server.box.messages[:]
    to = sorted(m["To"] for m in received)
    assert len(to) == 3 and not smtp_server.box.to(gone.email)  # the suppressed address: never
    assert any(ana.email in t for t in to) and any("signup@reader.example" in t for t in to)
    assert len({m["Message-ID"] for m in received}) == 3
    (mail,) = smtp_server.box.to(ana.email)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = smtp_server.box.html(mail)
    assert "Ana" in html and "{{ch:" not in html and "{{ch:" not in smtp_server.box.text(mail)
    unsubscribe = re.search(r"<(https://[^>]+)>", mail["List-Unsubscribe"]).group(1)
    pixel = re.search(r'src="(https://[^"]+/newsletter/o/[^"]+)"', html).group(1)
    clicks = re.findall(r'href="(https://[^"]+/newsletter/c/[^"]+)"', html)
    rate5 = next(
        u for u in re.findall(r'href="(https://[^"]+/newsletter/f/[^"]+)"', html) if u.endswith("-5/")
    )
    assert clicks

    # The reader, in a mail client: no session, no cookies, no CSRF token.
    reader = Client(enforce_csrf_checks=True)
    ua = {"HTTP_USER_AGENT": "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0"}
    with time_machine.travel(datetime(2026, 12, 3, 18, 0, tzinfo=UTC), tick=False):
        r = reader.get(_path(pixel), **ua)
        assert r.status_code == 200 and r["Content-Type"] == "image/gif"
        r = reader.get(_path(clicks[0]), **ua)
        assert r.status_code == 302 and r["Location"].startswith("https://")
        r = reader.get(_path(rate5), **ua)
        assert r.status_code == 200
        r = reader.post(_path(unsubscribe), {"List-Unsubscribe": "One-Click"}, **ua)
        assert r.status_code == 200
        assert not reader.cookies.get("sessionid")
    rec = Recipient.objects.get(mailing=edition, email=ana.email)
    assert rec.opened_at and rec.opens >= 1 and rec.clicked_at and rec.clicks == 1
    assert Feedback.objects.get(recipient=rec).rating == 5
    assert Event.objects.filter(recipient=rec, kind="unsubscribe").exists()
    assert Suppression.objects.filter(email=ana.email).exists() or (
        Subscriber.objects.get(email=ana.email).status == "unsubscribed"
    )

    # The report shows it (and the over-time page charts it).
    client.force_login(mia)
    r = client.get(reverse("console:comms_mailing_report", args=[edition.pk]))
    assert r.status_code == 200
    page = r.content.decode()
    assert "Partner Flash" in page
    assert client.get(reverse("console:comms_metrics")).status_code == 200

    # The next mailing skips the unsubscribed reader.
    smtp_server.box.clear()
    with time_machine.travel(datetime(2026, 12, 10, 15, 0, tzinfo=UTC), tick=False):
        special = Mailing.objects.create(
            kind="special",
            topic="flash",
            title="Survey",
            subject="Tell us what you think",
            body="Take the [survey](https://survey.vendor.example/).",
            status=MailingStatus.SCHEDULED,
            send_at=datetime(2026, 12, 10, 15, 0, tzinfo=UTC),
            audience={"signups": True},
        )
        _send_all(deliver)
    special.refresh_from_db()
    assert special.status == MailingStatus.SENT
    assert not smtp_server.box.to(ana.email) and smtp_server.box.to(ben.email)

    # On the Friday after the send, the figures go into the work item, which is closed.
    with time_machine.travel(datetime(2026, 12, 4, 18, 0, tzinfo=UTC), tick=False):
        editions_figures_task.call()
    edition.refresh_from_db()
    assert edition.figures_recorded_at is not None
    assert not edition.work_item.is_open

    # The public archive: the edition, without anyone's name or address.
    anonymous = Client()
    r = anonymous.get(reverse("newsletter:archive"))
    assert r.status_code == 200 and edition.slug and edition.slug in r.content.decode()
    r = anonymous.get(reverse("newsletter:archive_edition", args=[edition.slug]))
    assert r.status_code == 200
    page = r.content.decode()
    for personal in (
        ana.email,
        "Ana",
        ben.email,
        "signup@reader.example",
        "/newsletter/u/",
        "/newsletter/o/",
    ):
        assert personal not in page
