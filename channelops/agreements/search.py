"""What the global search finds in this app (channelops/core/search.py): legal requests.

Staff find every request; partner people their own partner's (``visible_to``). A request is found
by its agreement's name, the proposed changes and the outcome, or ``#123``.
"""

from __future__ import annotations

from typing import Any

from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from channelops.core.navigation import CONSOLE
from channelops.core.search import (
    SearchHit,
    SearchKind,
    join_parts,
    number_lookup,
    register_search_kind,
    status_hit,
)

from .models import LegalRequest


def _document(lr: LegalRequest) -> list[Any]:
    return [lr.template.name, lr.proposed_changes, lr.outcome_note]


def _hit(lr: LegalRequest, area: str) -> SearchHit:
    opened = _("opened %(date)s") % {"date": date_format(localtime(lr.opened_at).date(), "Y-m-d")}
    return status_hit(
        lr,
        area,
        view="legal_request",
        title=lr.template.name,
        subtitle=join_parts(f"#{lr.pk}", lr.partner.legal_name if area == CONSOLE else "", opened),
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
            lookup=number_lookup(),
            ordering=("-opened_at", "-pk"),
            index_rows=lambda: LegalRequest.objects.select_related("template"),
            order=70,
        )
    )
