"""Enablement plans and business plans (S6, "slide 19"): portal forms, progress charts, review, API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from channelops.core.exceptions import NotAllowed
from channelops.enablement.models import (
    BusinessPlan,
    Certification,
    EnablementPlanEntry,
    PractitionerRecord,
)
from channelops.enablement.services import plans
from channelops.enablement.services.plans import (
    business_plan_accept,
    business_plan_on_file,
    business_plan_required,
    business_plan_return,
    business_plan_save,
    business_plan_submit,
    enablement_plan_entry_add,
)

from .conftest import Mailbox
from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

# Every test reads `today()` more than once: the clock stops where each test starts.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def today() -> date:
    """The product's today (settings.TIME_ZONE), read when the test runs — not at import."""
    return timezone.localdate()


def soon() -> date:
    return today() + timedelta(days=30)


@pytest.fixture
def sac(db) -> Certification:
    return Certification.objects.get(slug="solution-architect-core")


@pytest.fixture
def pse(db) -> Certification:
    return Certification.objects.get(slug="professional-services-engineer")


def certify(partner, cert, email: str, *, expired: bool = False) -> PractitionerRecord:  # type: ignore[no-untyped-def]
    return PractitionerRecord.objects.create(
        partner=partner,
        email=email,
        full_name=email.split("@")[0],
        certification=cert,
        training_completed=True,
        exam_passed=True,
        completed_on=today() - timedelta(days=400 if expired else 10),
        expires_on=today() - timedelta(days=1) if expired else today() + timedelta(days=300),
        source="manual",
    )


def row(cert, **kw) -> dict:  # type: ignore[no-untyped-def]
    return {
        "full_name": "Maria Muster",
        "email": "maria@acme.example",
        "certification": str(cert.pk),
        "target_date": soon().isoformat(),
        "note": "",
        **kw,
    }


SECTIONS = {
    "target_customers": "Mid-size banks in DACH",
    "services_offered": "Migrations and CI/CD adoption",
    "go_to_market": "Joint webinars",
    "resourcing": "Two architects, one trainer",
    "certification_summary": "Certify both architects this year",
}


def full_plan(partner, admin, cert, people: int = 2):  # type: ignore[no-untyped-def]
    return business_plan_save(
        partner=partner,
        by=admin,
        sections=SECTIONS,
        targets=[{"certification": cert.pk, "people": people, "by_date": soon()}],
    )


# --- the enablement plan in the portal ----------------------------------------------------------


def test_partner_admin_adds_edits_and_removes_plan_rows_in_the_portal(admin_a, sac, pse, login):
    client = login(admin_a)
    resp = client.post("/portal/enablement/plan/", row(sac, email="Maria@Acme.example", note="Lead"))
    assert resp.status_code == 302 and resp["Location"] == "/portal/enablement/plan/"
    entry = EnablementPlanEntry.objects.get()
    assert (entry.email, entry.certification, entry.target_date, entry.note) == (
        "maria@acme.example",
        sac,
        soon(),
        "Lead",
    )
    page = client.get("/portal/enablement/plan/").content.decode()
    assert "Maria Muster" in page and "Solution Architect Core" in page and "Planned" in page
    resp = client.post(f"/portal/enablement/plan/{entry.pk}/", row(pse, full_name="Maria M."))
    assert resp.status_code == 302
    entry.refresh_from_db()
    assert (entry.full_name, entry.certification) == ("Maria M.", pse)
    assert client.post(f"/portal/enablement/plan/{entry.pk}/remove/").status_code == 302
    assert not EnablementPlanEntry.objects.exists()
    assert entry.history.count() == 3  # added, changed, removed — kept in the audit history


@pytest.mark.parametrize(
    ("bad", "field_message"),
    [
        ({"target_date": lambda: (today() - timedelta(days=1)).isoformat()}, "cannot be in the past"),
        ({"email": "not-an-address"}, "valid email address"),
        ({"certification": "999999"}, "Choose a certification from the catalog"),
        ({"full_name": ""}, "This field is required"),
    ],
)
def test_bad_plan_rows_are_refused_with_a_clear_message_and_change_nothing(
    admin_a, sac, login, bad, field_message
):
    client = login(admin_a)
    bad = {k: v() if callable(v) else v for k, v in bad.items()}  # dates are read when the test runs
    resp = client.post("/portal/enablement/plan/", row(sac, **bad))
    assert resp.status_code == 400
    assert field_message in resp.content.decode()
    assert not EnablementPlanEntry.objects.exists()


def test_the_same_person_and_certification_cannot_be_planned_twice(partner_a, admin_a, sac, login):
    enablement_plan_entry_add(
        partner=partner_a,
        by=admin_a,
        full_name="Maria",
        email="maria@acme.example",
        certification=sac,
        target_date=soon(),
    )
    client = login(admin_a)
    resp = client.post("/portal/enablement/plan/", row(sac, email="MARIA@acme.example"))
    assert resp.status_code == 400
    assert "maria@acme.example is already in the plan for Solution Architect Core" in resp.content.decode()
    assert EnablementPlanEntry.objects.count() == 1


def test_progress_shows_who_is_certified_now_and_who_is_overdue(
    partner_a, partner_b, admin_a, sac, pse, login
):
    for email, cert in (("done@acme.example", sac), ("late@acme.example", sac), ("soon@acme.example", pse)):
        EnablementPlanEntry.objects.create(
            partner=partner_a, full_name=email, email=email, certification=cert, target_date=soon()
        )
    EnablementPlanEntry.objects.filter(email="late@acme.example").update(
        target_date=today() - timedelta(days=3)
    )
    certify(partner_a, sac, "DONE@acme.example")
    certify(partner_a, sac, "late@acme.example", expired=True)  # expired: not certified now
    certify(partner_b, pse, "soon@acme.example")  # at another partner: does not count
    statuses = {p.entry.email: (p.certified, p.overdue) for p in plans.enablement_progress(partner_a)}
    assert statuses == {
        "done@acme.example": (True, False),
        "late@acme.example": (False, True),
        "soon@acme.example": (False, False),
    }
    page = login(admin_a).get("/portal/enablement/plan/").content.decode()
    assert 'data-email="done@acme.example" data-status="certified"' in page
    assert 'data-email="late@acme.example" data-status="overdue"' in page


def test_charts_are_inline_svg_with_a_title_and_a_data_table(partner_a, admin_a, sac, login):
    EnablementPlanEntry.objects.create(
        partner=partner_a, full_name="A", email="a@acme.example", certification=sac, target_date=soon()
    )
    EnablementPlanEntry.objects.create(
        partner=partner_a, full_name="B", email="b@acme.example", certification=sac, target_date=soon()
    )
    certify(partner_a, sac, "a@acme.example")
    full_plan(partner_a, admin_a, sac, people=4)
    client = login(admin_a)
    page = client.get("/portal/enablement/plan/").content.decode()
    # a Chart.js canvas fed from a data attribute (no inline script), its title and data table beside it
    assert '<canvas id="enablement-chart" role="img"' in page and "data-plan-chart=" in page
    assert (
        '<figcaption class="fw-bold mb-2" id="enablement-title">Enablement plan: people certified vs planned</figcaption>'
        in page
    )
    assert "vendor/chartjs/chart.umd.min.js" in page and "channelops/plan-chart.js" in page
    assert "Solution Architect Core: 1 of 2" in page  # the description read by screen readers
    assert 'data-testid="chart-table-enablement"' in page
    assert "<script" not in page.split("<main", 1)[-1] and "cdn" not in page.lower()
    page = client.get("/portal/enablement/business-plan/").content.decode()
    assert 'data-testid="chart-table-business"' in page and "Solution Architect Core: 1 of 4" in page


# --- who may edit ----------------------------------------------------------------------------------


def test_partner_users_who_are_not_admins_can_view_but_not_edit(
    partner_a, admin_a, user_a, sac, login, api_client
):
    entry = enablement_plan_entry_add(
        partner=partner_a,
        by=admin_a,
        full_name="Maria",
        email="maria@acme.example",
        certification=sac,
        target_date=soon(),
    )
    client = login(user_a)
    page = client.get("/portal/enablement/plan/").content.decode()
    assert "Maria" in page and "Add to the plan" not in page and "partner admins can change" in page
    assert client.post("/portal/enablement/plan/", row(sac, email="x@acme.example")).status_code == 403
    assert client.get(f"/portal/enablement/plan/{entry.pk}/").status_code == 403
    assert client.post(f"/portal/enablement/plan/{entry.pk}/remove/").status_code == 403
    page = client.get("/portal/enablement/business-plan/").content.decode()
    assert "Save the draft" not in page
    assert client.post("/portal/enablement/business-plan/", {**SECTIONS, "action": "save"}).status_code == 403
    api = api_client(user_a)
    assert api.get(f"/api/v1/partners/{partner_a.pk}/enablement-plan").status_code == 200
    resp = api.put(
        f"/api/v1/partners/{partner_a.pk}/enablement-plan", {"entries": []}, content_type="application/json"
    )
    assert resp.status_code == 403
    assert EnablementPlanEntry.objects.count() == 1 and not BusinessPlan.objects.exists()
    with pytest.raises(NotAllowed):
        enablement_plan_entry_add(
            partner=partner_a,
            by=user_a,
            full_name="X",
            email="x@acme.example",
            certification=sac,
            target_date=soon(),
        )


# --- the business plan -----------------------------------------------------------------------------


def _post_plan(client, cert, action: str, **extra):  # type: ignore[no-untyped-def]
    data = {
        **SECTIONS,
        "t-0-certification": str(cert.pk),
        "t-0-people": "2",
        "t-0-by_date": soon().isoformat(),
        "action": action,
        **extra,
    }
    return client.post("/portal/enablement/business-plan/", data)


def test_business_plan_is_submitted_in_the_portal_and_accepted_by_the_cam_with_an_email(
    partner_a, admin_a, cam, sac, login, smtp_server, deliver, client
):
    partner_a.cam = cam
    partner_a.save()
    portal = login(admin_a)
    page = portal.get("/portal/enablement/business-plan/").content.decode()
    assert "Suggested:" in page and "Required:" not in page
    assert _post_plan(portal, sac, "save").status_code == 302
    plan = BusinessPlan.objects.get()
    assert (plan.version, plan.state, plan.target_customers) == (1, "draft", "Mid-size banks in DACH")
    assert not business_plan_on_file(partner_a)
    assert _post_plan(portal, sac, "submit").status_code == 302
    plan.refresh_from_db()
    assert plan.state == "submitted" and business_plan_on_file(partner_a)
    deliver()
    [to_cam] = smtp_server.box.to("cam@vendor.test")
    assert f"/console/enablement/plans/{partner_a.pk}/" in Mailbox.text(to_cam)

    staff = login(cam)
    page = staff.get(f"/console/enablement/plans/{partner_a.pk}/").content.decode()
    assert "Mid-size banks in DACH" in page and "Accept" in page
    resp = staff.post(f"/console/enablement/plans/{partner_a.pk}/accept/", {"comment": "Great plan"})
    assert resp.status_code == 302
    plan.refresh_from_db()
    assert (plan.state, plan.decided_by, plan.review_comment) == ("accepted", cam, "Great plan")
    assert business_plan_on_file(partner_a)
    smtp_server.box.clear()
    deliver()
    [msg] = smtp_server.box.to("admin@a.test")
    assert "accepted" in msg["Subject"] and "Great plan" in Mailbox.text(msg)
    assert "/portal/enablement/business-plan/" in Mailbox.text(msg)


def test_a_returned_plan_is_revised_as_a_new_version_that_supersedes_it(
    partner_a, admin_a, cam, sac, pse, login, smtp_server, deliver
):
    full_plan(partner_a, admin_a, sac)
    v1 = business_plan_submit(partner=partner_a, by=admin_a)
    staff = login(cam)
    resp = staff.post(f"/console/enablement/plans/{partner_a.pk}/return/", {"comment": ""})
    assert resp.status_code == 400 and "Say what the partner should change" in resp.content.decode()
    resp = staff.post(f"/console/enablement/plans/{partner_a.pk}/return/", {"comment": "Add PSE targets"})
    assert resp.status_code == 302
    v1.refresh_from_db()
    assert v1.state == "returned" and not business_plan_on_file(partner_a)
    deliver()
    [msg] = smtp_server.box.to("admin@a.test")
    assert "returned" in msg["Subject"] and "Add PSE targets" in Mailbox.text(msg)

    portal = login(admin_a)
    page = portal.get("/portal/enablement/business-plan/").content.decode()
    assert "Add PSE targets" in page
    resp = _post_plan(
        portal,
        sac,
        "submit",
        **{"t-1-certification": str(pse.pk), "t-1-people": "1", "t-1-by_date": soon().isoformat()},
    )
    assert resp.status_code == 302
    v1.refresh_from_db()
    v2 = BusinessPlan.objects.get(version=2)
    assert v2.state == "submitted" and v1.superseded_at is not None
    assert sorted(t.certification.slug for t in v2.targets.all()) == [pse.slug, sac.slug]
    assert v1.targets.count() == 1  # the old version is kept as it was
    page = portal.get("/portal/enablement/business-plan/").content.decode()
    assert 'data-version="2"' in page and 'data-version="1"' in page and "superseded" in page
    assert "Mid-size banks" in portal.get("/portal/enablement/business-plan/v1/").content.decode()
    with pytest.raises(Exception, match="submitted, current"):
        business_plan_accept(plan=v1, by=cam)
    assert business_plan_accept(plan=v2, by=cam).state == "accepted"


def test_a_draft_of_a_new_version_leaves_the_accepted_plan_on_file(partner_a, admin_a, cam, sac):
    full_plan(partner_a, admin_a, sac)
    business_plan_accept(plan=business_plan_submit(partner=partner_a, by=admin_a), by=cam)
    draft = full_plan(partner_a, admin_a, sac, people=5)
    assert (draft.version, draft.state) == (2, "draft")
    assert business_plan_on_file(partner_a)


def test_submitting_needs_every_section_and_a_target_and_bad_targets_change_nothing(
    partner_a, admin_a, sac, login
):
    portal = login(admin_a)
    resp = portal.post("/portal/enablement/business-plan/", {"target_customers": "Banks", "action": "submit"})
    body = resp.content.decode()
    assert resp.status_code == 400
    assert "Fill in “Services offered” before submitting." in body
    assert "Add at least one certification target before submitting." in body
    assert BusinessPlan.objects.get().state == "draft"  # the text was saved as a draft
    resp = _post_plan(portal, sac, "save", **{"t-0-people": "0", "target_customers": "Changed"})
    assert (
        resp.status_code == 400
        and "Target 1: the number of people is a whole number from 1 to 1000" in resp.content.decode()
    )
    assert BusinessPlan.objects.get().target_customers == "Banks"


def test_the_business_plan_is_required_for_training_partner_invitees(partner_a, admin_a, login):
    assert business_plan_required(partner_a) is False
    check = lambda p: p.pk == partner_a.pk  # noqa: E731
    plans.register_business_plan_requirement(check)
    try:
        assert business_plan_required(partner_a) is True
        page = login(admin_a).get("/portal/enablement/business-plan/").content.decode()
        assert "Required:" in page and "Certified Training Partner" in page
    finally:
        plans.access._REQUIREMENT_CHECKS.remove(check)


def test_staff_roles_view_and_review_plans(partner_a, admin_a, sac, login, leadership, phd_emea):
    full_plan(partner_a, admin_a, sac)
    business_plan_submit(partner=partner_a, by=admin_a)
    education = StaffFactory(email="edu@vendor.test", roles=["education_services"])
    page = login(leadership).get(f"/console/enablement/plans/{partner_a.pk}/").content.decode()
    assert "Mid-size banks" in page and "Return with the comment" not in page
    assert login(leadership).post(f"/console/enablement/plans/{partner_a.pk}/accept/").status_code == 403
    assert login(phd_emea).get("/console/enablement/plans/").status_code == 403
    assert login(education).post(f"/console/enablement/plans/{partner_a.pk}/accept/").status_code == 302
    assert BusinessPlan.objects.get().state == "accepted"


# --- pages: lists and query counts -----------------------------------------------------------------


def _partners_with_plans(n: int, cert) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        p = PartnerFactory()
        admin = MembershipFactory(partner=p, role="admin", user=UserFactory()).user
        EnablementPlanEntry.objects.create(
            partner=p, full_name="P", email=f"p{i}@x.example", certification=cert, target_date=soon()
        )
        certify(p, cert, f"p{i}@x.example")
        full_plan(p, admin, cert)
        if i % 2:
            business_plan_submit(partner=p, by=admin)


@pytest.mark.parametrize("n", [3, 25])
def test_the_console_plan_list_runs_a_constant_number_of_queries(
    n, cam, sac, login, django_assert_num_queries
):
    _partners_with_plans(n, sac)
    client = login(cam)
    client.get("/console/enablement/plans/")  # warm the session and permission caches
    # session, user, staff MFA check, permissions (user + group), count, partners (+ CAM),
    # certified people, plan rows, current plans, their targets, the unread notifications badge
    with django_assert_num_queries(CONSOLE_LIST_QUERIES):
        resp = client.get("/console/enablement/plans/")
    assert resp.status_code == 200
    assert resp.content.decode().count("1 of 1 certified") == n


CONSOLE_LIST_QUERIES = 12


@pytest.mark.parametrize("n", [3, 25])
def test_the_portal_plan_pages_run_a_constant_number_of_queries(
    n, partner_a, admin_a, sac, pse, login, django_assert_num_queries
):
    for i in range(n):
        EnablementPlanEntry.objects.create(
            partner=partner_a,
            full_name=f"P{i}",
            email=f"p{i}@acme.example",
            certification=sac if i % 2 else pse,
            target_date=soon(),
        )
        certify(partner_a, sac, f"p{i}@acme.example")
    full_plan(partner_a, admin_a, sac)
    client = login(admin_a)
    client.get("/portal/enablement/plan/")
    # session, user, membership + partner (+ region, tier, CAM), plan rows, certified people,
    # active certifications for the form, the unread notifications badge
    with django_assert_num_queries(PORTAL_PLAN_QUERIES):
        assert client.get("/portal/enablement/plan/").status_code == 200
    # session, user, membership + partner, versions, their targets, their certifications, certified counts,
    # the training-partner check, certifications for the form, the badge
    with django_assert_num_queries(PORTAL_BUSINESS_QUERIES):
        assert client.get("/portal/enablement/business-plan/").status_code == 200


PORTAL_PLAN_QUERIES = 7
PORTAL_BUSINESS_QUERIES = 10


def test_the_portal_nav_links_to_the_enablement_index_and_its_pages(admin_a, login):
    client = login(admin_a)
    assert 'href="/portal/enablement/"' in client.get("/portal/").content.decode()
    page = client.get("/portal/enablement/").content.decode()
    assert 'href="/portal/enablement/plan/"' in page and 'href="/portal/enablement/business-plan/"' in page


# --- API ---------------------------------------------------------------------------------------------


def test_the_api_reads_and_saves_the_enablement_plan(partner_a, admin_a, sac, pse, api_client):
    api = api_client(admin_a)
    url = f"/api/v1/partners/{partner_a.pk}/enablement-plan"
    good = {
        "entries": [
            {
                "full_name": "Maria",
                "email": "maria@acme.example",
                "certification_id": sac.pk,
                "target_date": str(soon()),
            },
            {
                "full_name": "Max",
                "email": "max@acme.example",
                "certification_id": pse.pk,
                "target_date": str(soon()),
            },
        ]
    }
    resp = api.put(url, good, content_type="application/json")
    assert resp.status_code == 200, resp.content
    assert [e["email"] for e in resp.json()["entries"]] == ["maria@acme.example", "max@acme.example"]
    certify(partner_a, sac, "maria@acme.example")
    data = api.get(url).json()
    assert [e["certified"] for e in data["entries"]] == [True, False]
    assert {p["certification"]: (p["target"], p["actual"]) for p in data["progress"]} == {
        "Solution Architect Core": (1, 1),
        "Professional Services Engineer": (1, 0),
    }
    bad = {
        "entries": [good["entries"][0], {**good["entries"][1], "email": "nope", "target_date": "2000-01-01"}]
    }
    resp = api.put(url, bad, content_type="application/json")
    assert resp.status_code == 422
    assert "row 2: email" in resp.json()["detail"] and "row 2: target_date" in resp.json()["detail"]
    assert EnablementPlanEntry.objects.count() == 2
    resp = api.post(url, {**good["entries"][0]}, content_type="application/json")
    assert resp.status_code == 422  # a duplicate person and certification


def test_the_api_saves_and_submits_the_business_plan(partner_a, admin_a, sac, api_client):
    api = api_client(admin_a)
    url = f"/api/v1/partners/{partner_a.pk}/business-plan"
    payload = {**SECTIONS, "targets": [{"certification_id": sac.pk, "people": 3, "by_date": str(soon())}]}
    resp = api.put(url, payload, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["current"]["state"] == "draft"
    resp = api.post(url, {**payload, "go_to_market": "", "submit": True}, content_type="application/json")
    assert resp.status_code == 422 and "go_to_market" in resp.json()["detail"]
    resp = api.post(url, {**payload, "submit": True}, content_type="application/json")
    data = resp.json()
    assert resp.status_code == 200 and data["on_file"] is True and data["current"]["state"] == "submitted"
    assert data["current"]["targets"] == [
        {
            "certification_id": sac.pk,
            "certification": sac.name,
            "people": 3,
            "by_date": str(soon()),
            "certified_now": 0,
        }
    ]


def test_partner_b_cannot_read_or_change_partner_as_plans(partner_a, admin_a, user_b, sac, api_client, login):
    entry = enablement_plan_entry_add(
        partner=partner_a,
        by=admin_a,
        full_name="Maria",
        email="maria@acme.example",
        certification=sac,
        target_date=soon(),
    )
    full_plan(partner_a, admin_a, sac)
    business_plan_submit(partner=partner_a, by=admin_a)
    api = api_client(user_b)
    for path in ("enablement-plan", "business-plan"):
        assert api.get(f"/api/v1/partners/{partner_a.pk}/{path}").status_code == 404
        resp = api.put(
            f"/api/v1/partners/{partner_a.pk}/{path}", {"entries": []}, content_type="application/json"
        )
        assert resp.status_code in (404, 422)
    client = login(user_b)
    assert client.get(f"/portal/enablement/plan/{entry.pk}/").status_code == 404
    assert client.post(f"/portal/enablement/plan/{entry.pk}/remove/").status_code == 404
    assert client.get("/portal/enablement/business-plan/v1/").status_code == 404
    assert client.get(f"/console/enablement/plans/{partner_a.pk}/").status_code == 403
    page = client.get("/portal/enablement/plan/").content.decode()
    assert "maria@acme.example" not in page
    assert EnablementPlanEntry.objects.filter(partner=partner_a).count() == 1


def test_business_plan_return_needs_a_reviewer(partner_a, admin_a, sac):
    full_plan(partner_a, admin_a, sac)
    plan = business_plan_submit(partner=partner_a, by=admin_a)
    with pytest.raises(NotAllowed):
        business_plan_return(plan=plan, by=admin_a, comment="x")
