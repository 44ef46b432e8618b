"""API v1: applications (register, approve, reject), agreements, acceptance evidence, legal requests."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from channelops.accounts.models import User
from channelops.accounts.services import api_token_create
from channelops.agreements.models import (
    Acceptance,
    AgreementTemplate,
    AgreementVersion,
    LegalComment,
    LegalRequest,
    LegalStatus,
)
from channelops.agreements.services import (
    agreement_accept,
    legal_custom_version_offer,
    legal_request_open,
)
from channelops.core.models import OutboxMessage
from channelops.partners.models import Application, ApplicationStatus, Partner, Program, Tier
from channelops.partners.registration import application_submit

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def _as(user: User) -> Client:
    """A client sending a new API token of ``user`` (one client per person: tests mix people)."""
    _t, clear = api_token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {clear}")


def _post(c: Client, url: str, body: object = None):  # type: ignore[no-untyped-def]
    return c.post(url, json.dumps(body if body is not None else {}), content_type="application/json")


def _master() -> AgreementTemplate:
    return AgreementTemplate.objects.get(slug="master-partner-agreement")


def _accept_master(partner: Partner, admin: User) -> Acceptance:
    v1 = _master().versions.get(number=1)
    return agreement_accept(
        partner=partner, version=v1, submitted_hash=v1.content_hash, by=admin, ip="10.1.2.3"
    )


@pytest.fixture
def legal(db):
    return StaffFactory(email="legal@vendor.test", roles=["legal"])


@pytest.fixture
def marketing(db):
    """Staff whose role may read but not decide on applications."""
    return StaffFactory(email="marketing@vendor.test", roles=["channel_marketing"])


# --- applications: registering a company on its behalf ------------------------------------------


def _application(**kw: object) -> dict:
    body = {
        "company_name": "Newco Cloud GmbH",
        "website": "https://newco.example",
        "country": "de",
        "region": "EMEA",
        "programs": ["reseller"],
        "first_name": "Nina",
        "last_name": "New",
        "email": "nina@newco.example",
        "title": "CEO",
    }
    body.update(kw)
    return body


def test_staff_register_a_company_and_the_application_is_submitted_without_email_verification(cam):
    resp = _post(_as(cam), "/api/v1/applications", _application())
    assert resp.status_code == 201, resp.content
    body = resp.json()
    app = Application.objects.get(pk=body["id"])
    assert app.status == ApplicationStatus.SUBMITTED and app.verified_at is not None
    assert body["status"] == "submitted"
    assert body["region"] == "EMEA" and body["country"] == "DE" and body["programs"] == ["reseller"]
    assert body["company_domain"] == "newco.example" and body["partner_id"] is None
    assert "token_hash" not in body and "token_hash" not in resp.content.decode()
    assert not OutboxMessage.objects.filter(idempotency_key=f"application-verify:{app.pk}").exists()


def test_a_partner_person_cannot_register_a_company(admin_a):
    resp = _post(_as(admin_a), "/api/v1/applications", _application())
    assert resp.status_code == 403
    assert resp.json() == {"detail": "Your role does not allow registering partners."}
    assert not Application.objects.exists()


def test_a_partner_person_given_the_permission_directly_still_cannot_register_a_company(admin_a):
    from django.contrib.auth.models import Permission

    admin_a.user_permissions.add(Permission.objects.get(codename="change_application"))
    assert _post(_as(admin_a), "/api/v1/applications", _application()).status_code == 403
    assert not Application.objects.exists()


def test_staff_whose_role_does_not_decide_on_applications_cannot_register_a_company(marketing):
    assert _post(_as(marketing), "/api/v1/applications", _application()).status_code == 403
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "override, field",
    [
        ({"region": "XX"}, "region"),
        ({"country": "1x"}, "country"),
        ({"country": "XX"}, "country"),  # two letters, but no ISO 3166-1 country
        ({"phone": "030 1234567"}, "phone"),  # national: the country code is missing
        ({"website": "not a website"}, "website"),
        ({"website": "https://["}, "website"),
        ({"programs": ["no-such-type"]}, "programs"),
    ],
)
def test_an_invalid_application_is_a_clear_422_and_creates_nothing(cam, override, field):
    resp = _post(_as(cam), "/api/v1/applications", _application(**override))
    assert resp.status_code == 422, resp.content
    assert field in resp.json()["detail"]
    assert not Application.objects.exists()


def test_the_invalid_region_answer_names_the_regions_offered(cam):
    resp = _post(_as(cam), "/api/v1/applications", _application(region="XX"))
    assert "EMEA" in resp.json()["detail"]["region"][0]


@pytest.mark.parametrize("email", ["not-an-email", "nina@", "@newco.example"])
def test_a_bad_applicant_email_is_422(cam, email):
    resp = _post(_as(cam), "/api/v1/applications", _application(email=email))
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["body", "body", "email"]
    assert not Application.objects.exists()


def test_a_second_application_for_the_same_company_or_email_is_422(cam):
    c = _as(cam)
    assert _post(c, "/api/v1/applications", _application()).status_code == 201
    same_site = _post(c, "/api/v1/applications", _application(email="other@newco.example"))
    assert same_site.status_code == 422 and "website" in same_site.json()["detail"]
    same_email = _post(c, "/api/v1/applications", _application(website="https://other.example"))
    assert same_email.status_code == 422 and "email" in same_email.json()["detail"]
    assert Application.objects.count() == 1


def test_an_application_for_an_existing_partners_website_is_422(cam, partner_a):
    resp = _post(_as(cam), "/api/v1/applications", _application(website=partner_a.website))
    assert resp.status_code == 422 and "website" in resp.json()["detail"]


# --- applications: reading ----------------------------------------------------------------------


def _submitted(n: int, by: User) -> list[Application]:
    return [
        application_submit(
            company_name=f"Company {i}",
            website=f"https://company{i}.example",
            country="FR",
            region="EMEA",
            first_name="Ann",
            last_name=f"Applicant{i}",
            email=f"ann@company{i}.example",
            programs=["reseller", "msp"],
            by=by,
        )[0]
        for i in range(n)
    ]


def test_staff_list_applications_and_filter_them_by_status(cam):
    apps = _submitted(3, cam)
    Application.objects.filter(pk=apps[0].pk).update(status=ApplicationStatus.REJECTED)
    c = _as(cam)
    body = c.get("/api/v1/applications").json()
    assert body["count"] == 3
    assert [i["id"] for i in body["items"]] == [a.pk for a in reversed(apps)]  # newest first
    assert sorted(body["items"][0]["programs"]) == ["msp", "reseller"]
    submitted = c.get("/api/v1/applications", {"status": "submitted"}).json()
    assert {i["id"] for i in submitted["items"]} == {apps[1].pk, apps[2].pk}
    assert c.get("/api/v1/applications", {"status": "nonsense"}).status_code == 422


def test_staff_read_one_application(cam):
    app = _submitted(1, cam)[0]
    body = _as(cam).get(f"/api/v1/applications/{app.pk}").json()
    assert body["company_name"] == "Company 0" and body["email"] == "ann@company0.example"
    assert "token_hash" not in body and "submitted_ip" not in body
    assert _as(cam).get("/api/v1/applications/999999").status_code == 404


def test_partner_people_see_only_their_own_partners_approved_application(cam, user_a, partner_a, user_b):
    apps = _submitted(2, cam)
    Application.objects.filter(pk=apps[0].pk).update(status=ApplicationStatus.APPROVED, partner=partner_a)
    c = _as(user_a)
    body = c.get("/api/v1/applications").json()
    assert body["count"] == 1 and body["items"][0]["id"] == apps[0].pk
    assert c.get(f"/api/v1/applications/{apps[0].pk}").status_code == 200
    assert c.get(f"/api/v1/applications/{apps[1].pk}").status_code == 404
    b = _as(user_b)
    assert b.get("/api/v1/applications").json() == {"items": [], "count": 0}
    assert b.get(f"/api/v1/applications/{apps[0].pk}").status_code == 404


# --- applications: approving and rejecting ------------------------------------------------------


def test_staff_approve_an_application_with_a_tier_and_cam(cam):
    app = _submitted(1, cam)[0]
    resp = _post(
        _as(cam), f"/api/v1/applications/{app.pk}/approve", {"tier": "select", "cam": "CAM@vendor.test"}
    )
    assert resp.status_code == 200, resp.content
    body = resp.json()
    partner = Partner.objects.get(pk=body["partner_id"])
    assert body["status"] == "approved" and body["decided_by_email"] == cam.email
    assert partner.legal_name == "Company 0" and partner.tier.slug == "select" and partner.cam == cam
    assert partner.status == "active"
    assert set(partner.programs.values_list("slug", flat=True)) == {"reseller", "msp"}
    admin = User.objects.get(email="ann@company0.example")
    assert admin.membership.partner == partner and admin.membership.role == "admin"


@pytest.mark.parametrize("body", ["", "null", "{}"])
def test_approving_without_a_body_uses_the_lowest_tier(cam, body):
    app = _submitted(1, cam)[0]
    resp = _as(cam).post(f"/api/v1/applications/{app.pk}/approve", body, content_type="application/json")
    assert resp.status_code == 200, resp.content
    assert Partner.objects.get(pk=resp.json()["partner_id"]).tier == Tier.objects.order_by("rank").first()


@pytest.mark.parametrize(
    "body, field",
    [
        ({"tier": "diamond"}, "tier"),
        ({"cam": "nobody@vendor.test"}, "cam"),
        ({"cam": "legal@vendor.test"}, "cam"),
    ],
)
def test_approving_with_an_unknown_tier_or_cam_is_422_and_changes_nothing(cam, legal, body, field):
    app = _submitted(1, cam)[0]
    resp = _post(_as(cam), f"/api/v1/applications/{app.pk}/approve", body)
    assert resp.status_code == 422 and field in resp.json()["detail"]
    app.refresh_from_db()
    assert (
        app.status == ApplicationStatus.SUBMITTED
        and not Partner.objects.filter(legal_name="Company 0").exists()
    )


def test_staff_reject_an_application_with_a_reason(cam):
    app = _submitted(1, cam)[0]
    resp = _post(
        _as(cam), f"/api/v1/applications/{app.pk}/reject", {"reason": "  Not a fit for the program. "}
    )
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "rejected" and body["rejection_reason"] == "Not a fit for the program."
    assert OutboxMessage.objects.filter(idempotency_key=f"application-rejected:{app.pk}").exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_rejecting_without_a_reason_is_422(cam, body):
    app = _submitted(1, cam)[0]
    resp = _post(_as(cam), f"/api/v1/applications/{app.pk}/reject", body)
    assert resp.status_code == 422
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED


def test_approving_an_already_rejected_application_is_422_and_changes_nothing(cam):
    app = _submitted(1, cam)[0]
    c = _as(cam)
    assert _post(c, f"/api/v1/applications/{app.pk}/reject", {"reason": "No."}).status_code == 200
    partners_before = Partner.objects.count()
    resp = _post(c, f"/api/v1/applications/{app.pk}/approve", {"tier": "select"})
    assert resp.status_code == 422
    assert resp.json() == {"detail": {"__all__": ["This application is rejected and cannot be approved."]}}
    app.refresh_from_db()
    assert app.status == ApplicationStatus.REJECTED and app.partner_id is None
    assert Partner.objects.count() == partners_before
    assert not User.objects.filter(email="ann@company0.example").exists()
    again = _post(c, f"/api/v1/applications/{app.pk}/reject", {"reason": "Twice."})
    assert again.status_code == 422
    app.refresh_from_db()
    assert app.rejection_reason == "No."


def test_staff_without_the_permission_cannot_approve_or_reject(cam, marketing):
    app = _submitted(1, cam)[0]
    c = _as(marketing)
    assert _post(c, f"/api/v1/applications/{app.pk}/approve", {"tier": "nope"}).status_code == 403
    assert _post(c, f"/api/v1/applications/{app.pk}/reject", {"reason": "x"}).status_code == 403
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED


def test_a_partner_person_cannot_approve_their_own_application_and_another_partners_is_404(
    cam, admin_a, partner_a, user_b
):
    apps = _submitted(2, cam)
    Application.objects.filter(pk=apps[0].pk).update(status=ApplicationStatus.APPROVED, partner=partner_a)
    assert (
        _post(_as(admin_a), f"/api/v1/applications/{apps[0].pk}/reject", {"reason": "x"}).status_code == 403
    )
    b = _as(user_b)
    assert _post(b, f"/api/v1/applications/{apps[1].pk}/approve").status_code == 404
    assert _post(b, f"/api/v1/applications/{apps[1].pk}/reject", {"reason": "x"}).status_code == 404
    assert Application.objects.get(pk=apps[1].pk).status == ApplicationStatus.SUBMITTED


# --- agreement templates and versions -----------------------------------------------------------


def test_templates_list_their_current_published_general_version(api_client, admin_a):
    body = api_client(admin_a).get("/api/v1/agreement-templates").json()
    master = _master()
    v1 = master.versions.get(number=1)
    item = next(i for i in body["items"] if i["slug"] == "master-partner-agreement")
    assert item["current_version"] == 1 and item["current_content_hash"] == v1.content_hash
    assert item["current_version_id"] == v1.pk and item["required_for_all"] is True
    reseller = next(i for i in body["items"] if i["slug"] == "reseller-addendum")
    assert reseller["programs"] == ["reseller"] and reseller["regions"] == []
    assert body["count"] == AgreementTemplate.objects.filter(active=True).count()


def test_a_custom_version_is_not_a_templates_current_general_version(api_client, partner_a, admin_a, legal):
    lr = legal_request_open(partner=partner_a, template=_master(), proposed_changes="Change 3.", by=admin_a)
    legal_custom_version_offer(request=lr, body="# Custom master terms\n\nNegotiated.\n", by=legal)
    item = next(
        i
        for i in api_client(legal).get("/api/v1/agreement-templates").json()["items"]
        if i["slug"] == "master-partner-agreement"
    )
    assert item["current_version"] == 1


def test_partner_people_do_not_see_inactive_templates_staff_do(admin_a, cam):
    AgreementTemplate.objects.filter(slug="training-partner-addendum").update(active=False)
    t = AgreementTemplate.objects.get(slug="training-partner-addendum")
    assert "training-partner-addendum" not in [
        i["slug"] for i in _as(admin_a).get("/api/v1/agreement-templates").json()["items"]
    ]
    assert _as(admin_a).get(f"/api/v1/agreement-templates/{t.pk}").status_code == 404
    assert _as(cam).get(f"/api/v1/agreement-templates/{t.pk}").status_code == 200
    staff = _as(cam).get("/api/v1/agreement-templates", {"active": "false"}).json()
    assert [i["slug"] for i in staff["items"]] == ["training-partner-addendum"]


def test_a_template_lists_the_versions_visible_to_the_caller(partner_a, admin_a, user_b, legal):
    master = _master()
    lr = legal_request_open(partner=partner_a, template=master, proposed_changes="Change 3.", by=admin_a)
    custom = legal_custom_version_offer(request=lr, body="# Custom master terms\n\nNegotiated.\n", by=legal)
    draft = AgreementVersion.objects.create(template=master, number=99, body="A draft nobody outside sees.")
    url = f"/api/v1/agreement-templates/{master.pk}"

    def numbers(user: User) -> list[tuple[int, int | None]]:
        body = _as(user).get(url).json()
        return [(v["number"], v["partner_id"]) for v in body["versions"]]

    assert numbers(admin_a) == [(custom.number, partner_a.pk), (1, None)]
    assert numbers(user_b) == [(1, None)]
    assert numbers(legal) == [(99, None), (custom.number, partner_a.pk), (1, None)]
    v = _as(legal).get(url).json()["versions"][0]
    assert v["status"] == "draft" and v["content_hash"] == draft.content_hash and v["published_at"] is None
    assert "body" not in v


def test_a_version_shows_its_markdown_text_and_hash(api_client, user_a):
    v1 = _master().versions.get(number=1)
    body = api_client(user_a).get(f"/api/v1/agreement-versions/{v1.pk}").json()
    assert body["body"] == v1.body and body["content_hash"] == v1.content_hash
    assert body["template"] == "master-partner-agreement" and body["number"] == 1


def test_partner_people_get_404_for_drafts_and_another_partners_custom_version(
    partner_a, admin_a, user_b, legal
):
    master = _master()
    lr = legal_request_open(partner=partner_a, template=master, proposed_changes="Change 3.", by=admin_a)
    custom = legal_custom_version_offer(request=lr, body="# Custom master terms\n\nNegotiated.\n", by=legal)
    draft = AgreementVersion.objects.create(template=master, number=99, body="A draft nobody outside sees.")
    assert _as(user_b).get(f"/api/v1/agreement-versions/{custom.pk}").status_code == 404
    assert _as(user_b).get(f"/api/v1/agreement-versions/{draft.pk}").status_code == 404
    assert _as(admin_a).get(f"/api/v1/agreement-versions/{draft.pk}").status_code == 404
    assert _as(admin_a).get(f"/api/v1/agreement-versions/{custom.pk}").json()["partner_id"] == partner_a.pk
    assert _as(legal).get(f"/api/v1/agreement-versions/{draft.pk}").status_code == 200


# --- acceptance evidence ------------------------------------------------------------------------


def test_an_acceptance_shows_its_evidence(api_client, partner_a, admin_a):
    acc = _accept_master(partner_a, admin_a)
    body = api_client(admin_a).get(f"/api/v1/acceptances/{acc.pk}").json()
    assert body == {
        "id": acc.pk,
        "partner_id": partner_a.pk,
        "template_id": _master().pk,
        "template": "master-partner-agreement",
        "version_id": acc.version_id,
        "version": 1,
        "content_hash": acc.content_hash,
        "accepted_by_name": acc.accepted_by_name,
        "accepted_by_email": "admin@a.test",
        "accepted_at": body["accepted_at"],
        "ip_address": "10.1.2.3",
        "user_agent": "",
        "regions": ["EMEA"],
    }


def test_acceptances_are_read_only_over_the_api(api_client, partner_a, admin_a, administrator):
    acc = _accept_master(partner_a, admin_a)
    c = api_client(administrator)
    for method in ("put", "patch", "delete"):
        assert getattr(c, method)(f"/api/v1/acceptances/{acc.pk}").status_code == 405
    assert c.post("/api/v1/acceptances", "{}", content_type="application/json").status_code == 405
    assert Acceptance.objects.get(pk=acc.pk).content_hash == acc.content_hash


def test_partner_b_never_sees_partner_as_acceptances(partner_a, admin_a, partner_b, user_b, cam):
    acc_a = _accept_master(partner_a, admin_a)
    acc_b = _accept_master(partner_b, user_b)
    b = _as(user_b)
    assert [i["id"] for i in b.get("/api/v1/acceptances").json()["items"]] == [acc_b.pk]
    assert b.get("/api/v1/acceptances", {"partner_id": partner_a.pk}).json() == {"items": [], "count": 0}
    assert b.get(f"/api/v1/acceptances/{acc_a.pk}").status_code == 404
    staff = _as(cam)
    assert staff.get("/api/v1/acceptances").json()["count"] == 2
    only_a = staff.get("/api/v1/acceptances", {"partner_id": partner_a.pk}).json()
    assert [i["id"] for i in only_a["items"]] == [acc_a.pk]
    assert staff.get("/api/v1/acceptances", {"template_id": 999999}).json()["count"] == 0


def test_a_partners_agreement_state_lists_what_is_due(api_client, partner_a, admin_a, user_b):
    partner_a.programs.set(Program.objects.filter(slug="reseller"))
    acc = _accept_master(partner_a, admin_a)
    c = _as(admin_a)
    rows = {r["template"]: r for r in c.get(f"/api/v1/partners/{partner_a.pk}/agreements").json()}
    assert set(rows) == {"master-partner-agreement", "reseller-addendum"}
    master = rows["master-partner-agreement"]
    assert master["state"] == "accepted" and master["accepted"]["id"] == acc.pk
    assert master["accepted"]["version"] == 1 and master["current"]["number"] == 1
    assert rows["reseller-addendum"]["state"] == "required" and rows["reseller-addendum"]["accepted"] is None
    assert _as(user_b).get(f"/api/v1/partners/{partner_a.pk}/agreements").status_code == 404


def test_an_open_legal_request_shows_in_the_partners_agreement_state(partner_a, admin_a):
    lr = legal_request_open(partner=partner_a, template=_master(), proposed_changes="Change 3.", by=admin_a)
    rows = _as(admin_a).get(f"/api/v1/partners/{partner_a.pk}/agreements").json()
    assert rows[0]["state"] == "negotiating" and rows[0]["legal_request_id"] == lr.pk


# --- legal requests -----------------------------------------------------------------------------


def test_a_partner_admin_opens_a_legal_request(partner_a, admin_a):
    resp = _post(
        _as(admin_a),
        "/api/v1/legal-requests",
        {"template_id": _master().pk, "proposed_changes": "Limit liability to 12 months of fees."},
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    lr = LegalRequest.objects.get(pk=body["id"])
    assert lr.partner == partner_a and lr.status == LegalStatus.OPEN
    assert body["status"] == "open" and body["version"] == 1 and body["comments"] == []
    assert body["opened_by_email"] == "admin@a.test" and body["partner_id"] == partner_a.pk


@pytest.mark.parametrize("who", ["user_a", "cam"])
def test_partner_users_and_staff_cannot_open_a_legal_request(request, who):
    resp = _post(
        _as(request.getfixturevalue(who)),
        "/api/v1/legal-requests",
        {"template_id": _master().pk, "proposed_changes": "Please change."},
    )
    assert resp.status_code == 403
    assert not LegalRequest.objects.exists()


def test_opening_a_legal_request_validates_its_input(partner_a, admin_a):
    c = _as(admin_a)
    reseller = AgreementTemplate.objects.get(slug="reseller-addendum")  # partner A is no reseller
    not_applicable = _post(c, "/api/v1/legal-requests", {"template_id": reseller.pk, "proposed_changes": "x"})
    assert not_applicable.status_code == 422 and "template" in not_applicable.json()["detail"]
    assert (
        _post(c, "/api/v1/legal-requests", {"template_id": 999999, "proposed_changes": "x"}).status_code
        == 404
    )
    blank = _post(c, "/api/v1/legal-requests", {"template_id": _master().pk, "proposed_changes": "  "})
    assert blank.status_code == 422 and "proposed_changes" in blank.json()["detail"]
    assert _post(c, "/api/v1/legal-requests", {"template_id": _master().pk}).status_code == 422
    ok = {"template_id": _master().pk, "proposed_changes": "Change 3."}
    assert _post(c, "/api/v1/legal-requests", ok).status_code == 201
    twice = _post(c, "/api/v1/legal-requests", ok)
    assert twice.status_code == 422 and "already open" in twice.json()["detail"]["__all__"][0]
    assert LegalRequest.objects.count() == 1


def test_a_legal_request_is_discussed_then_withdrawn(partner_a, admin_a, user_a, legal):
    lr = legal_request_open(partner=partner_a, template=_master(), proposed_changes="Change 3.", by=admin_a)
    a = _as(user_a)  # any person of the partner may comment
    resp = _post(a, f"/api/v1/legal-requests/{lr.pk}/comments", {"body": "Also clause 4, please."})
    assert resp.status_code == 201
    assert resp.json()["author_email"] == "user@a.test" and resp.json()["author_is_staff"] is False
    reply = _post(_as(legal), f"/api/v1/legal-requests/{lr.pk}/comments", {"body": "We will look at it."})
    assert reply.status_code == 201 and reply.json()["author_is_staff"] is True
    detail = _as(admin_a).get(f"/api/v1/legal-requests/{lr.pk}").json()
    assert [c["body"] for c in detail["comments"]] == ["Also clause 4, please.", "We will look at it."]
    assert _post(a, f"/api/v1/legal-requests/{lr.pk}/withdraw").status_code == 403  # users may not
    done = _post(_as(admin_a), f"/api/v1/legal-requests/{lr.pk}/withdraw", {"note": "We accept as is."})
    assert done.status_code == 200
    assert done.json()["status"] == "withdrawn" and done.json()["outcome_note"] == "We accept as is."
    assert _post(_as(admin_a), f"/api/v1/legal-requests/{lr.pk}/withdraw").status_code == 422
    late = _post(a, f"/api/v1/legal-requests/{lr.pk}/comments", {"body": "One more thing."})
    assert late.status_code == 422
    assert LegalComment.objects.filter(request=lr).count() == 2


def test_a_comment_needs_a_body_and_staff_need_the_legal_role(partner_a, admin_a, marketing):
    lr = legal_request_open(partner=partner_a, template=_master(), proposed_changes="Change 3.", by=admin_a)
    assert _post(_as(admin_a), f"/api/v1/legal-requests/{lr.pk}/comments", {"body": ""}).status_code == 422
    assert _post(_as(admin_a), f"/api/v1/legal-requests/{lr.pk}/comments", {"body": "  "}).status_code == 422
    assert (
        _post(_as(marketing), f"/api/v1/legal-requests/{lr.pk}/comments", {"body": "Hi"}).status_code == 403
    )
    assert _post(_as(marketing), f"/api/v1/legal-requests/{lr.pk}/withdraw").status_code == 403
    assert not LegalComment.objects.exists()


def test_partner_b_never_sees_or_touches_partner_as_legal_requests(
    partner_a, admin_a, partner_b, user_b, cam
):
    lr_a = legal_request_open(
        partner=partner_a, template=_master(), proposed_changes="A's terms.", by=admin_a
    )
    lr_b = legal_request_open(partner=partner_b, template=_master(), proposed_changes="B's terms.", by=user_b)
    b = _as(user_b)
    assert [i["id"] for i in b.get("/api/v1/legal-requests").json()["items"]] == [lr_b.pk]
    assert b.get("/api/v1/legal-requests", {"partner_id": partner_a.pk}).json()["count"] == 0
    assert b.get(f"/api/v1/legal-requests/{lr_a.pk}").status_code == 404
    assert _post(b, f"/api/v1/legal-requests/{lr_a.pk}/comments", {"body": "Hi"}).status_code == 404
    assert _post(b, f"/api/v1/legal-requests/{lr_a.pk}/withdraw").status_code == 404
    lr_a.refresh_from_db()
    assert lr_a.status == LegalStatus.OPEN and not lr_a.comments.exists()
    staff = _as(cam).get("/api/v1/legal-requests", {"status": "open"}).json()
    assert {i["id"] for i in staff["items"]} == {lr_a.pk, lr_b.pk}
    assert _as(cam).get("/api/v1/legal-requests", {"status": "withdrawn"}).json()["count"] == 0


def test_a_forged_partner_id_does_not_open_a_legal_request_for_another_partner(partner_a, partner_b, user_b):
    resp = _post(
        _as(user_b),
        "/api/v1/legal-requests",
        {"template_id": _master().pk, "proposed_changes": "x", "partner_id": partner_a.pk},
    )
    assert resp.status_code == 201 and resp.json()["partner_id"] == partner_b.pk
    assert not LegalRequest.objects.filter(partner=partner_a).exists()


# --- the OpenAPI schema documents the new operations -------------------------------------------


def test_the_schema_documents_the_new_operations_and_their_errors(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    expected = {
        ("/api/v1/applications", "post"): {"201", "403", "422"},
        ("/api/v1/applications/{application_id}/approve", "post"): {"200", "403", "404", "422"},
        ("/api/v1/applications/{application_id}/reject", "post"): {"200", "403", "404", "422"},
        ("/api/v1/agreement-versions/{version_id}", "get"): {"200", "404"},
        ("/api/v1/acceptances", "get"): {"200"},
        ("/api/v1/partners/{partner_id}/agreements", "get"): {"200", "404"},
        ("/api/v1/legal-requests", "post"): {"201", "403", "404", "422"},
        ("/api/v1/legal-requests/{request_id}/comments", "post"): {"201", "403", "404", "422"},
        ("/api/v1/legal-requests/{request_id}/withdraw", "post"): {"200", "403", "404", "422"},
    }
    for (path, method), codes in expected.items():
        documented = set(paths[path][method]["responses"])
        assert codes | {"400", "401", "422"} <= documented, (path, method, documented)
    assert "token_hash" not in json.dumps(schema)
    tags = {t for p in paths.values() for op in p.values() for t in op["tags"]}
    assert {"applications", "agreements", "legal requests"} <= tags


# --- query counts: constant for 3 and 30 rows ---------------------------------------------------


def _people_partners(n: int) -> list[tuple[Partner, User]]:
    out = []
    for i in range(n):
        p = PartnerFactory(legal_name=f"Counted {i:02d}")
        out.append((p, MembershipFactory(partner=p, role="admin", user=UserFactory()).user))
    return out


@pytest.mark.parametrize("rows", [3, 30])
def test_listing_applications_costs_the_same_queries_for_3_and_30_rows(cam, rows, django_assert_num_queries):
    _submitted(rows, cam)
    c = _as(cam)
    assert c.get("/api/v1/applications").status_code == 200  # first use stamps the token's last_used_at
    # 1 token + its user, 2 the staff owner's authenticator, 3 COUNT(*), 4 the page joined with region
    # and decider, 5 the page's programs (prefetch).
    with django_assert_num_queries(5):
        body = c.get("/api/v1/applications").json()
    assert body["count"] == rows and all(len(i["programs"]) == 2 for i in body["items"])


@pytest.mark.parametrize("rows", [3, 30])
def test_listing_templates_costs_the_same_queries_for_3_and_30_rows(admin_a, rows, django_assert_num_queries):
    from channelops.partners.models import Region

    for i in range(rows):
        t = AgreementTemplate.objects.create(slug=f"extra-{i}", name=f"Extra {i}", kind="addendum")
        t.programs.set(Program.objects.filter(slug="reseller"))
        t.regions.set(Region.objects.filter(code="EMEA"))
        AgreementVersion.objects.create(template=t, number=1, body="Extra terms.", status="published")
    c = _as(admin_a)
    assert c.get("/api/v1/agreement-templates").status_code == 200
    # 1 token + its user, 2 the person's membership (their scope), 3 COUNT(*), 4 the page of templates
    # with their current version (subqueries), 5 the page's programs, 6 its regions (prefetches).
    with django_assert_num_queries(6):
        body = c.get("/api/v1/agreement-templates").json()
    assert body["count"] == rows + 5
    assert all(i["current_version"] == 1 for i in body["items"])


@pytest.mark.parametrize("rows", [3, 30])
def test_listing_acceptances_costs_the_same_queries_for_3_and_30_rows(cam, rows, django_assert_num_queries):
    for partner, admin in _people_partners(rows):
        _accept_master(partner, admin)
    c = _as(cam)
    assert c.get("/api/v1/acceptances").status_code == 200
    # 1 token + its user, 2 the staff owner's authenticator, 3 COUNT(*), 4 the page joined with
    # template and version (without the version's text).
    with django_assert_num_queries(4):
        body = c.get("/api/v1/acceptances").json()
    assert body["count"] == rows and {i["version"] for i in body["items"]} == {1}


@pytest.mark.parametrize("rows", [3, 30])
def test_listing_legal_requests_costs_the_same_queries_for_3_and_30_rows(
    cam, rows, django_assert_num_queries
):
    for partner, admin in _people_partners(rows):
        legal_request_open(partner=partner, template=_master(), proposed_changes="Change 3.", by=admin)
    c = _as(cam)
    assert c.get("/api/v1/legal-requests").status_code == 200
    # 1 token + its user, 2 the staff owner's authenticator, 3 COUNT(*), 4 the page joined with
    # template, version (without its text) and opener.
    with django_assert_num_queries(4):
        body = c.get("/api/v1/legal-requests").json()
    assert body["count"] == rows and all(i["opened_by_email"] for i in body["items"])
