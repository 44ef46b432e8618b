"""Partner page tabs of the partner's records: NFR requests and licenses, certifications, badges, partner certifications and plans."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.badges.models import Badge
from channelops.core.listing import Column, Table
from channelops.enablement.models import (
    BusinessPlan,
    EnablementPlanEntry,
    PartnerCertificationStatus,
    PractitionerRecord,
)
from channelops.enablement.services.plans.access import may_view_plans
from channelops.licensing.lifecycle import license_status
from channelops.licensing.models import License, NfrRequest
from channelops.partners.models import Partner

from .base import (
    BADGES_PERM,
    LICENSE_PERM,
    NFR_PERM,
    RECORDS_PERM,
    first_rows,
    url,
)

# --- NFR requests and licenses -------------------------------------------------------------------


def may_see_nfr(user: Any) -> bool:
    return bool(user.has_perm(NFR_PERM) or user.has_perm(LICENSE_PERM))


def nfr_tab(user: Any, partner: Partner) -> dict[str, Any]:
    tables = []
    may_see_requests = user.has_perm(NFR_PERM)
    if may_see_requests:
        qs = (
            NfrRequest.objects.visible_to(user)
            .for_partner(partner)
            .select_related("requested_by")
            .order_by("-created_at", "-pk")
        )
        rows, total = first_rows(qs)
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
                see_all_url=url("console:nfr_requests", partner=partner.pk),
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
        rows, total = first_rows(qs)
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
                see_all_url=url("console:licenses", partner=partner.pk),
                empty_title=_l("No license."),
                empty_text=_l("Licenses are issued when an NFR request is approved."),
            )
        )
    return {"tables": tables}


# --- certifications (practitioner records) ---------------------------------------------------------


def certifications_tab(user: Any, partner: Partner) -> dict[str, Any]:
    qs = (
        PractitionerRecord.objects.visible_to(user)
        .for_partner(partner)
        .select_related("certification")
        .order_by("-completed_on", "-pk")
    )
    rows, total = first_rows(qs)
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


def may_see_badges(user: Any) -> bool:
    return bool(user.has_perm(BADGES_PERM) or user.has_perm(RECORDS_PERM))


def badges_tab(user: Any, partner: Partner) -> dict[str, Any]:
    qs = (
        Badge.objects.visible_to(user)
        .for_partner(partner)
        .select_related("certification")
        .defer("credential")
    )
    rows, total = first_rows(qs.order_by("-created_at", "pk"))
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
                see_all_url=url("console:badges", partner=partner.pk) if may_open else None,
                empty_title=_l("No badge."),
                empty_text=_l(
                    "Badges are created when practitioner records complete a certification that grants one."
                ),
            )
        ]
    }


# --- partner certifications and plans ------------------------------------------------------------


def enablement_tab(user: Any, partner: Partner) -> dict[str, Any]:
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
            see_all_url=url("console:partner_certifications_partner", partner.pk),
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
        entries, entries_total = first_rows(entries_qs)
        plans, plans_total = first_rows(
            BusinessPlan.objects.visible_to(user)
            .for_partner(partner)
            .defer(
                "target_customers", "services_offered", "go_to_market", "resourcing", "certification_summary"
            )
            .order_by("-version")
        )
        plan_url = url("console:plan_detail", partner.pk)
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
