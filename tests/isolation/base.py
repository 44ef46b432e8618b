"""The isolation walker's world and vocabulary, shared by every ``rules_<app>.py`` module.

Partner A gets one object of every kind (``make_world``); partner B's people (user, admin) and an
anonymous visitor walk every URL pattern. A ``Rule`` says how to build the requests for a pattern
(``Probe``; ``get_post`` and ``api_calls`` build the usual ones) and what partner B's people may
get back (``DENIED``, ``OWN``, ``PUBLIC``); ``World.markers`` are the strings no response may
contain; ``snapshot`` is what no request may change. tests/test_isolation.py is the walker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from channelops.accounts.models import AccessEvent, AccessRequest, ApiToken, Invitation, User
from channelops.accounts.services import api_token_create, invitation_send
from channelops.agreements.models import (
    Acceptance,
    AgreementEvent,
    AgreementTemplate,
    AgreementVersion,
    LegalComment,
    LegalRequest,
    RegionException,
)
from channelops.agreements.services import (
    agreement_accept,
    legal_comment_add,
    legal_custom_version_offer,
    legal_request_open,
    region_exception_request,
)
from channelops.badges.models import Badge
from channelops.core.models import OutboxMessage, OutboxStatus, ScheduleRun
from channelops.licensing.models import License, LicenseReminder, NfrRequest, RequestEvent
from channelops.notifications.models import Notification, NotificationRule
from channelops.partners.models import (
    Application,
    Contact,
    EngagementDaily,
    EngagementEvent,
    EngagementKind,
    Partner,
    PartnerMembership,
    PartnerStatusChange,
    Region,
)
from channelops.partners.registration import application_submit
from channelops.work.models import Comment as WorkComment
from channelops.work.models import Project, Task, WorkItem
from channelops.work.services.items import comment_add, work_item_create

from ..factories import ContactFactory, MembershipFactory, StaffFactory, UserFactory

DENIED = "denied"
OWN = "own"
PUBLIC = "public"

A_LEGAL_NAME = "Acme Test Partner"
A_CONTACT_EMAIL = "secret.contact@acme-a.test"
A_CRM_ID = "CRM-ACME-7781"
A_WEBSITE = "https://acme-secret.example"
B_LEGAL_NAME = "Beta Test Partner"
B_MARKERS = (B_LEGAL_NAME, "admin@b.test")  # an "own page" shows at least one of these


# --- the world: partner A with one object of every kind, partner B's people ---------------------


@dataclass
class World:
    partner_a: Partner
    partner_b: Partner
    contact_a: Contact
    admin_a: User
    user_a: User
    membership_a: PartnerMembership
    token_a: ApiToken
    invitation_a: Invitation
    status_change_a: PartnerStatusChange
    event_a: EngagementEvent
    daily_a: EngagementDaily
    dead_letter_a: OutboxMessage
    schedule_run: ScheduleRun
    application_a: Application
    acceptance_a: Acceptance
    custom_version_a: AgreementVersion
    region_exception_a: RegionException
    legal_request_a: LegalRequest
    agreement_event_a: AgreementEvent
    work_item_a: WorkItem
    internal_item_a: WorkItem
    task_a: Task
    comment_a: WorkComment
    actors: dict[str, User | None] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    review_a: Any = None  # an account review of partner A (staff only)
    nfr_request_a: Any = None  # partner A's open NFR license request (licensing)
    access_request_a: Any = None  # a staff person's access request naming partner A (staff only)
    license_a: Any = None  # partner A's issued license (licensing), of another, approved request
    badge_a: Any = None  # partner A's signed practitioner badge (BADGES)
    plans_a: Any = None  # partner A's enablement plan row and business plan (PLANS)
    question_a: Any = None  # partner A's resolved question, with a help-desk reply and an internal note

    @property
    def markers(self) -> list[str]:
        """Strings that identify partner A: none may appear in a response to partner B's people."""
        return [
            A_LEGAL_NAME,
            A_CONTACT_EMAIL,
            A_CRM_ID,
            A_WEBSITE,
            self.admin_a.email,
            self.user_a.email,
            "applicant@acme-secret.example",
        ]


def make_world(partner_a, partner_b, admin_a, user_a, user_b) -> World:
    """Partner A with one object of every kind, partner B's people (the ``world`` fixture of
    tests/test_isolation.py builds it from the named people of tests/conftest.py)."""
    Partner.objects.filter(pk=partner_a.pk).update(crm_account_id=A_CRM_ID, website=A_WEBSITE)
    partner_a.refresh_from_db()
    contact_a = ContactFactory(
        partner=partner_a, email=A_CONTACT_EMAIL, first_name="Secret", last_name="Person"
    )
    token_a, _clear = api_token_create(user=admin_a, name="A's token")
    invitation_a = invitation_send(user=user_a, invited_by=admin_a, context={"partner": partner_a})
    status_change_a = PartnerStatusChange.objects.create(
        partner=partner_a, from_status="applied", to_status="active", by=admin_a, note=A_LEGAL_NAME
    )
    event_a = EngagementEvent.objects.create(partner=partner_a, user=admin_a, kind=EngagementKind.DOWNLOAD)
    daily_a = EngagementDaily.objects.create(partner=partner_a, day=date.today(), events=1, points=3)
    dead_letter_a = OutboxMessage.objects.create(
        kind="email",
        idempotency_key="isolation:dead",
        topic=f"partner:{partner_a.pk}",
        payload={"to": [A_CONTACT_EMAIL], "subject": A_LEGAL_NAME, "text": A_LEGAL_NAME},
        status=OutboxStatus.DEAD,
    )
    schedule_run = ScheduleRun.objects.create(name="isolation", slot=timezone.now())
    application_a, _tok = application_submit(
        company_name=A_LEGAL_NAME,
        website="https://apply.acme-secret.example",
        country="DE",
        region="EMEA",
        first_name="Secret",
        last_name="Applicant",
        email="applicant@acme-secret.example",
    )
    Application.objects.filter(pk=application_a.pk).update(status="approved", partner=partner_a)
    master = AgreementTemplate.objects.get(slug="master-partner-agreement")
    current = master.versions.get(number=1)
    acceptance_a = agreement_accept(
        partner=partner_a, version=current, submitted_hash=current.content_hash, by=admin_a, ip="10.0.0.1"
    )
    legal_request_a = legal_request_open(
        partner=partner_a, template=master, proposed_changes=f"{A_LEGAL_NAME} wants changes", by=admin_a
    )
    legal_comment_add(request=legal_request_a, body=f"Comment by {A_LEGAL_NAME}", by=admin_a)
    legal_staff = StaffFactory(email="legal@vendor.test", roles=["legal"])
    custom_version_a = legal_custom_version_offer(
        request=legal_request_a,
        body=f"# Custom terms for {A_LEGAL_NAME}\n\nNegotiated text.\n",
        by=legal_staff,
    )
    region_exception_a = region_exception_request(
        partner=partner_a,
        regions=[Region.objects.get(code="AMER")],
        justification=f"{A_LEGAL_NAME} sells in the US",
        by=admin_a,
    )
    agreement_event_a = AgreementEvent.objects.filter(partner=partner_a).first()
    # partner A's admin watches work items: the shared item below notifies them (not the internal one)
    NotificationRule.objects.create(user=admin_a, watch="work_items", when="any_change", how="digest")
    work_staff = StaffFactory(email="dri@vendor.test", roles=["cam"])
    work_item_a = work_item_create(
        project=Project.objects.get(slug="channels"),
        title=f"Shared with {A_LEGAL_NAME}",
        description=f"Plans of {A_LEGAL_NAME}",
        dri=work_staff,
        by=work_staff,
        due_date=date.today(),
        partner=partner_a,
        shared_with_partner=True,
        tasks=[{"title": f"Task of {A_LEGAL_NAME}", "assignee": admin_a, "role": "partner_admin"}],
    )
    internal_item_a = work_item_create(
        project=Project.objects.get(slug="channels"),
        title=f"Internal note on {A_LEGAL_NAME}",
        dri=work_staff,
        by=work_staff,
        due_date=date.today(),
        partner=partner_a,
    )
    task_a = work_item_a.tasks.get()
    comment_a = comment_add(item=work_item_a, body=f"Comment from {A_LEGAL_NAME}", by=admin_a)
    b_user = MembershipFactory(partner=partner_b, role="user", user=UserFactory(email="user@b.test")).user
    w = World(
        partner_a=partner_a,
        partner_b=partner_b,
        contact_a=contact_a,
        admin_a=admin_a,
        user_a=user_a,
        membership_a=user_a.membership,
        token_a=token_a,
        invitation_a=invitation_a,
        status_change_a=status_change_a,
        event_a=event_a,
        daily_a=daily_a,
        dead_letter_a=dead_letter_a,
        schedule_run=schedule_run,
        application_a=application_a,
        acceptance_a=acceptance_a,
        custom_version_a=custom_version_a,
        region_exception_a=region_exception_a,
        legal_request_a=legal_request_a,
        agreement_event_a=agreement_event_a,
        work_item_a=work_item_a,
        internal_item_a=internal_item_a,
        task_a=task_a,
        comment_a=comment_a,
    )
    w.actors = {"partner_b_user": b_user, "partner_b_admin": user_b, "anonymous": None}
    w.review_a = _review_of(partner_a)
    w.nfr_request_a = _nfr_request_of(partner_a, admin_a)
    w.access_request_a = _access_request_by(work_staff)
    w.license_a = _license_of(partner_a, admin_a)
    w.badge_a = _badge_of(partner_a)
    w.plans_a = _plans_of(partner_a, admin_a)
    w.question_a = _question_of(partner_a, admin_a)
    for name, actor in w.actors.items():
        if actor is not None:
            w.tokens[name] = api_token_create(user=actor, name="walker")[1]
    return w


def _review_of(partner: Partner) -> Any:
    """An open account review of ``partner`` with a failed item (staff only: never shown to partners)."""
    from channelops.helpdesk.models import AccountReview, ReviewItem
    from channelops.work.models import Cadence, Occurrence

    occ = Occurrence.objects.create(
        cadence=Cadence.objects.get(slug=f"review-weekly-{partner.region.code.lower()}"),
        scheduled_date=date(2025, 1, 3),
        date=date(2025, 1, 3),
    )
    review = AccountReview.objects.create(
        partner=partner, kind="weekly_new_applicant", occurrence=occ, due_date=occ.date, reason=A_LEGAL_NAME
    )
    ReviewItem.objects.create(
        review=review, key="phone_set", text="Phone", status="failed", detail=A_CONTACT_EMAIL
    )
    return review


def _access_request_by(staff: User) -> Any:
    """An open access request of a staff person (its justification names partner A)."""
    from channelops.accounts.privileges import register_privilege
    from channelops.accounts.services import access_request_create

    register_privilege("licensing.issue_license", label="Issue NFR licenses", description="Sign licenses.")
    return access_request_create(
        perm="licensing.issue_license",
        justification=f"I issue the NFR licenses of {A_LEGAL_NAME} and other EMEA partners.",
        by=staff,
    )


def _nfr_request_of(partner: Partner, admin: User) -> Any:
    """An open NFR request of ``partner`` (its license contact is one of partner A's markers)."""
    from channelops.licensing.services import nfr_request_submit

    return nfr_request_submit(
        partner=partner,
        contact_name="Secret Contact",
        contact_email=A_CONTACT_EMAIL,
        plan="ultimate",
        seats=5,
        term_months=12,
        purpose=f"Demo lab of {A_LEGAL_NAME}",
        by=admin,
    )


def _license_of(partner: Partner, admin: User) -> Any:
    """A signed license of ``partner`` (for an approved request; its contact is one of partner A's markers)."""
    from channelops.licensing.issuing import license_issue

    req = NfrRequest.objects.create(
        partner=partner,
        contact_name="Secret Contact",
        contact_email=A_CONTACT_EMAIL,
        plan="premium",
        seats=3,
        purpose=f"Licensed lab of {A_LEGAL_NAME}",
        status="approved",
        requested_by=admin,
    )
    return license_issue(request=req, by=None)


def _plans_of(partner: Partner, admin: User) -> dict[str, Any]:
    """Partner A's enablement plan row and submitted business plan (PLANS)."""
    from datetime import timedelta

    from channelops.enablement.models import Certification
    from channelops.enablement.services.plans import (
        business_plan_save,
        business_plan_submit,
        enablement_plan_entry_add,
    )

    cert = Certification.objects.filter(active=True).first() or Certification.objects.create(
        slug="iso-cert", name="Isolation Certification"
    )
    entry = enablement_plan_entry_add(
        partner=partner,
        by=admin,
        full_name="Secret Person",
        email=A_CONTACT_EMAIL,
        certification=cert,
        target_date=date.today() + timedelta(days=30),
        note=f"Plan of {A_LEGAL_NAME}",
    )
    sections = {f: f"{A_LEGAL_NAME} plans" for f in ("target_customers", "services_offered", "go_to_market")}
    sections |= {"resourcing": "people", "certification_summary": "targets"}
    targets = [{"certification": cert.pk, "people": 2, "by_date": date.today() + timedelta(days=90)}]
    business_plan_save(partner=partner, by=admin, sections=sections, targets=targets)
    plan = business_plan_submit(partner=partner, by=admin)
    return {"entry": entry, "plan": plan, "cert": cert}


def _question_of(partner: Partner, admin: User) -> Any:
    """Partner A's question (issue 16), answered, noted internally and resolved."""
    from channelops.helpdesk.question_services import question_reply, question_set_status, question_submit

    phd = StaffFactory(email="phd.questions@vendor.test", roles=["phd_specialist"])
    q = question_submit(
        by=admin,
        partner=partner,
        category="licensing",
        subject=f"Secretquestion of {A_LEGAL_NAME}",
        body=f"Secretquestion body from {A_LEGAL_NAME}",
    )
    question_reply(question=q, by=phd, body=f"Answered for {A_LEGAL_NAME}.")
    question_reply(question=q, by=phd, body=f"Secretnote about {A_LEGAL_NAME}", internal=True)
    return question_set_status(question=q, status="resolved", by=phd)


def _plans_snapshot(p: Partner) -> dict[str, Any]:
    from channelops.enablement.models import BusinessPlan, BusinessPlanTarget, EnablementPlanEntry

    return {
        "entries": sorted(
            EnablementPlanEntry.objects.filter(partner=p).values_list(
                "pk", "email", "full_name", "certification_id", "target_date", "note"
            )
        ),
        "business_plans": sorted(
            BusinessPlan.objects.filter(partner=p).values_list(
                "pk", "version", "state", "target_customers", "review_comment", "superseded_at"
            )
        ),
        "targets": sorted(
            BusinessPlanTarget.objects.filter(plan__partner=p).values_list("pk", "people", "by_date")
        ),
    }


def _badge_of(partner: Partner) -> Any:
    """A signed badge of a practitioner of ``partner`` (whose e-mail is one of partner A's markers)."""
    from channelops.badges.models import Badge
    from channelops.badges.services import badges_create_for_records, badges_sign
    from channelops.enablement.models import Certification, PractitionerRecord

    record = PractitionerRecord.objects.create(
        partner=partner,
        email=A_CONTACT_EMAIL,
        full_name="Secret Person",
        certification=Certification.objects.filter(grants_badge=True).first(),
        training_completed=True,
        exam_passed=True,
        completed_on=date.today(),
        source="manual",
    )
    (badge,) = badges_create_for_records(record_ids=[record.pk])
    Badge.objects.filter(pk=badge.pk).update(status="approved")
    badges_sign(badge_ids=[badge.pk])
    return Badge.objects.get(pk=badge.pk)


def records_world(w: World) -> dict[str, Any]:
    """ENABLEMENT-RECORDS: a practitioner record of partner A's user and a refused import run that
    names partner A (built on first use, by the probe builders of the ENABLEMENT-RECORDS rules)."""
    from channelops.enablement.models import Certification, ImportRun, PractitionerRecord
    from channelops.enablement.services.importing import import_file

    built = getattr(w, "_enablement_records", None)
    if built is None:
        PractitionerRecord.objects.get_or_create(
            certification=Certification.objects.get(slug="professional-services-engineer"),
            email=w.user_a.email,
            completed_on=date(2025, 1, 2),
            defaults={"partner": w.partner_a, "full_name": "Secret Person", "source": "manual"},
        )
        content = (
            "email,name,partner,certification,completed_on\n"
            f"{w.admin_a.email},{A_LEGAL_NAME},{w.partner_a.pk},SAC,2025-01-02\n"
        ).encode()
        run, _result = import_file(name="acme.csv", content=content)
        built = {"run": ImportRun.objects.get(pk=run.pk)}
        w._enablement_records = built  # type: ignore[attr-defined]
    return built


def snapshot(w: World) -> dict[str, Any]:
    """Everything of partner A that a request by partner B's people could try to change."""
    p = Partner.objects.get(pk=w.partner_a.pk)
    return {
        "nfr_requests": sorted(
            NfrRequest.objects.filter(partner=p).values_list(
                "pk",
                "status",
                "seats",
                "term_months",
                "contact_name",
                "contact_email",
                "question",
                "answer",
                "rejection_reason",
            )
        ),
        "nfr_events": RequestEvent.objects.filter(request__partner=p).count(),
        "licenses": sorted(
            License.objects.filter(partner=p).values_list("pk", "revoked_at", "revocation_reason", "expires")
        ),
        "license_reminders": LicenseReminder.objects.filter(license__partner=p).count(),
        "partner": {
            f: getattr(p, f)
            for f in (
                "legal_name",
                "website",
                "phone",
                "description",
                "status",
                "tier_id",
                "region_id",
                "cam_id",
            )
        },
        "contacts": sorted(
            Contact.objects.filter(partner=p).values_list("pk", "email", "first_name", "last_name")
        ),
        "memberships": sorted(
            PartnerMembership.objects.filter(partner=p).values_list(
                "pk", "user_id", "role", "user__is_active"
            )
        ),
        "tokens": sorted(
            ApiToken.objects.filter(user__membership__partner=p).values_list("pk", "revoked_at", "name")
        ),
        "invitations": sorted(
            Invitation.objects.filter(user__membership__partner=p).values_list("pk", "accepted_at")
        ),
        "dead_letter": OutboxMessage.objects.filter(pk=w.dead_letter_a.pk)
        .values_list("status", flat=True)
        .get(),
        "contacts_elsewhere_with_a_people": Contact.objects.exclude(partner=p)
        .filter(email__in=[w.admin_a.email, w.user_a.email, A_CONTACT_EMAIL])
        .count(),
        "partners": Partner.objects.count(),
        "application": Application.objects.filter(pk=w.application_a.pk)
        .values_list("status", "partner_id")
        .get(),
        "applications": Application.objects.count(),
        "acceptances": sorted(
            Acceptance.objects.filter(partner=p).values_list("pk", "version_id", "content_hash", "ip_address")
        ),
        "region_exceptions": sorted(RegionException.objects.filter(partner=p).values_list("pk", "status")),
        "legal_requests": sorted(LegalRequest.objects.filter(partner=p).values_list("pk", "status")),
        "legal_comments": LegalComment.objects.filter(request__partner=p).count(),
        "versions": sorted(AgreementVersion.objects.values_list("pk", "status", "content_hash")),
        "work_items": sorted(
            WorkItem.objects.filter(partner=p).values_list("pk", "title", "status", "shared_with_partner")
        ),
        "tasks": sorted(Task.objects.filter(item__partner=p).values_list("pk", "done_at", "assignee_id")),
        "work_comments": WorkComment.objects.filter(item__partner=p).count(),
        "all_work_items": WorkItem.objects.count(),
        "reviews": sorted(
            w.partner_a.account_reviews.values_list(
                "pk", "status", "notes", "items__checked", "items__reminder_sent_at"
            )
        ),
        "phd_review": Partner.objects.filter(pk=w.partner_a.pk)
        .values_list("last_phd_review", "account_notes")
        .get(),
        "notifications": sorted(
            Notification.objects.filter(user__membership__partner=p).values_list("pk", "title", "read_at")
        ),
        "access_requests": sorted(AccessRequest.objects.values_list("pk", "status", "decided_by_id")),
        "access_events": AccessEvent.objects.count(),
        "notification_rules": sorted(
            NotificationRule.objects.filter(user__membership__partner=p).values_list(
                "pk", "watch", "when", "how"
            )
        ),
        "plans": _plans_snapshot(p),
        "badges": sorted(Badge.objects.filter(partner=p).values_list("pk", "status", "revoked_at")),
        "questions": _questions_snapshot(p),
    }


def _questions_snapshot(p: Partner) -> dict[str, Any]:
    """Partner A's questions (issue 16): state, routing, rating and thread (a request by partner B's
    people must neither change one nor add one to partner A)."""
    from channelops.helpdesk.models import Question, QuestionMessage

    return {
        "questions": sorted(
            Question.objects.filter(partner=p).values_list(
                "pk", "status", "priority", "assignee_id", "partner_id", "merged_into_id", "rating", "subject"
            )
        ),
        "messages": sorted(
            QuestionMessage.objects.filter(question__partner=p).values_list("pk", "kind", "body")
        ),
    }


# --- requests and rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    method: str
    url: str
    data: dict[str, Any] | None = None
    api: bool = False  # sent with the actor's API token (JSON body) instead of the session


@dataclass(frozen=True)
class Rule:
    access: str
    probes: Callable[[World], list[Probe]]
    own_page: bool = False  # partner B's people get a 200 that shows partner B (proves the page renders)
    optional: bool = False  # the pattern exists only in some configurations (e.g. GitLab sign-in)
    note: str = ""


def get_post(
    url: str | Callable[[World], str], data: dict[str, Any] | None = None
) -> Callable[[World], list[Probe]]:
    """GET and POST one URL (the URL may depend on the world)."""

    def build(w: World) -> list[Probe]:
        u = url(w) if callable(url) else url
        return [Probe("GET", u), Probe("POST", u, data or {})]

    return build


def api_calls(
    *calls: tuple[str, str | Callable[[World], str], dict[str, Any] | None],
) -> Callable[[World], list[Probe]]:
    def build(w: World) -> list[Probe]:
        return [Probe(m, u(w) if callable(u) else u, d, api=True) for m, u, d in calls]

    return build


FORGED_PROFILE = {"website": "https://pwned.example", "phone": "+1 555 0100", "description": "pwned"}


def rule_a(w: World) -> NotificationRule:
    return NotificationRule.objects.get(user=w.admin_a, watch="work_items")


def notification_a(w: World) -> Notification:
    """Partner A's admin was notified of the shared work item (its title names partner A)."""
    return Notification.objects.get(user=w.admin_a, title__contains=A_LEGAL_NAME)
