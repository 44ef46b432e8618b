"""The console's partner page ("Partner 360", docs/partners.md): one tab per kind of record.

Each tab (``?tab=<key>``, plain links: no JavaScript needed) is a :class:`Section`: who may see it
(``allowed``, the same permissions the record's own console pages check) and what it shows
(``build``: :class:`channelops.core.listing.Table` s read from the owning app's querysets,
``Model.objects.visible_to(user).for_partner(partner)``). A tab runs only its own queries, a
fixed number whatever the partner's data size: each table shows its first ``LIMIT`` rows and
the number in all, with a "See all N" link to the filtered list page when there is one the
viewer may open. A row links to its detail page only when the viewer may open that page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count, QuerySet, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from channelops.agreements.models import LegalRequest
from channelops.agreements.querysets import partner_agreement_rows
from channelops.badges.models import Badge
from channelops.core.listing import Column, Table
from channelops.enablement.models import (
    BusinessPlan,
    EnablementPlanEntry,
    PartnerCertificationStatus,
    PractitionerRecord,
)
from channelops.enablement.services.plans.access import may_view_plans
from channelops.helpdesk.models import AccountReview
from channelops.licensing.lifecycle import license_status
from channelops.licensing.models import License, NfrRequest
from channelops.partners.models import Contact, Partner
from channelops.work.display import tasks_done_html, when_html
from channelops.work.querysets import partner_work

from .timeline import engagement_series, engagement_weeks, partner_timeline, weekly_chart

LIMIT = 10  # rows per table; the rest behind "See all N"

NFR_PERM = "licensing.view_nfrrequest"
LICENSE_PERM = "licensing.view_license"
RECORDS_PERM = "enablement.view_practitionerrecord"
BADGES_PERM = "badges.view_badge"
CONTACTS_PERM = "partners.view_contact"
LEGAL_PERM = "agreements.view_legalrequest"
ENGAGEMENT_PERM = "partners.view_engagementdaily"


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    icon: str
    template: str
    build: Callable[[Any, Partner], dict[str, Any]]
    allowed: Callable[[Any], bool] = lambda user: True


def _url(name: str, *args: Any, **params: Any) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(params)}" if params else url


def _first(qs: QuerySet) -> tuple[list[Any], int]:
    """The first ``LIMIT`` rows and the number in all (``COUNT(*) OVER ()``): one query, whatever the size."""
    rows = list(qs.annotate(rows_in_all=Window(Count("pk")))[:LIMIT])
    return rows, (rows[0].rows_in_all if rows else 0)


# --- overview ------------------------------------------------------------------------------------


def crm_url(partner: Partner) -> str:
    """The partner's account in the CRM (``CHANNELOPS_CRM_ACCOUNT_URL`` with ``{id}``), or ""."""
    pattern = getattr(settings, "CRM_ACCOUNT_URL", "")
    if not pattern or not partner.crm_account_id:
        return ""
    return str(pattern).replace("{id}", partner.crm_account_id)


def _overview(user: Any, partner: Partner) -> dict[str, Any]:
    rows = partner_agreement_rows(partner)
    states: dict[str, dict[str, Any]] = {}
    for r in rows:
        states.setdefault(r.state, {"state": r.state, "label": r.state_label, "n": 0})["n"] += 1
    return {
        "programs": list(partner.programs.all()),
        "agreement_states": list(states.values()),
        "agreements_need_action": sum(1 for r in rows if r.needs_action),
        "crm_url": crm_url(partner),
    }


# --- people --------------------------------------------------------------------------------------


def _people(user: Any, partner: Partner) -> dict[str, Any]:
    qs = (
        Contact.objects.visible_to(user)
        .for_partner(partner)
        .select_related("user")
        .order_by("-is_primary", "last_name", "pk")
    )
    rows, total = _first(qs)
    return {
        "tables": [
            Table(
                key="contacts",
                title=_l("Contacts"),
                columns=[
                    Column(
                        "name",
                        _l("Name"),
                        html=lambda c: format_html(
                            "{}{}",
                            str(c),
                            format_html(' <span class="badge bg-blue-lt">{}</span>', _("primary"))
                            if c.is_primary
                            else "",
                        ),
                    ),
                    Column("email", _l("E-mail")),
                    Column("title", _l("Title")),
                    Column("portal", _l("Portal user"), value=lambda c: c.user_id is not None),
                ],
                rows=rows,
                total=total,
                empty_title=_l("No contact yet."),
                empty_text=_l("Contacts are added when the partner's people are invited to the portal."),
            )
        ]
    }


# --- agreements and legal requests ---------------------------------------------------------------


def _agreements(user: Any, partner: Partner) -> dict[str, Any]:
    tables = []
    if user.has_perm(LEGAL_PERM):
        qs = (
            LegalRequest.objects.visible_to(user)
            .for_partner(partner)
            .select_related("template", "version", "opened_by")
            .order_by("-opened_at", "-pk")
        )
        rows, total = _first(qs)
        tables.append(
            Table(
                key="legal-requests",
                title=_l("Legal requests"),
                columns=[
                    Column(
                        "template.name",
                        _l("Agreement"),
                        link=lambda lr: reverse("console:legal_request", args=[lr.pk]),
                    ),
                    Column("version.label", _l("Version discussed")),
                    Column("opened_at", _l("Opened")),
                    Column("opened_by.email", _l("Opened by")),
                    Column("status", _l("Status"), status="legal_request"),
                ],
                rows=rows,
                total=total,
                see_all_url=_url("console:legal_requests", partner=partner.pk),
                empty_title=_l("No legal request."),
                empty_text=_l("Partner admins open one when they want to negotiate an agreement."),
            )
        )
    return {"agreements": partner_agreement_rows(partner), "tables": tables}


# --- work and journeys ---------------------------------------------------------------------------


def _journey_progress(item: Any) -> SafeString:
    out = format_html("{}", _("%(d)s of %(t)s tasks done") % {"d": item.tasks_done, "t": item.tasks_total})
    if item.tasks_overdue:
        n = item.tasks_overdue
        out = format_html(
            '{} · <strong class="overdue">{}</strong>',
            out,
            ngettext("%(n)d overdue", "%(n)d overdue", n) % {"n": n},
        )
    return out


def _work(user: Any, partner: Partner) -> dict[str, Any]:
    work = partner_work(partner, user=user, limit=LIMIT)
    today = timezone.localdate()
    item_link = lambda i: reverse("console:work_item", args=[i.pk])  # noqa: E731
    items = Table(
        key="work-items",
        title=_l("Open work items"),
        columns=[
            Column("title", _l("Work item"), link=item_link),
            Column(
                "shared_with_partner",
                _l("Visibility"),
                value=lambda i: _("Shared with the partner") if i.shared_with_partner else _("Internal"),
            ),
            Column("status", _l("Status"), status="work"),
            Column("dri", _l("DRI"), value=lambda i: i.dri.get_full_name() if i.dri_id else None),
            Column("when", _l("Due or next action"), html=lambda i: when_html(i, today)),
            Column("tasks", _l("Tasks done"), html=tasks_done_html),
        ],
        rows=work.items,
        total=work.items_count,
        heading=ngettext("%(n)d open work item", "%(n)d open work items", work.items_count)
        % {"n": work.items_count},
        see_all_url=_url("console:work_board", partner=partner.pk),
        empty_title=_l("No open work item."),
        actions=[
            {
                "label": _("New work item about this partner"),
                "url": _url("console:work_item_new", partner=partner.pk),
                "icon": "plus",
                "primary": True,
            }
        ],
    )
    journeys = Table(
        key="journeys",
        title=_l("Journeys in progress"),
        columns=[
            Column("template.name", _l("Journey"), link=item_link),
            Column(
                "person",
                _l("Person"),
                value=lambda i: i.person.get_full_name() if i.person else _("the partner"),
            ),
            Column("progress", _l("Progress"), html=_journey_progress),
            Column("when", _l("Due"), html=lambda i: when_html(i, today)),
        ],
        rows=work.journeys,
        total=work.journeys_count,
        heading=ngettext("%(n)d journey in progress", "%(n)d journeys in progress", work.journeys_count)
        % {"n": work.journeys_count},
        see_all_url=_url("console:work_journeys", partner=partner.pk),
        empty_title=_l("No journey in progress."),
    )
    return {"tables": [items, journeys]}


# --- NFR requests and licenses -------------------------------------------------------------------


def _may_see_nfr(user: Any) -> bool:
    return bool(user.has_perm(NFR_PERM) or user.has_perm(LICENSE_PERM))


def _nfr(user: Any, partner: Partner) -> dict[str, Any]:
    tables = []
    may_see_requests = user.has_perm(NFR_PERM)
    if may_see_requests:
        qs = (
            NfrRequest.objects.visible_to(user)
            .for_partner(partner)
            .select_related("requested_by")
            .order_by("-created_at", "-pk")
        )
        rows, total = _first(qs)
        tables.append(
            Table(
                key="nfr-requests",
                title=_l("NFR requests"),
                columns=[
                    Column(
                        "reference",
                        _l("Request"),
                        link=lambda r: reverse("console:nfr_request", args=[r.pk]),
                        css="text-nowrap",
                    ),
                    Column("status", _l("Status"), status="nfr"),
                    Column("created_at", _l("Submitted")),
                    Column("plan", _l("Plan"), value=lambda r: r.get_plan_display()),
                    Column("seats", _l("Seats"), numeric=True),
                    Column("contact_email", _l("License contact")),
                ],
                rows=rows,
                total=total,
                see_all_url=_url("console:nfr_requests", partner=partner.pk),
                empty_title=_l("No NFR request."),
                empty_text=_l("Partner people request NFR licenses in the portal."),
            )
        )
    if user.has_perm(LICENSE_PERM):
        qs = (
            License.objects.visible_to(user)
            .for_partner(partner)
            .select_related("request")
            .defer("file_text", "payload")
            .order_by("-issued_at", "pk")
        )
        rows, total = _first(qs)
        today = timezone.localdate()
        tables.append(
            Table(
                key="licenses",
                title=_l("Licenses"),
                columns=[
                    Column(
                        "id",
                        _l("License"),
                        value=lambda lic: str(lic.pk)[:8],
                        link=lambda lic: reverse("console:license", args=[lic.pk]),
                        css="text-nowrap",
                    ),
                    Column(
                        "state",
                        _l("Status"),
                        value=lambda lic: license_status(lic, today=today).key,
                        status="license",
                        display=lambda lic: license_status(lic, today=today).label,
                    ),
                    Column("plan", _l("Plan"), value=lambda lic: lic.get_plan_display()),
                    Column("users", _l("Users"), numeric=True),
                    Column("expires", _l("Expires")),
                    Column(
                        "request",
                        _l("Request"),
                        value=lambda lic: lic.request.reference,
                        link=(lambda lic: reverse("console:nfr_request", args=[lic.request_id]))
                        if may_see_requests
                        else None,
                    ),
                ],
                rows=rows,
                total=total,
                see_all_url=_url("console:licenses", partner=partner.pk),
                empty_title=_l("No license."),
                empty_text=_l("Licenses are issued when an NFR request is approved."),
            )
        )
    return {"tables": tables}


# --- certifications (practitioner records) ---------------------------------------------------------


def _certifications(user: Any, partner: Partner) -> dict[str, Any]:
    qs = (
        PractitionerRecord.objects.visible_to(user)
        .for_partner(partner)
        .select_related("certification")
        .order_by("-completed_on", "-pk")
    )
    rows, total = _first(qs)
    today = timezone.localdate()
    certified_ids = set(
        PractitionerRecord.objects.filter(pk__in=[r.pk for r in rows])
        .certified(today)
        .values_list("pk", flat=True)
    )
    return {
        "tables": [
            Table(
                key="records",
                title=_l("Practitioner records"),
                columns=[
                    Column("full_name", _l("Person")),
                    Column("email", _l("E-mail")),
                    Column(
                        "certification.name",
                        _l("Certification"),
                        link=lambda r: reverse("console:certification", args=[r.certification.slug]),
                    ),
                    Column(
                        "certified",
                        _l("Certified"),
                        value=lambda r: "certified" if r.pk in certified_ids else "not_certified",
                        status="record",
                        display=lambda r: (
                            _("Certified") if r.pk in certified_ids else _("Not (yet) certified")
                        ),
                    ),
                    Column("completed_on", _l("Completed")),
                    Column("expires_on", _l("Expires")),
                ],
                rows=rows,
                total=total,
                empty_title=_l("No practitioner record."),
                empty_text=_l("Records arrive from the learning system's import or webhook."),
            )
        ]
    }


# --- badges --------------------------------------------------------------------------------------


def _may_see_badges(user: Any) -> bool:
    return bool(user.has_perm(BADGES_PERM) or user.has_perm(RECORDS_PERM))


def _badges(user: Any, partner: Partner) -> dict[str, Any]:
    qs = (
        Badge.objects.visible_to(user)
        .for_partner(partner)
        .select_related("certification")
        .defer("credential")
    )
    rows, total = _first(qs.order_by("-created_at", "pk"))
    may_open = user.has_perm(BADGES_PERM)
    return {
        "tables": [
            Table(
                key="badges",
                title=_l("Badges"),
                columns=[
                    Column(
                        "holder_name",
                        _l("Holder"),
                        link=(lambda b: reverse("console:badge", args=[b.pk])) if may_open else None,
                    ),
                    Column("certification.name", _l("Certification")),
                    Column("status", _l("Status"), status="badge"),
                    Column("valid_until", _l("Valid until")),
                    Column("created_at", _l("Created"), value=lambda b: b.created_at.date()),
                ],
                rows=rows,
                total=total,
                see_all_url=_url("console:badges", partner=partner.pk) if may_open else None,
                empty_title=_l("No badge."),
                empty_text=_l(
                    "Badges are created when practitioner records complete a certification that grants one."
                ),
            )
        ]
    }


# --- partner certifications and plans ------------------------------------------------------------


def _enablement(user: Any, partner: Partner) -> dict[str, Any]:
    statuses = list(
        PartnerCertificationStatus.objects.visible_to(user)
        .for_partner(partner)
        .select_related("certification")
        .order_by("certification__position", "pk")
    )
    tables = [
        Table(
            key="partner-certifications",
            title=_l("Partner certifications"),
            columns=[
                Column("certification.name", _l("Certification")),
                Column("state", _l("State"), status="partner_certification"),
                Column("updated_at", _l("Since"), value=lambda s: s.updated_at.date()),
            ],
            rows=statuses,
            see_all_url=_url("console:partner_certifications_partner", partner.pk),
            see_all_label=_l("Progress and invitations"),
            empty_title=_l("No partner certification yet."),
            empty_text=_l("The partner's progress towards each partner certification is on its own page."),
        )
    ]
    if may_view_plans(user):
        entries_qs = (
            EnablementPlanEntry.objects.visible_to(user)
            .for_partner(partner)
            .select_related("certification")
            .order_by("target_date", "pk")
        )
        entries, entries_total = _first(entries_qs)
        plans, plans_total = _first(
            BusinessPlan.objects.visible_to(user)
            .for_partner(partner)
            .defer(
                "target_customers", "services_offered", "go_to_market", "resourcing", "certification_summary"
            )
            .order_by("-version")
        )
        plan_url = _url("console:plan_detail", partner.pk)
        tables.append(
            Table(
                key="business-plans",
                title=_l("Business plans"),
                columns=[
                    Column(
                        "version", _l("Version"), value=lambda p: f"v{p.version}", link=lambda p: plan_url
                    ),
                    Column("state", _l("State"), status="business_plan"),
                    Column("submitted_at", _l("Submitted")),
                    Column("decided_at", _l("Decided")),
                ],
                rows=plans,
                total=plans_total,
                see_all_url=plan_url,
                see_all_label=_l("The partner's plans"),
                empty_title=_l("No business plan yet."),
                empty_text=_l("Partner admins write their business plan in the portal."),
            )
        )
        tables.append(
            Table(
                key="enablement-plan",
                title=_l("Enablement plan"),
                columns=[
                    Column("full_name", _l("Person")),
                    Column("certification.name", _l("Target certification")),
                    Column("target_date", _l("Target date")),
                ],
                rows=entries,
                total=entries_total,
                see_all_url=plan_url,
                see_all_label=_l("The partner's plans"),
                empty_title=_l("No enablement plan yet."),
                empty_text=_l("Partner admins name the people who will certify in the portal."),
            )
        )
    return {"tables": tables}


# --- reviews -------------------------------------------------------------------------------------


def _reviews(user: Any, partner: Partner) -> dict[str, Any]:
    qs = (
        AccountReview.objects.visible_to(user)
        .for_partner(partner)
        .select_related("specialist", "completed_by")
        .order_by("-due_date", "-pk")
    )
    rows, total = _first(qs)
    return {
        "tables": [
            Table(
                key="reviews",
                title=_l("Account reviews"),
                columns=[
                    Column(
                        "kind",
                        _l("Review"),
                        value=lambda r: r.get_kind_display(),
                        link=lambda r: reverse("console:review", args=[r.pk]),
                    ),
                    Column("due_date", _l("Due")),
                    Column("status", _l("Status"), status="review"),
                    Column(
                        "specialist",
                        _l("PHD specialist"),
                        value=lambda r: r.specialist.get_full_name() if r.specialist_id else None,
                    ),
                    Column("completed_at", _l("Completed")),
                ],
                rows=rows,
                total=total,
                empty_title=_l("No account review."),
                empty_text=_l("Reviews are created from the PHD review cadences."),
            )
        ]
    }


# --- engagement and timeline ---------------------------------------------------------------------


def _engagement(user: Any, partner: Partner) -> dict[str, Any]:
    weeks = engagement_weeks(partner)
    return {"weeks": weeks, "series": engagement_series(partner), "weekly_chart": weekly_chart(weeks)}


def _timeline(user: Any, partner: Partner) -> dict[str, Any]:
    return {"timeline": partner_timeline(partner)}


SECTIONS: list[Section] = [
    Section("overview", _l("Overview"), "building", "console/partner360/overview.html", _overview),
    Section(
        "people",
        _l("People"),
        "users",
        "console/partner360/tables.html",
        _people,
        lambda u: u.has_perm(CONTACTS_PERM),
    ),
    Section(
        "agreements", _l("Agreements"), "file-certificate", "console/partner360/agreements.html", _agreements
    ),
    Section("work", _l("Work"), "checklist", "console/partner360/tables.html", _work),
    Section("nfr", _l("NFR and licenses"), "license", "console/partner360/tables.html", _nfr, _may_see_nfr),
    Section(
        "certifications",
        _l("Certifications"),
        "certificate",
        "console/partner360/tables.html",
        _certifications,
        lambda u: u.has_perm(RECORDS_PERM),
    ),
    Section(
        "badges", _l("Badges"), "shield-check", "console/partner360/tables.html", _badges, _may_see_badges
    ),
    Section(
        "enablement",
        _l("Partner certifications and plans"),
        "award",
        "console/partner360/tables.html",
        _enablement,
    ),
    Section("reviews", _l("Reviews"), "clipboard-list", "console/partner360/tables.html", _reviews),
    Section(
        "engagement",
        _l("Engagement"),
        "chart-bar",
        "console/partner360/engagement.html",
        _engagement,
        lambda u: u.has_perm(ENGAGEMENT_PERM),
    ),
    Section("timeline", _l("Timeline"), "clock", "console/partner360/timeline.html", _timeline),
]
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}


def sections_for(user: Any) -> list[Section]:
    """The tabs ``user`` may open (a tab not listed here answers 403)."""
    return [s for s in SECTIONS if s.allowed(user)]
