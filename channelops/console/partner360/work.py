"""Partner page tab: work items and journeys."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext

from channelops.core.listing import Column, Table
from channelops.partners.models import Partner
from channelops.work.display import tasks_done_html, when_html
from channelops.work.querysets import partner_work

from .base import (
    LIMIT,
    url,
)

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


def work_tab(user: Any, partner: Partner) -> dict[str, Any]:
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
        see_all_url=url("console:work_board", partner=partner.pk),
        empty_title=_l("No open work item."),
        actions=[
            {
                "label": _("New work item about this partner"),
                "url": url("console:work_item_new", partner=partner.pk),
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
        see_all_url=url("console:work_journeys", partner=partner.pk),
        empty_title=_l("No journey in progress."),
    )
    return {"tables": [items, journeys]}
