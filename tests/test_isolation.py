"""Partner isolation: every URL of the project, walked as partner B's people, never shows partner A.

The walker iterates ``get_resolver()`` recursively and needs a rule for every URL
pattern it finds. A rule says how to build requests for the pattern (substituting
partner A's objects for ids) and what partner B's people may get back:

* ``DENIED``  — 401/403/404/405 or a redirect to a sign-in page;
* ``OWN``     — a page about the caller's own partner or account (any status below 500);
* ``PUBLIC``  — a page anyone may open (sign-in, health checks, API schema…).

Whatever the rule, no response (body or Location header) may contain partner A's
legal name, contact e-mail addresses, people or CRM id, and partner A's data must be
unchanged after the walk. A URL pattern without a rule fails the suite: a later
feature that adds a page must add its rule here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

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
from channelops.work.services import comment_add, work_item_create

from .factories import ContactFactory, MembershipFactory, StaffFactory, UserFactory

DENIED = "denied"
OWN = "own"
PUBLIC = "public"

A_LEGAL_NAME = "Acme Test Partner"
A_CONTACT_EMAIL = "secret.contact@acme-a.test"
A_CRM_ID = "CRM-ACME-7781"
A_WEBSITE = "https://acme-secret.example"
B_LEGAL_NAME = "Beta Test Partner"
B_MARKERS = (B_LEGAL_NAME, "admin@b.test")  # an "own page" shows at least one of these

# Sign-in pages a denied request may be redirected to.
LOGIN_PATHS = ("/accounts/login/", "/console/admin/login/")


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


@pytest.fixture
def world(partner_a, partner_b, admin_a, user_a, user_b) -> World:
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


def _records_world(w: World) -> dict[str, Any]:
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


def _after_records(build: Callable[[World], list[Probe]]) -> Callable[[World], list[Probe]]:
    def wrapped(w: World) -> list[Probe]:
        _records_world(w)
        return build(w)

    return wrapped


def _snapshot(w: World) -> dict[str, Any]:
    """Everything of partner A that a request by partner B's people could try to change."""
    p = Partner.objects.get(pk=w.partner_a.pk)
    return {
        "nfr_requests": sorted(
            NfrRequest.objects.filter(partner=p).values_list(
                "pk", "status", "seats", "question", "answer", "rejection_reason"
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
FORGED_PARTNER = {"legal_name": "Pwned Ltd", "country": "US", "status": "terminated", **FORGED_PROFILE}
NOTIFY_RULE = {"watch": "work_items", "when": "new_submission", "how": "immediate"}
FORGED_PERSON = {"email": "intruder@evil.test", "full_name": "In Truder", "role": "admin"}


def _search_probes(url: str, w: World) -> list[Probe]:
    """The search page asked for partner A's records by every field it searches (the queries are
    not markers themselves: the page repeats the query), one kind at a time too, and POSTed."""
    queries = [
        "Acme",
        "acme-secret.example",
        "Secret Person",
        "secret.contact",
        "Secret Applicant",
        f"NFR-{w.nfr_request_a.pk:06d}",
        str(w.license_a.pk),
        f"#{w.work_item_a.pk}",
        f"#{w.legal_request_a.pk}",
        "Shared with",
        "wants changes",
    ]
    probes = [Probe("GET", f"{url}?{urlencode({'q': q})}") for q in queries]
    probes += [
        Probe("GET", f"{url}?{urlencode({'q': 'Acme', 'kind': k})}") for k in ("people", "nfr", "work")
    ]
    return [*probes, Probe("POST", url, {"q": "Acme"})]


# URL patterns the walker does not request, each with the reason. Deliberately empty: the
# allauth and invitation URLs that carry tokens (e-mail confirmation key, password-reset key,
# invitation token) cannot be built for partner A's people — their clear tokens exist only in
# e-mails — so they are requested with invalid tokens instead (see the rules' notes). Add an
# entry here only for a pattern that cannot be requested at all, and say why.
SKIPPED: dict[str, str] = {}

RULES: dict[str, Rule] = {
    # --- site ---
    ":home": Rule(PUBLIC, get_post("/")),
    ":healthz": Rule(PUBLIC, get_post("/healthz")),
    ":favicon": Rule(PUBLIC, get_post("/favicon.ico")),
    # browsers' CSP violation reports: logged, nothing stored or shown
    ":csp_report": Rule(PUBLIC, get_post("/csp-report")),
    ":readyz": Rule(PUBLIC, get_post("/readyz")),
    # --- registration (public) ---
    # REGISTRATION-RULES
    # public license verification material: public keys and revoked license ids only
    ":license_keys": Rule(PUBLIC, get_post("/licenses/keys.json")),
    ":license_revocations": Rule(PUBLIC, get_post("/licenses/revoked.json")),
    # (an empty form: 400 and nothing created — the snapshot counts the applications)
    ":register": Rule(PUBLIC, get_post("/register/")),
    ":register_sent": Rule(PUBLIC, get_post("/register/sent/")),
    ":register_verify": Rule(
        PUBLIC,
        get_post("/register/verify/not-a-real-token/"),
        note="a capability URL: the clear token exists only in the e-mail to the applicant; probed with an invalid one",
    ),
    ":register_status": Rule(
        PUBLIC,
        get_post("/register/status/not-a-real-token/"),
        note="the same token as the verification link; probed with an invalid one",
    ),
    # --- agreements: portal ---
    # AGREEMENTS-PORTAL-RULES
    # BADGES-RULES
    # Public verification material: anyone opens a badge's page and JSON (holder name, achievement,
    # issuer, dates: never the e-mail or the partner), the issuer profile, keys and status list.
    "badges:issuer": Rule(PUBLIC, get_post("/badges/issuer")),
    "badges:keys": Rule(PUBLIC, get_post("/badges/keys.json")),
    "badges:status_list": Rule(PUBLIC, get_post(lambda w: f"/badges/status/{w.badge_a.status_list_id}")),
    "badges:badge": Rule(PUBLIC, get_post(lambda w: f"/badges/{w.badge_a.pk}/")),
    "badges:badge_json": Rule(PUBLIC, get_post(lambda w: f"/badges/{w.badge_a.pk}.json")),
    # Partner B's people see their own partner's badges only; the console and the staff API: denied.
    "portal:badges": Rule(OWN, get_post("/portal/badges/"), own_page=True),
    "console:badges": Rule(DENIED, get_post("/console/badges/")),
    "console:badge": Rule(
        DENIED,
        get_post(lambda w: f"/console/badges/{w.badge_a.pk}/", {"action": "revoke", "reason": "pwned"}),
    ),
    "api:list_badges": Rule(OWN, api_calls(("GET", "/api/v1/badges", None))),
    "api:get_badge": Rule(DENIED, api_calls(("GET", lambda w: f"/api/v1/badges/{w.badge_a.pk}", None))),
    "api:approve_badge": Rule(
        DENIED, api_calls(("POST", lambda w: f"/api/v1/badges/{w.badge_a.pk}/approve", None))
    ),
    "api:revoke_badge": Rule(
        DENIED, api_calls(("POST", lambda w: f"/api/v1/badges/{w.badge_a.pk}/revoke", {"reason": "pwned"}))
    ),
    # END BADGES-RULES
    # --- work: portal (collaboration space) ---
    # WORK-PORTAL-RULES
    # NFR requests: partner B's own list and form (an empty POST: 400, nothing created; partner B's
    # user, not allowed to submit, gets 404 on the form); partner A's request: 404, not answerable.
    "portal:nfr_requests": Rule(OWN, get_post("/portal/nfr/"), own_page=True),
    "portal:nfr_request_new": Rule(OWN, get_post("/portal/nfr/new/")),
    "portal:nfr_request": Rule(
        DENIED, get_post(lambda w: f"/portal/nfr/{w.nfr_request_a.pk}/", {"answer": "intrude"})
    ),
    # Licenses: partner B's own list; partner A's license page, renewal (POST) and file: 404.
    "portal:licenses": Rule(OWN, get_post("/portal/licenses/"), own_page=True),
    "portal:license": Rule(DENIED, get_post(lambda w: f"/portal/licenses/{w.license_a.pk}/")),
    "portal:license_file": Rule(DENIED, get_post(lambda w: f"/portal/licenses/{w.license_a.pk}/file")),
    # Partner B's collaboration space (its own items only); partner A's shared and internal items,
    # their tasks and comments: 404 (nothing ticked, nothing commented: see the snapshot).
    "portal:work_items": Rule(OWN, get_post("/portal/work/"), own_page=True),
    "portal:work_item": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/portal/work/{w.work_item_a.pk}/"),
            Probe("POST", f"/portal/work/{w.work_item_a.pk}/", {}),
            Probe("GET", f"/portal/work/{w.internal_item_a.pk}/"),
        ],
    ),
    "portal:work_task_toggle": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/portal/work/{w.work_item_a.pk}/tasks/{w.task_a.pk}/toggle/"),
            Probe("POST", f"/portal/work/{w.work_item_a.pk}/tasks/{w.task_a.pk}/toggle/", {"done": "1"}),
            Probe("POST", f"/portal/work/{w.internal_item_a.pk}/tasks/{w.task_a.pk}/toggle/", {"done": "1"}),
        ],
    ),
    "portal:work_comment": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/portal/work/{w.work_item_a.pk}/comment/"),
            Probe("POST", f"/portal/work/{w.work_item_a.pk}/comment/", {"comment-body": "intrude"}),
            Probe("POST", f"/portal/work/{w.internal_item_a.pk}/comment/", {"comment-body": "intrude"}),
        ],
    ),
    # Partner B's own pages (list, region request, open a legal request): B's POSTs act on B only.
    "portal:agreements": Rule(OWN, get_post("/portal/agreements/"), own_page=True),
    "portal:region_request": Rule(
        OWN,
        lambda w: [
            Probe("GET", "/portal/agreements/regions/"),
            Probe(
                "POST",
                "/portal/agreements/regions/",
                {"regions": [Region.objects.get(code="APAC").pk], "justification": "B sells in APAC"},
            ),
        ],
    ),
    "portal:legal_requests": Rule(
        OWN,
        lambda w: [
            Probe("GET", "/portal/agreements/legal/"),
            Probe(
                "POST",
                "/portal/agreements/legal/",
                {"template": w.custom_version_a.template_id, "proposed_changes": "B's changes"},
            ),
        ],
        own_page=True,
    ),
    # Partner A's custom version (its text names partner A): not readable, not acceptable.
    "portal:agreement_version": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/portal/agreements/versions/{w.custom_version_a.pk}/"),
            Probe(
                "POST",
                f"/portal/agreements/versions/{w.custom_version_a.pk}/",
                {
                    "version": w.custom_version_a.pk,
                    "content_hash": w.custom_version_a.content_hash,
                    "confirm": "on",
                },
            ),
        ],
    ),
    "portal:legal_request": Rule(
        DENIED, get_post(lambda w: f"/portal/agreements/legal/{w.legal_request_a.pk}/", {"body": "intrude"})
    ),
    "portal:legal_request_withdraw": Rule(
        DENIED, get_post(lambda w: f"/portal/agreements/legal/{w.legal_request_a.pk}/withdraw/")
    ),
    # --- agreements and applications: console ---
    # CONSOLE-RULES
    # --- work: console ---
    # WORK-CONSOLE-RULES
    # NFR requests (staff only): queue, exports, request on a partner's behalf, review, reject, ask.
    "console:nfr_requests": Rule(DENIED, get_post("/console/nfr/?q=Acme&cols=partner,contact_email")),
    "console:nfr_requests_export": Rule(
        DENIED,
        lambda w: [Probe("GET", "/console/nfr/export.csv"), Probe("GET", "/console/nfr/export.xlsx")],
    ),
    "console:nfr_request_new": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/console/nfr/new/?partner={w.partner_a.pk}"),
            Probe(
                "POST",
                "/console/nfr/new/",
                {
                    "partner": w.partner_a.pk,
                    "contact_name": "In Truder",
                    "contact_email": "intruder@evil.example",
                    "plan": "ultimate",
                    "seats": "9",
                    "term_months": "12",
                    "purpose": "pwned",
                },
            ),
        ],
    ),
    "console:nfr_request": Rule(DENIED, get_post(lambda w: f"/console/nfr/{w.nfr_request_a.pk}/")),
    "console:nfr_request_reject": Rule(
        DENIED, get_post(lambda w: f"/console/nfr/{w.nfr_request_a.pk}/reject/", {"reason": "pwned"})
    ),
    "console:nfr_request_ask": Rule(
        DENIED, get_post(lambda w: f"/console/nfr/{w.nfr_request_a.pk}/ask/", {"question": "pwned"})
    ),
    "console:nfr_request_approve": Rule(
        DENIED, get_post(lambda w: f"/console/nfr/{w.nfr_request_a.pk}/approve/")
    ),
    "console:nfr_message_templates": Rule(DENIED, get_post("/console/nfr/templates/")),
    "console:nfr_message_template": Rule(
        DENIED, get_post("/console/nfr/templates/nfr_encouragement/", {"subject": "pwned", "body": "pwned"})
    ),
    # Licenses (staff only): list, detail, file, revocation.
    "console:licenses": Rule(DENIED, get_post("/console/licenses/?q=Acme&status=active&within=400")),
    "console:license": Rule(DENIED, get_post(lambda w: f"/console/licenses/{w.license_a.pk}/")),
    "console:license_file": Rule(DENIED, get_post(lambda w: f"/console/licenses/{w.license_a.pk}/file")),
    "console:license_revoke": Rule(
        DENIED, get_post(lambda w: f"/console/licenses/{w.license_a.pk}/revoke/", {"reason": "pwned"})
    ),
    # Staff pages. The POSTs would create an item, edit, tick and comment (the snapshot checks none did).
    "console:my_work": Rule(DENIED, get_post("/console/work/")),
    "console:work_board": Rule(
        DENIED, get_post(lambda w: f"/console/work/board/?partner={w.partner_a.pk}&overdue=1")
    ),
    "console:work_item_new": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/console/work/new/?template=partner-onboarding&partner={w.partner_a.pk}"),
            Probe(
                "POST",
                "/console/work/new/",
                {"form": "template", "tpl-template": "partner-onboarding", "tpl-partner": w.partner_a.pk},
            ),
            Probe(
                "POST",
                "/console/work/new/",
                {
                    "form": "item",
                    "project": w.work_item_a.project_id,
                    "title": "Pwned",
                    "dri": w.work_item_a.dri_id,
                    "due_date": "2099-01-01",
                    "partner": w.partner_a.pk,
                },
            ),
        ],
    ),
    "console:work_item": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/console/work/{w.work_item_a.pk}/"),
            Probe("GET", f"/console/work/{w.internal_item_a.pk}/"),
            Probe(
                "POST",
                f"/console/work/{w.work_item_a.pk}/",
                {"edit-status": "cancelled", "edit-title": "Pwned", "edit-dri": w.work_item_a.dri_id},
            ),
        ],
    ),
    "console:work_task_toggle": Rule(
        DENIED,
        get_post(lambda w: f"/console/work/{w.work_item_a.pk}/tasks/{w.task_a.pk}/toggle/", {"done": "1"}),
    ),
    "console:work_comment": Rule(
        DENIED, get_post(lambda w: f"/console/work/{w.work_item_a.pk}/comment/", {"comment-body": "intrude"})
    ),
    "console:work_journeys": Rule(
        DENIED, get_post(lambda w: f"/console/work/journeys/?partner={w.partner_a.pk}")
    ),
    # --- RACI: console ---
    # RACI-RULES
    # Staff pages; pk 1 is a shipped matrix / its first deliverable (created by migrate). The POSTs
    # would edit a cell, add a row, and create a work item (the snapshot counts all work items).
    "console:raci_matrices": Rule(DENIED, get_post("/console/raci/")),
    "console:raci_matrix": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/console/raci/1/"),
            Probe(
                "POST", "/console/raci/1/", {"action": "cell", "deliverable": 1, "team": 1, "letters": "I"}
            ),
            Probe("POST", "/console/raci/1/", {"action": "add", "new-name": f"Pwned by {B_LEGAL_NAME}"}),
        ],
    ),
    "console:raci_route": Rule(
        DENIED,
        get_post("/console/raci/deliverables/1/route/", {"title": "Pwned", "due_date": "2099-01-01"}),
    ),
    # --- epics and staff teams: console (staff only; the POSTs would create or change them) ---
    "console:work_epics": Rule(DENIED, get_post("/console/work/epics/")),
    "console:work_epic_new": Rule(
        DENIED, get_post("/console/work/epics/new/", {"title": f"Pwned by {B_LEGAL_NAME}", "group": 1})
    ),
    "console:work_epic": Rule(DENIED, get_post("/console/work/epics/1/")),
    "console:work_epic_change": Rule(
        DENIED, get_post("/console/work/epics/1/change/", {"title": f"Pwned by {B_LEGAL_NAME}", "group": 1})
    ),
    "console:staff_teams": Rule(DENIED, get_post("/console/teams/")),
    "console:staff_team": Rule(DENIED, get_post("/console/teams/1/")),
    "console:staff_team_change": Rule(
        DENIED, get_post("/console/teams/1/change/", {"name": f"Pwned by {B_LEGAL_NAME}"})
    ),
    # --- notifications ---
    # NOTIFICATIONS-RULES
    # Partner B's own notifications and rules (B's POSTs act on B's person only); A's are 404.
    "portal:notifications": Rule(OWN, get_post("/portal/notifications/"), own_page=True),
    "portal:notifications_read_all": Rule(OWN, get_post("/portal/notifications/read/")),
    "portal:notification_read": Rule(
        DENIED, get_post(lambda w: f"/portal/notifications/{_notification_a(w).pk}/read/", {"open": "1"})
    ),
    "portal:notification_rules": Rule(
        OWN, get_post("/portal/notifications/rules/", NOTIFY_RULE), own_page=True
    ),
    "portal:notification_rule": Rule(
        DENIED, get_post(lambda w: f"/portal/notifications/rules/{_rule_a(w).pk}/", NOTIFY_RULE)
    ),
    "portal:notification_rule_delete": Rule(
        DENIED, get_post(lambda w: f"/portal/notifications/rules/{_rule_a(w).pk}/delete/")
    ),
    "console:notifications": Rule(DENIED, get_post("/console/notifications/")),
    "console:notifications_read_all": Rule(DENIED, get_post("/console/notifications/read/")),
    "console:notification_read": Rule(
        DENIED, get_post(lambda w: f"/console/notifications/{_notification_a(w).pk}/read/", {"open": "1"})
    ),
    "console:notification_rules": Rule(DENIED, get_post("/console/notifications/rules/", NOTIFY_RULE)),
    "console:notification_rule": Rule(
        DENIED, get_post(lambda w: f"/console/notifications/rules/{_rule_a(w).pk}/", NOTIFY_RULE)
    ),
    "console:notification_rule_delete": Rule(
        DENIED, get_post(lambda w: f"/console/notifications/rules/{_rule_a(w).pk}/delete/")
    ),
    # --- account reviews ---
    # --- access requests for privileged permissions (staff only) ---
    # ACCESS-RULES
    "console:access": Rule(DENIED, get_post("/console/access/?user=vendor")),
    "console:access_request": Rule(
        DENIED,
        get_post("/console/access/request/", {"perm": "licensing.issue_license", "justification": "x" * 40}),
    ),
    "console:access_events_export": Rule(DENIED, get_post("/console/access/events.csv")),
    "console:access_detail": Rule(DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/")),
    "console:access_approve": Rule(
        DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/approve/", {"note": "pwned"})
    ),
    "console:access_reject": Rule(
        DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/reject/", {"note": "pwned"})
    ),
    "console:access_revoke": Rule(
        DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/revoke/", {"reason": "pwned"})
    ),
    "console:access_withdraw": Rule(
        DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/withdraw/")
    ),
    # REVIEWS-RULES
    "console:reviews": Rule(DENIED, get_post("/console/reviews/?specialist=all")),
    "console:review": Rule(DENIED, get_post(lambda w: f"/console/reviews/{w.review_a.pk}/")),
    "console:review_item_check": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/reviews/{w.review_a.pk}/items/{w.review_a.items.get().pk}/check/",
            {"checked": "1"},
        ),
    ),
    "console:review_item_remind": Rule(
        DENIED,
        get_post(lambda w: f"/console/reviews/{w.review_a.pk}/items/{w.review_a.items.get().pk}/remind/"),
    ),
    "console:review_complete": Rule(
        DENIED, get_post(lambda w: f"/console/reviews/{w.review_a.pk}/complete/", {"notes": "pwned"})
    ),
    "console:agreements": Rule(DENIED, get_post("/console/agreements/")),
    "console:agreement_report": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/console/agreements/report/?state=required"),
            Probe("GET", "/console/agreements/report/?format=csv"),
            Probe("POST", "/console/agreements/report/", {}),
        ],
    ),
    "console:agreement_template": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/agreements/{w.custom_version_a.template_id}/",
            {"body": "# Pwned terms\n\nEverything belongs to us.", "change_summary": "pwned"},
        ),
    ),
    "console:agreement_diff": Rule(
        DENIED,
        get_post(
            lambda w: (
                f"/console/agreements/{w.custom_version_a.template_id}/diff/"
                f"?a={w.legal_request_a.version_id}&b={w.custom_version_a.pk}"
            )
        ),
    ),
    "console:agreement_version": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/agreements/versions/{w.custom_version_a.pk}/",
            {"body": "# Pwned terms\n\nEverything belongs to us."},
        ),
    ),
    "console:agreement_version_publish": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/agreements/versions/{w.custom_version_a.pk}/publish/",
            {"reaccept_by": "2099-01-01"},
        ),
    ),
    "console:region_exceptions": Rule(DENIED, get_post("/console/region-exceptions/?status=pending")),
    "console:region_exception": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/region-exceptions/{w.region_exception_a.pk}/",
            {"decision": "approve", "note": "pwned"},
        ),
    ),
    "console:legal_requests": Rule(DENIED, get_post("/console/legal-requests/?status=open")),
    "console:legal_request": Rule(
        DENIED, get_post(lambda w: f"/console/legal-requests/{w.legal_request_a.pk}/", {"body": "intrude"})
    ),
    "console:legal_request_offer": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/legal-requests/{w.legal_request_a.pk}/offer/",
            {"offer-body": "# Pwned terms\n\nEverything belongs to us.", "offer-note": "pwned"},
        ),
    ),
    "console:legal_request_withdraw": Rule(
        DENIED, get_post(lambda w: f"/console/legal-requests/{w.legal_request_a.pk}/withdraw/")
    ),
    # --- applications: console ---
    # APPLICATIONS-CONSOLE-RULES
    "console:applications": Rule(DENIED, get_post("/console/applications/?status=all&q=Acme")),
    "console:application_detail": Rule(
        DENIED, get_post(lambda w: f"/console/applications/{w.application_a.pk}/")
    ),
    "console:application_approve": Rule(
        DENIED, get_post(lambda w: f"/console/applications/{w.application_a.pk}/approve/", {"tier": 1})
    ),
    "console:application_reject": Rule(
        DENIED, get_post(lambda w: f"/console/applications/{w.application_a.pk}/reject/", {"reason": "pwned"})
    ),
    # --- channelops accounts ---
    "accounts:invitation_accept": Rule(
        DENIED,
        get_post("/accounts/invitation/not-a-real-token/", {"password1": "x", "password2": "x"}),
        note="a capability URL: only the clear token (e-mailed to the invitee, never stored) opens it",
    ),
    "accounts:tokens": Rule(OWN, get_post("/accounts/tokens/", {"name": "mine"})),
    "accounts:token_revoke": Rule(DENIED, get_post(lambda w: f"/accounts/tokens/{w.token_a.pk}/revoke/")),
    # --- allauth: account ---
    ":account_login": Rule(
        PUBLIC, get_post("/accounts/login/", {"login": "admin@b.test", "password": "wrong"})
    ),
    ":account_logout": Rule(OWN, get_post("/accounts/logout/")),
    ":account_inactive": Rule(PUBLIC, get_post("/accounts/inactive/")),
    ":account_signup": Rule(PUBLIC, get_post("/accounts/signup/", {"email": "new@evil.test"})),
    ":account_reauthenticate": Rule(OWN, get_post("/accounts/reauthenticate/")),
    ":account_request_reauthentication_code": Rule(OWN, get_post("/accounts/reauthenticate/code/")),
    ":account_confirm_reauthentication_code": Rule(OWN, get_post("/accounts/reauthenticate/code/confirm/")),
    ":account_email": Rule(OWN, get_post("/accounts/email/")),
    ":account_email_verification_sent": Rule(PUBLIC, get_post("/accounts/confirm-email/")),
    ":account_change_password": Rule(OWN, get_post("/accounts/password/change/")),
    ":account_set_password": Rule(OWN, get_post("/accounts/password/set/")),
    ":account_reset_password": Rule(PUBLIC, get_post("/accounts/password/reset/")),
    ":account_confirm_login_code": Rule(PUBLIC, get_post("/accounts/login/code/confirm/")),
    ":account_confirm_email": Rule(
        PUBLIC,
        get_post("/accounts/confirm-email/not-a-real-key/"),
        note="allauth's e-mail confirmation key is a signed token; probed with an invalid one",
    ),
    ":account_reset_password_from_key_done": Rule(PUBLIC, get_post("/accounts/password/reset/key/done/")),
    ":account_reset_password_from_key": Rule(
        PUBLIC,
        get_post(lambda w: f"/accounts/password/reset/key/{_b36(w.admin_a.pk)}-not-a-real-key/"),
        note="the reset key is a token e-mailed to partner A's person; probed with their id and a wrong key",
    ),
    ":account_reset_password_done": Rule(PUBLIC, get_post("/accounts/password/reset/done/")),
    # --- allauth: MFA ---
    ":mfa_index": Rule(OWN, get_post("/accounts/2fa/")),
    ":mfa_authenticate": Rule(PUBLIC, get_post("/accounts/2fa/authenticate/")),
    ":mfa_reauthenticate": Rule(OWN, get_post("/accounts/2fa/reauthenticate/")),
    ":mfa_activate_totp": Rule(OWN, get_post("/accounts/2fa/totp/activate/")),
    ":mfa_deactivate_totp": Rule(OWN, get_post("/accounts/2fa/totp/deactivate/")),
    ":mfa_view_recovery_codes": Rule(OWN, get_post("/accounts/2fa/recovery-codes/")),
    ":mfa_generate_recovery_codes": Rule(OWN, get_post("/accounts/2fa/recovery-codes/generate/")),
    ":mfa_download_recovery_codes": Rule(OWN, get_post("/accounts/2fa/recovery-codes/download/")),
    # --- allauth: third-party sign-in ---
    ":socialaccount_login_cancelled": Rule(PUBLIC, get_post("/accounts/3rdparty/login/cancelled/")),
    ":socialaccount_login_error": Rule(PUBLIC, get_post("/accounts/3rdparty/login/error/")),
    ":socialaccount_signup": Rule(PUBLIC, get_post("/accounts/3rdparty/signup/")),
    ":socialaccount_connections": Rule(OWN, get_post("/accounts/3rdparty/")),
    "accounts/social/login/cancelled/": Rule(PUBLIC, get_post("/accounts/social/login/cancelled/")),
    "accounts/social/login/error/": Rule(PUBLIC, get_post("/accounts/social/login/error/")),
    "accounts/social/signup/": Rule(PUBLIC, get_post("/accounts/social/signup/")),
    "accounts/social/connections/": Rule(PUBLIC, get_post("/accounts/social/connections/")),
    # Installed only when GITLAB_CLIENT_ID is set (settings.py).
    ":gitlab_login": Rule(PUBLIC, get_post("/accounts/gitlab/login/"), optional=True),
    ":gitlab_callback": Rule(PUBLIC, get_post("/accounts/gitlab/login/callback/"), optional=True),
    ":openid_connect_login": Rule(PUBLIC, get_post("/accounts/oidc/sso/login/")),
    ":openid_connect_callback": Rule(PUBLIC, get_post("/accounts/oidc/sso/login/callback/")),
    # --- partner portal ---
    "portal:dashboard": Rule(OWN, get_post("/portal/"), own_page=True),
    "portal:company": Rule(OWN, get_post("/portal/company/", FORGED_PROFILE), own_page=True),
    "portal:users": Rule(OWN, get_post("/portal/users/"), own_page=True),
    # The global search (issue 13) over partner B's own records: partner A's name, domain, people,
    # NFR request, license, work item and legal request are never among the results.
    "portal:search": Rule(OWN, lambda w: _search_probes("/portal/search/", w), own_page=True),
    "portal:user_invite": Rule(OWN, get_post("/portal/users/invite/", FORGED_PERSON)),
    "portal:user_deactivate": Rule(
        DENIED, get_post(lambda w: f"/portal/users/{w.membership_a.pk}/deactivate/")
    ),
    # --- staff console ---
    "console:home": Rule(DENIED, get_post("/console/")),
    "console:directory": Rule(DENIED, get_post("/console/partners/?q=Acme")),
    "console:directory_export": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/console/partners/export.csv?q=Acme"),
            Probe("GET", "/console/partners/export.xlsx"),
        ],
    ),
    "console:partner_detail": Rule(DENIED, get_post(lambda w: f"/console/partners/{w.partner_a.pk}/")),
    "console:partner_edit": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/partners/{w.partner_a.pk}/edit/", {"status": "terminated", "reason": "x"}
        ),
    ),
    "console:partner_search": Rule(DENIED, get_post("/console/partners/search?q=Acme")),
    "console:search": Rule(DENIED, lambda w: _search_probes("/console/search/", w)),
    "console:queues": Rule(DENIED, get_post("/console/queues/")),
    "console:queue_detail": Rule(DENIED, get_post("/console/queues/partners_applied/")),
    "console:dead_letters": Rule(DENIED, get_post("/console/outbox/dead/")),
    "console:dead_letter_retry": Rule(
        DENIED, get_post(lambda w: f"/console/outbox/dead/{w.dead_letter_a.pk}/retry/")
    ),
    # --- API ---
    # ENABLEMENT-RECORDS-RULES
    # Certification catalog, imports (staff only); partner B's own practitioners page and API list
    # (never A's records: one of them carries A's user's e-mail); recording results is for staff
    # (403); the learning-system webhook refuses unsigned requests (404 while no secret is set).
    "portal:practitioners": Rule(OWN, _after_records(get_post("/portal/enablement/people/")), own_page=True),
    "console:certifications": Rule(DENIED, get_post("/console/certifications/")),
    "console:certification": Rule(
        DENIED,
        get_post(
            "/console/certifications/solution-architect-core/", {"name": "Pwned", "validity_months": "1"}
        ),
    ),
    "console:certification_import": Rule(DENIED, get_post("/console/certifications/import/")),
    "console:certification_import_run": Rule(
        DENIED, lambda w: get_post(f"/console/certifications/import/{_records_world(w)['run'].pk}/")(w)
    ),
    "console:certification_import_valid_rows": Rule(
        DENIED,
        lambda w: get_post(f"/console/certifications/import/{_records_world(w)['run'].pk}/valid-rows/")(w),
    ),
    ":learning_webhook": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/webhooks/learning-system"),
            Probe("POST", "/webhooks/learning-system", {"email": "intruder@evil.example"}),
        ],
    ),
    "api:list_practitioner_records": Rule(
        OWN,
        _after_records(
            api_calls(
                ("GET", "/api/v1/practitioner-records", None),
                ("GET", lambda w: f"/api/v1/practitioner-records?partner_id={w.partner_a.pk}", None),
                ("GET", lambda w: f"/api/v1/practitioner-records?email={w.user_a.email}", None),
            )
        ),
    ),
    "api:create_practitioner_records": Rule(
        DENIED,
        lambda w: [
            Probe(
                "POST",
                "/api/v1/practitioner-records",
                {
                    "email": "intruder@evil.example",
                    "name": "In Truder",
                    "partner": w.partner_a.pk,
                    "certification": "solution-architect-core",
                    "training_completed": True,
                    "exam_passed": True,
                    "completed_on": "2025-01-02",
                },
                api=True,
            )
        ],
        note="recording results is for staff with enablement.add_practitionerrecord: partner people get 403",
    ),
    # END ENABLEMENT-RECORDS-RULES
    # PLANS-RULES
    "portal:enablement_home": Rule(OWN, get_post("/portal/enablement/"), own_page=True),
    "portal:enablement_plan": Rule(
        OWN,
        get_post(
            "/portal/enablement/plan/",
            {"full_name": "In Truder", "email": "bad", "certification": "0", "target_date": "2000-01-01"},
        ),
        own_page=True,
    ),
    "portal:enablement_plan_entry": Rule(
        DENIED,
        get_post(
            lambda w: f"/portal/enablement/plan/{w.plans_a['entry'].pk}/",
            {"full_name": "Pwned", "email": "x@evil.example.com", "target_date": "2099-01-01"},
        ),
    ),
    "portal:enablement_plan_entry_remove": Rule(
        DENIED, get_post(lambda w: f"/portal/enablement/plan/{w.plans_a['entry'].pk}/remove/")
    ),
    "portal:business_plan": Rule(
        OWN,
        get_post(
            "/portal/enablement/business-plan/",
            # an unknown certification: the save is refused and nothing is written (B's own plan)
            {
                "action": "submit",
                "target_customers": "pwned",
                "t-0-certification": "999999",
                "t-0-people": "1",
            },
        ),
        own_page=True,
    ),
    "portal:business_plan_version": Rule(
        DENIED, get_post(lambda w: f"/portal/enablement/business-plan/v{w.plans_a['plan'].version}/")
    ),
    "console:plans": Rule(DENIED, get_post("/console/enablement/plans/")),
    "console:plan_detail": Rule(DENIED, get_post(lambda w: f"/console/enablement/plans/{w.partner_a.pk}/")),
    "console:plan_accept": Rule(
        DENIED, get_post(lambda w: f"/console/enablement/plans/{w.partner_a.pk}/accept/", {"comment": "x"})
    ),
    "console:plan_return": Rule(
        DENIED, get_post(lambda w: f"/console/enablement/plans/{w.partner_a.pk}/return/", {"comment": "x"})
    ),
    "api:get_enablement_plan": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}/enablement-plan", None))
    ),
    "api:put_enablement_plan": Rule(
        DENIED,
        api_calls(("PUT", lambda w: f"/api/v1/partners/{w.partner_a.pk}/enablement-plan", {"entries": []})),
    ),
    "api:add_enablement_plan_entry": Rule(
        DENIED,
        lambda w: [
            Probe(
                "POST",
                f"/api/v1/partners/{w.partner_a.pk}/enablement-plan",
                {
                    "full_name": "In Truder",
                    "email": "x@evil.example.com",
                    "certification_id": w.plans_a["cert"].pk,
                    "target_date": "2099-01-01",
                },
                api=True,
            )
        ],
    ),
    "api:get_business_plan": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}/business-plan", None))
    ),
    "api:put_business_plan": Rule(
        DENIED,
        api_calls(
            ("PUT", lambda w: f"/api/v1/partners/{w.partner_a.pk}/business-plan", {"go_to_market": "x"})
        ),
    ),
    "api:post_business_plan": Rule(
        DENIED,
        api_calls(("POST", lambda w: f"/api/v1/partners/{w.partner_a.pk}/business-plan", {"submit": True})),
    ),
    # PARTNER-CERTS-RULES
    # partner certifications (channelops/enablement/views/awards.py, api/awards.py): partner B's own
    # page and actions (joining or adding a candidate only ever act for B); staff-only console pages;
    # partner A's progress over the API: 404.
    "portal:partner_certifications": Rule(OWN, get_post("/portal/enablement/certifications/"), own_page=True),
    "portal:partner_certification_join": Rule(
        OWN, get_post("/portal/enablement/certifications/certified-training-partner/join/")
    ),
    "portal:ctp_candidate_add": Rule(
        OWN,
        get_post(
            "/portal/enablement/certifications/certified-training-partner/candidates/",
            {"full_name": "In Truder", "email": "x@evil.example.com"},
        ),
    ),
    "console:partner_certifications": Rule(DENIED, get_post("/console/partner-certifications/?q=Acme")),
    "console:partner_certifications_partner": Rule(
        DENIED, get_post(lambda w: f"/console/partner-certifications/partners/{w.partner_a.pk}/")
    ),
    "console:partner_certification_invite": Rule(
        DENIED,
        get_post(
            lambda w: (
                f"/console/partner-certifications/partners/{w.partner_a.pk}/certified-training-partner/invite/"
            )
        ),
    ),
    "console:partner_certification_review": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/partner-certifications/status/{_pcert_status_a(w).pk}/review/",
            {"decision": "withdraw"},
        ),
    ),
    "api:list_partner_certifications": Rule(OWN, api_calls(("GET", "/api/v1/partner-certifications", None))),
    "api:list_partner_certification_statuses": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/partner-certification-statuses", None),
            ("GET", lambda w: f"/api/v1/partner-certification-statuses?partner_id={w.partner_a.pk}", None),
        ),
    ),
    "api:get_partner_certification_progress": Rule(
        DENIED,
        api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}/certification-progress", None)),
    ),
    # END PARTNER-CERTS-RULES
    # API-RULES
    # NFR requests: partner B lists and creates only its own (partner_id is ignored for partner people;
    # B's admin gets 201 for B, B's user 403); partner A's request: 404 to read, reject or question.
    "api:list_nfr_requests": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/nfr-requests", None),
            ("GET", lambda w: f"/api/v1/nfr-requests?partner_id={w.partner_a.pk}&open=true", None),
        ),
    ),
    "api:get_nfr_request": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}", None))
    ),
    "api:create_nfr_request": Rule(
        OWN,
        lambda w: [
            Probe(
                "POST",
                "/api/v1/nfr-requests",
                {
                    "partner_id": w.partner_a.pk,
                    "contact_name": "In Truder",
                    "contact_email": "intruder@evil.example",
                    "seats": 3,
                    "purpose": "B's demo",
                },
                api=True,
            )
        ],
    ),
    "api:reject_nfr_request": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/reject", {"reason": "pwned"})
        ),
    ),
    "api:request_info_nfr_request": Rule(
        DENIED,
        api_calls(
            (
                "POST",
                lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/request-info",
                {"question": "pwned"},
            )
        ),
    ),
    "api:answer_nfr_request": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/answer", {"answer": "pwned"})
        ),
    ),
    "api:approve_nfr_request": Rule(
        DENIED, api_calls(("POST", lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/approve", {}))
    ),
    "api:get_license": Rule(DENIED, api_calls(("GET", lambda w: f"/api/v1/licenses/{w.license_a.pk}", None))),
    "api:get_license_file": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/licenses/{w.license_a.pk}/file", None))
    ),
    # applications, agreements, acceptances, legal requests (partner B never sees or changes A's)
    "api:list_applications": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/applications", None),
            ("GET", "/api/v1/applications?status=approved&page_size=500", None),
        ),
    ),
    "api:get_application": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/applications/{w.application_a.pk}", None))
    ),
    "api:create_application": Rule(
        DENIED,
        api_calls(
            (
                "POST",
                "/api/v1/applications",
                {
                    "company_name": "Intruder Ltd",
                    "website": "https://intruder.example",
                    "country": "DE",
                    "region": "EMEA",
                    "first_name": "In",
                    "last_name": "Truder",
                    "email": "intruder@intruder.example",
                },
            )
        ),
        note="registering on a company's behalf is for staff: partner people get 403",
    ),
    "api:approve_application": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/applications/{w.application_a.pk}/approve", {"tier": "select"})
        ),
    ),
    "api:reject_application": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/applications/{w.application_a.pk}/reject", {"reason": "pwned"})
        ),
    ),
    "api:list_agreement_templates": Rule(OWN, api_calls(("GET", "/api/v1/agreement-templates", None))),
    "api:get_agreement_template": Rule(
        OWN,
        api_calls(("GET", lambda w: f"/api/v1/agreement-templates/{w.custom_version_a.template_id}", None)),
        note="templates are not partner data; A's custom version must not be among the versions listed",
    ),
    "api:get_agreement_version": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/agreement-versions/{w.custom_version_a.pk}", None))
    ),
    "api:list_acceptances": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/acceptances", None),
            ("GET", lambda w: f"/api/v1/acceptances?partner_id={w.partner_a.pk}", None),
            ("GET", lambda w: f"/api/v1/acceptances?template_id={w.acceptance_a.template_id}", None),
        ),
    ),
    "api:get_acceptance": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/acceptances/{w.acceptance_a.pk}", None))
    ),
    "api:list_partner_agreements": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}/agreements", None))
    ),
    "api:list_legal_requests": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/legal-requests", None),
            ("GET", lambda w: f"/api/v1/legal-requests?partner_id={w.partner_a.pk}", None),
            ("GET", "/api/v1/legal-requests?status=offered", None),
        ),
    ),
    "api:get_legal_request": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/legal-requests/{w.legal_request_a.pk}", None))
    ),
    "api:create_legal_request": Rule(
        OWN,
        lambda w: [
            Probe(
                "POST",
                "/api/v1/legal-requests",
                {
                    "template_id": w.legal_request_a.template_id,
                    "proposed_changes": "pwned",
                    "partner_id": w.partner_a.pk,  # ignored: the request is the caller's partner's
                },
                api=True,
            )
        ],
        note="partner B's admin opens one for partner B (201), B's user gets 403; never one for A",
    ),
    "api:add_legal_comment": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/legal-requests/{w.legal_request_a.pk}/comments", {"body": "pwned"})
        ),
    ),
    "api:withdraw_legal_request": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/legal-requests/{w.legal_request_a.pk}/withdraw", {"note": "pwned"})
        ),
    ),
    "api:openapi-json": Rule(PUBLIC, lambda w: [Probe("GET", "/api/v1/openapi.json")]),
    "api:openapi-view": Rule(PUBLIC, lambda w: [Probe("GET", "/api/v1/docs")]),
    "api:api-root": Rule(PUBLIC, lambda w: [Probe("GET", "/api/v1/")]),
    "api/docs": Rule(PUBLIC, lambda w: [Probe("GET", "/api/docs")]),
    "api/openapi.json": Rule(PUBLIC, lambda w: [Probe("GET", "/api/openapi.json")]),
    "api:list_partners": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/partners", None),
            ("GET", "/api/v1/partners?q=Acme&page_size=500", None),
            ("GET", "/api/v1/partners?region=EMEA&tier=open&status=active", None),
        ),
        own_page=True,
    ),
    "api:get_partner": Rule(DENIED, api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}", None))),
    "api:patch_partner": Rule(
        DENIED, api_calls(("PATCH", lambda w: f"/api/v1/partners/{w.partner_a.pk}", FORGED_PROFILE))
    ),
    "api:list_contacts": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/contacts", None),
            ("GET", lambda w: f"/api/v1/contacts?partner_id={w.partner_a.pk}", None),
            ("GET", "/api/v1/contacts?q=secret", None),
        ),
    ),
    "api:get_contact": Rule(DENIED, api_calls(("GET", lambda w: f"/api/v1/contacts/{w.contact_a.pk}", None))),
    "api:create_contact": Rule(
        DENIED,
        lambda w: [
            Probe(
                "POST",
                # (an e-mail the API accepts: its validation refuses special-use domains such as .test)
                "/api/v1/contacts",
                {
                    "partner_id": w.partner_a.pk,
                    "first_name": "In",
                    "last_name": "Truder",
                    "email": "x@evil.example.com",
                },
                api=True,
            )
        ],
    ),
}


# --- the data admin (staff only): one rule per registered model, with partner A's object ----------

# For each model in the data admin: how to find the object of partner A (or the object that
# stands for it). A model registered in the admin but missing here fails the walker.
ADMIN_OBJECTS: dict[str, Callable[[World], Any]] = {
    "account.emailaddress": lambda w: w.admin_a.emailaddress_set.get(),
    "mfa.authenticator": lambda w: _authenticator_of(w.admin_a),
    "socialaccount.socialapp": lambda w: 1,
    "socialaccount.socialtoken": lambda w: 1,
    "socialaccount.socialaccount": lambda w: 1,
    "django_tasks_database.dbtaskresult": lambda w: "00000000-0000-0000-0000-000000000000",
    "core.outboxmessage": lambda w: w.dead_letter_a,
    "core.schedulerun": lambda w: w.schedule_run,
    "auth.group": lambda w: 1,
    "accounts.user": lambda w: w.admin_a,
    "accounts.staffteam": lambda w: 1,
    "accounts.invitation": lambda w: w.invitation_a,
    "accounts.apitoken": lambda w: w.token_a,
    "partners.region": lambda w: w.partner_a.region,
    "partners.tier": lambda w: w.partner_a.tier,
    "partners.program": lambda w: 1,
    "partners.regionrouting": lambda w: 1,
    "partners.partner": lambda w: w.partner_a,
    "partners.contact": lambda w: w.contact_a,
    "partners.partnermembership": lambda w: w.membership_a,
    "partners.partnerstatuschange": lambda w: w.status_change_a,
    "partners.engagementevent": lambda w: w.event_a,
    "partners.engagementdaily": lambda w: w.daily_a,
    "partners.application": lambda w: w.application_a,
    "agreements.agreementtemplate": lambda w: w.custom_version_a.template,
    "agreements.agreementversion": lambda w: w.custom_version_a,
    "agreements.acceptance": lambda w: w.acceptance_a,
    "agreements.regionexception": lambda w: w.region_exception_a,
    "agreements.legalrequest": lambda w: w.legal_request_a,
    "agreements.agreementevent": lambda w: w.agreement_event_a,
    "work.workgroup": lambda w: 1,
    "work.project": lambda w: w.work_item_a.project,
    "work.label": lambda w: 1,
    "work.milestone": lambda w: w.work_item_a.milestone,
    "work.epic": lambda w: 1,
    "work.worktemplate": lambda w: 1,
    "work.workitem": lambda w: w.work_item_a,
    "work.racimatrix": lambda w: 1,
    "work.deliverable": lambda w: 1,
    "work.workflow": lambda w: 1,
    "work.cadence": lambda w: 1,
    "work.occurrence": lambda w: 1,
    "helpdesk.checklistitem": lambda w: 1,
    "helpdesk.accountreview": lambda w: w.review_a,
    "accounts.accessrequest": lambda w: w.access_request_a,
    "accounts.accessevent": lambda w: w.access_request_a.events.first(),
    # licensing, enablement and badges: read-only data-console views (the catalogs are editable)
    "licensing.nfrrequest": lambda w: w.nfr_request_a,
    "licensing.license": lambda w: w.license_a,
    "licensing.requestevent": lambda w: w.nfr_request_a.events.first(),
    "licensing.licensereminder": lambda w: 1,
    "licensing.messagetemplate": lambda w: 1,
    "enablement.certification": lambda w: 1,
    "enablement.partnercertification": lambda w: 1,
    "enablement.practitionerrecord": lambda w: w.badge_a.record,
    "enablement.partnercertificationstatus": lambda w: 1,
    "enablement.importrun": lambda w: _records_world(w)["run"],
    "enablement.enablementplanentry": lambda w: 1,
    "enablement.businessplan": lambda w: 1,
    "badges.badge": lambda w: w.badge_a,
    "badges.statuslist": lambda w: 1,
    "notifications.notificationrule": lambda w: _rule_a(w),
    "notifications.notification": lambda w: _notification_a(w),
}
ADMIN_SITE_RULES: dict[str, Rule] = {
    "admin:index": Rule(DENIED, get_post("/console/admin/")),
    "admin:search": Rule(DENIED, get_post("/console/admin/search/?s=Acme")),
    "admin:login": Rule(PUBLIC, get_post("/console/admin/login/")),
    "admin:logout": Rule(OWN, get_post("/console/admin/logout/")),
    "admin:password_change": Rule(DENIED, get_post("/console/admin/password_change/")),
    "admin:password_change_done": Rule(DENIED, get_post("/console/admin/password_change/done/")),
    "admin:autocomplete": Rule(
        DENIED,
        get_post(
            "/console/admin/autocomplete/?app_label=partners&model_name=contact&field_name=partner&term=Acme"
        ),
    ),
    "admin:jsi18n": Rule(DENIED, get_post("/console/admin/jsi18n/")),
    "admin:view_on_site": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/admin/r/{ContentType.objects.get_for_model(Partner).pk}/{w.partner_a.pk}/"
        ),
    ),
    "admin:app_list": Rule(DENIED, get_post("/console/admin/partners/")),
    "console/admin/(?P<url>.*)$": Rule(
        DENIED, get_post(lambda w: f"/console/admin/nothing-here/{w.partner_a.pk}/")
    ),
}


def _authenticator_of(user: User) -> Any:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user).first() or 1


def _pk(obj: Any) -> Any:
    return getattr(obj, "pk", obj)


def _history_id(obj: Any) -> int:
    h = getattr(obj, "history", None)
    rec = h.order_by("history_id").first() if h is not None else None
    return rec.history_id if rec is not None else 1


def _admin_rules() -> dict[str, Rule]:
    """Rules for the data admin's per-model URLs (only for models listed in ADMIN_OBJECTS)."""
    rules = dict(ADMIN_SITE_RULES)
    for model in admin.site._registry:
        label = model._meta.label_lower
        if label not in ADMIN_OBJECTS:
            continue  # its URLs stay unknown: the walker fails and names them
        app, name = model._meta.app_label, model._meta.model_name
        base = f"/console/admin/{app}/{name}/"
        find = ADMIN_OBJECTS[label]

        def obj_url(suffix: str, find=find, base=base) -> Callable[[World], str]:
            return lambda w: f"{base}{_pk(find(w))}/{suffix}"

        rules[f"admin:{app}_{name}_changelist"] = Rule(DENIED, get_post(f"{base}?q=Acme"))
        rules[f"admin:{app}_{name}_add"] = Rule(DENIED, get_post(f"{base}add/", FORGED_PARTNER))
        rules[f"admin:{app}_{name}_history"] = Rule(DENIED, get_post(obj_url("history/")))
        rules[f"admin:{app}_{name}_delete"] = Rule(DENIED, get_post(obj_url("delete/"), {"post": "yes"}))
        rules[f"admin:{app}_{name}_change"] = Rule(DENIED, get_post(obj_url("change/"), FORGED_PARTNER))
        rules[f"console/admin/{app}/{name}/<path:object_id>/"] = Rule(DENIED, get_post(obj_url("")))
        if isinstance(admin.site._registry[model], SimpleHistoryAdmin):
            rules[f"admin:{app}_{name}_simple_history"] = Rule(
                DENIED,
                get_post(
                    lambda w, find=find, base=base: f"{base}{_pk(find(w))}/history/{_history_id(find(w))}/"
                ),
            )
        if label == "accounts.user":
            rules["admin:auth_user_password_change"] = Rule(
                DENIED, get_post(obj_url("password/"), {"password1": "x", "password2": "x"})
            )
    return rules


def _b36(n: int) -> str:
    from django.utils.http import int_to_base36

    return int_to_base36(n)


# --- the walker -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route for unnamed patterns
    route: str
    name: str | None


def all_patterns() -> list[Pattern]:
    out: list[Pattern] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p, URLResolver._join_route(prefix, str(p.pattern)), ns)
            elif isinstance(p, URLPattern):
                route = URLResolver._join_route(prefix, str(p.pattern))
                key = f"{namespace}:{p.name}" if p.name else route
                out.append(Pattern(key=key, route=route, name=p.name))

    walk(get_resolver(), "", "")
    return out


def all_rules() -> dict[str, Rule]:
    rules = dict(RULES)
    admin_rules = _admin_rules()
    overlap = set(rules) & set(admin_rules)
    assert not overlap, f"rules defined twice: {sorted(overlap)}"
    rules.update(admin_rules)
    return rules


def _unknown_patterns() -> list[Pattern]:
    rules = all_rules()
    return [p for p in all_patterns() if p.key not in rules and p.key not in SKIPPED]


def test_every_url_pattern_has_an_isolation_rule():
    unknown = _unknown_patterns()
    unregistered = sorted(
        m._meta.label_lower for m in admin.site._registry if m._meta.label_lower not in ADMIN_OBJECTS
    )
    assert not unregistered, (
        f"models in the data admin without an entry in ADMIN_OBJECTS (tests/test_isolation.py): {unregistered}"
    )
    assert not unknown, (
        "URL patterns the isolation walker does not know how to probe — add a rule to RULES in "
        "tests/test_isolation.py:\n" + "\n".join(f"  {p.key}  ({p.route})" for p in unknown)
    )


def test_pattern_keys_are_unique_so_every_pattern_is_walked():
    keys = [p.key for p in all_patterns()]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"two URL patterns share a key; the walker would miss one: {duplicates}"


def test_isolation_rules_only_name_url_patterns_that_exist():
    existing = {p.key for p in all_patterns()}
    stale = sorted(k for k, rule in all_rules().items() if k not in existing and not rule.optional)
    stale += sorted(k for k in SKIPPED if k not in existing)
    assert not stale, f"rules for URL patterns that no longer exist (remove them): {stale}"


def _body(resp: Any) -> str:
    raw = b"".join(resp.streaming_content) if getattr(resp, "streaming", False) else resp.content
    return raw.decode("utf-8", errors="replace")


def _send(w: World, actor: str, probe: Probe, client: Client) -> Any:
    user = w.actors[actor]
    if probe.api:
        api_client = Client(raise_request_exception=False)  # no session: the token alone authenticates
        headers = {"HTTP_AUTHORIZATION": f"Bearer {w.tokens[actor]}"} if actor in w.tokens else {}
        if probe.method == "GET":
            return api_client.get(probe.url, **headers)
        return api_client.generic(
            probe.method, probe.url, data=_json(probe.data or {}), content_type="application/json", **headers
        )
    if user is not None and client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)  # again after a probe that signed out
    if probe.method == "GET":
        return client.get(probe.url)
    return client.post(probe.url, probe.data or {})


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data)


def _problems(w: World, actor: str, key: str, rule: Rule, probe: Probe, resp: Any) -> list[str]:
    where = f"[{actor}] {key}: {probe.method} {probe.url} → {resp.status_code}"
    problems = []
    body = _body(resp)
    location = resp.get("Location", "") or ""
    for marker in w.markers:
        if marker in body:
            problems.append(f"{where}: the response shows partner A's {marker!r}")
        if marker in location:
            problems.append(f"{where}: the redirect shows partner A's {marker!r}")
    if resp.status_code >= 500:
        problems.append(f"{where}: server error")
    if rule.access == DENIED:
        if resp.status_code in (301, 302, 303, 307, 308):
            if not urlsplit(location).path.startswith(LOGIN_PATHS):
                problems.append(f"{where}: redirects to {location!r}, not to a sign-in page")
        elif resp.status_code not in (401, 403, 404, 405):
            problems.append(f"{where}: expected 401/403/404/405 or a redirect to sign in ({body[:300]!r})")
        if resp.status_code == 200:
            problems.append(f"{where}: a 200 for a request about partner A")
    own_page_probe = rule.own_page and actor != "anonymous" and probe.method == "GET" and "?" not in probe.url
    if own_page_probe and (resp.status_code != 200 or not any(m in body for m in B_MARKERS)):
        problems.append(f"{where}: partner B's own page should render and show partner B")
    return problems


@pytest.fixture
def clean_cache():
    """The walk posts wrong passwords to the sign-in page: leave allauth's rate-limit counters clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("actor", ["partner_b_user", "partner_b_admin", "anonymous"])
def test_partner_b_people_never_see_or_change_partner_a_anywhere(world, actor, clean_cache):
    rules = all_rules()
    patterns = all_patterns()
    unknown = [p.key for p in patterns if p.key not in rules and p.key not in SKIPPED]
    assert not unknown, f"URL patterns without an isolation rule: {unknown}"
    assert not set(SKIPPED) & set(rules), "a pattern is both skipped and probed"
    before = _snapshot(world)
    problems: list[str] = []
    walked = 0
    client = Client(raise_request_exception=False)  # a server error is reported, not raised
    for pattern in patterns:
        if pattern.key in SKIPPED:
            continue
        rule = rules[pattern.key]
        probes = rule.probes(world)
        assert probes, f"{pattern.key}: the rule builds no request"
        for probe in probes:
            match = resolve(urlsplit(probe.url).path)
            assert match.route == pattern.route, (
                f"{pattern.key}: the rule's URL {probe.url} resolves to {match.route!r}, not {pattern.route!r}"
            )
            resp = _send(world, actor, probe, client)
            problems.extend(_problems(world, actor, pattern.key, rule, probe, resp))
            walked += 1
    assert not problems, "\n".join(problems)
    assert _snapshot(world) == before, "a request by partner B's people changed partner A's data"
    assert walked >= len(patterns) - len(SKIPPED)  # every pattern not skipped got at least one request


def test_walker_notices_a_leak_and_an_unknown_pattern(world):
    """The walker's own checks work: a page showing partner A is reported, a new pattern is unknown."""
    from django.http import HttpResponse

    leaky = HttpResponse(f"<h1>{A_LEGAL_NAME}</h1>")
    probe = Probe("GET", "/somewhere/")
    assert _problems(world, "partner_b_user", "x", Rule(OWN, lambda w: [probe]), probe, leaky)
    ok = HttpResponse("<h1>nothing</h1>", status=404)
    assert not _problems(world, "partner_b_user", "x", Rule(DENIED, lambda w: [probe]), probe, ok)
    assert "brand:new_page" not in all_rules()


def test_a_new_url_pattern_without_a_rule_makes_the_walker_fail(settings):
    """Adding a page to the project without extending RULES is caught."""
    import sys
    import types

    from django.urls import clear_url_caches, path

    from channelops import urls as project_urls

    mod = types.ModuleType("isolation_probe_urls")
    mod.urlpatterns = [
        *project_urls.urlpatterns,
        path("brand-new/<int:pk>/", lambda r, pk: None, name="brand_new"),
    ]
    sys.modules[mod.__name__] = mod
    settings.ROOT_URLCONF = mod.__name__
    clear_url_caches()
    try:
        assert [p.key for p in _unknown_patterns()] == [":brand_new"]
        with pytest.raises(AssertionError, match="brand_new"):
            test_every_url_pattern_has_an_isolation_rule()
    finally:
        del sys.modules[mod.__name__]
        clear_url_caches()


def _rule_a(w: World) -> NotificationRule:
    return NotificationRule.objects.get(user=w.admin_a, watch="work_items")


def _notification_a(w: World) -> Notification:
    """Partner A's admin was notified of the shared work item (its title names partner A)."""
    return Notification.objects.get(user=w.admin_a, title__contains=A_LEGAL_NAME)


def _pcert_status_a(w: World) -> Any:
    """Partner A's Certified Professional Services Partner status, under review (staff only)."""
    from channelops.enablement.models import PartnerCertification, PartnerCertificationStatus

    status, _created = PartnerCertificationStatus.objects.get_or_create(
        partner=w.partner_a,
        certification=PartnerCertification.objects.get(slug="certified-professional-services-partner"),
        defaults={"state": "under_review", "flag_reason": f"{A_LEGAL_NAME}: 0 of 2 engineers"},
    )
    return status
