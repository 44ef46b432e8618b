"""Outgoing webhooks (SPEC S13, docs/webhooks.md): endpoints, Standard Webhooks signatures checked
by the `standardwebhooks` library on a real local receiver, retries, replay, disabling, the SSRF
guard and who may see the pages."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook

from channelops.core.events import publish
from channelops.core.models import OutboxMessage, OutboxStatus
from channelops.partners.services import partner_update_classification
from channelops.webhooks.models import WebhookDelivery, WebhookEndpoint
from channelops.webhooks.services import (
    UnsafeDestination,
    check_destination,
    delivery_replay,
    endpoint_create,
)

from .factories import StaffFactory

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP receiver that verifies each POST with the endpoint's secret."""

    def __init__(self) -> None:
        self.secret = ""
        self.status = 200
        self.received: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    payload = Webhook(outer.secret).verify(body, headers)
                    verified = True
                except Exception:
                    payload, verified = json.loads(body), False
                outer.received.append({"headers": headers, "payload": payload, "verified": verified})
                self.send_response(outer.status)
                self.end_headers()
                self.wfile.write(b"ok" if outer.status < 300 else b"boom")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # the receiver listens on 127.0.0.1
    settings.OUTBOX_BACKOFF_SECONDS = 0
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def endpoint(administrator, receiver):
    ep = endpoint_create(
        url=receiver.url, event_kinds=["partner.changed", "license.revoked"], by=administrator
    )
    receiver.secret = ep.secret
    return ep


def test_an_event_reaches_a_subscribed_endpoint_signed_and_verified(
    endpoint, receiver, partner_a, cam, deliver
):
    partner_update_classification(
        partner=partner_a, by=cam, tier=partner_a.tier, region=partner_a.region, cam=cam, reason="New CAM"
    )
    assert WebhookDelivery.objects.count() == 1
    assert deliver()["sent"] == 1
    (got,) = receiver.received
    assert got["verified"] is True
    assert got["payload"]["type"] == "partner.changed"
    assert got["payload"]["data"]["partner_id"] == partner_a.pk
    assert got["payload"]["data"]["cam_email"] == "cam@vendor.test"
    delivery = WebhookDelivery.objects.get()
    assert got["headers"]["webhook-id"] == delivery.message_id
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 1)


def test_events_not_subscribed_and_disabled_endpoints_get_nothing(endpoint, administrator, receiver):
    publish("badge.issued", key="x", data={"badge_id": "x"})
    assert WebhookDelivery.objects.count() == 0
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    publish("partner.changed", key="1", data={})
    assert WebhookDelivery.objects.count() == 0


def test_a_500_is_retried_until_the_receiver_answers(endpoint, receiver, deliver):
    receiver.status = 500
    publish("license.revoked", key="L1", data={"license_id": "L1"})
    assert deliver() == {"sent": 0, "failed": 1}
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("retrying", 500, 1)
    assert OutboxMessage.objects.get(kind="webhook.deliver").status == OutboxStatus.PENDING
    receiver.status = 204
    assert deliver() == {"sent": 1, "failed": 0}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 204, 2)
    ids = {r["headers"]["webhook-id"] for r in receiver.received}
    assert ids == {delivery.message_id}  # the same message id on every attempt
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 0


def test_replay_sends_the_same_message_again(endpoint, receiver, administrator, deliver):
    publish("license.revoked", key="L2", data={"license_id": "L2"})
    deliver()
    first = WebhookDelivery.objects.get()
    again = delivery_replay(delivery=first, by=administrator)
    deliver()
    assert again.replay_of == first
    assert [r["headers"]["webhook-id"] for r in receiver.received] == [first.message_id] * 2
    assert receiver.received[0]["payload"] == receiver.received[1]["payload"]


def test_an_endpoint_that_keeps_failing_is_disabled_and_its_owner_told(
    endpoint, receiver, settings, smtp_server, deliver
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    receiver.status = 503
    for n in range(3):
        publish("license.revoked", key=f"L{n}", data={"license_id": f"L{n}"})
    deliver()
    endpoint.refresh_from_db()
    assert endpoint.is_active is False and "3 failed deliveries" in endpoint.disabled_reason
    deliver()  # the e-mail
    (mail,) = smtp_server.box.to("root@vendor.test")
    assert "Webhook endpoint disabled" in mail["subject"] and endpoint.url in mail["subject"]
    # Nothing more is sent to it: a retry of a queued delivery is skipped.
    receiver.received.clear()
    receiver.status = 200
    deliver()
    assert receiver.received == []
    assert WebhookDelivery.objects.filter(status="skipped").exists()


def test_a_loopback_destination_is_refused_unless_allowed(settings, administrator, deliver):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:9/x", "http://localhost:9/x", "http://10.1.2.3/x", "http://[::1]:9/x"):
        with pytest.raises(UnsafeDestination):
            check_destination(url)
    ep = endpoint_create(url="http://localhost:9/hook", event_kinds=["license.revoked"], by=administrator)
    publish("license.revoked", key="L", data={})
    deliver()
    delivery = WebhookDelivery.objects.get(endpoint=ep)
    assert delivery.status == "failed" and "non-public address" in delivery.last_error
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    check_destination("http://127.0.0.1:9/x")  # allowed by the setting


def test_bad_input_is_refused_and_creates_nothing(administrator, login):
    client = login(administrator)
    for url in ("ftp://example.com/x", "javascript:alert(1)", "https://user:pw@example.com/x", "example.com"):
        response = client.post("/console/webhooks/new/", {"url": url, "event_kinds": ["partner.created"]})
        assert response.status_code == 400, url
    response = client.post("/console/webhooks/new/", {"url": "https://example.com/x"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert WebhookEndpoint.objects.count() == 0


def test_an_administrator_adds_an_endpoint_and_sees_its_deliveries(administrator, login):
    client = login(administrator)
    page = client.get("/console/webhooks/").content.decode()
    assert "No webhook endpoint yet." in page and "/console/webhooks/new/" in page
    response = client.post(
        "/console/webhooks/new/",
        {"url": "https://hooks.example.com/in", "description": "BI", "event_kinds": ["license.issued"]},
    )
    ep = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/webhooks/{ep.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert ep.secret in page and "License issued" in page and "Nothing sent yet." in page
    response = client.post(
        f"/console/webhooks/{ep.pk}/change/",
        {"url": "https://hooks.example.com/v2", "event_kinds": ["license.issued", "badge.issued"]},
    )
    ep.refresh_from_db()
    assert (ep.url, ep.event_kinds) == ("https://hooks.example.com/v2", ["license.issued", "badge.issued"])
    old = ep.secret
    assert client.get(f"/console/webhooks/{ep.pk}/rotate/").status_code == 200  # the confirmation
    client.post(f"/console/webhooks/{ep.pk}/rotate/")
    ep.refresh_from_db()
    assert ep.secret != old and ep.secret.startswith("whsec_")
    client.post(f"/console/webhooks/{ep.pk}/disable/")
    ep.refresh_from_db()
    assert ep.is_active is False
    client.post(f"/console/webhooks/{ep.pk}/enable/")
    ep.refresh_from_db()
    assert ep.is_active is True


def test_the_pages_keep_their_query_count_as_deliveries_grow(
    administrator, login, endpoint, django_assert_max_num_queries
):
    client = login(administrator)
    publish("license.revoked", key="a", data={})
    with django_assert_max_num_queries(12) as few:
        client.get(f"/console/webhooks/{endpoint.pk}/deliveries/")
    for n in range(15):
        publish("license.revoked", key=str(n), data={})
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/console/webhooks/{endpoint.pk}/deliveries/")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/console/webhooks/")


def test_only_people_with_the_webhook_permission_see_the_pages(endpoint, cam, admin_a, login, client):
    staff = login(cam)
    assert staff.get("/console/webhooks/").status_code == 403
    assert staff.get(f"/console/webhooks/{endpoint.pk}/").status_code == 403
    assert "/console/webhooks/" not in staff.get("/console/").content.decode()
    partner = login(admin_a)
    for url in ("/console/webhooks/", f"/console/webhooks/{endpoint.pk}/"):
        assert partner.get(url).status_code in (302, 403, 404)
    viewer = StaffFactory(email="viewer@vendor.test", roles=[])
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookendpoint"))
    page = login(viewer).get(f"/console/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in page and "Change this endpoint" not in page
    assert login(viewer).post(f"/console/webhooks/{endpoint.pk}/disable/").status_code == 403


def test_an_endpoint_is_given_an_owner_who_is_told_when_it_is_disabled(
    administrator, login, receiver, settings, smtp_server, deliver
):
    from .factories import StaffFactory

    bi = StaffFactory(email="bi.lead@vendor.test", full_name="Bea Insight", roles=["channel_leadership"])
    gone = StaffFactory(email="left@vendor.test", roles=["cam"], is_active=False)
    client = login(administrator)
    form = client.get("/console/webhooks/new/").content.decode()
    assert "Bea Insight &lt;bi.lead@vendor.test&gt;" in form and "left@vendor.test" not in form
    # An inactive person cannot own it: a clear error, nothing created.
    response = client.post(
        "/console/webhooks/new/",
        {"url": receiver.url, "event_kinds": ["license.revoked"], "owner": gone.pk},
    )
    assert response.status_code == 400 and WebhookEndpoint.objects.count() == 0
    client.post(
        "/console/webhooks/new/",
        {"url": receiver.url, "event_kinds": ["license.revoked"], "owner": bi.pk},
    )
    ep = WebhookEndpoint.objects.get()
    assert ep.owner == bi
    assert "bi.lead@vendor.test" in client.get(f"/console/webhooks/{ep.pk}/").content.decode()
    # Saving with "— you —" chosen makes the editor the owner.
    client.post(
        f"/console/webhooks/{ep.pk}/change/", {"url": receiver.url, "event_kinds": ["license.revoked"]}
    )
    ep.refresh_from_db()
    assert ep.owner == administrator
    client.post(
        f"/console/webhooks/{ep.pk}/change/",
        {"url": receiver.url, "event_kinds": ["license.revoked"], "owner": bi.pk},
    )
    # The owner, not the creator, hears that it was disabled.
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 1
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    receiver.status = 503
    publish("license.revoked", key="L1", data={"license_id": "L1"})
    deliver()
    deliver()
    assert smtp_server.box.to("bi.lead@vendor.test") and not smtp_server.box.to(administrator.email)
