"""A license after issuing (S7 item 5): revocation, expiry reminders, renewal requests, license pages."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channelops.core.exceptions import NotAllowed
from channelops.licensing import keys
from channelops.licensing.files import REVOKED, LicenseInvalid, verify_license
from channelops.licensing.issuing import license_issue
from channelops.licensing.lifecycle import (
    license_reminders_send,
    license_renewal_request,
    license_revoke,
    license_status,
    reminder_days,
)
from channelops.licensing.models import License, LicenseReminder, NfrRequest, RequestEvent, RequestStatus
from channelops.licensing.services import DuplicateRequestError

from .conftest import Mailbox

pytestmark = pytest.mark.django_db

CONTACT = "lena@acme.example"


@pytest.fixture(autouse=True)
def key_dir(settings, tmp_path):
    settings.LICENSE_KEY_DIR = tmp_path / "license-keys"
    settings.LICENSE_PRIVATE_KEY = ""
    settings.LICENSE_KEY_ID = ""
    settings.LICENSE_RETIRED_KEYS = ""
    settings.LICENSE_KEY_AUTOGENERATE = True
    settings.LICENSE_REMINDER_DAYS = (7, 30)


def issued(partner, by=None, *, contact: str = CONTACT, users: int = 5, requester=None) -> License:  # type: ignore[no-untyped-def]
    """A license issued (really signed) for an approved request of ``partner``."""
    req = NfrRequest.objects.create(
        partner=partner,
        contact_name="Lena License",
        contact_email=contact,
        plan="ultimate",
        seats=users,
        purpose="Demo lab",
        status=RequestStatus.APPROVED,
        requested_by=requester,
        is_renewal=True,  # no co-terming: each license gets its own year
    )
    return license_issue(request=req, by=by)


def revoked_ids(client) -> list[str]:  # type: ignore[no-untyped-def]
    doc = json.loads(client.get("/licenses/revoked.json").content)
    return [r["id"] for r in doc["revoked"]]


# --- revocation ------------------------------------------------------------------------------------


def test_staff_revoke_a_license_on_its_console_page_with_a_reason(
    partner_a, admin_a, phd_emea, login, client, smtp_server, deliver
):
    lic = issued(partner_a, requester=admin_a)
    jwks = keys.public_jwks()
    assert verify_license(lic.file_text, jwks=jwks, revoked=revoked_ids(client)).id == str(lic.pk)
    c = login(phd_emea)
    page = c.get(f"/console/licenses/{lic.pk}/").content.decode()
    assert "Revoke the license" in page and "Acme Test Partner" in page and '"users"' not in page

    # no reason: refused, nothing changes
    resp = c.post(f"/console/licenses/{lic.pk}/revoke/", {"reason": "   "})
    assert resp.status_code == 400 and "reason" in resp.content.decode().lower()
    lic.refresh_from_db()
    assert lic.revoked_at is None and not RequestEvent.objects.filter(kind="license_revoked").exists()
    assert str(lic.pk) not in revoked_ids(client)

    resp = c.post(f"/console/licenses/{lic.pk}/revoke/", {"reason": "Partner terminated"})
    assert resp.status_code == 302 and resp["Location"] == f"/console/licenses/{lic.pk}/"
    lic.refresh_from_db()
    assert lic.is_revoked and lic.revoked_by == phd_emea and lic.revocation_reason == "Partner terminated"
    assert lic.history.latest().history_user == phd_emea
    ev = RequestEvent.objects.get(request=lic.request, kind="license_revoked")
    assert (ev.by, ev.detail) == (phd_emea, "Partner terminated")
    assert "Partner terminated" in c.get(f"/console/licenses/{lic.pk}/").content.decode()

    # published, and verification refuses it
    assert revoked_ids(client) == [str(lic.pk)]
    with pytest.raises(LicenseInvalid) as exc:
        verify_license(lic.file_text, jwks=jwks, revoked=revoked_ids(client))
    assert exc.value.reason == REVOKED

    # a second revocation is refused with a message and changes nothing
    at = lic.revoked_at
    resp = c.post(f"/console/licenses/{lic.pk}/revoke/", {"reason": "again"})
    assert resp.status_code == 400 and "already revoked" in resp.content.decode()
    lic.refresh_from_db()
    assert lic.revoked_at == at and lic.revocation_reason == "Partner terminated"

    deliver()
    box: Mailbox = smtp_server.box
    for address in (CONTACT, admin_a.email):
        [msg] = box.to(address)
        assert "revoked" in msg["Subject"] and "Partner terminated" in Mailbox.text(msg)
        assert f"/portal/licenses/{lic.pk}/" in Mailbox.text(msg)


def test_only_staff_with_change_license_may_revoke(partner_a, admin_a, cam, login):
    lic = issued(partner_a)
    c = login(cam)
    assert "Revoke the license" not in c.get(f"/console/licenses/{lic.pk}/").content.decode()
    assert c.post(f"/console/licenses/{lic.pk}/revoke/", {"reason": "no"}).status_code == 403
    with pytest.raises(NotAllowed):
        license_revoke(license=lic, by=cam, reason="no")
    with pytest.raises(NotAllowed):
        license_revoke(license=lic, by=admin_a, reason="no")
    lic.refresh_from_db()
    assert lic.revoked_at is None


def test_revoke_service_validates_the_reason(partner_a, phd_emea):
    lic = issued(partner_a)
    with pytest.raises(ValidationError) as exc:
        license_revoke(license=lic, by=phd_emea, reason="")
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError):
        license_revoke(license=lic, by=phd_emea, reason="x" * 2001)
    assert License.objects.get(pk=lic.pk).revoked_at is None


# --- expiry reminders -------------------------------------------------------------------------------


def test_reminders_go_out_30_and_7_days_before_expiry_once_each(
    partner_a, admin_a, user_a, smtp_server, deliver
):
    lic = issued(partner_a, requester=user_a)
    e = lic.expires
    assert license_reminders_send(today=e - timedelta(days=31)) == 0
    assert license_reminders_send(today=e - timedelta(days=30)) == 1
    assert license_reminders_send(today=e - timedelta(days=30)) == 0  # run twice: nothing more
    assert license_reminders_send(today=e - timedelta(days=20)) == 0
    assert license_reminders_send(today=e - timedelta(days=7)) == 1
    assert license_reminders_send(today=e - timedelta(days=7)) == 0
    assert license_reminders_send(today=e - timedelta(days=1)) == 0
    assert license_reminders_send(today=e) == 0  # expired
    assert sorted(LicenseReminder.objects.filter(license=lic).values_list("days_before", flat=True)) == [
        7,
        30,
    ]
    events = RequestEvent.objects.filter(request=lic.request, kind="reminder_sent").order_by("pk")
    assert [ev.detail.split(" days before")[0] for ev in events] == [
        "Expiry reminder 30",
        "Expiry reminder 7",
    ]

    deliver()
    box: Mailbox = smtp_server.box
    for address in (CONTACT, admin_a.email, user_a.email):
        msgs = box.to(address)
        assert len(msgs) == 2, address
        body = Mailbox.text(msgs[0])
        assert "expires in 30 days" in body and f"/portal/licenses/{lic.pk}/#renew" in body
        assert "Request renewal" in Mailbox.html(msgs[0])
    assert "expires in 7 days" in Mailbox.text(box.to(CONTACT)[1])


def test_a_license_first_seen_late_gets_the_smallest_lead_time_not_below_the_days_left(partner_a):
    lic = issued(partner_a)
    assert license_reminders_send(today=lic.expires - timedelta(days=12)) == 1
    assert LicenseReminder.objects.get(license=lic).days_before == 30
    assert license_reminders_send(today=lic.expires - timedelta(days=3)) == 1  # the 7-day one, late
    assert sorted(lic.reminders.values_list("days_before", flat=True)) == [7, 30]


def test_no_reminders_for_revoked_licenses_or_with_a_renewal_open_or_approved(
    frozen_clock, partner_a, admin_a, phd_emea
):
    revoked = issued(partner_a, contact="r@acme.example")
    license_revoke(license=revoked, by=phd_emea, reason="fraud")
    renewing = issued(partner_a, contact="n@acme.example")
    renewal = license_renewal_request(license=renewing, by=admin_a)
    plain = issued(partner_a, contact="p@acme.example")
    today = plain.expires - timedelta(days=30)
    assert license_reminders_send(today=today) == 1
    assert list(LicenseReminder.objects.values_list("license_id", flat=True)) == [plain.pk]
    NfrRequest.objects.filter(pk=renewal.pk).update(status=RequestStatus.APPROVED)
    assert license_reminders_send(today=renewing.expires - timedelta(days=7)) == 1  # only plain's 7-day
    NfrRequest.objects.filter(pk=renewal.pk).update(status=RequestStatus.REJECTED)
    assert license_reminders_send(today=renewing.expires - timedelta(days=7)) == 1  # renewal refused
    assert renewing.reminders.count() == 1


def test_reminder_days_come_from_settings(partner_a, settings):
    settings.LICENSE_REMINDER_DAYS = "60, 14"
    assert reminder_days() == (14, 60)
    lic = issued(partner_a)
    assert license_reminders_send(today=lic.expires - timedelta(days=45)) == 1
    assert lic.reminders.get().days_before == 60
    assert license_status(lic, today=lic.expires - timedelta(days=59)).key == "expiring"
    for bad in ("", "abc", "30,0", "400", "7;30"):
        settings.LICENSE_REMINDER_DAYS = bad
        with pytest.raises(ImproperlyConfigured, match="CHANNELOPS_LICENSE_REMINDER_DAYS"):
            reminder_days()


def test_the_setting_is_parsed_at_start_up_with_a_clear_error():
    from channelops import settings as project_settings

    assert project_settings._reminder_days("30,7") == (7, 30)
    with pytest.raises(ImproperlyConfigured, match='like "30,7"'):
        project_settings._reminder_days("thirty")


def test_the_daily_job_is_registered_and_its_task_sends_the_reminders(partner_a):
    from channelops.core.schedules import schedules
    from channelops.licensing.tasks import license_reminders_task

    job = next(s for s in schedules() if s.name == "license_reminders")
    assert job.task == "channelops.licensing.tasks.license_reminders_task"
    assert job.rule.startswith("FREQ=DAILY")
    lic = issued(partner_a)
    noon = timezone.make_aware(datetime.combine(lic.expires - timedelta(days=7), time(12)))
    with time_machine.travel(noon, tick=False):
        assert license_reminders_task.call() == {"sent": 1}
        assert license_reminders_task.call() == {"sent": 0}


# --- renewal -------------------------------------------------------------------------------------------


def test_renewal_from_the_portal_page_creates_a_renewal_request_and_a_duplicate_is_refused(
    partner_a, admin_a, login
):
    lic = issued(partner_a, users=7)
    c = login(admin_a)
    page = c.get(f"/portal/licenses/{lic.pk}/").content.decode()
    assert "Request renewal" in page and 'id="renew"' in page
    resp = c.post(f"/portal/licenses/{lic.pk}/")
    req = NfrRequest.objects.get(renews=lic)
    assert resp.status_code == 302 and resp["Location"] == f"/portal/nfr/{req.pk}/"
    assert (req.is_renewal, req.seats, req.plan, req.contact_email, req.contact_name, req.term_months) == (
        True,
        7,
        "ultimate",
        CONTACT,
        "Lena License",
        12,
    )
    assert req.purpose == f"Renewal of license {lic.pk}" and req.requested_by == admin_a
    assert req.status == RequestStatus.SUBMITTED
    # the page now points at the renewal instead of offering the button
    page = c.get(f"/portal/licenses/{lic.pk}/").content.decode()
    assert req.reference in page and "<button" not in page.split('id="renew"')[1].split("</section>")[0]

    resp = c.post(f"/portal/licenses/{lic.pk}/")
    body = resp.content.decode()
    assert resp.status_code == 400 and f"{req.reference} is already open" in body
    assert f'href="/portal/nfr/{req.pk}/"' in body
    assert NfrRequest.objects.filter(renews=lic).count() == 1


def test_renewal_rules(partner_a, admin_a, user_a, phd_emea, cam, user_b):
    lic = issued(partner_a)
    with pytest.raises(NotAllowed):
        license_renewal_request(license=lic, by=user_a)  # not allowed to submit requests
    with pytest.raises(NotAllowed):
        license_renewal_request(license=lic, by=user_b)  # another partner's admin
    staff_req = license_renewal_request(license=lic, by=cam)  # a CAM on the partner's behalf
    assert staff_req.renews == lic and staff_req.requested_by == cam
    with pytest.raises(DuplicateRequestError):
        license_renewal_request(license=lic, by=admin_a)
    NfrRequest.objects.filter(pk=staff_req.pk).update(status=RequestStatus.APPROVED)
    with pytest.raises(ValidationError, match="already renewed"):
        license_renewal_request(license=lic, by=admin_a)
    other = issued(partner_a, contact="o@acme.example")
    license_revoke(license=other, by=phd_emea, reason="gone")
    with pytest.raises(ValidationError, match="revoked license cannot be renewed"):
        license_renewal_request(license=other, by=admin_a)


def test_a_partner_user_who_may_not_submit_sees_no_button_and_cannot_download(partner_a, user_a, login):
    lic = issued(partner_a)
    c = login(user_a)
    page = c.get(f"/portal/licenses/{lic.pk}/").content.decode()
    assert "Request renewal" not in page and "Ask your company" in page
    assert c.post(f"/portal/licenses/{lic.pk}/").status_code == 403
    assert c.get(f"/portal/licenses/{lic.pk}/file").status_code == 403
    assert "Download" not in c.get("/portal/licenses/").content.decode()
    assert not NfrRequest.objects.filter(renews=lic).exists()


# --- pages, files, isolation --------------------------------------------------------------------------


def test_the_partner_lists_and_downloads_its_licenses(partner_a, admin_a, phd_emea, login):
    active = issued(partner_a, contact="a@acme.example")
    gone = issued(partner_a, contact="g@acme.example")
    license_revoke(license=gone, by=phd_emea, reason="gone")
    soon = issued(partner_a, contact="s@acme.example")
    License.objects.filter(pk=soon.pk).update(expires=timezone.localdate() + timedelta(days=10))
    c = login(admin_a)
    page = c.get("/portal/licenses/").content.decode()
    assert "Acme Test Partner" in page
    for label in ("Active", "Revoked", "Expiring soon"):
        assert label in page
    assert f"/portal/licenses/{active.pk}/file" in page
    resp = c.get(f"/portal/licenses/{active.pk}/file")
    assert resp.status_code == 200 and resp["Content-Type"] == "text/plain; charset=utf-8"
    assert resp["Content-Disposition"] == f'attachment; filename="{active.filename}"'
    assert resp.content.decode() == active.file_text
    detail = c.get(f"/portal/licenses/{gone.pk}/").content.decode()
    assert "gone" in detail and "Revoked" in detail and "Request renewal" not in detail


def test_console_list_filters_and_detail(partner_a, partner_b, phd_emea, login):
    a = issued(partner_a, contact="a@acme.example")
    b = issued(partner_b, contact="b@beta.example")
    License.objects.filter(pk=b.pk).update(expires=timezone.localdate() + timedelta(days=5))
    c = login(phd_emea)
    page = c.get("/console/licenses/").content.decode()
    assert str(a.pk)[:6] in page and str(b.pk)[:6] in page
    page = c.get("/console/licenses/?status=expiring").content.decode()
    assert f"/console/licenses/{b.pk}/" in page and f"/console/licenses/{a.pk}/" not in page
    page = c.get("/console/licenses/?within=6").content.decode()
    assert f"/console/licenses/{b.pk}/" in page and f"/console/licenses/{a.pk}/" not in page
    page = c.get("/console/licenses/?q=acme").content.decode()
    assert f"/console/licenses/{a.pk}/" in page and f"/console/licenses/{b.pk}/" not in page
    page = c.get(f"/console/licenses/?q={b.pk}").content.decode()
    assert f"/console/licenses/{b.pk}/" in page and f"/console/licenses/{a.pk}/" not in page
    assert c.get("/console/licenses/?status=bogus").status_code == 200
    detail = c.get(f"/console/licenses/{a.pk}/").content.decode()
    assert a.key_id in detail and a.request.reference in detail and "a@acme.example" in detail
    resp = c.get(f"/console/licenses/{a.pk}/file")
    assert resp.status_code == 200 and resp.content.decode() == a.file_text


def test_another_partners_people_get_404_on_every_license_url(partner_a, user_b, login):
    lic = issued(partner_a)
    c = login(user_b)
    for url in (f"/portal/licenses/{lic.pk}/", f"/portal/licenses/{lic.pk}/file"):
        assert c.get(url).status_code == 404
    assert c.post(f"/portal/licenses/{lic.pk}/").status_code == 404
    assert "Acme Test Partner" not in c.get("/portal/licenses/").content.decode()
    for url in (
        "/console/licenses/",
        f"/console/licenses/{lic.pk}/",
        f"/console/licenses/{lic.pk}/file",
    ):
        assert c.get(url).status_code == 403
    assert c.post(f"/console/licenses/{lic.pk}/revoke/", {"reason": "x"}).status_code == 403
    assert not NfrRequest.objects.filter(renews=lic).exists()
    lic.refresh_from_db()
    assert lic.revoked_at is None


def _count(client, url: str) -> int:  # type: ignore[no-untyped-def]
    client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_license_lists_run_a_constant_number_of_queries(partner_a, admin_a, phd_emea, client):
    counts = []
    for n in (2, 12):
        while License.objects.count() < n:
            issued(partner_a, contact=f"c{License.objects.count()}@acme.example")
        client.force_login(admin_a)
        portal = _count(client, "/portal/licenses/")
        client.force_login(phd_emea)
        console = _count(client, "/console/licenses/?status=active&q=acme")
        counts.append((portal, console))
    assert counts[0] == counts[1]
    # portal: session, user, membership + partner, count, rows, the notifications badge
    # console: session, user, staff MFA check, permissions (user + group), count, rows, badge
    assert counts[0] == (PORTAL_LIST_QUERIES, CONSOLE_LIST_QUERIES)


PORTAL_LIST_QUERIES = 6
CONSOLE_LIST_QUERIES = 8
