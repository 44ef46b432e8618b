"""Partner page tabs about the account: overview, people, agreements, reviews, engagement and timeline."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.agreements.models import LegalRequest
from channelops.agreements.querysets import partner_agreement_rows
from channelops.core.listing import Column, Table
from channelops.helpdesk.models import AccountReview
from channelops.partners.models import Contact, Partner

from ..timeline import engagement_series, engagement_weeks, partner_timeline, weekly_chart
from .base import (
    LEGAL_PERM,
    first_rows,
    url,
)

# --- overview ------------------------------------------------------------------------------------


def crm_url(partner: Partner) -> str:
    """The partner's account in the CRM (``CHANNELOPS_CRM_ACCOUNT_URL`` with ``{id}``), or ""."""
    pattern = getattr(settings, "CRM_ACCOUNT_URL", "")
    if not pattern or not partner.crm_account_id:
        return ""
    return str(pattern).replace("{id}", partner.crm_account_id)


def overview_tab(user: Any, partner: Partner) -> dict[str, Any]:
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


def people_tab(user: Any, partner: Partner) -> dict[str, Any]:
    qs = (
        Contact.objects.visible_to(user)
        .for_partner(partner)
        .select_related("user")
        .order_by("-is_primary", "last_name", "pk")
    )
    rows, total = first_rows(qs)
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


def agreements_tab(user: Any, partner: Partner) -> dict[str, Any]:
    tables = []
    if user.has_perm(LEGAL_PERM):
        qs = (
            LegalRequest.objects.visible_to(user)
            .for_partner(partner)
            .select_related("template", "version", "opened_by")
            .order_by("-opened_at", "-pk")
        )
        rows, total = first_rows(qs)
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
                see_all_url=url("console:legal_requests", partner=partner.pk),
                empty_title=_l("No legal request."),
                empty_text=_l("Partner admins open one when they want to negotiate an agreement."),
            )
        )
    return {"agreements": partner_agreement_rows(partner), "tables": tables}


# --- reviews -------------------------------------------------------------------------------------


def reviews_tab(user: Any, partner: Partner) -> dict[str, Any]:
    qs = (
        AccountReview.objects.visible_to(user)
        .for_partner(partner)
        .select_related("specialist", "completed_by")
        .order_by("-due_date", "-pk")
    )
    rows, total = first_rows(qs)
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


def engagement_tab(user: Any, partner: Partner) -> dict[str, Any]:
    weeks = engagement_weeks(partner)
    return {"weeks": weeks, "series": engagement_series(partner), "weekly_chart": weekly_chart(weeks)}


def timeline_tab(user: Any, partner: Partner) -> dict[str, Any]:
    return {"timeline": partner_timeline(partner)}
