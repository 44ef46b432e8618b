"""Tracking of mailings through the public URLs (docs/communications-tracking.md): the open pixel,
the click redirect and reader feedback, machine opens and clicks, tampering, and what every event
causes (outgoing webhook events, partner engagement)."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from channelops.communications import hooks, links, tracking
from channelops.communications.models import Event, EventKind, Feedback, Recipient
from channelops.communications.views_tracking import PIXEL
from channelops.partners.models import EngagementEvent, EngagementKind
from channelops.webhooks.models import WebhookDelivery
from channelops.webhooks.services import endpoint_create

from .comms_factories import EventFactory, MailingLinkFactory, RecipientFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
GOOGLE_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
APPLE_PROXY = "Mozilla/5.0"


@pytest.fixture
def public():
    """A mail client: no session, no cookies."""
    return Client(HTTP_USER_AGENT=BROWSER)


def _path(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def open_path(r: Recipient) -> str:
    return _path(links.open_url(r.pk))


def click_path(r: Recipient, position: int) -> str:
    return _path(links.click_url(r.pk, position))


def feedback_path(r: Recipient, rating: int) -> str:
    return _path(links.feedback_url(r.pk, rating))


# --- the open pixel ------------------------------------------------------------------------------


def test_the_pixel_records_an_open_and_answers_a_gif_without_cookies_or_caching(public):
    r = RecipientFactory()
    resp = public.get(open_path(r))
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/gif" and resp.content == PIXEL
    assert "no-store" in resp["Cache-Control"]
    assert not resp.cookies
    r.refresh_from_db()
    assert (r.opens, r.machine_open) == (1, False) and r.opened_at is not None
    (event,) = Event.objects.filter(recipient=r)
    assert (event.kind, event.machine, event.mailing_id) == (EventKind.OPEN, False, r.mailing_id)
    first = r.opened_at
    public.get(open_path(r))
    r.refresh_from_db()
    assert r.opens == 2 and r.opened_at == first  # the first open stays; every fetch counts


@pytest.mark.parametrize(
    "token",
    ["nonsense", "", "1-0000000000000000", "zzzzzzzzzzzzzzzzzzzzzz-abc"],
)
def test_a_bad_or_forged_pixel_token_gets_the_same_gif_and_records_nothing(public, token):
    r = RecipientFactory()
    forged = links.recipient_token(r.pk, "recipient")  # a token for another purpose (unsubscribe)
    for t in [token, forged, links.recipient_token(r.pk + 1000, "open")]:
        resp = public.get(f"/newsletter/o/{t}.gif") if t else public.get("/newsletter/o/x.gif")
        assert resp.status_code == 200 and resp.content == PIXEL and not resp.cookies
    assert not Event.objects.exists()
    r.refresh_from_db()
    assert r.opens == 0 and r.opened_at is None


def test_apple_privacy_proxy_opens_are_machine_opens_until_a_person_opens(public):
    r = RecipientFactory()
    Client(HTTP_USER_AGENT=APPLE_PROXY).get(open_path(r))
    r.refresh_from_db()
    assert r.machine_open is True and r.opens == 1
    assert Event.objects.get().machine is True
    assert Event.objects.get().detail["machine_reason"] == "apple-privacy"
    public.get(open_path(r))  # the reader opens it
    r.refresh_from_db()
    assert r.machine_open is False and r.opens == 2
    Client(HTTP_USER_AGENT=APPLE_PROXY).get(open_path(r))  # a later machine fetch changes nothing
    r.refresh_from_db()
    assert r.machine_open is False and r.opens == 3


def test_google_image_proxy_is_a_person_opening_through_a_proxy():
    r = RecipientFactory()
    Client(HTTP_USER_AGENT=GOOGLE_PROXY).get(open_path(r))
    r.refresh_from_db()
    assert r.machine_open is False and Event.objects.get().machine is False


@pytest.mark.parametrize(
    ("agent", "ip", "seconds", "reason"),
    [
        ("", None, 3600, "scanner"),
        ("python-requests/2.31", None, 3600, "scanner"),
        ("Mozilla/5.0 (compatible; Barracuda Sentinel)", None, 3600, "scanner"),
        (BROWSER, "17.58.1.2", 3600, "network"),
        (BROWSER, None, 2, "on-delivery"),
        (BROWSER, None, 3600, ""),
    ],
)
def test_machine_rules(settings, agent, ip, seconds, reason):
    settings.COMMS_MACHINE_NETWORKS = ["17.0.0.0/8"]
    now = timezone.now()
    sent = now - datetime.timedelta(seconds=seconds)
    assert tracking.classify(user_agent=agent, ip=ip, sent_at=sent, now=now) == reason


def test_an_open_seconds_after_the_send_is_a_gateway_scanner(public):
    r = RecipientFactory(sent_at=timezone.now())
    public.get(open_path(r))
    r.refresh_from_db()
    assert r.machine_open is True
    assert Event.objects.get().detail["machine_reason"] == "on-delivery"


# --- clicks --------------------------------------------------------------------------------------


def test_a_click_redirects_to_the_mailings_link_and_counts_as_an_open(public):
    r = RecipientFactory()
    MailingLinkFactory(mailing=r.mailing, position=1, url="https://vendor.example/one")
    link2 = MailingLinkFactory(mailing=r.mailing, position=2, url="https://vendor.example/two?a=1&b=2")
    resp = public.get(click_path(r, 2) + "?next=https://evil.example/")
    assert resp.status_code == 302 and resp["Location"] == "https://vendor.example/two?a=1&b=2"
    assert "no-store" in resp["Cache-Control"] and not resp.cookies
    r.refresh_from_db()
    assert (r.clicks, r.opens, r.machine_open) == (1, 1, False)
    assert r.clicked_at is not None and r.opened_at is not None
    click = Event.objects.get(kind=EventKind.CLICK)
    assert click.link == link2 and not click.machine
    implied = Event.objects.get(kind=EventKind.OPEN)
    assert implied.detail["implied_by"] == "click"
    public.get(click_path(r, 2))  # a second click: no second implied open
    r.refresh_from_db()
    assert (r.clicks, r.opens) == (2, 1)


def _tampered(token: str, what: str, r: Recipient) -> str:
    head, _sep, pos = token.rpartition("-")
    b36, _s, mac = head.partition("-")
    if what == "position":
        return f"{head}-{int(pos) + 1}"
    if what == "recipient":
        other = links.click_token(r.pk + 1, int(pos))
        return f"{other.split('-')[0]}-{mac}-{pos}"
    if what == "mac":
        return f"{b36}-{'0' * 16}-{pos}"
    return token[:-3]


@pytest.mark.parametrize("what", ["position", "recipient", "mac", "truncated"])
def test_a_tampered_click_token_is_refused_without_a_redirect(public, what):
    r = RecipientFactory()
    RecipientFactory(mailing=r.mailing)  # the next id exists: changing the id must still fail
    for p in (1, 2, 3):
        MailingLinkFactory(mailing=r.mailing, position=p)
    token = links.click_token(r.pk, 1)
    resp = public.get(f"/newsletter/c/{_tampered(token, what, r)}/?url=https://evil.example/")
    assert resp.status_code == 400
    assert "Location" not in resp and 'href="https://evil.example' not in resp.content.decode()
    assert "This link does not work" in resp.content.decode()
    assert not Event.objects.exists()


def test_a_signed_click_for_a_link_the_mailing_does_not_have_is_a_404_not_a_redirect(public):
    r = RecipientFactory()
    other = MailingLinkFactory(position=7, url="https://other-mailing.example/")  # another mailing's link 7
    resp = public.get(click_path(r, 7))
    assert resp.status_code == 404 and "Location" not in resp
    assert other.url not in resp.content.decode()
    assert not Event.objects.exists()
    resp = public.get(_path(links.click_url(r.pk + 999, 1)))  # a recipient that does not exist
    assert resp.status_code == 404 and "Location" not in resp


@pytest.mark.parametrize(
    ("method", "agent"),
    [("head", BROWSER), ("get", "Mozilla/5.0 (compatible; Proofpoint URL Defense)")],
)
def test_link_scanners_get_the_redirect_but_count_as_machines(method, agent):
    r = RecipientFactory()
    MailingLinkFactory(mailing=r.mailing, position=1, url="https://vendor.example/one")
    resp = getattr(Client(HTTP_USER_AGENT=agent), method)(click_path(r, 1))
    assert resp.status_code == 302 and resp["Location"] == "https://vendor.example/one"
    r.refresh_from_db()
    assert (r.clicks, r.clicked_at, r.opens) == (0, None, 0)
    (event,) = Event.objects.all()
    assert event.kind == EventKind.CLICK and event.machine is True


# --- feedback ------------------------------------------------------------------------------------


def test_one_click_feedback_is_recorded_and_can_be_changed_and_commented(public):
    r = RecipientFactory(mailing__title="Partner Flash — December")
    resp = public.get(feedback_path(r, 4))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "Partner Flash — December" in body and 'data-rating="4"' in body
    assert r.email not in body
    fb = Feedback.objects.get()
    assert (fb.recipient_id, fb.rating, fb.comment) == (r.pk, 4, "")
    assert Event.objects.filter(kind=EventKind.FEEDBACK).count() == 1
    r.refresh_from_db()
    assert r.opens == 1  # a rating is a click in the e-mail: it implies an open
    public.get(feedback_path(r, 2))  # changed their mind
    fb.refresh_from_db()
    assert fb.rating == 2 and Feedback.objects.count() == 1
    resp = public.post(feedback_path(r, 2), {"comment": "  More product news, please.  "})
    assert resp.status_code == 200 and "your comment is saved" in resp.content.decode()
    fb.refresh_from_db()
    assert (fb.rating, fb.comment) == (2, "More product news, please.")


def test_the_comment_form_works_without_a_session_with_csrf_enforced():
    r = RecipientFactory()
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER)
    resp = browser.get(feedback_path(r, 5))
    token = resp.cookies["csrftoken"].value
    resp = browser.post(feedback_path(r, 5), {"comment": "Great", "csrfmiddlewaretoken": token})
    assert resp.status_code == 200
    assert Feedback.objects.get().comment == "Great"
    forged = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER)
    assert forged.post(feedback_path(r, 1), {"comment": "spam"}).status_code == 403
    assert Feedback.objects.get().rating == 5


def test_a_scanner_fetching_the_feedback_link_records_nothing_and_gets_a_confirm_button():
    r = RecipientFactory()
    scanner = Client(HTTP_USER_AGENT="Mozilla/5.0 (compatible; Mimecast URL scanner)")
    resp = scanner.get(feedback_path(r, 1))
    assert resp.status_code == 200 and "Confirm it with the button" in resp.content.decode()
    assert Client().head(feedback_path(r, 1)).status_code == 200
    assert not Feedback.objects.exists() and not Event.objects.exists()
    # the reader whose gateway pre-fetched the link presses the button
    resp = scanner.post(feedback_path(r, 3))
    assert resp.status_code == 200
    assert Feedback.objects.get().rating == 3


@pytest.mark.parametrize("what", ["rating", "recipient", "bad"])
def test_a_tampered_feedback_link_is_refused(public, what):
    r = RecipientFactory()
    RecipientFactory(mailing=r.mailing)
    token = links.feedback_token(r.pk, 1)
    head = token.rpartition("-")[0]
    mac = head.partition("-")[2]
    tampered = {
        "rating": f"{head}-5",
        "recipient": f"{links.feedback_token(r.pk + 1, 1).split('-')[0]}-{mac}-1",
        "bad": f"{head}-9",
    }[what]
    resp = public.get(f"/newsletter/f/{tampered}/")
    assert resp.status_code == 400
    assert public.post(f"/newsletter/f/{tampered}/", {"comment": "x"}).status_code == 400
    assert not Feedback.objects.exists() and not Event.objects.exists()


def test_a_too_long_comment_is_refused_and_changes_nothing(public):
    r = RecipientFactory()
    public.get(feedback_path(r, 4))
    resp = public.post(feedback_path(r, 4), {"comment": "x" * 2001})
    assert resp.status_code == 400
    assert Feedback.objects.get().comment == ""


def test_feedback_for_a_recipient_that_is_gone_is_a_404(public):
    r = RecipientFactory()
    path = feedback_path(r, 4)
    r.delete()
    assert public.get(path).status_code == 404
    assert not Feedback.objects.exists()


# --- hooks: webhook events and partner engagement ------------------------------------------------


def test_a_click_reaches_a_webhook_endpoint_subscribed_to_mailing_clicked(public, administrator):
    endpoint = endpoint_create(
        url="https://hooks.example/flash", event_kinds=["mailing.clicked"], by=administrator
    )
    r = RecipientFactory(email="reader@partner.example")
    MailingLinkFactory(mailing=r.mailing, position=1, url="https://vendor.example/one")
    seen = []
    with hooks.recipient_event.registered(lambda event: seen.append(event.kind)):
        public.get(click_path(r, 1))
    assert seen == [EventKind.OPEN, EventKind.CLICK]  # the implied open, then the click
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.kind == "mailing.clicked"
    data = delivery.payload["data"]
    assert data["link_url"] == "https://vendor.example/one" and data["link_position"] == 1
    assert data["recipient_email"] == "reader@partner.example"
    assert data["partner_id"] == r.partner_id and data["mailing_id"] == r.mailing_id
    assert data["mailing_title"] == r.mailing.title and data["machine"] is False
    from channelops.core.models import OutboxMessage

    assert OutboxMessage.objects.filter(kind__icontains="webhook").count() == 1


def test_every_kind_of_event_becomes_its_webhook_event(public, administrator):
    kinds = [
        "mailing.opened",
        "mailing.feedback",
        "mailing.unsubscribed",
        "mailing.bounced",
        "mailing.complained",
    ]
    endpoint_create(url="https://hooks.example/all", event_kinds=kinds, by=administrator)
    r = RecipientFactory()
    public.get(open_path(r))
    public.get(feedback_path(r, 5))
    for kind in (EventKind.UNSUBSCRIBE, EventKind.HARD_BOUNCE, EventKind.COMPLAINT, EventKind.DELIVERED):
        hooks.recipient_event.call(event=EventFactory(recipient=r, kind=kind))  # as the other parts do
    got = {d.kind: d.payload["data"] for d in WebhookDelivery.objects.all()}
    assert set(got) == set(kinds)
    assert got["mailing.feedback"]["rating"] == 5
    assert got["mailing.bounced"]["bounce"] == "hard"


def test_people_engage_their_partner_machines_do_not(public):
    r = RecipientFactory()
    MailingLinkFactory(mailing=r.mailing, position=1)
    Client(HTTP_USER_AGENT=APPLE_PROXY).get(open_path(r))
    assert not EngagementEvent.objects.exists()
    public.get(open_path(r))
    public.get(open_path(r))  # only the first open of a mailing counts
    public.get(click_path(r, 1))
    public.get(feedback_path(r, 4))
    public.get(feedback_path(r, 5))  # a changed rating is not a new action
    kinds = sorted(EngagementEvent.objects.filter(partner=r.partner).values_list("kind", flat=True))
    assert kinds == sorted(
        [EngagementKind.NEWSLETTER_OPEN, EngagementKind.NEWSLETTER_CLICK, EngagementKind.NEWSLETTER_CLICK]
    )


def test_a_signup_without_a_partner_engages_nobody(public):
    r = RecipientFactory(partner=None)
    public.get(open_path(r))
    assert not EngagementEvent.objects.exists()
