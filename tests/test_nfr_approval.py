"""NFR approval and delivery (S7 steps 4–5): the issuing privilege, the signed license e-mailed
as an attachment, the CRM activity, the encouragement, the requester informed — each once."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection, connections

from channelops.accounts.models import AccessEvent
from channelops.accounts.services import access_request_approve, access_request_create
from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.licensing import eligibility
from channelops.licensing.delivery import CRM_KIND, EMAIL_KIND, crm_subject
from channelops.licensing.files import verify_license
from channelops.licensing.keys import public_jwks
from channelops.licensing.models import License, MessageTemplate, NfrRequest, RequestEvent, RequestStatus
from channelops.licensing.services import nfr_request_approve, nfr_request_ask, nfr_request_submit
from channelops.partners.models import Region, RegionRouting

from .conftest import Mailbox, worker_env
from .factories import StaffFactory
from .test_nfr_requests import FORM, accept_all, license_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("license_key_dir")]

ISSUE = "licensing.issue_license"
STEPS = ["license_emailed", "crm_logged", "encouragement_sent", "requester_informed"]


def grant_issuing(user, leadership):  # type: ignore[no-untyped-def]
    req = access_request_create(perm=ISSUE, justification="I review the EMEA NFR queue every day.", by=user)
    access_request_approve(request=req, by=leadership)
    return user


@pytest.fixture
def issuer(phd_emea, leadership):  # type: ignore[no-untyped-def]
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd_emea)
    return grant_issuing(phd_emea, leadership)


@pytest.fixture
def ready(partner_a, admin_a, cam):  # type: ignore[no-untyped-def]
    """An authorised partner A (agreements accepted) with a CAM and a submitted request."""
    partner_a.cam = cam
    partner_a.save(update_fields=["cam"])
    accept_all(partner_a, admin_a)
    return nfr_request_submit(partner=partner_a, by=admin_a, **{**FORM, "seats": 5, "term_months": 12})


def attachment_of(msg):  # type: ignore[no-untyped-def]
    files = [p for p in msg.iter_attachments()]
    assert len(files) == 1
    return files[0].get_filename(), files[0].get_content()


def with_attachment(messages: list) -> list:
    return [m for m in messages if any(True for _ in m.iter_attachments())]


def steps_of(req: NfrRequest) -> list[str]:
    return list(RequestEvent.objects.filter(request=req).order_by("at", "pk").values_list("kind", flat=True))


def test_approving_in_the_console_signs_emails_logs_encourages_and_informs_each_once(
    ready, issuer, admin_a, cam, login, smtp_server, deliver
):
    deliver()  # what the submission and the agreements sent
    client = login(issuer)
    page = client.get(f"/console/nfr/{ready.pk}/").content.decode()
    assert f'action="/console/nfr/{ready.pk}/approve/"' in page and "encouragement" in page
    response = client.post(f"/console/nfr/{ready.pk}/approve/")
    assert response.status_code == 302
    ready.refresh_from_db()
    lic = License.objects.get(request=ready)
    assert (ready.status, ready.decided_by, ready.encouraged) == ("approved", issuer, True)
    assert [c["name"] for c in ready.eligibility] == ["authorised", "allowance", "certification"]
    smtp_server.box.clear()
    assert deliver()["sent"] == 4

    # 1. the license, attached, to the license contact (not a portal user)
    (mail,) = with_attachment(smtp_server.box.to("lena@acme.example"))
    filename, content = attachment_of(mail)
    assert filename == lic.filename
    text = content.decode() if isinstance(content, bytes) else content
    verified = verify_license(text, jwks=public_jwks())
    assert (verified.payload["id"], verified.payload["users"], verified.payload["email"]) == (
        str(lic.id),
        5,
        "lena@acme.example",
    )
    assert verified.payload["note"] == "5 Ultimate NFR licenses for partner Acme Test Partner"
    assert "Ultimate NFR license" in mail["Subject"]

    # 3. the encouragement (the seed's sample e-mail) to the contact and the CAM
    enc = [m for m in smtp_server.box.messages if m["Subject"] == "NFR License Request"]
    assert len(enc) == 1
    assert "lena@acme.example" in enc[0]["To"] and "cam@vendor.test" in enc[0]["To"]
    body = Mailbox.text(enc[0])
    assert body.startswith("Hi Lena License,")
    assert "Solution Architect Core certification" in body

    # 4. the requester (the partner admin) informed, with the portal link
    (informed,) = smtp_server.box.to("admin@a.test")
    assert f"/portal/nfr/{ready.pk}/" in Mailbox.text(informed)
    assert "approved" in informed["Subject"]

    # 2. the CRM activity (an outbox event for the CRM sync), subject and reference per S7
    crm = OutboxMessage.objects.get(kind=CRM_KIND)
    assert crm.payload["activity"]["subject"] == "E-mail: Ultimate NFR license key for lena@acme.example"
    assert crm.payload["activity"]["reference"] == ready.reference
    assert crm.payload["activity"]["license_id"] == str(lic.id)
    assert crm.status == "sent"

    # every step on the timeline, once; the privilege's use is audited
    kinds = steps_of(ready)
    assert kinds[:3] == ["submitted", "approved", "license_issued"]
    assert sorted(kinds[3:]) == sorted(STEPS)
    assert (
        AccessEvent.objects.filter(user=issuer, perm=ISSUE, kind="used", detail__contains=str(lic.id)).count()
        == 1
    )
    page = client.get(f"/console/nfr/{ready.pk}/").content.decode()
    assert page.count('data-step="') == 4 and "queued" not in page

    # a redelivery or a second run adds nothing
    assert deliver() == {"sent": 0, "failed": 0}
    assert len(smtp_server.box.messages) == 3


def test_a_partner_with_a_certified_employee_gets_no_encouragement(ready, issuer, smtp_server, deliver):
    source = eligibility.register_certification_source(lambda partner, names: 1)
    try:
        nfr_request_approve(request=ready, by=issuer)
    finally:
        eligibility.unregister_certification_source(source)
    ready.refresh_from_db()
    assert ready.encouraged is False
    deliver()
    assert not [m for m in smtp_server.box.messages if m["Subject"] == "NFR License Request"]
    assert "encouragement_sent" not in steps_of(ready)


def test_approving_twice_yields_one_license_and_one_email(ready, issuer, smtp_server, deliver, login):
    first = nfr_request_approve(request=ready, by=issuer)
    outbox = OutboxMessage.objects.count()
    second = nfr_request_approve(request=ready, by=issuer)
    assert first.pk == second.pk and License.objects.count() == 1
    assert OutboxMessage.objects.count() == outbox
    response = login(issuer).post(f"/console/nfr/{ready.pk}/approve/")  # a second click
    assert response.status_code == 302 and License.objects.count() == 1
    deliver()
    assert len([m for m in smtp_server.box.to("lena@acme.example") if "NFR license (" in m["Subject"]]) == 1
    assert steps_of(ready).count("approved") == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_approving_at_once_yield_one_license(partner_a, admin_a, cam, phd_emea, leadership):
    partner_a.cam = cam
    partner_a.save(update_fields=["cam"])
    accept_all(partner_a, admin_a)
    grant_issuing(phd_emea, leadership)
    req = nfr_request_submit(partner=partner_a, by=admin_a, **{**FORM, "seats": 5, "term_months": 12})
    barrier = threading.Barrier(2)
    results: list = []

    def approve() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(nfr_request_approve(request=NfrRequest.objects.get(pk=req.pk), by=phd_emea).pk)
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(results) == 2 and results[0] == results[1], results
    assert License.objects.filter(request=req).count() == 1
    assert (
        OutboxMessage.objects.filter(kind=EMAIL_KIND, idempotency_key__startswith="nfr-license:").count() == 1
    )
    assert RequestEvent.objects.filter(request=req, kind="approved").count() == 1


def test_without_the_issuing_privilege_the_reviewer_is_pointed_to_an_access_request(ready, phd_emea, login):
    client = login(phd_emea)
    page = client.get(f"/console/nfr/{ready.pk}/").content.decode()
    assert "Ask for it with an access request" in page and 'href="/console/access/' in page
    assert client.post(f"/console/nfr/{ready.pk}/approve/").status_code == 403
    ready.refresh_from_db()
    assert ready.status == "submitted" and not License.objects.exists() and not steps_of(ready)[1:]


def test_a_revoked_privilege_no_longer_issues(ready, issuer, leadership):
    from channelops.accounts.models import AccessRequest
    from channelops.accounts.services import access_request_revoke

    grant = AccessRequest.objects.get(user=issuer, perm=ISSUE)
    access_request_revoke(request=grant, by=leadership, reason="Moved to another team")
    with pytest.raises(NotAllowed, match="access request"):
        nfr_request_approve(request=ready, by=issuer)
    assert not License.objects.exists()


def test_a_cam_cannot_approve_even_with_the_privilege(ready, cam, leadership):
    grant_issuing(cam, leadership)
    with pytest.raises(NotAllowed):
        nfr_request_approve(request=ready, by=cam)


def test_a_blocking_failure_refuses_approval_and_changes_nothing(partner_a, admin_a, issuer, login):
    req = nfr_request_submit(partner=partner_a, by=admin_a, **{**FORM, "seats": 5, "term_months": 12})
    # agreements not accepted: not authorised
    response = login(issuer).post(f"/console/nfr/{req.pk}/approve/")
    assert response.status_code == 400
    assert "cannot be approved" in response.content.decode()
    req.refresh_from_db()
    assert (
        req.status == "submitted"
        and not License.objects.exists()
        and not OutboxMessage.objects.filter(idempotency_key__startswith="nfr-license").exists()
    )


def test_over_the_allowance_is_refused(ready, issuer, partner_a):
    license_for(partner_a, 8)  # Open tier: 10 users; 8 + 5 > 10
    with pytest.raises(Exception, match="cannot be approved"):
        nfr_request_approve(request=ready, by=issuer)
    ready.refresh_from_db()
    assert ready.status == "submitted"


def test_a_request_waiting_for_information_cannot_be_approved(ready, issuer):
    nfr_request_ask(request=ready, by=issuer, question="Which customer?")
    with pytest.raises(Exception, match="Only a submitted request"):
        nfr_request_approve(request=ready, by=issuer)


def test_a_cams_request_informs_the_cam_with_the_console_link(
    partner_a, admin_a, cam, issuer, smtp_server, deliver
):
    partner_a.cam = cam
    partner_a.save(update_fields=["cam"])
    accept_all(partner_a, admin_a)
    req = nfr_request_submit(partner=partner_a, by=cam, **{**FORM, "seats": 2, "term_months": 12})
    nfr_request_approve(request=req, by=issuer)
    deliver()
    informed = [m for m in smtp_server.box.to("cam@vendor.test") if "approved" in m["Subject"]]
    assert len(informed) == 1 and f"/console/nfr/{req.pk}/" in Mailbox.text(informed[0])
    admins = [m for m in smtp_server.box.to("admin@a.test") if "approved" in m["Subject"]]
    assert len(admins) == 1 and f"/portal/nfr/{req.pk}/" in Mailbox.text(admins[0])


def test_the_partner_sees_the_license_on_its_request_and_downloads_the_file(
    ready, issuer, admin_a, login, deliver
):
    lic = nfr_request_approve(request=ready, by=issuer)
    deliver()
    client = login(admin_a)
    page = client.get(f"/portal/nfr/{ready.pk}/").content.decode()
    assert lic.contact_email in page and f"/portal/licenses/{lic.id}/file" in page
    assert "License e-mailed" in page and "Logged in the CRM" in page
    response = client.get(f"/portal/licenses/{lic.id}/file")
    assert response.status_code == 200
    assert b"-----BEGIN CHANNELOPS LICENSE-----" in response.content


# --- the editable encouragement ---------------------------------------------------------------


def test_staff_edit_the_encouragement_and_the_next_email_uses_it(ready, issuer, login, smtp_server, deliver):
    client = login(issuer)
    assert (
        "We just sent you an email with your NFR license"
        in client.get("/console/nfr/templates/nfr_encouragement/").content.decode()
    )
    response = client.post(
        "/console/nfr/templates/nfr_encouragement/",
        {
            "subject": "Get certified, {{ contact_name }}",
            "body": "Dear {{ contact_name }} of {{ partner }}, certify!",
        },
    )
    assert response.status_code == 302
    nfr_request_approve(request=ready, by=issuer)
    deliver()
    (enc,) = smtp_server.box.to("cam@vendor.test")
    assert enc["Subject"] == "Get certified, Lena License"
    assert "Dear Lena License of Acme Test Partner, certify!" in Mailbox.text(enc)


def test_a_broken_template_is_refused_with_the_error_and_changes_nothing(issuer, login):
    before = MessageTemplate.objects.get(key="nfr_encouragement")
    response = login(issuer).post(
        "/console/nfr/templates/nfr_encouragement/", {"subject": "Hi", "body": "Hello {% if %}"}
    )
    assert response.status_code == 400 and "Not a valid template" in response.content.decode()
    after = MessageTemplate.objects.get(key="nfr_encouragement")
    assert (after.subject, after.body) == (before.subject, before.body)


def test_reset_brings_back_the_seed_text(issuer, login):
    client = login(issuer)
    client.post("/console/nfr/templates/nfr_encouragement/", {"subject": "x", "body": "y"})
    client.post("/console/nfr/templates/nfr_encouragement/", {"reset": "1", "subject": "", "body": ""})
    assert MessageTemplate.objects.get(key="nfr_encouragement").subject == "NFR License Request"


def test_a_cam_may_read_but_not_edit_templates(cam, login):
    client = login(cam)
    assert client.get("/console/nfr/templates/").status_code == 403  # no view permission for CAMs
    assert (
        client.post("/console/nfr/templates/nfr_encouragement/", {"subject": "x", "body": "y"}).status_code
        == 403
    )


# --- the API --------------------------------------------------------------------------------------


def test_the_api_approves_and_serves_the_license_and_its_file(
    ready, issuer, admin_a, user_b, api_client, deliver
):
    staff = api_client(issuer)
    response = staff.post(f"/api/v1/nfr-requests/{ready.pk}/approve")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "approved" and data["encouraged"] is True
    lic_id = data["license_id"]
    assert [e["kind"] for e in data["events"]][:3] == ["submitted", "approved", "license_issued"]
    again = staff.post(f"/api/v1/nfr-requests/{ready.pk}/approve")
    assert again.status_code == 200 and again.json()["license_id"] == lic_id

    partner = api_client(admin_a)
    lic = partner.get(f"/api/v1/licenses/{lic_id}").json()
    assert (lic["users"], lic["plan"], lic["note"]) == (
        5,
        "ultimate",
        "5 Ultimate NFR licenses for partner Acme Test Partner",
    )
    file = partner.get(f"/api/v1/licenses/{lic_id}/file")
    assert file.status_code == 200 and file["Content-Disposition"].startswith("attachment;")
    verify_license(file.content.decode(), jwks=public_jwks())

    other = api_client(user_b)
    for url in (
        f"/api/v1/licenses/{lic_id}",
        f"/api/v1/licenses/{lic_id}/file",
        f"/api/v1/nfr-requests/{ready.pk}",
    ):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/api/v1/nfr-requests/{ready.pk}/approve").status_code == 404


def test_the_api_refuses_approval_without_the_privilege_and_to_partner_people(
    ready, phd_emea, admin_a, api_client
):
    assert api_client(phd_emea).post(f"/api/v1/nfr-requests/{ready.pk}/approve").status_code == 403
    assert api_client(admin_a).post(f"/api/v1/nfr-requests/{ready.pk}/approve").status_code == 403
    ready.refresh_from_db()
    assert ready.status == RequestStatus.SUBMITTED


def test_a_partner_user_who_may_not_request_licenses_cannot_download_the_file(
    ready, issuer, partner_a, api_client
):
    from .factories import MembershipFactory, UserFactory

    plain = MembershipFactory(partner=partner_a, role="user", user=UserFactory(email="plain@a.test")).user
    lic = nfr_request_approve(request=ready, by=issuer)
    client = api_client(plain)
    assert client.get(f"/api/v1/licenses/{lic.id}").status_code == 200
    assert client.get(f"/api/v1/licenses/{lic.id}/file").status_code == 403


def test_the_partner_answers_over_the_api(ready, issuer, admin_a, api_client):
    nfr_request_ask(request=ready, by=issuer, question="Which customer?")
    response = api_client(admin_a).post(
        f"/api/v1/nfr-requests/{ready.pk}/answer", {"answer": "Globex"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert (
        api_client(admin_a)
        .post(f"/api/v1/nfr-requests/{ready.pk}/answer", {"answer": "again"}, content_type="application/json")
        .status_code
        == 422
    )


def test_crm_subject_names_the_plan_and_address():
    assert (
        crm_subject(plan="premium", email="a@b.example") == "E-mail: Premium NFR license key for a@b.example"
    )


def test_keys_json_verifies_the_emailed_license_with_the_cli(
    ready, issuer, client, tmp_path, smtp_server, deliver, capsys
):
    from django.core.management import call_command

    nfr_request_approve(request=ready, by=issuer)
    deliver()
    (mail,) = with_attachment(smtp_server.box.to("lena@acme.example"))
    _name, content = attachment_of(mail)
    lic_path = tmp_path / "license.lic"
    lic_path.write_bytes(content if isinstance(content, bytes) else content.encode())
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(client.get("/licenses/keys.json").json()))
    call_command("license", "verify", str(lic_path), "--keys", str(keys))
    assert "VALID" in (out := capsys.readouterr().out) and "Lena License" in out
    data = bytearray(lic_path.read_bytes())
    middle = data.index(b"-----BEGIN CHANNELOPS LICENSE-----") + 200
    data[middle] = ord("A") if data[middle] != ord("A") else ord("B")
    lic_path.write_bytes(bytes(data))
    with pytest.raises(SystemExit) as exc:
        call_command("license", "verify", str(lic_path), "--keys", str(keys))
    assert exc.value.code == 1 and "INVALID" in capsys.readouterr().out


def test_a_staff_factory_without_any_role_sees_no_approve_button(ready, login):
    nobody = StaffFactory(email="nobody@vendor.test", roles=[])
    assert login(nobody).get(f"/console/nfr/{ready.pk}/").status_code == 403


# --- the real worker, killed mid-delivery and restarted ------------------------------------------

APPROVE = """
import django
django.setup()
from channelops.accounts.services import access_request_approve, access_request_create
from channelops.licensing.services import nfr_request_approve, nfr_request_submit
from tests.factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory
from tests.test_nfr_requests import FORM, accept_all

partner = PartnerFactory(legal_name="Acme Test Partner", cam=StaffFactory(email="cam@vendor.test", roles=["cam"]))
admin = MembershipFactory(partner=partner, role="admin", user=UserFactory(email="admin@a.test")).user
accept_all(partner, admin)
phd = StaffFactory(email="phd@vendor.test", roles=["phd_specialist"])
lead = StaffFactory(email="lead@vendor.test", roles=["channel_leadership"])
grant = access_request_create(perm="licensing.issue_license", justification="I review the NFR queue daily.", by=phd)
access_request_approve(request=grant, by=lead)
req = nfr_request_submit(partner=partner, by=admin, **{**FORM, "seats": 5, "term_months": 12})
nfr_request_approve(request=req, by=phd)
nfr_request_approve(request=req, by=phd)  # a second click
print(req.pk)
"""


def _sql(db_path, query: str) -> list:
    con = sqlite3.connect(db_path, timeout=20)
    try:
        return con.execute(query).fetchall()
    finally:
        con.close()


def test_killing_the_worker_mid_delivery_and_restarting_delivers_each_email_once(
    migrated_sqlite, smtp_server
):
    db_path = migrated_sqlite
    env = worker_env(db_path, smtp_server.port) | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    py = sys.executable
    subprocess.run([py, "-c", APPROVE], env=env, check=True, timeout=120)
    assert _sql(db_path, "SELECT count(*) FROM licensing_license") == [(1,)]

    worker = subprocess.Popen([py, "-m", "django", "worker"], env=env)

    def kill_on_the_license(msg):  # type: ignore[no-untyped-def]
        if any(True for _ in msg.iter_attachments()):
            os.kill(worker.pid, signal.SIGKILL)  # dies while sending the license
            return "451 4.3.0 connection lost"
        return None

    smtp_server.handler_obj.before_accept = kill_on_the_license
    worker.wait(timeout=90)
    assert worker.returncode == -signal.SIGKILL
    smtp_server.handler_obj.before_accept = None

    worker = subprocess.Popen([py, "-m", "django", "worker"], env=env)
    scheduler = subprocess.Popen([py, "-m", "django", "scheduler", "--interval", "1"], env=env)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            pending = _sql(db_path, "SELECT count(*) FROM core_outboxmessage WHERE status != 'sent'")
            if pending == [(0,)]:
                break
            time.sleep(0.5)
    finally:
        for p in (worker, scheduler):
            p.terminate()
            p.wait(timeout=30)
    assert _sql(db_path, "SELECT count(*) FROM core_outboxmessage WHERE status != 'sent'") == [(0,)]
    keys = [
        m["X-Channelops-Key"] for m in smtp_server.box.messages if m["X-Channelops-Key"].startswith("nfr-")
    ]
    license_keys = [k for k in keys if k.startswith(("nfr-license:", "nfr-encourage:", "nfr-informed:"))]
    assert len(license_keys) == 3 and len(set(license_keys)) == 3, keys  # each e-mail exactly once
    assert len(with_attachment(smtp_server.box.to("lena@acme.example"))) == 1
    steps = _sql(db_path, "SELECT kind, count(*) FROM licensing_requestevent GROUP BY kind")
    assert {k: n for k, n in steps if k in STEPS} == dict.fromkeys(STEPS, 1)


def test_the_demo_has_an_issued_license_a_queued_request_and_a_question(db):
    from channelops.demo.data import demo_people

    demo_people()
    demo_people()  # idempotent
    rows = sorted(NfrRequest.objects.values_list("partner__legal_name", "status"))
    assert [s for _n, s in rows].count("approved") == 1
    assert sorted(s for _n, s in rows) == ["approved", "needs_info", "submitted"]
    lic = License.objects.get()
    verify_license(lic.file_text, jwks=public_jwks())
    assert OutboxMessage.objects.filter(idempotency_key=f"nfr-license:{lic.id}").count() == 1


def test_at_scale_the_console_form_searches_partners_instead_of_listing_them(
    partner_a, cam, login, monkeypatch
):
    from channelops.licensing import forms as licensing_forms

    from .factories import PartnerFactory

    monkeypatch.setattr(licensing_forms, "PARTNER_SELECT_LIMIT", 2)
    PartnerFactory(legal_name="Acme Rockets Ltd")
    PartnerFactory(legal_name="Zenith Systems")
    client = login(cam)
    page = client.get(f"/console/nfr/new/?partner={partner_a.pk}").content.decode()
    assert '<select name="partner"' not in page and f"Acme Test Partner (#{partner_a.pk})" in page
    data = {**FORM}
    ambiguous = client.post("/console/nfr/new/", {**data, "partner": "acme"})
    assert ambiguous.status_code == 400 and "Several partners match" in ambiguous.content.decode()
    missing = client.post("/console/nfr/new/", {**data, "partner": "Nobody Inc"})
    assert missing.status_code == 400 and "No active partner" in missing.content.decode()
    assert not NfrRequest.objects.exists()
    ok = client.post("/console/nfr/new/", {**data, "partner": "zenith"})
    assert ok.status_code == 302
    assert NfrRequest.objects.get().partner.legal_name == "Zenith Systems"
    by_number = client.post(
        "/console/nfr/new/",
        {**data, "contact_email": "x@y.example", "partner": f"Whatever (#{partner_a.pk})"},
    )
    assert by_number.status_code == 302
    assert NfrRequest.objects.filter(partner=partner_a).count() == 1


def test_a_cam_requests_a_renewal_from_the_console_license_page(ready, issuer, cam, login):
    lic = nfr_request_approve(request=ready, by=issuer)
    client = login(cam)
    page = client.get(f"/console/licenses/{lic.id}/").content.decode()
    assert "Request renewal for the partner" in page
    response = client.post(f"/console/licenses/{lic.id}/")
    assert response.status_code == 302
    renewal = NfrRequest.objects.get(renews=lic)
    assert (renewal.is_renewal, renewal.requested_by, renewal.contact_email) == (True, cam, lic.contact_email)
    again = client.post(f"/console/licenses/{lic.id}/")  # a second click: the renewal is pending
    assert again.status_code == 400 and "is already open" in again.content.decode()
    assert NfrRequest.objects.filter(renews=lic).count() == 1
