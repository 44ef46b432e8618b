"""The audience of partner communications through its pages and the e-mails received: sign-up with
double opt-in and the welcome e-mail, the honeypot and the rate limit, no enumeration, preferences
(public signed link and portal), unsubscribe (page, RFC 8058 one-click POST without cookies, mailto),
re-subscribing after an unsubscribe, and the signed links refusing another address."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from channelops.communications import hooks, links
from channelops.communications.models import (
    ALL_TOPICS,
    Consent,
    ConsentAction,
    ConsentMethod,
    Event,
    EventKind,
    Subscriber,
    SubscriberSource,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
    Topic,
)

from .comms_audience_helpers import link_in, mailing, recipient, subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def _signup(client, email="new.reader@example.test", **extra):
    data = {
        "email": email,
        "name": "New Reader",
        "company": "Reader Ltd",
        "language": "en",
        "topics": ["flash", "webcasts"],
        "consent": "on",
        "website": "",
    }
    data.update(extra)
    return client.post(
        "/newsletter/signup/", data, HTTP_USER_AGENT="TestBrowser/1.0", REMOTE_ADDR="198.51.100.7"
    )


# --- sign-up and double opt-in ------------------------------------------------------------------------


def test_signup_confirm_and_welcome_through_the_pages_and_the_emails(client, smtp_server, deliver):
    page = client.get("/newsletter/signup/")
    assert page.status_code == 200 and "I agree to receive the Partner Flash" in page.content.decode()

    resp = _signup(client)
    assert resp.status_code == 302 and resp["Location"] == "/newsletter/signup/sent/"
    sub = Subscriber.objects.get(email="new.reader@example.test")
    assert (sub.status, sub.source, sub.topics, sub.company) == (
        "pending",
        "signup",
        ["flash", "webcasts"],
        "Reader Ltd",
    )
    signup = Consent.objects.get(subscriber=sub)
    assert (signup.action, signup.method, signup.ip_address, signup.user_agent) == (
        "signup",
        "form",
        "198.51.100.7",
        "TestBrowser/1.0",
    )
    assert signup.text.startswith("I agree to receive the Partner Flash") and signup.topics == [
        "flash",
        "webcasts",
    ]
    assert client.get("/newsletter/signup/sent/").status_code == 200

    deliver()
    (confirm_mail,) = smtp_server.box.to("new.reader@example.test")
    assert "Confirm your Partner Flash subscription" in confirm_mail["Subject"]
    confirm_path = link_in(smtp_server.box.text(confirm_mail), "/newsletter/confirm/")
    smtp_server.box.clear()

    page = Client().get(confirm_path, REMOTE_ADDR="198.51.100.8")
    assert page.status_code == 200 and "n***@example.test" in page.content.decode()
    sub.refresh_from_db()
    assert sub.status == "subscribed" and sub.confirmed_at is not None
    confirm = Consent.objects.get(subscriber=sub, action=ConsentAction.CONFIRM)
    assert (confirm.method, confirm.ip_address) == ("email_link", "198.51.100.8")

    deliver()
    (welcome,) = smtp_server.box.to("new.reader@example.test")
    assert "Welcome to the Partner Flash" in welcome["Subject"]
    body = smtp_server.box.text(welcome)
    assert "Partner webcast invitations" in body and "Surveys" not in body
    prefs = link_in(body, "/newsletter/p/")
    assert Client().get(prefs).status_code == 200

    # the link again: nothing changes, no second welcome
    smtp_server.box.clear()
    assert Client().get(confirm_path).status_code == 200
    deliver()
    assert not smtp_server.box.messages
    assert Consent.objects.filter(subscriber=sub, action=ConsentAction.CONFIRM).count() == 1


def test_the_confirmation_link_expires_and_a_changed_one_is_refused(client, settings):
    _signup(client)
    sub = Subscriber.objects.get()
    path = f"/newsletter/confirm/{links.confirm_token(sub.pk, sub.email)}/"
    assert Client().get(path[:-5] + "xx/").status_code == 404
    with time_machine.travel(timezone.now() + timedelta(hours=settings.COMMS_CONFIRM_HOURS + 1)):
        page = Client().get(path)
    assert page.status_code == 404 and "too old" in page.content.decode()
    sub.refresh_from_db()
    assert sub.status == "pending"


def test_the_honeypot_pretends_success_and_stores_nothing(client, smtp_server, deliver):
    resp = _signup(client, website="http://spam.example")
    assert resp.status_code == 302 and resp["Location"] == "/newsletter/signup/sent/"
    assert not Subscriber.objects.exists() and not Consent.objects.exists()
    deliver()
    assert not smtp_server.box.messages


def test_signups_are_limited_per_client_address(client, settings):
    settings.COMMS_SIGNUPS_PER_HOUR = 2
    assert _signup(client, "one@example.test").status_code == 302
    assert _signup(client, "two@example.test").status_code == 302
    resp = _signup(client, "three@example.test")
    assert resp.status_code == 429 and "try again later" in resp.content.decode()
    assert not Subscriber.objects.filter(email="three@example.test").exists()
    # another network is not limited
    other = Client().post(
        "/newsletter/signup/",
        {"email": "four@example.test", "language": "en", "topics": ["flash"], "consent": "on"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 302


def test_the_form_needs_consent_and_a_topic(client):
    resp = _signup(client, consent="", topics=[])
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "Tick the box to agree" in page and "Choose at least one topic" in page
    assert not Subscriber.objects.exists()


def test_an_address_already_subscribed_gets_an_email_and_the_page_says_the_same(client, smtp_server, deliver):
    sub = subscriber("known@example.test", topics=["flash"])
    resp = _signup(client, "Known@Example.test", topics=["special"])
    assert resp.status_code == 302 and resp["Location"] == "/newsletter/signup/sent/"  # no enumeration
    sub.refresh_from_db()
    assert sub.topics == ["flash"] and sub.status == "subscribed"
    assert Subscriber.objects.count() == 1 and not Consent.objects.exists()
    deliver()
    (msg,) = smtp_server.box.to("known@example.test")
    assert "already subscribed" in msg["Subject"]
    assert link_in(smtp_server.box.text(msg), "/newsletter/p/")


def test_an_unsubscribed_address_subscribes_again_through_double_opt_in(client, smtp_server, deliver):
    sub = subscriber("back@example.test", status=SubscriberStatus.UNSUBSCRIBED)
    Suppression.objects.create(email="back@example.test", reason=SuppressionReason.UNSUBSCRIBED)
    _signup(client, "back@example.test")
    sub.refresh_from_db()
    assert sub.status == "pending"
    assert Suppression.objects.filter(email="back@example.test").exists()  # until confirmed
    deliver()
    path = link_in(smtp_server.box.text(smtp_server.box.to("back@example.test")[0]), "/newsletter/confirm/")
    Client().get(path)
    sub.refresh_from_db()
    assert sub.status == "subscribed"
    assert not Suppression.objects.filter(email="back@example.test").exists()


def test_a_hard_bounce_suppression_stays_and_the_address_gets_no_email(client, smtp_server, deliver, cam):
    Suppression.objects.create(email="bounced@example.test", reason=SuppressionReason.HARD_BOUNCE)
    resp = _signup(client, "bounced@example.test")
    assert resp.status_code == 302  # the same answer
    deliver()
    assert not smtp_server.box.messages
    sub = Subscriber.objects.get(email="bounced@example.test")
    from channelops.communications.consent import signup_confirm

    signup_confirm(subscriber=sub)
    assert Suppression.objects.get(email="bounced@example.test").reason == "hard_bounce"
    # staff see why on the sign-up page; the public does not
    assert "For staff" not in Client().get("/newsletter/signup/").content.decode()
    staff = Client()
    staff.force_login(cam)
    assert "For staff" in staff.get("/newsletter/signup/").content.decode()


def test_a_portal_person_signing_up_with_their_own_address_is_linked(client, user_a, partner_a):
    client.force_login(user_a)
    form = client.get("/newsletter/signup/").content.decode()
    assert "user@a.test" in form
    _signup(client, "user@a.test")
    sub = Subscriber.objects.get(email="user@a.test")
    assert sub.user_id == user_a.pk and sub.partner_id == partner_a.pk
    _signup(client, "someone.else@example.test")
    assert Subscriber.objects.get(email="someone.else@example.test").user_id is None


# --- preferences ------------------------------------------------------------------------------------------


def test_the_preferences_link_changes_topics_and_language_with_a_consent_record(client):
    sub = subscriber()
    path = f"/newsletter/p/{links.subscriber_token(sub.pk, sub.email)}/"
    page = client.get(path)
    assert page.status_code == 200 and "r***@example.test" in page.content.decode()
    resp = client.post(path, {"topics": ["flash", "special"], "language": "de", "action": "save"})
    assert resp.status_code == 302
    sub.refresh_from_db()
    assert (sub.topics, sub.language) == (["flash", "special"], "de")
    assert sub.wants("flash") and not sub.wants("webcasts")
    c = Consent.objects.get(subscriber=sub)
    assert (c.action, c.method, c.topics, c.language) == (
        "preferences",
        "email_link",
        ["flash", "special"],
        "de",
    )
    assert "Your preferences are saved" in client.get(resp["Location"]).content.decode()

    # no topic at all is refused (an empty list would mean every topic)
    resp = client.post(path, {"topics": [], "language": "en", "action": "save"})
    assert resp.status_code == 400 and "unsubscribe from everything" in resp.content.decode()
    sub.refresh_from_db()
    assert sub.topics == ["flash", "special"]


def test_unsubscribing_from_everything_on_the_preferences_page_and_subscribing_again(client):
    sub = subscriber()
    path = f"/newsletter/p/{links.subscriber_token(sub.pk, sub.email)}/"
    resp = client.post(path, {"action": "unsubscribe"})
    assert resp.status_code == 200 and "receives no partner communications" in resp.content.decode()
    sub.refresh_from_db()
    assert sub.status == "unsubscribed"
    assert Suppression.objects.get(email=sub.email).reason == "unsubscribed"
    assert "Subscribe again" in client.get(path).content.decode()
    client.post(path, {"action": "resubscribe"})
    sub.refresh_from_db()
    assert sub.status == "subscribed" and not Suppression.objects.exists()
    assert [c.action for c in Consent.objects.order_by("id")] == ["unsubscribe", "resubscribe"]


def test_a_preferences_link_cannot_be_used_for_another_address(client):
    mine = subscriber("mine@example.test")
    other = subscriber("other@example.test")
    token = links.subscriber_token(mine.pk, mine.email)
    # the same signature on the other row's id, a token made for another address, a changed one
    b36, _sep, mac = token.partition("-")
    forged = [
        f"{links._b36(other.pk)}-{mac}",
        links.subscriber_token(other.pk, mine.email),
        token[:-1] + ("0" if token[-1] != "0" else "1"),
    ]
    for bad in forged:
        page = client.get(f"/newsletter/p/{bad}/")
        assert page.status_code == 404
        assert "other@example.test" not in page.content.decode() and "o***" not in page.content.decode()
        assert "belongs to another address" in page.content.decode()
        client.post(f"/newsletter/p/{bad}/", {"action": "unsubscribe"})
    other.refresh_from_db()
    assert other.status == "subscribed" and not Consent.objects.exists()
    # an address changed since the link was made: the old link stops working
    Subscriber.objects.filter(pk=mine.pk).update(email="renamed@example.test")
    assert client.get(f"/newsletter/p/{token}/").status_code == 404


def test_the_portal_preferences_page_creates_the_row_and_shows_the_consent_records(login, user_a, partner_a):
    client = login(user_a)
    page = client.get("/portal/communications/preferences/")
    assert page.status_code == 200
    sub = Subscriber.objects.get(user=user_a)
    assert (sub.source, sub.status, sub.email, sub.partner_id) == (
        "portal",
        "subscribed",
        "user@a.test",
        partner_a.pk,
    )
    resp = client.post(
        "/portal/communications/preferences/", {"topics": ["webcasts"], "language": "en", "action": "save"}
    )
    assert resp.status_code == 302
    sub.refresh_from_db()
    assert sub.topics == ["webcasts"]
    c = Consent.objects.get(subscriber=sub)
    assert (c.method, c.by_id) == ("portal", user_a.pk)
    page = client.get("/portal/communications/preferences/").content.decode()
    assert "Changed preferences" in page and "Your newsletter preferences are saved" in page
    client.post("/portal/communications/preferences/", {"action": "unsubscribe"})
    sub.refresh_from_db()
    assert sub.status == "unsubscribed"
    client.post("/portal/communications/preferences/", {"action": "resubscribe"})
    sub.refresh_from_db()
    assert sub.status == "subscribed" and not Suppression.objects.exists()
    assert Subscriber.objects.count() == 1


def test_the_portal_page_links_a_signup_row_with_the_persons_address(login, user_a):
    earlier = subscriber("user@a.test", source=SubscriberSource.SIGNUP)
    login(user_a).get("/portal/communications/preferences/")
    earlier.refresh_from_db()
    assert earlier.user_id == user_a.pk and Subscriber.objects.count() == 1


def test_the_portal_nav_shows_newsletter_preferences(login, user_a):
    page = login(user_a).get("/portal/").content.decode()
    assert "/portal/communications/preferences/" in page


# --- unsubscribe ------------------------------------------------------------------------------------------


@pytest.fixture
def heard():
    events: list = []

    def listener(event):
        events.append(event)

    with hooks.recipient_event.registered(listener):
        yield events


def test_the_unsubscribe_page_offers_the_topic_everything_and_the_preferences(client):
    sub = subscriber()
    r = recipient(sub, m=mailing(Topic.WEBCASTS))
    page = client.get(f"/newsletter/u/{links.recipient_token(r.pk)}/").content.decode()
    assert "r***@example.test" in page and "Partner webcast invitations" in page
    assert "Unsubscribe from everything" in page and "/newsletter/p/" in page
    sub.refresh_from_db()
    assert sub.status == "subscribed" and not Event.objects.exists()  # a GET changes nothing


def test_unsubscribing_from_one_topic_keeps_the_others(client, heard):
    sub = subscriber()
    r = recipient(sub, m=mailing(Topic.WEBCASTS))
    resp = client.post(f"/newsletter/u/{links.recipient_token(r.pk)}/", {"scope": "topic"})
    assert (
        resp.status_code == 200 and "The other communications you chose still come" in resp.content.decode()
    )
    sub.refresh_from_db()
    assert sub.status == "subscribed" and sub.topics == [t for t in ALL_TOPICS if t != "webcasts"]
    assert not sub.wants("webcasts") and sub.wants("flash")
    assert not Suppression.objects.exists()
    (event,) = Event.objects.filter(recipient=r)
    assert event.kind == EventKind.UNSUBSCRIBE and heard == [event]


def test_rfc8058_one_click_post_without_cookies_or_csrf_unsubscribes_at_once(heard):
    sub = subscriber()
    r = recipient(sub)
    mail_client = Client(enforce_csrf_checks=True)  # a mail client: no cookie, no CSRF token
    url = f"/newsletter/u/{links.recipient_token(r.pk)}/"
    resp = mail_client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert resp.status_code == 200
    sub.refresh_from_db()
    assert sub.status == "unsubscribed" and sub.unsubscribed_at is not None
    s = Suppression.objects.get(email=sub.email)
    assert (s.reason, s.mailing_id) == ("unsubscribed", r.mailing_id)
    c = Consent.objects.get(subscriber=sub)
    assert (c.action, c.method, c.mailing_id) == ("unsubscribe", ConsentMethod.ONE_CLICK, r.mailing_id)
    assert [e.kind for e in heard] == ["unsubscribe"]
    # a second post (mail clients retry) changes nothing more
    assert (
        mail_client.post(
            url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
        ).status_code
        == 200
    )
    assert Consent.objects.count() == 1 and Event.objects.count() == 1 and Suppression.objects.count() == 1


def test_a_portal_user_recipient_without_a_subscriber_row_gets_one_unsubscribed(client, user_a, partner_a):
    r = recipient(None, email="user@a.test", user=user_a, partner=partner_a)
    client.post(f"/newsletter/u/{links.recipient_token(r.pk)}/", {"scope": "all"})
    sub = Subscriber.objects.get(email="user@a.test")
    assert (sub.status, sub.source, sub.user_id) == ("unsubscribed", "portal", user_a.pk)
    r.refresh_from_db()
    assert r.subscriber_id == sub.pk


def test_a_tampered_unsubscribe_token_is_refused_and_changes_nothing(client):
    sub = subscriber("mine@example.test")
    other = subscriber("other@example.test")
    mine_r, other_r = recipient(sub), recipient(other)
    token = links.recipient_token(mine_r.pk)
    mac = token.partition("-")[2]
    for bad in (
        f"{links._b36(other_r.pk)}-{mac}",
        links.recipient_token(other_r.pk, "open"),  # a token of another purpose
        links.recipient_token(other_r.pk, "mailto"),
        "zz-0000000000000000",
    ):
        page = client.get(f"/newsletter/u/{bad}/")
        assert page.status_code == 404 and "nothing was changed" in page.content.decode()
        assert (
            client.post(
                f"/newsletter/u/{bad}/",
                "List-Unsubscribe=One-Click",
                content_type="application/x-www-form-urlencoded",
            ).status_code
            == 404
        )
    other.refresh_from_db()
    assert other.status == "subscribed" and not Consent.objects.exists() and not Event.objects.exists()


def test_staff_suppressions_are_not_lifted_by_unsubscribing(client):
    sub = subscriber()
    Suppression.objects.create(email=sub.email, reason=SuppressionReason.COMPLAINT)
    r = recipient(sub)
    client.post(f"/newsletter/u/{links.recipient_token(r.pk)}/", {"scope": "all"})
    assert Suppression.objects.get().reason == "complaint"


# --- mailto unsubscribe (inbound handler) ----------------------------------------------------------------


def _route(raw: bytes):
    from channelops.inbound.models import InboundMessage
    from channelops.inbound.services import inbound_receive, inbound_route_pending

    inbound_receive(raw=raw, source="cli")
    inbound_route_pending()
    return InboundMessage.objects.order_by("-id").first()


def test_a_mailto_unsubscribe_is_taken_before_the_help_desk(settings, heard):
    from .inbound_mail import mail

    settings.COMMS_UNSUBSCRIBE_ADDRESS = "unsubscribe@channelops.test"
    sub = subscriber()
    r = recipient(sub)
    mailto = links.unsubscribe_mailto(r.pk)
    assert mailto.startswith("mailto:unsubscribe@channelops.test?subject=unsubscribe%20")
    token = mailto.rsplit("%20", 1)[1]
    record = _route(
        mail(sender="reader@example.test", to="unsubscribe@channelops.test", subject=f"unsubscribe {token}")
    )
    assert (record.status, record.handler) == ("routed", "comms_unsubscribe")
    sub.refresh_from_db()
    assert sub.status == "unsubscribed"
    assert Consent.objects.get().method == ConsentMethod.MAILTO and [e.kind for e in heard] == ["unsubscribe"]


def test_a_mailto_unsubscribe_with_a_bad_token_is_left_for_staff(settings):
    from .inbound_mail import mail

    settings.COMMS_UNSUBSCRIBE_ADDRESS = "unsubscribe@channelops.test"
    sub = subscriber()
    r = recipient(sub)
    token = links.recipient_token(r.pk)  # the web token, not the mailto one
    record = _route(mail(to="unsubscribe@channelops.test", subject=f"unsubscribe {token}"))
    assert record.handler != "comms_unsubscribe"
    sub.refresh_from_db()
    assert sub.status == "subscribed"
