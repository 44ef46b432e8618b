"""Partner certifications (S6): the award opened once at the threshold, awarded on close, expiries flag a
review, the portal's "what you still need", Certified Training Partner invitations and applications."""

from __future__ import annotations

import threading
from datetime import timedelta
from itertools import count

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channelops.agreements.querysets import partner_agreement_rows
from channelops.agreements.services import agreement_accept
from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.core.queues import get_queue
from channelops.enablement.hooks import practitioner_records_changed
from channelops.enablement.models import (
    Certification,
    CertState,
    PartnerCertification,
    PartnerCertificationStatus,
    PractitionerRecord,
)
from channelops.enablement.services import awards
from channelops.enablement.services.awards import (
    partner_certifications_daily,
    partner_certifications_evaluate,
    partner_progress,
)
from channelops.enablement.services.training_partners import (
    ctp_join,
    onboarding_deadlines_run,
    trainer_candidates,
)
from channelops.work.models import WorkItem, WorkStatus
from channelops.work.services.items import task_set_done, work_item_set_status

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PSP = "certified-professional-services-partner"
CTP = "certified-training-partner"
PSE = "professional-services-engineer"
SAC = "solution-architect-core"
TRAINER = "certified-trainer"
AWARD_TEMPLATE = "partner-certification-award"
_seq = count(1)


def accept_all(partner, admin) -> None:  # type: ignore[no-untyped-def]
    for row in partner_agreement_rows(partner):
        if row.needs_action:
            agreement_accept(
                partner=partner, version=row.current, submitted_hash=row.current.content_hash, by=admin
            )


def certify(partner, slug, n=1, *, name=None, expires_in=365, send=True):  # type: ignore[no-untyped-def]
    """``n`` people of ``partner`` certified in ``slug`` (records created directly, then the signal)."""
    cert = Certification.objects.get(slug=slug)
    today = timezone.localdate()
    records = []
    for _ in range(n):
        i = next(_seq)
        records.append(
            PractitionerRecord.objects.create(
                partner=partner,
                email=f"person{i}@p{partner.pk}.example",
                full_name=name or f"Person {i}",
                certification=cert,
                training_completed=True,
                exam_passed=True,
                completed_on=today - timedelta(days=30),
                expires_on=today + timedelta(days=expires_in) if expires_in is not None else None,
                source="manual",
            )
        )
    if send:
        practitioner_records_changed.call(
            partner_ids={partner.pk}, record_ids=[r.pk for r in records], by=None
        )
    return records


@pytest.fixture
def plans_on_file(monkeypatch):
    """Partners (ids) with a business plan on file (the plans module's answer is replaced)."""
    on_file: set[int] = set()
    monkeypatch.setattr(
        "channelops.enablement.services.plans.business_plan_on_file",
        lambda partner: (partner if isinstance(partner, int) else partner.pk) in on_file,
    )
    return on_file


@pytest.fixture
def ready_a(partner_a, admin_a, cam, plans_on_file):  # type: ignore[no-untyped-def]
    """Partner A: compliant, a business plan on file, a CAM."""
    partner_a.cam = cam
    partner_a.save(update_fields=["cam"])
    accept_all(partner_a, admin_a)
    plans_on_file.add(partner_a.pk)
    return partner_a


def award_items(partner):  # type: ignore[no-untyped-def]
    return WorkItem.objects.filter(partner=partner, template__slug=AWARD_TEMPLATE)


def status_of(partner, slug=PSP) -> PartnerCertificationStatus | None:  # type: ignore[no-untyped-def]
    return PartnerCertificationStatus.objects.filter(partner=partner, certification__slug=slug).first()


def close_with_all_tasks_done(item, by):  # type: ignore[no-untyped-def]
    for task in item.tasks.all():
        task_set_done(task=task, done=True, by=by)
    return work_item_set_status(item=WorkItem.objects.get(pk=item.pk), status=WorkStatus.DONE, by=by)


# --- defaults -----------------------------------------------------------------------------------------


def test_the_default_partner_certifications_have_their_requirements_as_data():
    psp = PartnerCertification.objects.get(slug=PSP)
    ctp = PartnerCertification.objects.get(slug=CTP)
    assert {(r.certification.slug, r.count) for r in psp.requirements.all()} == {(PSE, 2), (SAC, 1)}
    assert {(r.certification.slug, r.count) for r in ctp.requirements.all()} == {(TRAINER, 2)}
    assert psp.requires_compliance and psp.requires_business_plan and psp.admission == "automatic"
    assert ctp.admission == "onboarding" and ctp.lapse_months == 6
    awards.ensure_defaults()  # idempotent
    assert PartnerCertification.objects.count() == 2


# --- the award is opened exactly once at the threshold ----------------------------------------------------


def test_the_award_is_opened_once_when_the_partner_first_meets_the_requirements(ready_a, cam):
    certify(ready_a, SAC)
    certify(ready_a, PSE)
    assert not award_items(ready_a).exists()  # 1 of 2 engineers
    certify(ready_a, PSE)
    items = list(award_items(ready_a))
    assert len(items) == 1
    item = items[0]
    assert item.dri == cam and "Certified Professional Services Partner" in item.title
    assert status_of(ready_a).state == CertState.IN_AWARD and status_of(ready_a).award_item == item
    today = timezone.localdate()
    cam_tasks = [t for t in item.tasks.all() if t.role == "cam"]
    help_desk = [t for t in item.tasks.all() if t.role == "help_desk"]
    assert cam_tasks and all(t.assignee == cam and t.due_on <= today + timedelta(days=7) for t in cam_tasks)
    assert any("partner locator" in t.title for t in help_desk)
    assert any("community space" in t.title for t in help_desk)
    # repeated signals, more practitioners, the daily job: still one
    for _ in range(3):
        practitioner_records_changed.call(partner_ids={ready_a.pk}, record_ids=[], by=None)
    certify(ready_a, PSE, 2)
    partner_certifications_daily()
    assert award_items(ready_a).count() == 1


def test_no_award_without_compliance_or_a_business_plan(partner_a, admin_a, cam, plans_on_file):
    partner_a.cam = cam
    partner_a.save(update_fields=["cam"])
    certify(partner_a, SAC)
    certify(partner_a, PSE, 2)
    assert not award_items(partner_a).exists()  # agreements not accepted, no plan
    accept_all(partner_a, admin_a)
    partner_certifications_evaluate(partner_ids=[partner_a.pk])
    assert not award_items(partner_a).exists()  # still no business plan
    plans_on_file.add(partner_a.pk)
    partner_certifications_daily()  # the daily job notices
    assert award_items(partner_a).count() == 1


def test_a_partner_without_a_cam_gets_its_award_assigned_to_a_fallback(
    partner_a, admin_a, plans_on_file, administrator
):
    accept_all(partner_a, admin_a)
    plans_on_file.add(partner_a.pk)
    certify(partner_a, SAC)
    certify(partner_a, PSE, 2)
    assert award_items(partner_a).get().dri.is_staff


def test_one_evaluation_costs_the_same_number_of_queries_for_1_and_20_partners(cam, plans_on_file):
    def batch(n):  # type: ignore[no-untyped-def]
        partners = [PartnerFactory() for _ in range(n)]
        for p in partners:
            certify(p, PSE, 1, send=False)
        with CaptureQueriesContext(connection) as ctx:
            partner_certifications_evaluate(partner_ids=[p.pk for p in partners])
        return len(ctx.captured_queries)

    # certifications + requirements, certified counts, statuses (none meets the counts: no more)
    assert batch(1) == batch(20)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_imports_reaching_the_threshold_open_one_award(partner_a, admin_a, cam, plans_on_file):
    partner_a.cam = cam
    partner_a.save(update_fields=["cam"])
    accept_all(partner_a, admin_a)
    plans_on_file.add(partner_a.pk)
    certify(partner_a, SAC)
    certify(partner_a, PSE)
    # the status row exists already (e.g. an earlier award was cancelled): the unique constraint
    # cannot serialise the two imports, only the partner row lock does
    PartnerCertificationStatus.objects.create(
        partner=partner_a, certification=PartnerCertification.objects.get(slug=PSP), state=CertState.NONE
    )
    barrier = threading.Barrier(2)
    results: list = []

    def import_one() -> None:
        try:
            with transaction.atomic():
                certify(partner_a, PSE, send=False)
                barrier.wait(timeout=10)
                practitioner_records_changed.call(partner_ids={partner_a.pk}, record_ids=[], by=None)
            results.append("ok")
        except Exception as exc:  # pragma: no cover - reported by the assertion below
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=import_one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert results == ["ok", "ok"], results
    assert award_items(partner_a).count() == 1
    assert PartnerCertificationStatus.objects.filter(partner=partner_a, certification__slug=PSP).count() == 1


# --- closing the award ------------------------------------------------------------------------------------


def test_closing_the_award_with_open_tasks_is_refused(ready_a, cam):
    certify(ready_a, SAC)
    certify(ready_a, PSE, 2)
    item = award_items(ready_a).get()
    task_set_done(task=item.tasks.first(), done=True, by=cam)
    with pytest.raises(ValidationError, match="tick every task first"):
        work_item_set_status(item=item, status=WorkStatus.DONE, by=cam)
    item.refresh_from_db()
    assert item.status != WorkStatus.DONE and status_of(ready_a).state == CertState.IN_AWARD


def test_closing_the_award_on_the_console_page_shows_why_it_is_refused(ready_a, cam, login):
    certify(ready_a, SAC)
    certify(ready_a, PSE, 2)
    item = award_items(ready_a).get()
    client = login(cam)
    data = {
        "edit-status": "done",
        "edit-title": item.title,
        "edit-description": item.description,
        "edit-dri": cam.pk,
        "edit-assignees": [u.pk for u in item.assignees.all()],
        "edit-milestone": item.milestone_id,
        "edit-due_date": item.due_date.isoformat(),
    }
    response = client.post(f"/console/work/{item.pk}/", data)
    assert response.status_code == 400
    assert "tick every task first" in response.content.decode()
    item.refresh_from_db()
    assert item.status != WorkStatus.DONE


def test_closing_the_award_with_every_task_done_awards_emails_and_tells_the_crm(
    ready_a, cam, admin_a, smtp_server, deliver, login
):
    certify(ready_a, SAC)
    certify(ready_a, PSE, 2)
    close_with_all_tasks_done(award_items(ready_a).get(), cam)
    status = status_of(ready_a)
    assert status.state == CertState.AWARDED and status.awarded_by == cam and status.awarded_at
    crm = OutboxMessage.objects.get(kind="crm.partner_update", topic=f"partner:{ready_a.pk}")
    assert crm.payload["partner_id"] == ready_a.pk
    assert [c["slug"] for c in crm.payload["fields"]["partner_certifications"]] == [PSP]
    deliver()
    mails = [m for m in smtp_server.box.to(admin_a.email) if m["Subject"].startswith("Congratulations")]
    assert len(mails) == 1 and "Certified Professional Services Partner" in mails[0]["Subject"]
    page = login(admin_a).get("/portal/enablement/certifications/").content.decode()
    assert "Certified Professional Services Partner" in page and "Certified" in page


def test_cancelling_the_award_returns_the_partner_to_not_certified(ready_a, cam):
    certify(ready_a, SAC)
    certify(ready_a, PSE, 2)
    work_item_set_status(item=award_items(ready_a).get(), status=WorkStatus.CANCELLED, by=cam)
    assert status_of(ready_a).state == CertState.NONE


# --- expiries: under review instead of removed ------------------------------------------------------------


def _awarded(partner, cam, *, expires_in=365):  # type: ignore[no-untyped-def]
    certify(partner, SAC)
    certify(partner, PSE, 2, expires_in=expires_in)
    close_with_all_tasks_done(award_items(partner).get(), cam)
    return status_of(partner)


def test_falling_below_the_requirements_flags_the_certification_for_review(
    ready_a, cam, smtp_server, deliver, login
):
    _awarded(ready_a, cam, expires_in=10)
    later = timezone.localdate() + timedelta(days=11)
    result = partner_certifications_daily(today=later)
    assert result["flagged"] == 1
    status = status_of(ready_a)
    assert status.state == CertState.UNDER_REVIEW and status.awarded_at is not None
    assert "0 of 2 certified Professional Services Engineers" in status.flag_reason
    assert partner_certifications_daily(today=later)["flagged"] == 0  # flagged once
    deliver()
    assert len(smtp_server.box.to(cam.email)) == 1
    queue = get_queue("partner_certs_review")
    assert queue is not None and list(queue.items(cam)) == [status]
    page = login(cam).get("/console/partner-certifications/?state=under_review").content.decode()
    assert ready_a.legal_name in page


def test_staff_keep_or_withdraw_a_certification_under_review(ready_a, cam, login):
    _awarded(ready_a, cam, expires_in=10)
    partner_certifications_daily(today=timezone.localdate() + timedelta(days=11))
    status = status_of(ready_a)
    client = login(cam)
    response = client.post(
        f"/console/partner-certifications/status/{status.pk}/review/", {"decision": "keep"}
    )
    assert response.status_code == 302 and status_of(ready_a).state == CertState.AWARDED
    PartnerCertificationStatus.objects.filter(pk=status.pk).update(state=CertState.UNDER_REVIEW)
    client.post(f"/console/partner-certifications/status/{status.pk}/review/", {"decision": "withdraw"})
    assert status_of(ready_a).state == CertState.NONE


def test_meeting_the_requirements_again_restores_a_flagged_certification(ready_a, cam):
    _awarded(ready_a, cam, expires_in=10)
    later = timezone.localdate() + timedelta(days=11)
    partner_certifications_daily(today=later)
    for rec in certify(ready_a, PSE, 2, send=False):
        PractitionerRecord.objects.filter(pk=rec.pk).update(expires_on=later + timedelta(days=365))
    assert partner_certifications_evaluate(partner_ids=[ready_a.pk], today=later)["restored"] == 1
    assert status_of(ready_a).state == CertState.AWARDED


# --- the portal: what the partner has and still needs ----------------------------------------------------


def test_the_portal_says_exactly_what_is_still_needed(frozen_clock, partner_a, admin_a, login, plans_on_file):
    certify(partner_a, PSE, name="Maria Muster", expires_in=20)
    certify(partner_a, PSE, name="Otto Normal")
    page = login(admin_a).get("/portal/enablement/certifications/").content.decode()
    assert "2 of 2 certified Professional Services Engineers" in page
    assert "0 of 1 certified Solution Architect Core" in page
    assert "Maria Muster&#x27;s certification expires in 20 days" in page
    assert "No business plan on file" in page
    assert "agreement not accepted" in page
    assert "0 of 2 certified trainers" in page
    progress = {p.certification.slug: p for p in partner_progress(partner_a)}
    assert progress[PSP].still_needed[0] == "0 of 1 certified Solution Architect Core"


def test_the_portal_page_costs_the_same_queries_with_3_and_30_records(partner_a, admin_a, client):
    client.force_login(admin_a)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/portal/enablement/certifications/").status_code == 200
        return len(ctx.captured_queries)

    certify(partner_a, PSE, 3, send=False)
    few = queries()
    certify(partner_a, TRAINER, 27, send=False)
    assert queries() == few


def test_the_console_list_costs_the_same_queries_with_3_and_50_partners(cam, client):
    client.force_login(cam)
    psp = PartnerCertification.objects.get(slug=PSP)

    def add(n):  # type: ignore[no-untyped-def]
        for _ in range(n):
            PartnerCertificationStatus.objects.create(
                partner=PartnerFactory(cam=cam), certification=psp, state=CertState.AWARDED
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get("/console/partner-certifications/?certification=" + PSP)
            assert response.status_code == 200
        return len(ctx.captured_queries)

    add(3)
    few = queries()
    add(47)
    # session, user, groups (MFA), count, page of statuses with partner/CAM/certification,
    # the certification filter's choices, the notification badge: no query per row
    assert queries() == few


# --- Certified Training Partners ------------------------------------------------------------------------


@pytest.fixture
def invite_only(settings):  # type: ignore[no-untyped-def]
    settings.CTP_INVITE_ONLY_UNTIL = timezone.localdate() + timedelta(days=30)


@pytest.fixture
def open_applications(settings):  # type: ignore[no-untyped-def]
    settings.CTP_INVITE_ONLY_UNTIL = timezone.localdate() - timedelta(days=1)


def test_before_the_cut_off_a_partner_cannot_apply_but_accepts_an_invitation(
    invite_only, ready_a, admin_a, cam, login, client, smtp_server, deliver
):
    portal = login(admin_a)
    page = portal.get("/portal/enablement/certifications/").content.decode()
    assert "By invitation only until" in page
    response = portal.post(f"/portal/enablement/certifications/{CTP}/join/", follow=True)
    assert "by invitation only until" in response.content.decode()
    assert status_of(ready_a, CTP) is None or status_of(ready_a, CTP).state == CertState.NONE
    # the CAM invites from the console
    client.force_login(cam)
    assert (
        client.post(f"/console/partner-certifications/partners/{ready_a.pk}/{CTP}/invite/").status_code == 302
    )
    assert status_of(ready_a, CTP).state == CertState.INVITED
    deliver()
    assert any("is invited to become" in m["Subject"] for m in smtp_server.box.to(admin_a.email))
    # the partner admin accepts
    client.force_login(admin_a)
    page = client.get("/portal/enablement/certifications/").content.decode()
    assert "Accept the invitation" in page
    client.post(f"/portal/enablement/certifications/{CTP}/join/")
    status = status_of(ready_a, CTP)
    assert status.state == CertState.ONBOARDING
    assert status.deadline == timezone.localdate() + relativedelta(months=6)
    item = status.onboarding_item
    assert item.shared_with_partner and item.due_date == status.deadline
    sections = {t.section for t in item.tasks.all()}
    assert {
        "Program entry requirements",
        "Certified-trainer candidates",
        "Competency requirements",
        "Compliance requirements and MBO goals",
        "Legal and operational requirements",
    } <= sections


def test_after_the_cut_off_a_partner_admin_applies_itself(
    open_applications, ready_a, admin_a, user_a, login, client
):
    client.force_login(user_a)
    assert client.post(f"/portal/enablement/certifications/{CTP}/join/").status_code == 404  # not an admin
    page = login(admin_a).get("/portal/enablement/certifications/").content.decode()
    assert "Apply" in page and "By invitation only" not in page
    client.post(f"/portal/enablement/certifications/{CTP}/join/")
    assert status_of(ready_a, CTP).state == CertState.ONBOARDING


def test_a_trainer_candidate_enrols_through_their_own_linked_item(open_applications, ready_a, admin_a, login):
    client = login(admin_a)
    client.post(f"/portal/enablement/certifications/{CTP}/join/")
    status = status_of(ready_a, CTP)
    client.post(
        f"/portal/enablement/certifications/{CTP}/candidates/",
        {"full_name": "Tina Trainer", "email": "tina@acme.example"},
    )
    candidates = list(trainer_candidates(status))
    assert (
        len(candidates) == 1 and "Tina Trainer" in candidates[0].title and candidates[0].shared_with_partner
    )
    assert candidates[0].partner == ready_a
    assert "Tina Trainer" in client.get("/portal/enablement/certifications/").content.decode()


def test_onboarding_reminders_go_once_each_and_the_attempt_lapses_after_the_deadline(
    open_applications, ready_a, admin_a, cam, login, smtp_server, deliver
):
    login(admin_a).post(f"/portal/enablement/certifications/{CTP}/join/")
    status = status_of(ready_a, CTP)
    deadline = status.deadline
    assert onboarding_deadlines_run(today=deadline - timedelta(days=40))["reminded"] == 0
    assert onboarding_deadlines_run(today=deadline - timedelta(days=30))["reminded"] == 1
    assert onboarding_deadlines_run(today=deadline - timedelta(days=29))["reminded"] == 0
    assert onboarding_deadlines_run(today=deadline - timedelta(days=7))["reminded"] == 1
    assert onboarding_deadlines_run(today=deadline - timedelta(days=2))["reminded"] == 0
    assert onboarding_deadlines_run(today=deadline)["lapsed"] == 0
    assert onboarding_deadlines_run(today=deadline + timedelta(days=1))["lapsed"] == 1
    status.refresh_from_db()
    assert status.state == CertState.LAPSED and status.onboarding_item.status == WorkStatus.CANCELLED
    deliver()
    subjects = [m["Subject"] for m in smtp_server.box.to(admin_a.email)]
    assert sum("30 days left" in s for s in subjects) == 1
    assert sum("7 days left" in s for s in subjects) == 1
    assert sum(s.startswith("Lapsed") for s in subjects) == 1
    assert smtp_server.box.to(cam.email)  # the CAM is told too


def test_education_services_closing_the_onboarding_item_awards_the_ctp(
    open_applications, ready_a, admin_a, cam, login
):
    login(admin_a).post(f"/portal/enablement/certifications/{CTP}/join/")
    status = status_of(ready_a, CTP)
    with pytest.raises(ValidationError):  # tasks still open
        work_item_set_status(item=status.onboarding_item, status=WorkStatus.DONE, by=cam)
    with pytest.raises(ValidationError, match="Education Services close this item"):
        close_with_all_tasks_done(status.onboarding_item, cam)  # every task done, but a CAM may not award
    status.refresh_from_db()
    assert status.state == CertState.ONBOARDING
    education = StaffFactory(email="edu@vendor.test", roles=["education_services"])
    work_item_set_status(
        item=WorkItem.objects.get(pk=status.onboarding_item_id), status=WorkStatus.DONE, by=education
    )
    status.refresh_from_db()
    assert status.state == CertState.AWARDED
    assert OutboxMessage.objects.filter(kind="crm.partner_update", topic=f"partner:{ready_a.pk}").exists()


# --- isolation ---------------------------------------------------------------------------------------------


def test_partner_b_sees_nothing_of_partner_a(ready_a, cam, user_b, client, api_client, open_applications):
    certify(ready_a, SAC)
    certify(ready_a, PSE, 2)
    status = status_of(ready_a)
    client.force_login(user_b)
    page = client.get("/portal/enablement/certifications/").content.decode()
    assert ready_a.legal_name not in page and "Person" not in page
    for url in (
        "/console/partner-certifications/",
        f"/console/partner-certifications/partners/{ready_a.pk}/",
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(
            f"/console/partner-certifications/status/{status.pk}/review/", {"decision": "withdraw"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/console/partner-certifications/partners/{ready_a.pk}/{CTP}/invite/").status_code == 403
    )
    api = api_client(user_b)
    assert api.get(f"/api/v1/partners/{ready_a.pk}/certification-progress").status_code == 404
    rows = api.get(f"/api/v1/partner-certification-statuses?partner_id={ready_a.pk}").json()
    assert rows["items"] == []
    assert status_of(ready_a).state == CertState.IN_AWARD


def test_the_api_lists_the_catalog_and_the_partners_own_progress(ready_a, admin_a, api_client):
    certify(ready_a, PSE, 1)
    api = api_client(admin_a)
    catalog = api.get("/api/v1/partner-certifications").json()
    assert {c["slug"] for c in catalog} == {PSP, CTP}
    progress = api.get(f"/api/v1/partners/{ready_a.pk}/certification-progress").json()
    psp = next(p for p in progress if p["certification"] == PSP)
    assert "1 of 2 certified Professional Services Engineers" in psp["still_needed"]


def test_another_partners_admin_cannot_join_for_partner_a(open_applications, partner_a):
    other = MembershipFactory(role="admin", user=UserFactory(email="other@c.test")).user
    with pytest.raises(NotAllowed):
        ctp_join(partner=partner_a, certification=PartnerCertification.objects.get(slug=CTP), by=other)


def test_the_console_shows_a_partners_certifications_from_its_page(ready_a, cam, login):
    certify(ready_a, SAC)
    certify(ready_a, PSE, 2)
    client = login(cam)
    assert (
        f"/console/partner-certifications/partners/{ready_a.pk}/"
        in client.get(f"/console/partners/{ready_a.pk}/").content.decode()
    )
    page = client.get(f"/console/partner-certifications/partners/{ready_a.pk}/").content.decode()
    assert "Award in progress" in page and "Award work item" in page
    assert "Invite to Certified Training Partner" in page
    listing = client.get("/console/partner-certifications/?state=in_award").content.decode()
    assert ready_a.legal_name in listing


def test_the_daily_task_runs_the_evaluation(ready_a):
    from channelops.enablement.tasks import partner_certifications_daily_task

    certify(ready_a, SAC, send=False)
    certify(ready_a, PSE, 2, send=False)
    result = partner_certifications_daily_task.call()
    assert result["opened"] == 1 and award_items(ready_a).count() == 1


def test_the_demo_has_certified_people_plans_an_open_award_and_badges(db, license_key_dir):
    from channelops.badges.models import Badge
    from channelops.demo.data import demo_people
    from channelops.enablement.models import BusinessPlan, PartnerCertificationStatus, PractitionerRecord
    from channelops.partners.models import Partner

    demo_people()
    demo_people()  # idempotent
    acme = Partner.objects.get(crm_account_id="DEMO-ACME")
    assert PractitionerRecord.objects.filter(partner=acme).count() == 3
    assert BusinessPlan.objects.filter(partner=acme, state="submitted").count() == 1
    status = PartnerCertificationStatus.objects.get(partner=acme, certification__slug__contains="services")
    assert status.state == "in_award" and status.award_item is not None
    assert Badge.objects.filter(record__partner=acme).count() == 3
