"""One timeline per partner: audit history, status changes, people added, engagement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from channelops.partners.models import Contact, EngagementDaily, Partner, PartnerStatusChange


@dataclass
class Entry:
    at: datetime
    kind: str
    text: str
    who: str = ""


def partner_timeline(partner: Partner, *, limit: int = 60) -> list[Entry]:
    entries: list[Entry] = []
    history = list(
        partner.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]
    )
    for i, rec in enumerate(history):
        who = rec.history_user.email if rec.history_user else _("system")
        if rec.history_type == "+":
            entries.append(Entry(rec.history_date, "audit", _("Partner record created"), who))
            continue
        prev = history[i + 1] if i + 1 < len(history) else None
        if prev is None:
            entries.append(Entry(rec.history_date, "audit", _("Partner record changed"), who))
            continue
        delta = rec.diff_against(prev)
        fields = ", ".join(sorted(c.field for c in delta.changes)) or _("no visible field")
        entries.append(Entry(rec.history_date, "audit", _("Changed: %(fields)s") % {"fields": fields}, who))
    for sc in PartnerStatusChange.objects.filter(partner=partner).select_related("by")[:limit]:
        text = _("Status: %(a)s → %(b)s") % {
            "a": sc.get_from_status_display() or "—",
            "b": sc.get_to_status_display(),
        }
        if sc.note:
            text += f" ({sc.note})"
        entries.append(Entry(sc.at, "status", text, sc.by.email if sc.by else _("system")))
    for c in Contact.objects.filter(partner=partner).order_by("-created_at")[:limit]:
        entries.append(Entry(c.created_at, "contact", _("Contact added: %(name)s") % {"name": str(c)}))
    for d in EngagementDaily.objects.filter(partner=partner)[:30]:
        at = datetime.combine(d.day, datetime.min.time()).replace(tzinfo=partner.created_at.tzinfo)
        entries.append(
            Entry(
                at, "engagement", _("Engagement: %(n)d events, %(p)d points") % {"n": d.events, "p": d.points}
            )
        )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def engagement_series(partner: Partner, days: int = 30) -> list[dict[str, Any]]:
    rows = EngagementDaily.objects.filter(partner=partner).order_by("-day")[:days]
    return [{"day": r.day, "points": r.points, "events": r.events} for r in reversed(list(rows))]
