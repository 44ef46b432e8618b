"""What the global search finds in this app (channelops/core/search.py): work items.

Staff find every item; partner people only the items shared with their partner (``visible_to``).
``#123`` names item 123.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from channelops.core.navigation import CONSOLE
from channelops.core.search import SearchHit, SearchKind, number_lookup, register_search_kind, status_hit

from .models import WorkItem


def _document(item: WorkItem) -> list[Any]:
    return [item.title, item.next_action, item.description]


def _hit(item: WorkItem, area: str) -> SearchHit:
    parts = [f"#{item.pk}", item.project.name]
    if area == CONSOLE and item.partner is not None:
        parts.append(item.partner.legal_name)
    if item.due_date:
        parts.append(_("due %(date)s") % {"date": item.due_date.isoformat()})
    return status_hit(
        item,
        area,
        view="work_item",
        title=item.title,
        subtitle=" · ".join(str(p) for p in parts),
        status_kind="work",
    )


def register() -> None:
    register_search_kind(
        SearchKind(
            key="work",
            label=_("Work items"),
            model=WorkItem,
            fields=_("title, description, #123"),
            icon="checklist",
            document=_document,
            hit=_hit,
            rows=lambda user, area: (
                WorkItem.objects.visible_to(user).select_related("project", "partner").defer("description")
            ),
            lookup=number_lookup(),
            ordering=("-updated_at", "-pk"),
            order=60,
        )
    )
