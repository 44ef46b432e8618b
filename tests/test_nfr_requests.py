"""NFR license requests (S7 steps 1–3): the request form, the queue ("spreadsheet"), eligibility and review."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from channelops.agreements.querysets import partner_agreement_rows
from channelops.agreements.services import agreement_accept
from channelops.licensing import eligibility
from channelops.licensing.eligibility import evaluate
from channelops.licensing.models import License, NfrRequest, RequestStatus
from channelops.licensing.services import (
    nfr_request_answer,
    nfr_request_ask,
    nfr_request_reject,
    nfr_request_submit,
)
from channelops.notifications.models import Notification
from channelops.notifications.services import notification_rule_save
from channelops.partners.models import Region, RegionRouting, Tier

from .conftest import Mailbox
from .factories import MembershipFactory, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "contact_name": "Lena License",
    "contact_email": "lena@acme.example",
    "plan": "ultimate",
    "seats": "5",
    "term_months": "12",
    "purpose": "Demo lab for customer workshops",
}


def submit(partner, by, **kw) -> NfrRequest:  # type: ignore[no-untyped-def]
    data = {**FORM, "seats": 5, "term_months": 12, **kw}
    return nfr_request_submit(partner=partner, by=by, **data)


def accept_all(partner, admin) -> None:  # type: ignore[no-untyped-def]
    for row in partner_agreement_rows(partner):
        if row.needs_action:
            agreement_accept(
                partner=partner, version=row.current, submitted_hash=row.current.content_hash, by=admin
            )


def license_for(partner, users: int, *, revoked: bool = False, expired: bool = False) -> License:  # type: ignore[no-untyped-def]
    req = NfrRequest.objects.create(
        partner=partner,
        contact_name="Old",
        contact_email=f"old{users}@acme.example",
        seats=users,
        purpose="earlier",
        status=RequestStatus.APPROVED,
    )
    today = timezone.localdate()
    return License.objects.create(
        request=req,
        partner=partner,
        contact_email=req.contact_email,
        plan="ultimate",
        users=users,
        starts=today - timedelta(days=400 if expired else 1),
        expires=today - timedelta(days=1) if expired else today + timedelta(days=300),
        key_id="k1",
        payload={},
        file_text="",
        revoked_at=timezone.now() if revoked else None,
    )


@pytest.fixture
def routed_phd(phd_emea):
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd_emea)
    return phd_emea


# --- the request: portal ---------------------------------------------------------------------------


def test_partner_admin_submits_a_request_in_the_portal_and_the_regions_phd_specialist_is_emailed(
    admin_a, routed_phd, login, smtp_server, deliver
):
    client = login(admin_a)
    resp = client.post("/portal/nfr/new/", FORM)
    req = NfrRequest.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/portal/nfr/{req.pk}/"
    assert (req.requested_by, req.seats, req.status) == (admin_a, 5, "submitted")
    page = client.get(f"/portal/nfr/{req.pk}/").content.decode()
    assert req.reference in page and "Submitted" in page and "Lena License" in page
    assert req.reference in client.get("/portal/nfr/").content.decode()
    deliver()
    [msg] = smtp_server.box.to("phd.emea@vendor.test")
    assert req.reference in msg["Subject"] and "Acme Test Partner" in msg["Subject"]
    assert f"/console/nfr/{req.pk}/" in Mailbox.text(msg)


def test_the_request_form_explains_what_is_wrong(admin_a, login):
    client = login(admin_a)
    resp = client.post(
        "/portal/nfr/new/",
        {**FORM, "contact_email": "not-an-email", "seats": "0", "term_months": "40", "purpose": ""},
    )
    assert resp.status_code == 400
    body = resp.content.decode()
    assert "Enter a valid email address" in body
    assert "greater than or equal to 1" in body
    assert "less than or equal to 36" in body
    assert not NfrRequest.objects.exists()


def test_the_service_validates_seats_term_and_email_with_clear_messages(partner_a, admin_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        nfr_request_submit(
            partner=partner_a,
            by=admin_a,
            contact_name="",
            contact_email="x@",
            plan="gold",
            seats=1001,
            term_months=0,
            purpose="",
        )
    errors = exc.value.message_dict
    assert set(errors) == {"contact_name", "contact_email", "plan", "seats", "term_months", "purpose"}
    assert "from 1 to 1000" in errors["seats"][0]
    assert "from 1 to 36 months" in errors["term_months"][0]


def test_a_second_open_request_for_the_same_contact_and_plan_is_refused_with_a_link_to_the_first(
    admin_a, login
):
    client = login(admin_a)
    client.post("/portal/nfr/new/", FORM)
    first = NfrRequest.objects.get()
    resp = client.post("/portal/nfr/new/", {**FORM, "contact_email": "LENA@acme.example", "seats": "3"})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert f"{first.reference} is already open for lena@acme.example" in body
    assert f'href="/portal/nfr/{first.pk}/"' in body
    assert NfrRequest.objects.count() == 1
    # another plan, or once the first is closed, is fine
    assert client.post("/portal/nfr/new/", {**FORM, "plan": "premium"}).status_code == 302


def test_a_partner_user_not_allowed_to_submit_gets_404_and_an_allowed_one_submits(partner_a, user_a, login):
    client = login(user_a)
    assert client.get("/portal/nfr/new/").status_code == 404
    assert client.post("/portal/nfr/new/", FORM).status_code == 404
    assert "Request NFR licenses" not in client.get("/portal/nfr/").content.decode()
    user_a.membership.can_submit_requests = True
    user_a.membership.save()
    assert client.post("/portal/nfr/new/", FORM).status_code == 302
    assert NfrRequest.objects.get().requested_by == user_a


def test_the_portal_nav_links_to_nfr_licenses(admin_a, login):
    assert 'href="/portal/nfr/"' in login(admin_a).get("/portal/").content.decode()


# --- the request: console --------------------------------------------------------------------------


def test_a_cam_requests_licenses_on_a_partners_behalf(
    partner_a, cam, routed_phd, login, smtp_server, deliver
):
    client = login(cam)
    assert client.get(f"/console/nfr/new/?partner={partner_a.pk}").status_code == 200
    resp = client.post("/console/nfr/new/", {**FORM, "partner": partner_a.pk})
    req = NfrRequest.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/console/nfr/{req.pk}/"
    assert req.partner == partner_a and req.requested_by == cam
    bad = client.post("/console/nfr/new/", {**FORM, "partner": partner_a.pk, "seats": "2"})
    assert bad.status_code == 400 and f'href="/console/nfr/{req.pk}/"' in bad.content.decode()
    deliver()
    assert smtp_server.box.to("phd.emea@vendor.test")


def test_staff_without_the_permission_cannot_request_or_see_the_queue(partner_a, login):
    from .factories import StaffFactory

    educator = StaffFactory(email="edu@vendor.test", roles=["education_services"])
    client = login(educator)
    assert client.get("/console/nfr/new/").status_code == 403
    assert client.get("/console/nfr/").status_code == 403


# --- the queue ("spreadsheet") ------------------------------------------------------------------


def _many(n: int, partner, by) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        submit(partner, by, contact_email=f"c{i}@acme.example", seats=1 + i % 7)


def test_the_queue_sorts_filters_and_chooses_columns(partner_a, admin_a, cam, login):
    beta = PartnerFactory(legal_name="Zeta Systems", region=Region.objects.get(code="APAC"))
    beta_admin = MembershipFactory(partner=beta, role="admin", user=UserFactory(email="admin@zeta.test")).user
    a = submit(partner_a, admin_a, seats=3)
    z = submit(beta, beta_admin, contact_email="z@zeta.example", seats=9, plan="premium")
    client = login(cam)
    body = client.get("/console/nfr/?sort=-seats").content.decode()
    assert body.index(z.reference) < body.index(a.reference)
    body = client.get("/console/nfr/?sort=partner").content.decode()
    assert body.index(a.reference) < body.index(z.reference)
    body = client.get("/console/nfr/?region=APAC").content.decode()
    assert z.reference in body and a.reference not in body
    body = client.get("/console/nfr/?plan=ultimate").content.decode()
    assert a.reference in body and z.reference not in body
    body = client.get("/console/nfr/?q=zeta").content.decode()
    assert z.reference in body and a.reference not in body
    nfr_request_reject(request=z, by=_reviewer(), reason="no")
    body = client.get("/console/nfr/?status=open").content.decode()
    assert a.reference in body and z.reference not in body
    body = client.get("/console/nfr/?cols=reference,seats").content.decode()
    assert ">Seats</a></th>" in body
    assert 'name="cols" value="reference,seats"' in body  # filtering keeps the chosen columns
    assert "Contact e-mail" not in body.split("<table")[1]
    body = client.get("/console/nfr/?col=partner&col=purpose").content.decode()
    table = body.split("<table")[1]
    assert "Demo lab for customer workshops" in table and "Reference" not in table


def test_the_review_page_lists_the_partners_other_requests(partner_a, admin_a, phd_emea, login):
    first = submit(partner_a, admin_a, contact_email="first@acme.example")
    second = submit(partner_a, admin_a, contact_email="second@acme.example")
    body = login(phd_emea).get(f"/console/nfr/{second.pk}/").content.decode()
    related = body.split('id="related"')[1]
    assert f'href="/console/nfr/{first.pk}/"' in related
    assert f'href="/console/nfr/{second.pk}/"' not in related


def _reviewer():  # type: ignore[no-untyped-def]
    from .factories import StaffFactory

    return StaffFactory(roles=["phd_specialist"])


def test_the_queue_exports_csv_and_xlsx_with_formulas_neutralised(partner_a, admin_a, cam, login):
    submit(partner_a, admin_a, contact_name='=HYPERLINK("http://evil")', purpose="+1 demo")
    client = login(cam)
    resp = client.get("/console/nfr/export.csv?cols=reference,contact_name,purpose,seats")
    rows = list(csv.reader(io.StringIO(b"".join(resp.streaming_content).decode())))
    assert rows[0] == ["Reference", "License contact", "Purpose", "Seats"]
    assert rows[1][1] == '\'=HYPERLINK("http://evil")' and rows[1][2] == "'+1 demo" and rows[1][3] == "5"
    resp = client.get("/console/nfr/export.xlsx?cols=contact_name,seats")
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert [c.value for c in ws[2]] == ['\'=HYPERLINK("http://evil")', 5]
    assert client.get("/console/nfr/export.pdf").status_code == 404


@pytest.mark.parametrize("n", [3, 30])
def test_the_queue_runs_a_constant_number_of_queries(
    n, partner_a, admin_a, cam, login, django_assert_num_queries
):
    _many(n, partner_a, admin_a)
    client = login(cam)
    client.get("/console/nfr/")  # warm the session and permission caches
    # session, user, staff MFA check, permissions (user + group), regions, tiers and programs for
    # the filter, count, the page's rows (with partner, region, tier, requester), the unread
    # notifications badge
    with django_assert_num_queries(QUEUE_QUERIES):
        resp = client.get("/console/nfr/?cols=reference,partner,region,tier,requested_by,seats,status")
    assert resp.status_code == 200


QUEUE_QUERIES = 11


def test_the_work_page_lists_the_open_nfr_requests_queue(partner_a, admin_a, cam, login):
    submit(partner_a, admin_a)
    body = login(cam).get("/console/queues/").content.decode()
    assert "Open NFR license requests" in body


# --- eligibility ---------------------------------------------------------------------------------


def crit(req) -> dict:  # type: ignore[no-untyped-def]
    return {c.name: c for c in evaluate(req)}


def test_eligibility_passes_for_an_authorised_partner_within_its_allowance(partner_a, admin_a):
    accept_all(partner_a, admin_a)
    c = crit(submit(partner_a, admin_a, seats=10))
    assert c["authorised"].passed and c["allowance"].passed
    assert "0 licensed users held + 10 requested = 10 of the Open allowance of 10" in c["allowance"].reason


def test_the_allowance_counts_active_licenses_open_10_select_25(partner_a, admin_a):
    accept_all(partner_a, admin_a)
    license_for(partner_a, 6)
    license_for(partner_a, 50, revoked=True)
    license_for(partner_a, 50, expired=True)
    c = crit(submit(partner_a, admin_a, seats=5))["allowance"]
    assert not c.passed and c.blocking
    assert "6 licensed users held + 5 requested = 11, over the Open allowance of 10" in c.reason
    partner_a.tier = Tier.objects.get(slug="select")
    partner_a.save()
    req = NfrRequest.objects.get(contact_email=FORM["contact_email"])
    assert crit(req)["allowance"].passed
    req.seats = 20
    assert "26, over the Select allowance of 25" in crit(req)["allowance"].reason


def test_the_allowance_is_a_program_setting(partner_a, admin_a, settings):
    settings.NFR_ALLOWANCE = {"select": 25, "open": 3}
    assert "allowance of 3" in crit(submit(partner_a, admin_a, seats=4))["allowance"].reason


def test_a_partner_that_has_not_accepted_its_agreement_is_not_authorised(partner_a, admin_a):
    c = crit(submit(partner_a, admin_a))["authorised"]
    assert not c.passed and c.blocking
    assert "Agreement not accepted: Master Partner Agreement (acceptance required)" in c.reason


def test_an_inactive_partner_is_not_authorised(partner_a, admin_a, cam):
    req = submit(partner_a, admin_a)
    partner_a.status = "suspended"
    partner_a.save()
    req.partner.refresh_from_db()
    assert "suspended, not active" in crit(req)["authorised"].reason


def test_without_certification_records_the_criterion_is_unknown_failed_but_approvable(partner_a, admin_a):
    from channelops.enablement.querysets import certified_people_count

    accept_all(partner_a, admin_a)
    eligibility.unregister_certification_source(certified_people_count)  # no source at all (before issue 6)
    try:
        criteria = evaluate(submit(partner_a, admin_a))
    finally:
        eligibility.register_certification_source(certified_people_count)
    c = {x.name: x for x in criteria}["certification"]
    assert (c.passed, c.blocking) == (False, False)
    assert c.reason.startswith("Unknown — no certification records yet")
    assert eligibility.approvable(criteria)


def test_a_registered_certification_source_decides_the_criterion(partner_a, admin_a, settings):
    seen = []

    def source(partner, names):  # type: ignore[no-untyped-def]
        seen.append(list(names))
        return 2 if partner.pk == partner_a.pk else 0

    eligibility.register_certification_source(source)
    try:
        req = submit(partner_a, admin_a)
        c = crit(req)["certification"]
        assert (
            c.passed
            and "2 person(s) hold Solution Architect Core or Professional Services Engineer" in c.reason
        )
        assert seen[0] == ["Solution Architect Core", "Professional Services Engineer"]
        settings.NFR_CERTIFICATIONS = ["Solution Architect Core"]
        other = PartnerFactory()
        req.partner = other
        c = crit(req)["certification"]
        assert (
            not c.passed
            and not c.blocking
            and "No one at the partner holds Solution Architect Core" in c.reason
        )
    finally:
        eligibility.unregister_certification_source(source)


def test_the_review_page_shows_each_criterion_with_its_reason(partner_a, admin_a, phd_emea, login):
    req = submit(partner_a, admin_a)
    body = login(phd_emea).get(f"/console/nfr/{req.pk}/").content.decode()
    assert 'data-criterion="authorised"' in body and "Agreement not accepted" in body
    assert "0 licensed users held + 5 requested" in body
    assert "Failed (approvable)" in body and "No one at the partner holds" in body
    assert "A blocking criterion failed" in body  # the agreement is not accepted yet
    assert "disabled" in body


# --- review: reject, ask → answer ------------------------------------------------------------------


def test_the_phd_specialist_rejects_with_a_reason_and_the_requester_is_emailed(
    admin_a, phd_emea, login, smtp_server, deliver, partner_a
):
    req = submit(partner_a, admin_a)
    client = login(phd_emea)
    assert client.post(f"/console/nfr/{req.pk}/reject/", {"reason": ""}).status_code == 400
    resp = client.post(f"/console/nfr/{req.pk}/reject/", {"reason": "Over the allowance"})
    assert resp.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.rejection_reason, req.decided_by) == ("rejected", "Over the allowance", phd_emea)
    deliver()
    [msg] = smtp_server.box.to("admin@a.test")
    assert "not approved" in msg["Subject"] and "Over the allowance" in Mailbox.text(msg)
    assert f"/portal/nfr/{req.pk}/" in Mailbox.text(msg)
    assert "Over the allowance" in login(admin_a).get(f"/portal/nfr/{req.pk}/").content.decode()


def test_a_cam_may_request_but_not_review(partner_a, admin_a, cam, login):
    req = submit(partner_a, admin_a)
    client = login(cam)
    assert client.get(f"/console/nfr/{req.pk}/").status_code == 200
    assert client.post(f"/console/nfr/{req.pk}/reject/", {"reason": "x"}).status_code == 403
    assert client.post(f"/console/nfr/{req.pk}/ask/", {"question": "x"}).status_code == 403


def test_ask_for_information_then_the_partner_answers_and_the_request_is_back_in_the_queue(
    partner_a, admin_a, routed_phd, login, smtp_server, deliver
):
    req = submit(partner_a, admin_a)
    deliver()
    smtp_server.box.clear()
    staff = login(routed_phd)
    assert (
        staff.post(
            f"/console/nfr/{req.pk}/ask/", {"question": "Which customers will the demo be for?"}
        ).status_code
        == 302
    )
    req.refresh_from_db()
    assert req.status == "needs_info"
    # the queue still lists it (open = submitted or needs information)
    assert req.reference in staff.get("/console/nfr/?status=open").content.decode()
    deliver()
    [q] = smtp_server.box.to("admin@a.test")
    assert "More information needed" in q["Subject"] and "Which customers" in Mailbox.text(q)
    partner = login(admin_a)
    page = partner.get(f"/portal/nfr/{req.pk}/").content.decode()
    assert "needs more information" in page and "Which customers" in page
    assert partner.post(f"/portal/nfr/{req.pk}/", {"answer": ""}).status_code == 400
    assert partner.post(f"/portal/nfr/{req.pk}/", {"answer": "Two banks in Munich"}).status_code == 302
    req.refresh_from_db()
    assert (req.status, req.answer) == ("submitted", "Two banks in Munich")
    deliver()
    [a] = smtp_server.box.to("phd.emea@vendor.test")
    assert "answered" in a["Subject"] and "Two banks in Munich" in Mailbox.text(a)
    assert list(req.events.values_list("kind", flat=True)) == ["submitted", "question", "answer"]
    # answering twice is refused: the request no longer waits
    assert partner.post(f"/portal/nfr/{req.pk}/", {"answer": "again"}).status_code == 404


def test_when_a_cam_requested_the_question_goes_to_the_partner_admins_and_the_cam(
    partner_a, admin_a, cam, phd_emea, smtp_server, deliver
):
    req = nfr_request_submit(partner=partner_a, by=cam, **{**FORM, "seats": 2, "term_months": 6})
    nfr_request_ask(request=req, by=phd_emea, question="Who is the contact?")
    deliver()
    assert f"/portal/nfr/{req.pk}/" in Mailbox.text(smtp_server.box.to("admin@a.test")[0])
    assert f"/console/nfr/{req.pk}/" in Mailbox.text(smtp_server.box.to("cam@vendor.test")[0])


def test_a_decided_request_cannot_be_asked_about_or_rejected_again(partner_a, admin_a, phd_emea):
    from django.core.exceptions import ValidationError

    req = submit(partner_a, admin_a)
    nfr_request_reject(request=req, by=phd_emea, reason="no")
    with pytest.raises(ValidationError):
        nfr_request_reject(request=req, by=phd_emea, reason="no")
    with pytest.raises(ValidationError):
        nfr_request_ask(request=req, by=phd_emea, question="?")
    with pytest.raises(ValidationError):
        nfr_request_answer(request=req, by=admin_a, answer="!")


# --- notifications ----------------------------------------------------------------------------------


def test_notification_rules_tell_of_new_requests_and_of_any_change_but_not_of_your_own(
    partner_a, admin_a, phd_emea, leadership
):
    notification_rule_save(user=phd_emea, watch="nfr_requests", when="any_change", how="digest", by=phd_emea)
    notification_rule_save(
        user=leadership, watch="nfr_requests", when="new_submission", how="digest", by=leadership
    )
    notification_rule_save(user=admin_a, watch="nfr_requests", when="any_change", how="digest", by=admin_a)
    req = submit(partner_a, admin_a)
    nfr_request_ask(request=req, by=phd_emea, question="Why?")

    def titles(u):  # type: ignore[no-untyped-def]
        return list(Notification.objects.filter(user=u).order_by("pk").values_list("title", flat=True))

    assert titles(phd_emea) == [f"New NFR request {req.reference} from Acme Test Partner: 5 Ultimate"]
    assert titles(leadership) == [f"New NFR request {req.reference} from Acme Test Partner: 5 Ultimate"]
    assert titles(admin_a) == [f"NFR request {req.reference} of Acme Test Partner needs information"]


# --- API -----------------------------------------------------------------------------------------------


def test_the_api_creates_lists_and_reviews_requests_scoped_to_the_partner(
    partner_a, admin_a, user_b, phd_emea, api_client
):
    import json

    client = api_client(admin_a)
    payload = {k: v for k, v in FORM.items()}
    payload.update(seats=4, term_months=12)
    resp = client.post("/api/v1/nfr-requests", json.dumps(payload), content_type="application/json")
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["reference"].startswith("NFR-") and data["events"][0]["kind"] == "submitted"
    rid = data["id"]
    dup = client.post("/api/v1/nfr-requests", json.dumps(payload), content_type="application/json")
    assert dup.status_code == 422 and data["reference"] in json.dumps(dup.json())
    assert client.get("/api/v1/nfr-requests").json()["count"] == 1
    assert client.get(f"/api/v1/nfr-requests/{rid}").json()["seats"] == 4
    # a partner person may not review
    assert (
        client.post(
            f"/api/v1/nfr-requests/{rid}/reject", json.dumps({"reason": "x"}), content_type="application/json"
        ).status_code
        == 403
    )
    # partner B sees nothing of A's
    other = api_client(user_b)
    assert other.get(f"/api/v1/nfr-requests/{rid}").status_code == 404
    assert other.get("/api/v1/nfr-requests").json()["count"] == 0
    assert (
        other.post(
            f"/api/v1/nfr-requests/{rid}/reject", json.dumps({"reason": "x"}), content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        other.post(
            f"/api/v1/nfr-requests/{rid}/request-info",
            json.dumps({"question": "x"}),
            content_type="application/json",
        ).status_code
        == 404
    )
    staff = api_client(phd_emea)
    resp = staff.post(
        f"/api/v1/nfr-requests/{rid}/request-info",
        json.dumps({"question": "Why 4?"}),
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["status"] == "needs_info"
    resp = staff.post(
        f"/api/v1/nfr-requests/{rid}/reject", json.dumps({"reason": "No"}), content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["status"] == "rejected"
    assert staff.get("/api/v1/nfr-requests?open=true").json()["count"] == 0


def test_staff_create_over_the_api_names_the_partner(partner_a, cam, api_client):
    import json

    client = api_client(cam)
    body = {**FORM, "seats": 2, "term_months": 3}
    assert (
        client.post("/api/v1/nfr-requests", json.dumps(body), content_type="application/json").status_code
        == 422
    )
    body["partner_id"] = partner_a.pk
    resp = client.post("/api/v1/nfr-requests", json.dumps(body), content_type="application/json")
    assert resp.status_code == 201 and resp.json()["partner_id"] == partner_a.pk


def test_a_duplicate_at_another_partner_is_refused_without_naming_that_partners_request(
    partner_a, admin_a, user_b, login
):
    first = submit(partner_a, admin_a)
    resp = login(user_b).post("/portal/nfr/new/", FORM)
    body = resp.content.decode()
    assert resp.status_code == 400
    assert "A request for lena@acme.example and the Ultimate plan is already open." in body
    assert first.reference not in body and f"/portal/nfr/{first.pk}/" not in body
