"""What the global search finds in this app (channelops/core/search.py): NFR requests and licenses.

Staff need the permission the NFR and license pages check (``licensing.view_nfrrequest``,
``licensing.view_license``); partner people find their own partner's (``visible_to``).
``NFR-000123`` (or ``NFR-123``) names a request, a license id (with or without dashes) a license.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from channelops.core.navigation import CONSOLE
from channelops.core.search import (
    SearchHit,
    SearchKind,
    area_url,
    email_exact,
    join_parts,
    number_lookup,
    register_search_kind,
    status_hit,
    uuid_in,
)

from .models import License, NfrRequest

# --- NFR requests --------------------------------------------------------------------------------


def _nfr_document(r: NfrRequest) -> list[Any]:
    return [r.reference, r.contact_name, r.contact_email]


def _nfr_hit(r: NfrRequest, area: str) -> SearchHit:
    return status_hit(
        r,
        area,
        view="nfr_request",
        title=r.reference,
        subtitle=join_parts(
            r.partner.legal_name if area == CONSOLE else "",
            f"{r.contact_name} <{r.contact_email}>",
            f"{r.seats} × {r.get_plan_display()}",
        ),
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


def _license_hit(lic: License, area: str) -> SearchHit:
    from .lifecycle import license_status

    status = license_status(lic)
    return SearchHit(
        title=str(lic.pk),
        url=area_url(area, "license", lic.pk),
        subtitle=join_parts(
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
            lookup=number_lookup(prefix="NFR"),
            exact=email_exact("contact_email"),
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
            exact=email_exact("contact_email"),
            ordering=("-issued_at", "pk"),
            perm="licensing.view_license",
            index_rows=lambda: License.objects.only("pk", "contact_email"),
            order=50,
        )
    )
