"""One timeline per partner: audit history, status changes, agreement events, people added, engagement."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.agreements.models import AgreementEvent
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
    for ev in AgreementEvent.objects.filter(partner=partner).select_related("by")[:limit]:
        text = ev.get_kind_display() + (f": {ev.detail}" if ev.detail else "")
        entries.append(Entry(ev.at, "agreement", text, ev.by.email if ev.by else _("system")))
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


def engagement_weeks(partner: Partner, *, weeks: int = 26, today: date | None = None) -> list[dict[str, Any]]:
    """Points per week (Monday-based) for the last ``weeks`` weeks, oldest first, zeros included.

    One query over the daily rollup; shown as a chart (with this table beside it) on the partner page.
    """
    today = today or timezone.localdate()
    this_monday = today - timedelta(days=today.weekday())
    start = this_monday - timedelta(weeks=weeks - 1)
    totals = dict.fromkeys((start + timedelta(weeks=i) for i in range(weeks)), 0)
    events = dict.fromkeys(totals, 0)
    for day, points, n in EngagementDaily.objects.filter(partner=partner, day__gte=start).values_list(
        "day", "points", "events"
    ):
        monday = day - timedelta(days=day.weekday())
        if monday in totals:
            totals[monday] += points
            events[monday] += n
    return [{"week": w, "points": p, "events": events[w]} for w, p in totals.items()]


def weekly_chart(weeks: list[dict[str, Any]]) -> str:
    """The weekly engagement chart's data for channelops/static/channelops/charts.js."""
    return json.dumps(
        {
            "type": "bar",
            "labels": [w["week"].isoformat() for w in weeks],
            "datasets": [{"label": str(_l("Points")), "data": [w["points"] for w in weeks]}],
            "x_title": str(_l("Week starting (Monday)")),
            "y_title": str(_l("Engagement points")),
        }
    )
