"""What the global search finds in this app (channelops/core/search.py): legal requests.

Staff find every request; partner people their own partner's (``visible_to``). A request is found
by its agreement's name, the proposed changes and the outcome, or ``#123``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from channelops.core.navigation import CONSOLE
from channelops.core.search import SearchHit, SearchKind, number_in, register_search_kind

from .models import LegalRequest


def _document(lr: LegalRequest) -> list[Any]:
    return [lr.template.name, lr.proposed_changes, lr.outcome_note]


def _lookup(text: str) -> Q | None:
    pk = number_in(text) if text.strip().startswith("#") else None
    return Q(pk=pk) if pk else None


def _hit(lr: LegalRequest, area: str) -> SearchHit:
    name = "console:legal_request" if area == CONSOLE else "portal:legal_request"
    opened = _("opened %(date)s") % {"date": date_format(localtime(lr.opened_at).date(), "Y-m-d")}
    parts = [f"#{lr.pk}", lr.partner.legal_name if area == CONSOLE else "", opened]
    return SearchHit(
        title=lr.template.name,
        url=reverse(name, args=[lr.pk]),
        subtitle=" · ".join(str(p) for p in parts if p),
        status=lr.status,
        status_label=lr.get_status_display(),
        status_kind="legal_request",
    )


def register() -> None:
    register_search_kind(
        SearchKind(
            key="legal",
            label=_("Legal requests"),
            model=LegalRequest,
            fields=_("agreement, proposed changes, #123"),
            icon="file-text",
            document=_document,
            hit=_hit,
            rows=lambda user, area: (
                LegalRequest.objects.visible_to(user)
                .select_related("partner", "template")
                .defer("proposed_changes", "outcome_note")
            ),
            lookup=_lookup,
            ordering=("-opened_at", "-pk"),
            index_rows=lambda: LegalRequest.objects.select_related("template"),
            order=70,
        )
    )
