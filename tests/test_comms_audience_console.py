"""The console's audience pages: subscribers (filters by status, source, topic and partner; search;
a constant number of queries as the list grows), a subscriber's consents, suppression and mailings,
and the suppression list (add with a reason, remove with a reason, a bounce removal warns)."""

from __future__ import annotations

import pytest

from channelops.communications.models import (
    Consent,
    RecipientStatus,
    SubscriberSource,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
)

from .comms_audience_helpers import mailing, recipient, subscriber
from .factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketing(db):
    return StaffFactory(email="marketing@vendor.test", roles=["channel_marketing"])


def _rows(page: str, *emails: str) -> list[str]:
    return [e for e in emails if e in page]


def test_the_subscriber_list_filters_and_searches(login, marketing, partner_a):
    subscriber("flash.only@example.test", topics=["flash"])
    subscriber("every.topic@example.test", topics=[])
    subscriber("pending@example.test", status=SubscriberStatus.PENDING, topics=["webcasts"])
    subscriber("portal@a.test", source=SubscriberSource.PORTAL, partner=partner_a, topics=["webcasts"])
    client = login(marketing)
    every = ("flash.only@example.test", "every.topic@example.test", "pending@example.test", "portal@a.test")

    def listed(query: str) -> list[str]:
        resp = client.get(f"/console/communications/subscribers/{query}")
        assert resp.status_code == 200
        return _rows(resp.content.decode(), *every)

    assert listed("") == list(every)
    assert listed("?status=pending") == ["pending@example.test"]
    assert listed("?source=portal") == ["portal@a.test"]
    assert listed("?topic=flash") == ["flash.only@example.test", "every.topic@example.test"]
    assert listed("?topic=webcasts") == ["every.topic@example.test", "pending@example.test", "portal@a.test"]
    assert listed(f"?partner={partner_a.pk}") == ["portal@a.test"]
    assert listed("?q=FLASH") == ["flash.only@example.test"]


def test_the_subscriber_list_takes_the_same_queries_as_it_grows(
    login, marketing, partner_a, django_assert_max_num_queries
):
    client = login(marketing)
    for i in range(3):
        subscriber(f"s{i}@example.test", partner=partner_a)
    client.get("/console/communications/subscribers/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get("/console/communications/subscribers/?topic=flash")
    for i in range(3, 30):
        subscriber(f"s{i}@example.test", partner=partner_a, topics=["flash"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        resp = client.get("/console/communications/subscribers/?topic=flash")
    assert "s29@example.test" in resp.content.decode() or "s3@example.test" in resp.content.decode()


def test_the_subscriber_page_shows_consents_suppression_and_mailings(login, marketing):
    sub = subscriber("reader@example.test")
    Consent.objects.create(
        subscriber=sub, action="signup", method="form", ip_address="198.51.100.7", text="I agree"
    )
    Suppression.objects.create(
        email=sub.email, reason=SuppressionReason.HARD_BOUNCE, detail="550 unknown user"
    )
    m = mailing(title="November Partner Flash")
    recipient(sub, m=m, status=RecipientStatus.BOUNCED)
    page = login(marketing).get(f"/console/communications/subscribers/{sub.pk}/").content.decode()
    for text in (
        "198.51.100.7",
        "Hard bounce",
        "550 unknown user",
        "November Partner Flash",
        "Bounced",
        "Signed up",
    ):
        assert text in page, text


def test_staff_without_the_permission_are_refused(login):
    hr = StaffFactory(email="legal@vendor.test", roles=["legal"])
    client = login(hr)
    assert client.get("/console/communications/subscribers/").status_code == 403
    assert client.get("/console/communications/suppression/").status_code == 403
    cam = StaffFactory(email="cam2@vendor.test", roles=["cam"])  # may read, not change
    client = login(cam)
    assert client.get("/console/communications/suppression/").status_code == 200
    assert client.get("/console/communications/suppression/add/").status_code == 403
    s = Suppression.objects.create(email="x@example.test", reason=SuppressionReason.MANUAL)
    assert client.post(f"/console/communications/suppression/{s.pk}/remove/", {"why": "x"}).status_code == 403
    assert Suppression.objects.filter(pk=s.pk).exists()


def test_the_console_nav_shows_subscribers_to_those_who_may_see_them(login, marketing):
    page = login(marketing).get("/console/communications/subscribers/").content.decode()
    assert 'href="/console/communications/subscribers/"' in page


def test_adding_and_removing_an_address_with_a_reason(login, marketing):
    sub = subscriber("reader@example.test")
    client = login(marketing)
    assert client.get("/console/communications/suppression/add/").status_code == 200
    resp = client.post(
        "/console/communications/suppression/add/",
        {"email": "Reader@Example.test", "reason": "manual", "detail": "asked by phone"},
    )
    assert resp.status_code == 302
    s = Suppression.objects.get()
    assert (s.email, s.reason, s.by_id) == ("reader@example.test", "manual", marketing.pk)
    again = client.post(
        "/console/communications/suppression/add/", {"email": "reader@example.test", "reason": "manual"}
    )
    assert again.status_code == 400 and "already on the suppression list" in again.content.decode()
    page = client.get("/console/communications/suppression/").content.decode()
    assert "reader@example.test" in page and f"/console/communications/suppression/{s.pk}/remove/" in page

    resp = client.post(f"/console/communications/suppression/{s.pk}/remove/", {"why": ""})
    assert resp.status_code == 400 and Suppression.objects.exists()
    resp = client.post(
        f"/console/communications/suppression/{s.pk}/remove/", {"why": "the person called back"}
    )
    assert resp.status_code == 302 and not Suppression.objects.exists()
    texts = list(Consent.objects.filter(subscriber=sub).order_by("id").values_list("method", "text"))
    assert texts[0][0] == "staff" and "asked by phone" in texts[0][1]
    assert "the person called back" in texts[1][1]


def test_removing_a_hard_bounce_warns_and_needs_a_confirmation(login, marketing):
    s = Suppression.objects.create(email="gone@example.test", reason=SuppressionReason.HARD_BOUNCE)
    client = login(marketing)
    page = client.get(f"/console/communications/suppression/{s.pk}/remove/").content.decode()
    assert "bounced or complained" in page
    resp = client.post(f"/console/communications/suppression/{s.pk}/remove/", {"why": "fixed"})
    assert resp.status_code == 400 and "Tick the box" in resp.content.decode()
    assert Suppression.objects.exists()
    resp = client.post(
        f"/console/communications/suppression/{s.pk}/remove/", {"why": "fixed", "confirm_bounce": "on"}
    )
    assert resp.status_code == 302 and not Suppression.objects.exists()


def test_the_unsubscribed_reason_cannot_be_added_by_staff(login, marketing):
    resp = login(marketing).post(
        "/console/communications/suppression/add/", {"email": "x@example.test", "reason": "unsubscribed"}
    )
    assert resp.status_code == 400 and not Suppression.objects.exists()
