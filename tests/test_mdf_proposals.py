"""MDF proposals (channelops/mdf/services.py, views_portal.py, views_console.py): eligibility, the
draft, the CAM's alignment, routing by amount and region, decisions and the reservation of funds —
through the pages, with the e-mails read from the SMTP server."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured, ValidationError

from channelops.core.exceptions import NotAllowed
from channelops.mdf import services
from channelops.mdf.eligibility import reasons
from channelops.mdf.models import Budget, EventKind, ExchangeRate, Proposal
from channelops.mdf.routing import approval_level, parse_route
from channelops.partners.models import Region, Tier

from .conftest import Mailbox
from .factories import MembershipFactory, StaffFactory, UserFactory
from .mdf_factories import AllocationFactory, BudgetFactory, ProposalFactory

pytestmark = pytest.mark.django_db
D = Decimal
# Inside the FY27 Q4 budget of the factories (November 2026 – January 2027).
NOW = datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _in_the_quarter():
    with time_machine.travel(NOW, tick=False):
        yield


def accept_all(partner, admin):
    from channelops.agreements.querysets import partner_agreement_rows
    from channelops.agreements.services import agreement_accept

    for row in partner_agreement_rows(partner):
        if row.needs_action:
            agreement_accept(
                partner=partner, version=row.current, submitted_hash=row.current.content_hash, by=admin
            )


@pytest.fixture
def admin_a(admin_a, partner_a):
    """Partner A's admin, its agreements accepted (an eligible partner)."""
    accept_all(partner_a, admin_a)
    return admin_a


@pytest.fixture
def cam_a(partner_a, cam):
    partner_a.country = "GB"
    partner_a.cam = cam
    partner_a.save()
    return cam


@pytest.fixture
def marketing(db):
    return StaffFactory(email="marketing@vendor.test", roles=["channel_marketing"])


@pytest.fixture
def budget(db):
    return BudgetFactory(amount=D("100000"))


def form_data(**over):
    data = {
        "activity_type": "webinar",
        "title": "Zero-trust webinar",
        "description": "A webinar for CISOs.",
        "starts_on": "2026-12-10",
        "ends_on": "2026-12-10",
        "audience": "CISOs in the UK",
        "target_accounts": "Big Bank plc",
        "entered_amount": "4000",
        "entered_currency": "USD",
        "expected_leads": "40",
        "expected_pipeline": "120000",
        "reviewed_with_cam": "on",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


def draft(partner, by, **over):
    return services.proposal_create(partner=partner, by=by, data=form_data(**over))


def submitted(partner, by, cam, **over):
    p = draft(partner, by, **over)
    services.proposal_send_to_cam(proposal=p, by=by)
    return services.proposal_align(proposal=p, by=cam)


# --- eligibility ---------------------------------------------------------------------------------------


def test_an_eligible_partner_admin_has_no_reasons(partner_a, admin_a):
    assert reasons(partner_a, admin_a) == []


def test_reasons_say_why_and_what_to_do(partner_a, user_a, settings):
    settings.MDF_ELIGIBLE_TIERS = ["select"]
    partner_a.status = "suspended"
    partner_a.save()
    got = {r.code: r for r in reasons(partner_a, user_a)}
    assert set(got) == {"tier", "inactive", "person"}
    assert "Select" in got["tier"].text and "Open" in got["tier"].text
    assert "partner admin" in got["person"].todo


def test_portal_page_explains_why_a_partner_cannot_submit(login, partner_a, admin_a, settings):
    settings.MDF_ELIGIBLE_TIERS = ["select"]
    client = login(admin_a)
    page = client.get("/portal/mdf/").content.decode()
    assert "You cannot propose activities yet" in page
    assert 'data-reason="tier"' in page
    assert "/portal/mdf/new/" not in page
    assert client.get("/portal/mdf/new/").status_code == 404


def test_a_partner_user_without_the_right_cannot_create(login, partner_a, user_a):
    client = login(user_a)
    page = client.get("/portal/mdf/").content.decode()
    assert 'data-reason="person"' in page and "/portal/mdf/new/" not in page
    assert client.post("/portal/mdf/new/", form_data()).status_code == 404
    with pytest.raises(NotAllowed):
        draft(partner_a, user_a)
    assert not Proposal.objects.exists()


def test_agreements_not_accepted_block_when_required(partner_b, user_b, settings):
    got = reasons(partner_b)
    assert [r.code for r in got] == ["agreements"]
    assert "Master Partner Agreement" in got[0].text and "Agreements page" in got[0].todo
    settings.MDF_REQUIRE_AGREEMENTS = False
    assert reasons(partner_b) == []


# --- the draft -----------------------------------------------------------------------------------------


def test_draft_edit_and_send_through_the_pages(login, partner_a, admin_a, cam_a, smtp_server, deliver):
    client = login(admin_a)
    assert "New proposal" in client.get("/portal/mdf/").content.decode()
    r = client.post("/portal/mdf/new/", form_data(reviewed_with_cam=None, save="1"))
    assert r.status_code == 302
    p = Proposal.objects.get()
    assert (p.number, p.status, p.requested_amount) == ("MDF-000001", "draft", D("4000.00"))

    # sending without the CAM checkbox: a clear error, nothing sent
    r = client.post(f"/portal/mdf/{p.pk}/edit/", form_data(reviewed_with_cam=None, send="1"))
    assert r.status_code == 400
    assert "We reviewed this plan with our CAM" in r.content.decode()
    p.refresh_from_db()
    assert p.status == "draft"

    r = client.post(f"/portal/mdf/{p.pk}/edit/", form_data(title="Zero-trust webinar II", send="1"))
    assert r.status_code == 302
    p.refresh_from_db()
    assert (p.status, p.cam, p.title) == ("awaiting_cam", cam_a, "Zero-trust webinar II")
    kinds = list(p.events.values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.EDITED, EventKind.SENT_TO_CAM]

    # the CAM's task and e-mail; both sides say the proposal waits for the CAM
    from channelops.work.models import Task

    task = Task.objects.get(assignee=cam_a)
    assert task.done_at is None and p.number in task.item.title
    deliver()
    (mail,) = smtp_server.box.to("cam@vendor.test")
    assert p.number in mail["Subject"] and f"/console/mdf/{p.pk}/" in Mailbox.text(mail)
    name = cam_a.get_full_name()
    assert (
        f"Waiting for your channel account manager, {name}"
        in client.get(f"/portal/mdf/{p.pk}/").content.decode()
    )
    other = StaffFactory(roles=["channel_marketing"])
    assert f"Waiting for the CAM, {name}" in login(other).get(f"/console/mdf/{p.pk}/").content.decode()
    # no longer editable
    assert login(admin_a).get(f"/portal/mdf/{p.pk}/edit/").status_code == 404


def test_a_partner_without_a_cam_cannot_send(login, partner_a, admin_a):
    p = draft(partner_a, admin_a)
    with pytest.raises(ValidationError, match="no channel account manager"):
        services.proposal_send_to_cam(proposal=p, by=admin_a)
    client = login(admin_a)
    assert "cannot be sent" in client.get(f"/portal/mdf/{p.pk}/").content.decode()
    r = client.post(f"/portal/mdf/{p.pk}/send/", follow=True)
    assert "no channel account manager" in r.content.decode()
    p.refresh_from_db()
    assert p.status == "draft"


def test_amounts_in_another_currency_are_converted(partner_a, admin_a):
    ExchangeRate.objects.create(currency="EUR", rate=D("1.08"))
    p = draft(partner_a, admin_a, entered_amount="1000", entered_currency="EUR")
    assert (p.entered_amount, p.entered_currency, p.exchange_rate, p.requested_amount) == (
        D("1000"),
        "EUR",
        D("1.08"),
        D("1080.00"),
    )
    with pytest.raises(ValidationError) as exc:
        draft(partner_a, admin_a, entered_currency="JPY")
    assert "no exchange rate for JPY" in str(exc.value.message_dict["entered_currency"])
    with pytest.raises(ValidationError) as exc:
        draft(partner_a, admin_a, entered_currency="XXX", ends_on="2026-12-01", entered_amount="-3")
    assert set(exc.value.message_dict) == {"entered_currency", "ends_on", "entered_amount"}
    assert Proposal.objects.count() == 1


# --- the CAM -------------------------------------------------------------------------------------------


def test_cam_confirms_alignment_and_the_proposal_is_routed(login, partner_a, admin_a, cam_a, budget):
    p = draft(partner_a, admin_a)
    services.proposal_send_to_cam(proposal=p, by=admin_a)
    client = login(cam_a)
    assert "Confirm alignment" in client.get(f"/console/mdf/{p.pk}/").content.decode()
    assert client.post(f"/console/mdf/{p.pk}/align/").status_code == 302
    p.refresh_from_db()
    assert (p.status, p.budget, p.approval_level) == ("submitted", budget, "cam")
    assert p.cam_aligned_at and p.submitted_at
    from channelops.work.models import Task

    task = Task.objects.get(assignee=cam_a)
    assert task.done_at is not None and task.item.status == "done"
    assert "waiting for approval by channel account manager" in (
        login(admin_a).get(f"/portal/mdf/{p.pk}/").content.decode()
    )


def test_no_budget_tells_the_cam_channel_marketing_must_create_it(login, partner_a, admin_a, cam_a):
    p = draft(partner_a, admin_a)
    services.proposal_send_to_cam(proposal=p, by=admin_a)
    r = login(cam_a).post(f"/console/mdf/{p.pk}/align/", follow=True)
    assert "Channel marketing must create" in r.content.decode()
    p.refresh_from_db()
    assert p.status == "awaiting_cam" and p.budget is None


def test_cam_asks_for_changes_and_the_partner_resends(
    login, partner_a, admin_a, cam_a, budget, smtp_server, deliver
):
    p = draft(partner_a, admin_a)
    services.proposal_send_to_cam(proposal=p, by=admin_a)
    client = login(cam_a)
    assert client.post(f"/console/mdf/{p.pk}/cam-changes/", {"comment": ""}).status_code == 400
    assert client.post(f"/console/mdf/{p.pk}/cam-changes/", {"comment": "Name the venue."}).status_code == 302
    p.refresh_from_db()
    assert p.status == "changes_requested"
    deliver()
    (mail,) = [m for m in smtp_server.box.to("admin@a.test") if "Changes requested" in m["Subject"]]
    assert "Name the venue." in Mailbox.text(mail) and f"/portal/mdf/{p.pk}/" in Mailbox.text(mail)
    r = login(admin_a).post(f"/portal/mdf/{p.pk}/edit/", form_data(description="At the Barbican.", send="1"))
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.status == "awaiting_cam"


def test_only_the_partners_cam_aligns(login, partner_a, admin_a, cam_a, budget):
    p = draft(partner_a, admin_a)
    services.proposal_send_to_cam(proposal=p, by=admin_a)
    other_cam = StaffFactory(roles=["cam"])
    client = login(other_cam)
    assert "Confirm alignment" not in client.get(f"/console/mdf/{p.pk}/").content.decode()
    assert client.post(f"/console/mdf/{p.pk}/align/").status_code == 403
    p.refresh_from_db()
    assert p.status == "awaiting_cam"


# --- routing ---------------------------------------------------------------------------------------------


def test_parse_route_and_levels(settings):
    assert parse_route("cam:5000,channel_marketing:25000,channel_leadership") == [
        ("cam", D("5000")),
        ("channel_marketing", D("25000")),
        ("channel_leadership", None),
    ]
    for bad, why in (
        ("", "empty"),
        ("boss:10,channel_leadership", "unknown approval level"),
        ("cam,channel_leadership", "needs an upper bound"),
        ("cam:100,channel_leadership:200", "no upper bound"),
        ("cam:500,channel_marketing:100,channel_leadership", "increasing"),
        ("cam:lots,channel_leadership", "not an amount"),
    ):
        with pytest.raises(ImproperlyConfigured, match=why):
            parse_route(bad)
    assert approval_level(D("5000"), "EMEA") == "cam"
    assert approval_level(D("5000.01"), "EMEA") == "channel_marketing"
    assert approval_level(D("25001"), "EMEA") == "channel_leadership"
    settings.MDF_APPROVAL_ROUTES_BY_REGION = {"APAC": "cam:1000,channel_leadership"}
    assert approval_level(D("2000"), "APAC") == "channel_leadership"
    assert approval_level(D("2000"), "EMEA") == "cam"
    settings.MDF_APPROVAL_ROUTES_BY_REGION = {"APAC": "cam:10"}
    with pytest.raises(ImproperlyConfigured, match="CHANNELOPS_MDF_APPROVAL_ROUTE_APAC"):
        approval_level(D("1"), "EMEA")


def test_the_startup_check_reports_a_bad_route(settings):
    from channelops.mdf.routing import check_routes

    assert check_routes() == []
    settings.MDF_APPROVAL_ROUTE = "cam:5000"
    (error,) = check_routes()
    assert error.id == "mdf.E001" and "no upper bound" in error.msg


@pytest.mark.parametrize(
    ("amount", "level", "decider"),
    [
        ("4000", "cam", "cam"),
        ("12000", "channel_marketing", "marketing"),
        ("30000", "channel_leadership", "lead"),
    ],
)
def test_only_the_routed_role_decides(
    login, partner_a, admin_a, cam_a, marketing, leadership, budget, amount, level, decider
):
    p = submitted(partner_a, admin_a, cam_a, entered_amount=amount)
    assert p.approval_level == level
    people = {"cam": cam_a, "marketing": marketing, "lead": leadership}
    for key, person in people.items():
        client = login(person)
        page = client.get(f"/console/mdf/{p.pk}/").content.decode()
        if key == decider:
            assert "Approve and reserve the funds" in page
        else:
            assert "Approve and reserve the funds" not in page
            assert client.post(f"/console/mdf/{p.pk}/approve/").status_code == 403
    assert login(people[decider]).post(f"/console/mdf/{p.pk}/approve/").status_code == 302
    p.refresh_from_db()
    assert p.status == "approved" and p.decided_by == people[decider]


def test_a_cam_decides_only_for_their_own_partners(partner_a, partner_b, admin_a, user_b, cam_a, budget):
    p = submitted(partner_a, admin_a, cam_a)
    partner_b.cam = StaffFactory(roles=["cam"])
    partner_b.save()
    assert services.may_decide(cam_a, p)
    assert not services.may_decide(partner_b.cam, p)
    with pytest.raises(NotAllowed, match="decided by channel account manager"):
        services.proposal_approve(proposal=p, by=partner_b.cam)


def test_an_administrator_may_decide_any_level(partner_a, admin_a, cam_a, administrator, budget):
    p = submitted(partner_a, admin_a, cam_a, entered_amount="30000")
    assert services.proposal_approve(proposal=p, by=administrator).status == "approved"


# --- decisions and the reservation -------------------------------------------------------------------


def test_approve_reserves_funds_and_tells_the_partner(
    login, partner_a, admin_a, cam_a, budget, smtp_server, deliver, settings
):
    settings.MDF_CLAIM_DAYS = 45
    submitter = MembershipFactory(
        partner=partner_a, role="user", can_submit_requests=True, user=UserFactory(email="sub@a.test")
    ).user
    p = submitted(partner_a, submitter, cam_a)
    client = login(cam_a)
    r = client.post(f"/console/mdf/{p.pk}/approve/", {"amount": "5000"})
    assert r.status_code == 400 and "at most the requested" in r.content.decode()
    r = client.post(f"/console/mdf/{p.pk}/approve/", {"amount": "3500", "comment": "Enjoy."})
    assert r.status_code == 302
    p.refresh_from_db()
    assert (p.status, p.approved_amount, p.claim_deadline) == (
        "approved",
        D("3500.00"),
        datetime.date(2026, 12, 10) + datetime.timedelta(days=45),
    )
    b = Budget.objects.with_balances().get(pk=budget.pk)
    assert (b.reserved, b.remaining) == (D("3500"), D("96500"))
    assert list(p.events.values_list("kind", flat=True))[-1] == EventKind.APPROVED
    deliver()
    (mail,) = [m for m in smtp_server.box.messages if "approved" in m["Subject"]]
    assert "admin@a.test" in mail["To"] and "sub@a.test" in mail["To"]
    assert "3,500.00 USD" in Mailbox.text(mail) and "Enjoy." in Mailbox.text(mail)
    page = login(admin_a).get("/portal/mdf/").content.decode()
    assert "3,500.00" in page and p.number in page


def test_approval_never_over_commits_the_budget(partner_a, admin_a, cam_a):
    budget = BudgetFactory(amount=D("6000"))
    first = submitted(partner_a, admin_a, cam_a, entered_amount="4000")
    second = submitted(partner_a, admin_a, cam_a, entered_amount="3000")
    services.proposal_approve(proposal=first, by=cam_a)
    with pytest.raises(ValidationError, match="over-commit.*only 2,000.00 USD remain"):
        services.proposal_approve(proposal=second, by=cam_a)
    second.refresh_from_db()
    assert second.status == "submitted" and second.approved_amount == 0
    assert services.proposal_approve(proposal=second, by=cam_a, amount="2000").approved_amount == D("2000")
    assert Budget.objects.with_balances().get(pk=budget.pk).remaining == 0


def test_approval_stays_within_the_partners_allocation(partner_a, admin_a, cam_a, budget):
    AllocationFactory(budget=budget, partner=partner_a, amount=D("5000"))
    first = submitted(partner_a, admin_a, cam_a, entered_amount="4000")
    second = submitted(partner_a, admin_a, cam_a, entered_amount="1500")
    services.proposal_approve(proposal=first, by=cam_a)
    with pytest.raises(ValidationError, match="allocation of 5,000.00 USD.*1,000.00 USD are left"):
        services.proposal_approve(proposal=second, by=cam_a)


def test_an_ended_budget_expires_when_set(partner_a, admin_a, cam_a, budget, settings):
    p = submitted(partner_a, admin_a, cam_a)
    with time_machine.travel(datetime.datetime(2027, 2, 3, 9, 0, tzinfo=datetime.UTC), tick=False):
        with pytest.raises(ValidationError, match="unreserved funds expired"):
            services.proposal_approve(proposal=p, by=cam_a)
        settings.MDF_EXPIRE_UNRESERVED = False
        assert services.proposal_approve(proposal=p, by=cam_a).status == "approved"


def test_request_changes_reject_and_withdraw(login, partner_a, admin_a, cam_a, budget, smtp_server, deliver):
    p = submitted(partner_a, admin_a, cam_a)
    client = login(cam_a)
    assert client.post(f"/console/mdf/{p.pk}/changes/", {"comment": "Lower the amount."}).status_code == 302
    p.refresh_from_db()
    assert p.status == "changes_requested"
    services.proposal_send_to_cam(proposal=p, by=admin_a)
    services.proposal_align(proposal=p, by=cam_a)
    assert client.post(f"/console/mdf/{p.pk}/reject/", {"reason": ""}).status_code == 400
    assert client.post(f"/console/mdf/{p.pk}/reject/", {"reason": "Off strategy."}).status_code == 302
    p.refresh_from_db()
    assert p.status == "rejected" and p.decided_by == cam_a
    deliver()
    subjects = sorted(m["Subject"] for m in smtp_server.box.to("admin@a.test"))
    assert any("Changes requested" in s for s in subjects) and any("not approved" in s for s in subjects)
    rejected = [m for m in smtp_server.box.to("admin@a.test") if "not approved" in m["Subject"]][0]
    assert "Off strategy." in Mailbox.text(rejected)
    # a decided proposal cannot be withdrawn; an undecided one can
    portal = login(admin_a)
    assert "Withdraw" not in portal.get(f"/portal/mdf/{p.pk}/").content.decode()
    q = draft(partner_a, admin_a)
    services.proposal_send_to_cam(proposal=q, by=admin_a)
    assert portal.get(f"/portal/mdf/{q.pk}/withdraw/").status_code == 200
    assert portal.post(f"/portal/mdf/{q.pk}/withdraw/").status_code == 302
    q.refresh_from_db()
    assert q.status == "withdrawn"
    from channelops.work.models import WorkItem

    assert WorkItem.objects.get(subject_id=q.pk, title__contains=q.number).status == "cancelled"


def test_internal_comments_stay_in_the_console(login, partner_a, admin_a, cam_a, budget):
    p = submitted(partner_a, admin_a, cam_a)
    client = login(cam_a)
    client.post(f"/console/mdf/{p.pk}/comment/", {"comment": "Secret margin note", "internal": "on"})
    client.post(f"/console/mdf/{p.pk}/comment/", {"comment": "Looks good to us"})
    assert "Secret margin note" in client.get(f"/console/mdf/{p.pk}/").content.decode()
    page = login(admin_a).get(f"/portal/mdf/{p.pk}/").content.decode()
    assert "Looks good to us" in page and "Secret margin note" not in page


# --- who sees what ---------------------------------------------------------------------------------------


def test_a_partner_never_sees_another_partners_proposal(login, partner_a, admin_a, user_b):
    p = draft(partner_a, admin_a, title="Acme secret launch")
    client = login(user_b)
    assert "Acme secret launch" not in client.get("/portal/mdf/").content.decode()
    for url in (f"/portal/mdf/{p.pk}/", f"/portal/mdf/{p.pk}/edit/", f"/portal/mdf/{p.pk}/withdraw/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/portal/mdf/{p.pk}/send/").status_code == 404
    assert client.get("/console/mdf/").status_code == 403


def test_staff_without_the_view_permission_get_403(login, partner_a, admin_a):
    p = draft(partner_a, admin_a)
    educator = StaffFactory(roles=["education_services"])
    client = login(educator)
    assert client.get("/console/mdf/").status_code == 403
    assert client.get(f"/console/mdf/{p.pk}/").status_code == 403


def _queue_rows(html: str) -> int:
    return len(re.findall(r'href="/console/mdf/\d+/"', html))


def test_waiting_for_me_and_filters(login, partner_a, partner_b, admin_a, user_b, cam_a, marketing, budget):
    mine = submitted(partner_a, admin_a, cam_a)  # level cam, partner A's CAM
    big = submitted(partner_a, admin_a, cam_a, entered_amount="12000")  # channel marketing
    waiting = draft(partner_a, admin_a)
    services.proposal_send_to_cam(proposal=waiting, by=admin_a)
    ProposalFactory(
        number="MDF-900001", partner=partner_b, budget=budget, approval_level="cam"
    )  # another CAM's partner

    cam_page = login(cam_a).get("/console/mdf/?view=mine").content.decode()
    assert mine.number in cam_page and waiting.number in cam_page and big.number not in cam_page
    assert "Waiting for me (2)" in cam_page
    mk = login(marketing).get("/console/mdf/?view=mine").content.decode()
    assert big.number in mk and mine.number not in mk
    everything = login(marketing).get("/console/mdf/").content.decode()
    assert _queue_rows(everything) == 4
    assert _queue_rows(login(marketing).get("/console/mdf/?status=awaiting_cam").content.decode()) == 1
    assert _queue_rows(login(marketing).get("/console/mdf/?q=Gamma").content.decode()) == 0
    assert _queue_rows(login(marketing).get("/console/mdf/?q=beta").content.decode()) == 1
    assert (
        _queue_rows(login(marketing).get("/console/mdf/?quarter=2027-4&region=EMEA").content.decode()) == 3
    )  # the one with its CAM has no budget yet
    BudgetFactory(quarter=3, starts_on=datetime.date(2026, 8, 1), ends_on=datetime.date(2026, 10, 31))
    assert _queue_rows(login(marketing).get("/console/mdf/?quarter=2027-3").content.decode()) == 0


def test_list_pages_take_constant_queries(
    login, partner_a, admin_a, cam_a, marketing, budget, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            ProposalFactory(partner=partner_a, budget=budget, status="approved", approved_amount=D("10"))

    add(2)
    staff, portal = login(marketing), None
    with django_assert_max_num_queries(14) as first:
        assert staff.get("/console/mdf/").status_code == 200
    add(20)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert staff.get("/console/mdf/").status_code == 200
    portal = login(admin_a)
    with django_assert_max_num_queries(20) as pfirst:
        assert portal.get("/portal/mdf/").status_code == 200
    add(20)
    with django_assert_max_num_queries(len(pfirst.captured_queries)):
        assert portal.get("/portal/mdf/").status_code == 200


def test_navigation_shows_marketing_funds(login, partner_a, admin_a, marketing):
    assert 'href="/portal/mdf/"' in login(admin_a).get("/portal/").content.decode()
    assert 'href="/console/mdf/"' in login(marketing).get("/console/queues/").content.decode()
    educator = StaffFactory(roles=["education_services"])
    assert 'href="/console/mdf/"' not in login(educator).get("/console/queues/").content.decode()


def test_regions_and_tiers_exist():
    assert Region.objects.filter(code="EMEA").exists() and Tier.objects.filter(slug="open").exists()


def test_the_routed_role_is_emailed_when_a_proposal_is_submitted(
    partner_a, admin_a, cam_a, marketing, budget, smtp_server, deliver
):
    p = submitted(partner_a, admin_a, cam_a, entered_amount="12000")
    deliver()
    (mail,) = smtp_server.box.to("marketing@vendor.test")
    assert p.number in mail["Subject"] and f"/console/mdf/{p.pk}/" in Mailbox.text(mail)
    small = submitted(partner_a, admin_a, cam_a)  # the CAM decides it: they are on the page already
    deliver()
    assert not [
        m
        for m in smtp_server.box.to("cam@vendor.test")
        if small.number in m["Subject"] and "decision" in m["Subject"]
    ]
