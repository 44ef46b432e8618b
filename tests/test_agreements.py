"""Agreements (S3) through the pages people use: acceptance with evidence, new versions and
re-acceptance, the "who has not re-accepted" report, region exceptions, legal requests.
E-mails are read from the SMTP server."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone

from channelops.agreements.models import (
    Acceptance,
    AgreementEvent,
    AgreementTemplate,
    AgreementVersion,
    EventKind,
    ImmutableEvidenceError,
    LegalRequest,
    RegionException,
    content_hash,
)
from channelops.agreements.querysets import covered_region_codes
from channelops.agreements.services import (
    agreement_accept,
    legal_custom_version_offer,
    legal_request_open,
    reaccept_reminders,
    region_exception_request,
    version_create,
    version_publish,
)
from channelops.partners.models import Region

from .conftest import Mailbox
from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (AgreementTest)"
NEW_CLAUSE = "## 12. Data protection\n\nThe partner processes customer data only as instructed.\n"


def master() -> AgreementTemplate:
    return AgreementTemplate.objects.get(slug="master-partner-agreement")


def v1() -> AgreementVersion:
    return master().versions.get(number=1)


def accept_form(shown: AgreementVersion, **overrides) -> dict:
    return {"version": shown.pk, "content_hash": shown.content_hash, "confirm": "on", **overrides}


def post_accept(
    client: Client, shown: AgreementVersion, *, url_version: AgreementVersion | None = None, **data
):
    """Post the accept form of ``shown`` (fields overridden by ``data``) from a browser at 203.0.113.7."""
    url = f"/portal/agreements/versions/{(url_version or shown).pk}/"
    return client.post(url, accept_form(shown, **data), REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=AGENT)


def publish_v2(by=None, days: int = 30) -> AgreementVersion:
    draft = version_create(
        template=master(), body=v1().body + "\n" + NEW_CLAUSE, change_summary="Data", by=by
    )
    return version_publish(version=draft, by=by, reaccept_by=timezone.localdate() + timedelta(days=days))


ROW = 'data-label="State"'  # one cell per row of the report's table


def streamed(resp) -> str:
    """The text of a streamed download (the CSV export)."""
    return b"".join(resp.streaming_content).decode()


def long_date(d) -> str:
    """A date as the e-mails and the dashboard write it ("7 March 2026")."""
    return f"{d.day} {d:%B %Y}"


def subjects(box, address: str) -> list[str]:
    return [m["Subject"] for m in box.to(address)]


@pytest.fixture
def legal(db):
    return StaffFactory(email="legal@vendor.test", roles=["legal"])


# --- acceptance --------------------------------------------------------------------------------


def test_partner_admin_accepts_the_master_agreement_with_evidence_and_gets_a_confirmation(
    admin_a, partner_a, login, smtp_server, deliver
):
    client = login(admin_a)
    page = client.get("/portal/agreements/").content.decode()
    assert "Agreements of Acme Test Partner" in page
    assert "Master Partner Agreement" in page and "Acceptance required" in page
    version = v1()
    page = client.get(f"/portal/agreements/versions/{version.pk}/").content.decode()
    assert version.content_hash in page
    assert "<h4>1. Appointment</h4>" in page  # the Markdown is rendered (headings below the page's h1/h2)
    assert "I have read and accept the Master Partner Agreement (v1) on behalf of Acme Test Partner" in page

    resp = post_accept(client, version)

    assert resp.status_code == 302 and resp["Location"] == "/portal/agreements/"
    acc = Acceptance.objects.get(partner=partner_a)
    assert acc.version == version and acc.template == master()
    assert acc.accepted_by == admin_a and acc.accepted_by_email == "admin@a.test"
    assert acc.ip_address == "203.0.113.7" and acc.user_agent == AGENT
    assert acc.content_hash == content_hash(version.body) == version.content_hash
    assert acc.regions == "EMEA"
    assert abs((timezone.now() - acc.accepted_at).total_seconds()) < 60
    assert AgreementEvent.objects.filter(partner=partner_a, kind=EventKind.ACCEPTED).count() == 1
    page = client.get("/portal/agreements/").content.decode()
    assert 'data-state="accepted"' in page and "Acceptance required" not in page

    deliver()
    (msg,) = smtp_server.box.to("admin@a.test")
    assert msg["Subject"] == "You accepted the Master Partner Agreement (v1) for Acme Test Partner"
    text = Mailbox.text(msg)
    assert version.content_hash in text and "203.0.113.7" in text and "Regions covered: EMEA" in text


def test_an_acceptance_without_the_confirmation_box_is_refused(admin_a, partner_a, login):
    resp = post_accept(login(admin_a), v1(), confirm="")
    assert resp.status_code == 400
    assert "Tick the box" in resp.content.decode()
    assert not Acceptance.objects.exists()


def test_tampered_acceptance_posts_are_refused_with_a_clear_error_and_record_nothing(
    admin_a, partner_a, login
):
    client = login(admin_a)
    current = v1()
    reseller_v1 = AgreementVersion.objects.get(template__slug="reseller-addendum", number=1)

    resp = post_accept(client, current, content_hash="0" * 64)  # the text was not the one shown
    assert resp.status_code == 400
    assert "does not match the published text" in resp.content.decode()

    resp = post_accept(client, current, version=reseller_v1.pk)  # another version's id in the form
    assert resp.status_code == 400
    assert "does not belong to the text shown" in resp.content.decode()

    resp = post_accept(client, reseller_v1)  # a version that does not apply to the partner
    assert resp.status_code == 400
    assert "not the version your company is asked to accept" in resp.content.decode()

    resp = post_accept(client, current, version="not-a-number")
    assert resp.status_code == 400
    assert "The form was changed" in resp.content.decode()

    assert not Acceptance.objects.exists()
    assert not AgreementEvent.objects.filter(kind=EventKind.ACCEPTED).exists()


def test_accepting_an_old_version_after_a_new_one_is_published_is_refused(admin_a, partner_a, login):
    old = v1()
    new = publish_v2()
    client = login(admin_a)
    page = client.get(f"/portal/agreements/versions/{old.pk}/").content.decode()
    assert "I have read and accept" not in page  # no form on a superseded version
    resp = post_accept(client, old)
    assert resp.status_code == 400
    assert "not the version your company is asked to accept" in resp.content.decode()
    assert not Acceptance.objects.exists()
    assert post_accept(client, new).status_code == 302
    assert list(Acceptance.objects.values_list("version_id", flat=True)) == [new.pk]


@pytest.fixture
def custom_version_a(partner_a, admin_a, legal):
    lr = legal_request_open(partner=partner_a, template=master(), proposed_changes="Acme needs X", by=admin_a)
    return legal_custom_version_offer(
        request=lr, body=f"# Custom terms for {partner_a.legal_name}\n\nNegotiated text.\n", by=legal
    )


def test_another_partners_admin_can_neither_read_nor_accept_a_custom_version(
    custom_version_a, partner_b, user_b, login
):
    client = login(user_b)
    url = f"/portal/agreements/versions/{custom_version_a.pk}/"
    assert client.get(url).status_code == 404
    assert post_accept(client, custom_version_a).status_code == 404
    # ... nor by sending its id and hash through a page partner B may open
    resp = post_accept(client, custom_version_a, url_version=v1())
    assert resp.status_code == 400
    assert not Acceptance.objects.exists()
    assert "Acme" not in client.get("/portal/agreements/").content.decode()


def test_a_partner_user_who_is_not_an_admin_reads_but_cannot_accept(user_a, partner_a, login):
    client = login(user_a)
    page = client.get("/portal/agreements/").content.decode()
    assert "Only your company" in page and "Request additional regions" not in page
    page = client.get(f"/portal/agreements/versions/{v1().pk}/").content.decode()
    assert "Master Partner Agreement" in page and "I have read and accept" not in page
    assert "Negotiate" not in page
    assert post_accept(client, v1()).status_code == 403
    assert not Acceptance.objects.exists()


# --- new versions, re-acceptance, reminders, report ----------------------------------------------


@pytest.fixture
def accepted_a(partner_a, admin_a):
    version = v1()
    return agreement_accept(
        partner=partner_a, version=version, submitted_hash=version.content_hash, by=admin_a, ip="10.0.0.1"
    )


def test_a_version_published_in_the_console_prompts_partners_to_reaccept_by_the_deadline(
    accepted_a, partner_a, admin_a, partner_b, user_b, leadership, login, smtp_server, deliver
):
    tid = master().pk
    staff = login(leadership)
    page = staff.get(f"/console/agreements/{tid}/").content.decode()
    assert "New draft version" in page
    assert "The vendor appoints the partner as a non-exclusive partner" in page  # pre-filled with v1's text

    resp = staff.post(
        f"/console/agreements/{tid}/", {"body": v1().body + "\nDraft clause.\n", "change_summary": "x"}
    )
    draft = AgreementVersion.objects.get(template_id=tid, number=2)
    assert resp.status_code == 302 and resp["Location"] == f"/console/agreements/versions/{draft.pk}/"
    assert draft.status == "draft" and draft.created_by == leadership
    resp = staff.post(
        f"/console/agreements/versions/{draft.pk}/",
        {"body": v1().body + "\n" + NEW_CLAUSE, "change_summary": "Data protection clause"},
    )
    assert resp.status_code == 302
    draft.refresh_from_db()
    assert "Draft clause" not in draft.body and "12. Data protection" in draft.body
    page = staff.get(f"/console/agreements/versions/{draft.pk}/").content.decode()
    assert "Partners re-accept by" in page
    deadline = timezone.localdate() + timedelta(days=21)

    resp = staff.post(
        f"/console/agreements/versions/{draft.pk}/publish/", {"reaccept_by": deadline.isoformat()}
    )

    assert resp.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published" and draft.reaccept_by == deadline and draft.published_by == leadership
    resp = staff.post(
        f"/console/agreements/versions/{draft.pk}/", {"body": "# Changed after publishing\n\nNo."}
    )
    assert resp.status_code == 400  # published text never changes
    draft.refresh_from_db()
    assert "12. Data protection" in draft.body

    deliver()
    deliver()  # the publish fans out into one e-mail per partner
    (prompt,) = [m for m in smtp_server.box.to("admin@a.test") if m["Subject"].startswith("Please accept")]
    assert (
        prompt["Subject"] == f"Please accept the new Master Partner Agreement (v2) by {long_date(deadline)}"
    )
    assert "Data protection clause" in Mailbox.text(prompt)
    assert smtp_server.box.to("admin@b.test") == []  # never accepted: nothing to re-accept

    client = login(admin_a)
    page = client.get("/portal/agreements/").content.decode()
    assert "Re-acceptance due" in page and f'datetime="{deadline:%Y-%m-%d}"' in page
    dashboard = client.get("/portal/").content.decode()
    assert "1 agreement needs your company" in dashboard and f"Accept by {long_date(deadline)}" in dashboard

    staff = login(leadership)
    overview = staff.get("/console/agreements/").content.decode()
    assert "state=due" in overview
    partner_page = staff.get(f"/console/partners/{partner_a.pk}/?tab=agreements").content.decode()
    assert 'data-state="due"' in partner_page
    timeline = staff.get(f"/console/partners/{partner_a.pk}/?tab=timeline").content.decode()
    assert "Partner asked to re-accept: E-mailed to admin@a.test" in timeline


def test_a_cam_reads_agreement_versions_but_cannot_create_them(cam, login):
    tid = master().pk
    client = login(cam)
    page = client.get(f"/console/agreements/{tid}/").content.decode()
    assert "New draft version" not in page
    assert (
        client.post(f"/console/agreements/{tid}/", {"body": "# New\n\nA text long enough."}).status_code
        == 403
    )
    assert master().versions.count() == 1


def test_after_the_deadline_the_partner_is_overdue_and_listed_in_the_report_and_its_csv(
    accepted_a, partner_a, admin_a, cam, login
):
    evil = PartnerFactory(legal_name="=HYPERLINK(evil)")
    evil_admin = MembershipFactory(partner=evil, role="admin", user=UserFactory()).user
    agreement_accept(partner=evil, version=v1(), submitted_hash=v1().content_hash, by=evil_admin)
    good = PartnerFactory(legal_name="Gamma Reaccepted")
    good_admin = MembershipFactory(partner=good, role="admin", user=UserFactory()).user
    agreement_accept(partner=good, version=v1(), submitted_hash=v1().content_hash, by=good_admin)
    new = publish_v2(days=10)
    agreement_accept(partner=good, version=new, submitted_hash=new.content_hash, by=good_admin)

    later = datetime.combine(
        new.reaccept_by + timedelta(days=1), time(9), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(later, tick=False):
        page = login(admin_a).get("/portal/agreements/").content.decode()
        assert "Re-acceptance overdue" in page
        assert "The deadline has passed" in login(admin_a).get("/portal/").content.decode()

        client = login(cam)
        page = client.get("/console/agreements/report/", {"state": "overdue"}).content.decode()
        assert "Acme Test Partner" in page and "=HYPERLINK(evil)" in page
        assert "Gamma Reaccepted" not in page
        assert client.get("/console/agreements/report/", {"state": "due"}).content.decode().count(ROW) == 0

        # ?format=csv: the report's export link before the list-page block, still answered
        resp = client.get("/console/agreements/report/", {"state": "overdue", "format": "csv"})
        assert resp["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(streamed(resp))))
    assert rows[0][:2] == ["Partner id", "Partner"]
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"Acme Test Partner", "'=HYPERLINK(evil)"}  # formulas are neutralised
    assert by_name["Acme Test Partner"][4:] == [
        "v2",
        "v1",
        by_name["Acme Test Partner"][6],
        "overdue",
        str(new.reaccept_by),
    ]


def test_the_report_filters_by_agreement_state_and_region(accepted_a, partner_b, cam, login):
    PartnerFactory(legal_name="Apac Newcomer", region=Region.objects.get(code="APAC"))
    publish_v2()
    client = login(cam)
    page = client.get("/console/agreements/report/").content.decode()
    assert "Acme Test Partner" in page and "Beta Test Partner" in page and "Apac Newcomer" in page
    page = client.get("/console/agreements/report/", {"state": "required", "region": "APAC"}).content.decode()
    assert "Apac Newcomer" in page and "Beta Test Partner" not in page and "Acme Test Partner" not in page
    reseller = AgreementTemplate.objects.get(slug="reseller-addendum")
    page = client.get("/console/agreements/report/", {"template": reseller.pk}).content.decode()
    assert "Acme Test Partner" not in page  # the reseller addendum does not apply to these partners
    assert client.get("/console/agreements/report/", {"format": "pdf"}).status_code == 404


def test_daily_reminders_email_each_partner_once_before_and_once_after_the_deadline(
    accepted_a, admin_a, smtp_server, deliver
):
    new = publish_v2(days=20)
    deliver()
    deliver()
    smtp_server.box.clear()
    tz = timezone.get_current_timezone()
    with time_machine.travel(datetime.combine(new.reaccept_by - timedelta(days=3), time(8, 15), tzinfo=tz)):
        assert reaccept_reminders() == {"soon": 1, "overdue": 0}
        deliver()
        assert reaccept_reminders() == {"soon": 0, "overdue": 0}  # the second run sends nothing more
        deliver()
    assert subjects(smtp_server.box, "admin@a.test") == [
        f"Reminder: accept the Master Partner Agreement (v2) by {long_date(new.reaccept_by)}"
    ]
    smtp_server.box.clear()
    with time_machine.travel(datetime.combine(new.reaccept_by + timedelta(days=1), time(8, 15), tzinfo=tz)):
        assert reaccept_reminders() == {"soon": 0, "overdue": 1}
        assert reaccept_reminders() == {"soon": 0, "overdue": 0}
        deliver()
    assert subjects(smtp_server.box, "admin@a.test") == [
        f"Overdue: the Master Partner Agreement (v2) was due on {long_date(new.reaccept_by)}"
    ]


# --- evidence immutability -----------------------------------------------------------------------


def test_acceptance_evidence_cannot_be_changed_or_deleted_anywhere(
    accepted_a, partner_a, administrator, login
):
    acc = accepted_a
    before = Acceptance.objects.filter(pk=acc.pk).values().get()
    client = login(administrator)
    change = f"/console/admin/agreements/acceptance/{acc.pk}/change/"
    assert client.get(change).status_code == 200  # read-only view
    resp = client.post(change, {"ip_address": "198.51.100.1", "accepted_by_email": "forged@evil.test"})
    assert resp.status_code == 403
    resp = client.post(f"/console/admin/agreements/acceptance/{acc.pk}/delete/", {"post": "yes"})
    assert resp.status_code == 403
    assert Acceptance.objects.filter(pk=acc.pk).values().get() == before
    refused = AgreementEvent.objects.filter(partner=partner_a, kind=EventKind.EDIT_REFUSED)
    assert refused.count() == 2 and {e.by for e in refused} == {administrator}
    page = client.get(f"/console/partners/{partner_a.pk}/?tab=timeline").content.decode()
    assert "Attempt to change acceptance evidence refused" in page
    assert f"Attempt to change acceptance #{acc.pk} via the data admin (delete) refused" in page

    acc.ip_address = "198.51.100.1"
    with pytest.raises(ImmutableEvidenceError):
        acc.save()
    with pytest.raises(ImmutableEvidenceError):
        acc.delete()
    with pytest.raises(ImmutableEvidenceError):
        Acceptance.objects.filter(pk=acc.pk).update(ip_address="198.51.100.1")
    with pytest.raises(ImmutableEvidenceError):
        Acceptance.objects.filter(pk=acc.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE agreements_acceptance SET ip_address = %s WHERE id = %s", ["198.51.100.1", acc.pk]
        )
    assert Acceptance.objects.filter(pk=acc.pk).values().get() == before


# --- region exceptions -----------------------------------------------------------------------------


def test_region_exception_is_requested_in_the_portal_and_decided_by_leadership_only(
    partner_a, admin_a, cam, leadership, login, smtp_server, deliver
):
    amer = Region.objects.get(code="AMER")
    client = login(admin_a)
    page = client.get("/portal/agreements/").content.decode()
    assert "Request additional regions" in page and "AMER" in page
    resp = client.post("/portal/agreements/regions/", {"regions": [amer.pk], "justification": ""})
    assert resp.status_code == 400 and "This field is required" in resp.content.decode()
    resp = client.post(
        "/portal/agreements/regions/", {"regions": [amer.pk], "justification": "We sell to US subsidiaries."}
    )
    assert resp.status_code == 302
    exc = RegionException.objects.get(partner=partner_a)
    assert exc.status == "pending" and list(exc.regions.all()) == [amer]
    page = client.get("/portal/agreements/").content.decode()
    assert "waiting for channel leadership" in page
    deliver()
    (msg,) = smtp_server.box.to("lead@vendor.test")
    assert msg["Subject"] == "Region exception requested by Acme Test Partner: AMER"
    assert f"/console/region-exceptions/{exc.pk}/" in Mailbox.text(msg)

    url = f"/console/region-exceptions/{exc.pk}/"
    staff = login(cam)
    page = staff.get(url).content.decode()
    assert "We sell to US subsidiaries." in page and "Record the decision" not in page
    assert staff.post(url, {"decision": "approve"}).status_code == 403
    assert "Acme Test Partner" in staff.get("/console/region-exceptions/?status=pending").content.decode()
    exc.refresh_from_db()
    assert exc.status == "pending"

    staff = login(leadership)
    assert "Record the decision" in staff.get(url).content.decode()
    resp = staff.post(url, {"decision": "approve", "note": ""})
    assert resp.status_code == 302
    exc.refresh_from_db()
    assert exc.status == "approved" and exc.decided_by == leadership
    assert covered_region_codes(partner_a) == ["EMEA", "AMER"]
    assert "EMEA, AMER" in login(admin_a).get("/portal/agreements/").content.decode()
    deliver()
    assert subjects(smtp_server.box, "admin@a.test") == ["Your region request was approved"]
    # an acceptance now records both regions
    resp = post_accept(login(admin_a), v1())
    assert Acceptance.objects.get(partner=partner_a).regions == "EMEA,AMER"


def test_denying_a_region_exception_requires_a_note_for_the_partner(partner_a, admin_a, leadership, login):
    exc = region_exception_request(
        partner=partner_a, regions=[Region.objects.get(code="APAC")], justification="Why not", by=admin_a
    )
    staff = login(leadership)
    resp = staff.post(f"/console/region-exceptions/{exc.pk}/", {"decision": "deny", "note": ""})
    assert resp.status_code == 400 and "Give the partner a reason" in resp.content.decode()
    exc.refresh_from_db()
    assert exc.status == "pending"
    resp = staff.post(
        f"/console/region-exceptions/{exc.pk}/", {"decision": "deny", "note": "No APAC presence."}
    )
    assert resp.status_code == 302
    exc.refresh_from_db()
    assert exc.status == "denied" and exc.decision_note == "No APAC presence."
    assert covered_region_codes(partner_a) == ["EMEA"]
    assert "No APAC presence." in login(admin_a).get("/portal/agreements/").content.decode()


def test_a_partner_user_cannot_request_regions(user_a, partner_a, login):
    resp = login(user_a).post(
        "/portal/agreements/regions/",
        {"regions": [Region.objects.get(code="AMER").pk], "justification": "x"},
    )
    assert resp.status_code == 403
    assert not RegionException.objects.exists()


# --- legal requests ------------------------------------------------------------------------------


def test_legal_request_negotiates_a_custom_version_that_the_partner_accepts(
    partner_a, admin_a, user_a, legal, cam, login, smtp_server, deliver
):
    client = login(admin_a)
    page = client.get(f"/portal/agreements/versions/{v1().pk}/").content.decode()
    assert "Negotiate (legal request)" in page
    resp = client.post(
        "/portal/agreements/legal/",
        {"template": master().pk, "proposed_changes": "Clause 2.3: 90 days notice."},
    )
    lr = LegalRequest.objects.get(partner=partner_a)
    assert resp.status_code == 302 and resp["Location"] == f"/portal/agreements/legal/{lr.pk}/"
    assert lr.status == "open" and lr.version == v1()
    assert "In negotiation (legal request)" in client.get("/portal/agreements/").content.decode()
    resp = client.post("/portal/agreements/legal/", {"template": master().pk, "proposed_changes": "Again"})
    assert resp.status_code == 400 and "already open" in resp.content.decode()
    deliver()
    assert subjects(smtp_server.box, "legal@vendor.test") == [
        "Legal request from Acme Test Partner: Master Partner Agreement"
    ]

    staff = login(legal)
    url = f"/console/legal-requests/{lr.pk}/"
    page = staff.get(url).content.decode()
    assert "Clause 2.3: 90 days notice." in page
    assert "The vendor appoints the partner as a non-exclusive partner" in page  # the offer starts from v1
    assert staff.post(url, {"body": "We can offer 60 days."}).status_code == 302
    deliver()
    (msg,) = smtp_server.box.to("admin@a.test")
    assert (
        msg["Subject"] == "New comment on the legal request of Acme Test Partner (Master Partner Agreement)"
    )
    assert "We can offer 60 days." in Mailbox.text(msg)

    smtp_server.box.clear()
    client = login(user_a)  # any partner person of the company may discuss
    assert client.post(f"/portal/agreements/legal/{lr.pk}/", {"body": "60 days is fine."}).status_code == 302
    page = client.get(f"/portal/agreements/legal/{lr.pk}/").content.decode()
    assert "We can offer 60 days." in page and "60 days is fine." in page
    deliver()
    assert "60 days is fine." in Mailbox.text(smtp_server.box.to("legal@vendor.test")[0])
    assert login(cam).post(url, {"body": "CAM says hi"}).status_code == 403

    smtp_server.box.clear()
    custom_body = v1().body.replace("30 days' written notice", "60 days' written notice")
    staff = login(legal)
    resp = staff.post(f"{url}offer/", {"offer-body": custom_body, "offer-note": "60 days notice"})
    assert resp.status_code == 302
    lr.refresh_from_db()
    custom = AgreementVersion.objects.get(legal_request=lr)
    assert lr.status == "offered" and custom.partner == partner_a and custom.status == "published"
    deliver()
    assert subjects(smtp_server.box, "admin@a.test") == [
        "A custom version of the Master Partner Agreement is ready for Acme Test Partner"
    ]
    diff = staff.get(f"/console/agreements/{master().pk}/diff/?a={v1().pk}&b={custom.pk}").content.decode()
    assert "<ins>3. Either party may end the membership with 60 days&#x27; written notice.</ins>" in diff

    client = login(admin_a)
    page = client.get("/portal/agreements/").content.decode()
    assert f'href="/portal/agreements/versions/{custom.pk}/"' in page
    page = client.get(f"/portal/agreements/versions/{custom.pk}/").content.decode()
    assert "custom version for Acme Test Partner" in page and custom.content_hash in page
    assert post_accept(client, custom).status_code == 302
    lr.refresh_from_db()
    assert lr.status == "accepted"
    assert Acceptance.objects.get(partner=partner_a).version == custom
    assert "Custom version accepted" in client.get(f"/portal/agreements/legal/{lr.pk}/").content.decode()


def test_a_legal_request_is_withdrawn_by_the_partner_admin_only(partner_a, admin_a, user_a, login):
    lr = legal_request_open(partner=partner_a, template=master(), proposed_changes="Change it", by=admin_a)
    url = f"/portal/agreements/legal/{lr.pk}/withdraw/"
    assert login(user_a).post(url).status_code == 403
    client = login(admin_a)
    resp = client.post(url, {"withdraw-note": "We accept the standard terms."})
    assert resp.status_code == 302
    lr.refresh_from_db()
    assert lr.status == "withdrawn" and lr.outcome_note == "We accept the standard terms."
    page = client.get(f"/portal/agreements/legal/{lr.pk}/").content.decode()
    assert "Withdrawn" in page and "Add a comment" not in page
    resp = client.post(f"/portal/agreements/legal/{lr.pk}/", {"body": "One more thing"})
    assert resp.status_code == 400 and "closed" in resp.content.decode()
    assert "Acceptance required" in client.get("/portal/agreements/").content.decode()


def test_legal_staff_close_a_legal_request_from_the_console(partner_a, admin_a, legal, login):
    lr = legal_request_open(partner=partner_a, template=master(), proposed_changes="Change it", by=admin_a)
    staff = login(legal)
    assert "Acme Test Partner" in staff.get("/console/legal-requests/?status=open").content.decode()
    resp = staff.post(f"/console/legal-requests/{lr.pk}/withdraw/", {"withdraw-note": "No answer"})
    assert resp.status_code == 302
    lr.refresh_from_db()
    assert lr.status == "withdrawn" and lr.closed_by == legal
    assert "Acme Test Partner" not in staff.get("/console/legal-requests/?status=open").content.decode()
    assert "Acme Test Partner" in staff.get("/console/legal-requests/?status=withdrawn").content.decode()


# --- diff --------------------------------------------------------------------------------------


def test_the_diff_page_shows_added_and_removed_lines_escaped(leadership, login):
    old = v1()
    body = (
        old.body.replace("## 1. Appointment", "## 1. Appointment (amended)")
        + "\nNew <script>x</script> & more\n"
    )
    new = version_publish(version=version_create(template=master(), body=body, by=None), by=None)
    client = login(leadership)
    page = client.get(f"/console/agreements/{master().pk}/diff/").content.decode()  # previous vs latest
    assert "From v1 to v2:" in page and "3 lines added, 1 line removed" in page
    assert "<del>## 1. Appointment</del>" in page
    assert "<ins>## 1. Appointment (amended)</ins>" in page
    assert "<ins>New &lt;script&gt;x&lt;/script&gt; &amp; more</ins>" in page
    assert "<script>x" not in page
    page = client.get(f"/console/agreements/{master().pk}/diff/?a={new.pk}&b={old.pk}").content.decode()
    assert "<del>## 1. Appointment (amended)</del>" in page
    other = AgreementVersion.objects.get(template__slug="reseller-addendum", number=1)
    assert client.get(f"/console/agreements/{master().pk}/diff/?a={other.pk}&b={old.pk}").status_code == 404
    assert client.get(f"/console/agreements/{master().pk}/diff/?a=x&b=1").status_code == 404
    reseller = other.template
    assert (
        "Only one version exists" in client.get(f"/console/agreements/{reseller.pk}/diff/").content.decode()
    )


# --- query counts --------------------------------------------------------------------------------


def _partners_due(n: int) -> None:
    """``n`` partners that accepted v1 (so are due once v2 is published)."""
    version = v1()
    for _i in range(n):
        p = PartnerFactory()
        admin = MembershipFactory(partner=p, role="admin", user=UserFactory()).user
        agreement_accept(partner=p, version=version, submitted_hash=version.content_hash, by=admin)


@pytest.mark.parametrize("n", [3, 30])
def test_the_reaccept_report_runs_a_constant_number_of_queries(n, cam, login, django_assert_num_queries):
    _partners_due(n)
    publish_v2()
    client = login(cam)
    # session, user, MFA check (authenticator); the filter form's templates, regions, tiers and
    # programs; the maintained compliance table's count and page (compliance_rows); permissions
    # (links) — 10 in all, whatever the number of partners
    with django_assert_num_queries(10):
        resp = client.get("/console/agreements/report/")
    page = resp.content.decode()
    assert page.count(ROW) == n and page.count(">Re-acceptance due</span>") == n
    with django_assert_num_queries(7):  # the CSV: no MFA check, no count, no permissions
        resp = client.get("/console/agreements/report/", {"export": "csv"})
    assert len(streamed(resp).strip().splitlines()) == n + 1


def _history(partner, admin, n: int) -> None:
    """``n`` earlier accepted versions of the master agreement, region requests and legal requests."""
    template = master()
    body = v1().body
    for i in range(2, n + 2):
        v = AgreementVersion.objects.create(
            template=template,
            number=i,
            body=f"{body}\nRevision {i}\n",
            status="published",
            published_at=timezone.now(),
        )
        Acceptance.objects.create(
            partner=partner,
            template=template,
            version=v,
            content_hash=v.content_hash,
            accepted_by=admin,
            accepted_by_name="A",
            accepted_by_email=admin.email,
            regions="EMEA",
        )
        exc = RegionException.objects.create(partner=partner, justification=f"r{i}", status="denied")
        exc.regions.set(Region.objects.filter(code__in=["AMER", "APAC"]))
        LegalRequest.objects.create(
            partner=partner, template=template, version=v, proposed_changes="x", status="withdrawn"
        )


@pytest.mark.parametrize("n", [3, 30])
def test_the_portal_agreements_page_runs_a_constant_number_of_queries(
    n, partner_a, admin_a, login, django_assert_num_queries
):
    _history(partner_a, admin_a, n)
    client = login(admin_a)
    # session, user, the membership with its partner (+ region, tier, CAM in one join);
    # partner_agreement_rows: the partner's programs, published versions, acceptances, open legal
    # requests, templates + their programs + regions (7); covered regions; region requests + their
    # regions (2); the region form's choices; the unread notifications badge — 15 in all
    with django_assert_num_queries(15):
        resp = client.get("/portal/agreements/")
    body = resp.content.decode()
    assert f"v{n + 1} · " in body and 'data-state="accepted"' in body
    assert body.count("<td>AMER, APAC</td>") == min(n, 20)


def test_console_overview_counts_partners_by_state(accepted_a, partner_b, leadership, login):
    publish_v2()
    page = login(leadership).get("/console/agreements/").content.decode()
    assert "Master Partner Agreement" in page
    assert f'href="/console/agreements/report/?template={master().pk}&amp;state=due">1<' in page
    assert f'href="/console/agreements/report/?template={master().pk}&amp;state=required">1<' in page


def _requests(n: int) -> None:
    """``n`` partners, each with a withdrawn legal request and a denied region request."""
    apac = Region.objects.get(code="APAC")
    for i in range(n):
        p = PartnerFactory()
        admin = MembershipFactory(partner=p, role="admin", user=UserFactory()).user
        lr = legal_request_open(partner=p, template=master(), proposed_changes=f"x{i}", by=admin)
        LegalRequest.objects.filter(pk=lr.pk).update(status="withdrawn")
        exc = RegionException.objects.create(partner=p, justification=f"r{i}", status="denied")
        exc.regions.set([apac])


@pytest.mark.parametrize("n", [3, 30])
def test_the_console_request_lists_run_a_constant_number_of_queries(
    n, leadership, login, django_assert_num_queries
):
    _requests(n)
    client = login(leadership)
    # session, user, MFA check; the count and the page of legal requests (partner, agreement,
    # version, opener joined); the unread notifications badge — 6
    with django_assert_num_queries(6):
        page = client.get("/console/legal-requests/", {"status": "withdrawn"}).content.decode()
    assert page.count('data-label="Status"') == n
    # session, user, MFA check; the count, the page of region requests (partner, region, people
    # joined) and their regions (prefetch); the unread notifications badge — 7
    with django_assert_num_queries(7):
        page = client.get("/console/region-exceptions/", {"status": "denied"}).content.decode()
    assert page.count('data-label="Additional regions">APAC</td>') == n


@pytest.mark.parametrize("n", [3, 30])
def test_the_portal_legal_requests_page_runs_a_constant_number_of_queries(
    n, partner_a, admin_a, login, django_assert_num_queries
):
    _history(partner_a, admin_a, n)
    client = login(admin_a)
    # session, user, membership + partner; the count and the page of legal requests (agreement,
    # version, opener joined); the new-request form's agreements: partner_agreement_rows (7);
    # the unread notifications badge — 13 (the count is new with pagination: the page listed
    # every request before it became a list page)
    with django_assert_num_queries(13):
        page = client.get("/portal/agreements/legal/").content.decode()
    assert page.count('data-label="Status"') == n
