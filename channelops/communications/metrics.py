"""Reads of mailing metrics (docs/communications-tracking.md "Metrics"): per mailing, Partner Flash
editions over time against the targets, and each person's or partner's history.

Every function runs a fixed number of aggregate queries whatever the number of recipients.

Definitions (per mailing):

- *sent*: messages the mail server accepted (recipients ``sent`` or ``bounced``); *delivered*: sent
  minus bounced; *failed*: refused at sending; *suppressed*: not sent (on the suppression list);
- *human openers*: recipients with at least one person's open (a click or rating counts as an
  open); *machine-only openers*: recipients whose every open was a machine's (privacy proxy,
  scanner); *total opens*: every fetch of the pixel;
- *open rate*: human openers ÷ delivered (machine opens do not count; the page also shows the rate
  with them); *click rate*: recipients with a person's click ÷ delivered;
- *unsubscribes*, *complaints*, *hard* and *soft bounces*: recipients with such an event.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import (
    Event,
    EventKind,
    Feedback,
    Mailing,
    MailingKind,
    MailingLink,
    MailingStatus,
    Recipient,
    RecipientStatus,
)

HISTORY_LIMIT = 10


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class Figures:
    mailing_id: int
    recipients: int = 0
    sent: int = 0
    bounced: int = 0
    failed: int = 0
    suppressed: int = 0
    waiting: int = 0
    human_openers: int = 0
    machine_openers: int = 0
    total_opens: int = 0
    human_opens: int = 0
    machine_opens: int = 0
    clickers: int = 0
    clicks: int = 0
    machine_clicks: int = 0
    hard_bounces: int = 0
    soft_bounces: int = 0
    complaints: int = 0
    unsubscribes: int = 0
    feedback: int = 0
    average_rating: float | None = None
    comments: int = 0

    @property
    def delivered(self) -> int:
        return max(self.sent - self.bounced, 0)

    @property
    def open_rate(self) -> float | None:
        return _rate(self.human_openers, self.delivered)

    @property
    def open_rate_with_machines(self) -> float | None:
        return _rate(self.human_openers + self.machine_openers, self.delivered)

    @property
    def click_rate(self) -> float | None:
        return _rate(self.clickers, self.delivered)

    @property
    def click_to_open_rate(self) -> float | None:
        return _rate(self.clickers, self.human_openers)

    @property
    def bounce_rate(self) -> float | None:
        return _rate(self.bounced, self.sent)

    @property
    def unsubscribe_rate(self) -> float | None:
        return _rate(self.unsubscribes, self.delivered)


_EVENT_FIELDS: dict[str, str] = {
    EventKind.HARD_BOUNCE: "hard_bounces",
    EventKind.SOFT_BOUNCE: "soft_bounces",
    EventKind.COMPLAINT: "complaints",
    EventKind.UNSUBSCRIBE: "unsubscribes",
}


def figures_for(mailing_ids: list[int]) -> dict[int, Figures]:
    """The figures of each mailing in ``mailing_ids``: three queries whatever their size."""
    out = {pk: Figures(mailing_id=pk) for pk in mailing_ids}
    if not out:
        return out
    opened = Q(opened_at__isnull=False)
    rows = (
        Recipient.objects.filter(mailing_id__in=mailing_ids)
        .order_by()
        .values("mailing_id")
        .annotate(
            recipients=Count("id"),
            sent=Count("id", filter=Q(status__in=[RecipientStatus.SENT, RecipientStatus.BOUNCED])),
            bounced=Count("id", filter=Q(status=RecipientStatus.BOUNCED)),
            failed=Count("id", filter=Q(status=RecipientStatus.FAILED)),
            suppressed=Count("id", filter=Q(status=RecipientStatus.SUPPRESSED)),
            waiting=Count("id", filter=Q(status__in=[RecipientStatus.PENDING, RecipientStatus.SENDING])),
            human_openers=Count("id", filter=opened & Q(machine_open=False)),
            machine_openers=Count("id", filter=opened & Q(machine_open=True)),
            total_opens=Sum("opens"),
            clickers=Count("id", filter=Q(clicked_at__isnull=False)),
            clicks=Sum("clicks"),
        )
    )
    for r in rows:
        row: dict[str, Any] = dict(r)
        f = out[row.pop("mailing_id")]
        for k, v in row.items():
            setattr(f, k, v or 0)
    kinds = [*_EVENT_FIELDS, EventKind.OPEN, EventKind.CLICK]
    events = (
        Event.objects.filter(mailing_id__in=mailing_ids, kind__in=kinds)
        .order_by()
        .values("mailing_id", "kind", "machine")
        .annotate(people=Count("recipient_id", distinct=True), n=Count("id"))
    )
    for e in events:
        f = out[e["mailing_id"]]
        if e["kind"] == EventKind.OPEN:
            if e["machine"]:
                f.machine_opens += e["n"]
            else:
                f.human_opens += e["n"]
        elif e["kind"] == EventKind.CLICK:
            if e["machine"]:
                f.machine_clicks += e["n"]
        else:
            name = _EVENT_FIELDS[e["kind"]]
            setattr(f, name, getattr(f, name) + e["people"])
    for fb in (
        Feedback.objects.filter(mailing_id__in=mailing_ids)
        .order_by()
        .values("mailing_id")
        .annotate(n=Count("id"), avg=Avg("rating"), comments=Count("id", filter=~Q(comment="")))
    ):
        f = out[fb["mailing_id"]]
        f.feedback, f.comments = fb["n"], fb["comments"]
        f.average_rating = round(float(fb["avg"]), 2) if fb["avg"] is not None else None
    return out


def figures(mailing: Mailing) -> Figures:
    return figures_for([mailing.pk])[mailing.pk]


@dataclass
class LinkClicks:
    link: MailingLink
    clicks: int = 0
    clickers: int = 0
    machine_clicks: int = 0


def link_clicks(mailing: Mailing) -> list[LinkClicks]:
    """Every link of the mailing with its clicks (people's), the people who clicked it and the
    machines' clicks. Two queries."""
    rows = {link.pk: LinkClicks(link=link) for link in MailingLink.objects.filter(mailing=mailing)}
    for r in (
        Event.objects.filter(mailing=mailing, kind=EventKind.CLICK, link__isnull=False)
        .order_by()
        .values("link_id", "machine")
        .annotate(n=Count("id"), people=Count("recipient_id", distinct=True))
    ):
        row = rows.get(r["link_id"])
        if row is None:
            continue
        if r["machine"]:
            row.machine_clicks += r["n"]
        else:
            row.clicks, row.clickers = r["n"], r["people"]
    return sorted(rows.values(), key=lambda r: r.link.position)


def feedback_list(mailing: Mailing, limit: int = 100) -> tuple[list[Feedback], int]:
    """The newest ``limit`` ratings (with comments first) and the number in all. One query."""
    rows = list(
        Feedback.objects.filter(mailing=mailing)
        .select_related("recipient")
        .annotate(rows_in_all=Window(Count("pk")))
        .order_by("-at", "-id")[:limit]
    )
    return list(rows), (rows[0].rows_in_all if rows else 0)


def rating_counts(mailing: Mailing) -> list[int]:
    """How many readers gave 1, 2, 3, 4 and 5. One query."""
    counts = dict(
        Feedback.objects.filter(mailing=mailing)
        .order_by()
        .values("rating")
        .annotate(n=Count("id"))
        .values_list("rating", "n")
    )
    return [counts.get(r, 0) for r in range(1, 6)]


def daily_activity(mailing: Mailing, days: int = 14) -> list[dict[str, Any]]:
    """People's opens and clicks per day over the first ``days`` days after the send. One query."""
    start = mailing.sent_at or mailing.sending_started_at
    if start is None:
        return []
    end = start + timedelta(days=days)
    counts: dict[tuple[date, str], int] = defaultdict(int)
    for r in (
        Event.objects.filter(
            mailing=mailing,
            kind__in=[EventKind.OPEN, EventKind.CLICK],
            machine=False,
            at__gte=start,
            at__lt=end,
        )
        .annotate(day=TruncDate("at"))
        .order_by()
        .values("day", "kind")
        .annotate(n=Count("id"))
    ):
        counts[(r["day"], r["kind"])] += r["n"]
    first = timezone.localdate(start)
    return [
        {
            "day": first + timedelta(days=i),
            "opens": counts.get((first + timedelta(days=i), EventKind.OPEN), 0),
            "clicks": counts.get((first + timedelta(days=i), EventKind.CLICK), 0),
        }
        for i in range(days)
    ]


# --- Partner Flash editions over time against the targets --------------------------------------


@dataclass
class Edition:
    mailing: Mailing
    figures: Figures
    in_target_window: bool = False


@dataclass
class OverTime:
    editions: list[Edition] = field(default_factory=list)
    target_open_rate: float = 0.0
    target_click_rate: float = 0.0
    target_months: int = 0
    window_open_rate: float | None = None
    window_click_rate: float | None = None
    window_editions: int = 0

    @property
    def open_on_target(self) -> bool | None:
        return None if self.window_open_rate is None else self.window_open_rate >= self.target_open_rate

    @property
    def click_on_target(self) -> bool | None:
        return None if self.window_click_rate is None else self.window_click_rate >= self.target_click_rate


def _mean(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return round(sum(vals) / len(vals), 1) if vals else None


def flash_over_time() -> OverTime:
    """Every sent Partner Flash edition, by month, with its figures; the targets
    (``COMMS_TARGET_*``) against the average of the per-edition rates over the first
    ``COMMS_TARGET_MONTHS`` editions. Four queries."""
    mailings = list(
        Mailing.objects.filter(kind=MailingKind.FLASH, status=MailingStatus.SENT).order_by(
            "month", "send_on", "sent_at", "id"
        )
    )
    figs = figures_for([m.pk for m in mailings])
    months = settings.COMMS_TARGET_MONTHS
    editions = [Edition(m, figs[m.pk], in_target_window=i < months) for i, m in enumerate(mailings)]
    window = [e for e in editions if e.in_target_window]
    return OverTime(
        editions=editions,
        target_open_rate=settings.COMMS_TARGET_OPEN_RATE,
        target_click_rate=settings.COMMS_TARGET_CLICK_RATE,
        target_months=months,
        window_open_rate=_mean([e.figures.open_rate for e in window]),
        window_click_rate=_mean([e.figures.click_rate for e in window]),
        window_editions=len(window),
    )


# --- per-subscriber history ----------------------------------------------------------------------


def _event_exists(kind: str) -> Exists:
    return Exists(Event.objects.filter(recipient_id=OuterRef("pk"), kind=kind))


def annotated_recipients(qs: QuerySet[Recipient]) -> QuerySet[Recipient]:
    """Recipients with their mailing, partner, rating, comment and whether they unsubscribed,
    bounced (hard or soft) or complained through that mailing (subqueries, no query per row)."""
    feedback = Feedback.objects.filter(recipient_id=OuterRef("pk"))
    return qs.select_related("mailing", "partner").annotate(
        rating=Subquery(feedback.values("rating")[:1]),
        comment=Subquery(feedback.values("comment")[:1]),
        unsubscribed=_event_exists(EventKind.UNSUBSCRIBE),
        hard_bounced=_event_exists(EventKind.HARD_BOUNCE),
        soft_bounced=_event_exists(EventKind.SOFT_BOUNCE),
        complained=_event_exists(EventKind.COMPLAINT),
    )


def history_queryset(*, email: str | None = None, partner: Any = None) -> QuerySet[Recipient]:
    """The mailings sent to ``email`` (any mailing's recipient with that address) or to the people
    of ``partner``, newest first, annotated (``annotated_recipients``)."""
    if email is None and partner is None:
        raise ValueError("history_queryset needs an email or a partner")
    qs = Recipient.objects.exclude(status__in=[RecipientStatus.PENDING, RecipientStatus.SENDING])
    if email is not None:
        qs = qs.filter(email=email.strip().lower())
    if partner is not None:
        qs = qs.filter(partner_id=getattr(partner, "pk", partner))
    return annotated_recipients(qs).order_by("-sent_at", "-mailing_id", "email")


def history_for(
    *, email: str | None = None, partner: Any = None, limit: int = HISTORY_LIMIT
) -> tuple[list[Recipient], int]:
    """The newest ``limit`` rows of ``history_queryset`` and the number in all: one query."""
    rows = list(
        history_queryset(email=email, partner=partner).annotate(rows_in_all=Window(Count("pk")))[:limit]
    )
    return list(rows), (rows[0].rows_in_all if rows else 0)


def partner_summary(partner: Any) -> dict[str, Any]:
    """Totals of a partner's people over every mailing: messages, people's opens and clicks,
    ratings. One query."""
    agg = Recipient.objects.filter(
        partner_id=getattr(partner, "pk", partner),
        status__in=[RecipientStatus.SENT, RecipientStatus.BOUNCED],
    ).aggregate(
        messages=Count("id"),
        opened=Count("id", filter=Q(opened_at__isnull=False, machine_open=False)),
        clicked=Count("id", filter=Q(clicked_at__isnull=False)),
        people=Count("email", distinct=True),
    )
    agg["open_rate"] = _rate(agg["opened"], agg["messages"])
    agg["click_rate"] = _rate(agg["clicked"], agg["messages"])
    return agg


def recipient_report_rows(mailing: Mailing) -> QuerySet[Recipient]:
    """Every recipient of ``mailing`` with its outcome, for the CSV/XLSX export (iterate it)."""
    return annotated_recipients(Recipient.objects.filter(mailing=mailing)).order_by("email")


def sent_date(mailing: Mailing) -> datetime | date | None:
    return mailing.sent_at or mailing.send_on
