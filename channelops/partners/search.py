"""What the global search finds in this app (channelops/core/search.py): partners, people, applications.

Each kind starts from the model's ``visible_to(user)``: staff find every partner, a partner person
only their own partner and its people. Applications have no portal page, so the portal never
lists them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from channelops.core.navigation import CONSOLE
from channelops.core.search import (
    SearchHit,
    SearchKind,
    host_of,
    join_parts,
    looks_like_email,
    register_search_kind,
)

from .models import Application, Contact, Partner

# --- partners ------------------------------------------------------------------------------------


def _partner_document(p: Partner) -> list[Any]:
    return [p.legal_name, urlsplit(p.website).hostname or "", p.crm_account_id]


def _partner_exact(text: str) -> Q | None:
    cond = Q(crm_account_id=text) | Q(legal_name__iexact=text)
    if "." in text and " " not in text and "@" not in text:
        host = host_of(text)
        cond |= Q(website__iendswith="//" + host) | Q(website__iendswith="//www." + host)
        cond |= Q(website__icontains="//" + host + "/") | Q(website__icontains="//www." + host + "/")
    return cond


def _partner_hit(p: Partner, area: str) -> SearchHit:
    url = reverse("console:partner_detail", args=[p.pk]) if area == CONSOLE else reverse("portal:company")
    return SearchHit(
        title=p.legal_name,
        url=url,
        subtitle=join_parts(
            host_of(p.website) if p.website else "",
            getattr(p.country, "name", p.country),
            p.crm_account_id if area == CONSOLE else "",  # an internal id: the portal never shows it
        ),
        status=p.status,
        status_label=p.get_status_display(),
        status_kind="partner",
    )


# --- people --------------------------------------------------------------------------------------


def _contact_rows(user: Any, area: str) -> QuerySet:
    qs = Contact.objects.visible_to(user).select_related("partner")
    # The portal shows a partner's people on its users page: those who sign in.
    return qs if area == CONSOLE else qs.filter(user__isnull=False)


def _contact_document(c: Contact) -> list[Any]:
    return [c.first_name, c.last_name, c.email, c.title, c.crm_contact_id]


def _contact_exact(text: str) -> Q | None:
    cond = Q(crm_contact_id=text)
    return cond | Q(email__iexact=text) if looks_like_email(text) else cond


def _contact_hit(c: Contact, area: str) -> SearchHit:
    if area == CONSOLE:
        url = reverse("console:partner_detail", args=[c.partner_id]) + "?tab=people#contacts"
        return SearchHit(title=str(c), url=url, subtitle=join_parts(c.email, c.partner.legal_name, c.title))
    return SearchHit(
        title=str(c), url=reverse("portal:users") + "#people-h", subtitle=join_parts(c.email, c.title)
    )


# --- applications --------------------------------------------------------------------------------


def _application_document(a: Application) -> list[Any]:
    return [a.company_name, a.company_domain, host_of(a.website), a.first_name, a.last_name, a.email]


def _application_exact(text: str) -> Q | None:
    if looks_like_email(text):
        return Q(email__iexact=text)
    if "." in text and " " not in text:
        return Q(company_domain__iexact=host_of(text))
    return Q(company_name__iexact=text)


def _application_hit(a: Application, area: str) -> SearchHit:
    return SearchHit(
        title=a.company_name,
        url=reverse("console:application_detail", args=[a.pk]),
        subtitle=join_parts(a.contact_name, a.email, a.company_domain),
        status=a.status,
        status_label=a.get_status_display(),
        status_kind="application",
    )


def register() -> None:
    register_search_kind(
        SearchKind(
            key="partners",
            label=_("Partners"),
            model=Partner,
            fields=_("name, domain, CRM id"),
            portal_label=_("Your company"),
            portal_fields=_("name, domain"),
            icon="building",
            document=_partner_document,
            hit=_partner_hit,
            exact=_partner_exact,
            ordering=("legal_name", "pk"),
            order=10,
        )
    )
    register_search_kind(
        SearchKind(
            key="people",
            label=_("People"),
            model=Contact,
            fields=_("name, e-mail"),
            icon="users",
            document=_contact_document,
            hit=_contact_hit,
            rows=_contact_rows,
            exact=_contact_exact,
            ordering=("last_name", "first_name", "pk"),
            order=20,
        )
    )
    register_search_kind(
        SearchKind(
            key="applications",
            label=_("Applications"),
            model=Application,
            fields=_("company, domain, applicant, e-mail"),
            icon="user-check",
            document=_application_document,
            hit=_application_hit,
            rows=lambda user, area: Application.objects.visible_to(user),
            exact=_application_exact,
            ordering=("-created_at", "-pk"),
            areas=frozenset({CONSOLE}),
            order=30,
        )
    )
