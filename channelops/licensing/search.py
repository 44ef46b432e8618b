"""What the global search finds in this app (channelops/core/search.py): NFR requests and licenses.

Staff need the permission the NFR and license pages check (``licensing.view_nfrrequest``,
``licensing.view_license``); partner people find their own partner's (``visible_to``).
``NFR-000123`` (or ``NFR-123``) names a request, a license id (with or without dashes) a license.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from channelops.core.navigation import CONSOLE
from channelops.core.search import (
    SearchHit,
    SearchKind,
    looks_like_email,
    number_in,
    register_search_kind,
    uuid_in,
)

from .models import License, NfrRequest


def _join(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p)


# --- NFR requests --------------------------------------------------------------------------------


def _nfr_document(r: NfrRequest) -> list[Any]:
    return [r.reference, r.contact_name, r.contact_email]


def _nfr_lookup(text: str) -> Q | None:
    pk = number_in(text, prefix="NFR") if text.upper().startswith("NFR") else None
    return Q(pk=pk) if pk else None


def _nfr_exact(text: str) -> Q | None:
    return Q(contact_email__iexact=text) if looks_like_email(text) else None


def _nfr_hit(r: NfrRequest, area: str) -> SearchHit:
    name = "console:nfr_request" if area == CONSOLE else "portal:nfr_request"
    return SearchHit(
        title=r.reference,
        url=reverse(name, args=[r.pk]),
        subtitle=_join(
            r.partner.legal_name if area == CONSOLE else "",
            f"{r.contact_name} <{r.contact_email}>",
            f"{r.seats} × {r.get_plan_display()}",
        ),
        status=r.status,
        status_label=r.get_status_display(),
        status_kind="nfr",
    )


# --- licenses ------------------------------------------------------------------------------------


def _license_rows(user: Any, area: str) -> QuerySet:
    return License.objects.visible_to(user).select_related("partner").defer("file_text", "payload")


def _license_document(lic: License) -> list[Any]:
    return [str(lic.pk), lic.contact_email]


def _license_lookup(text: str) -> Q | None:
    pk = uuid_in(text)
    return Q(pk=pk) if pk else None


def _license_exact(text: str) -> Q | None:
    return Q(contact_email__iexact=text) if looks_like_email(text) else None


def _license_hit(lic: License, area: str) -> SearchHit:
    from .lifecycle import license_status

    name = "console:license" if area == CONSOLE else "portal:license"
    status = license_status(lic)
    return SearchHit(
        title=str(lic.pk),
        url=reverse(name, args=[lic.pk]),
        subtitle=_join(
            lic.partner.legal_name if area == CONSOLE else "",
            lic.contact_email,
            f"{lic.users} × {lic.get_plan_display()}",
            _("expires %(date)s") % {"date": lic.expires.isoformat()},
        ),
        status=status.key,
        status_label=status.label,
        status_kind="license",
    )


def register() -> None:
    register_search_kind(
        SearchKind(
            key="nfr",
            label=_("NFR requests"),
            model=NfrRequest,
            fields=_("NFR-000123, license contact, e-mail"),
            icon="clipboard-list",
            document=_nfr_document,
            hit=_nfr_hit,
            rows=lambda user, area: NfrRequest.objects.visible_to(user).select_related("partner"),
            lookup=_nfr_lookup,
            exact=_nfr_exact,
            ordering=("-created_at", "-pk"),
            perm="licensing.view_nfrrequest",
            order=40,
        )
    )
    register_search_kind(
        SearchKind(
            key="licenses",
            label=_("Licenses"),
            model=License,
            fields=_("license id, license contact e-mail"),
            icon="key",
            document=_license_document,
            hit=_license_hit,
            rows=_license_rows,
            lookup=_license_lookup,
            exact=_license_exact,
            ordering=("-issued_at", "pk"),
            perm="licensing.view_license",
            index_rows=lambda: License.objects.only("pk", "contact_email"),
            order=50,
        )
    )
