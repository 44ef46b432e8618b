"""Partner communications (once every batch is in): a newsletter program with a history.

- the partner webcast series: a monthly regional session per region for the previous, the current
  and the next month (recordings on the past ones), and a program webcast each quarter;
- sign-ups from the public form (confirmed, one waiting for confirmation, one unsubscribed) with
  their consent records, and a suppression list (a hard bounce, an unsubscribe, a complaint);
- the monthly Partner Flash editions of the last six months (and this month's, once its date has
  passed), sent to every partner person and the confirmed
  sign-ups, in the public archive, with opens, clicks, unsubscribes, bounces and reader feedback;
- next month's edition being written (a draft with its work item) and an announcement of a pricing change with its
  30 days' notice; a portal notice for every partner.

Rows are written directly with the models, as the services would leave them. Idempotent: nothing
is written when any mailing exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .context import Context

SECTIONS = {
    "featured": (
        "## {month}: what partners closed this month\n\n"
        "Our partners in every region grew the business this month. Read how three of them "
        "turned first meetings into signed deals, and what they would do again.\n\n"
        "[Read the partner stories](https://example.com/partners/stories)"
    ),
    "enablement": (
        "- New sales accreditation path: two hours, on demand.\n"
        "- Competitive notes on the three alternatives customers ask about most.\n"
        "- A message from channel leadership on the next fiscal year's program."
    ),
    "noteworthy": (
        "- [This month's partner webcast recording](https://example.com/webcasts/latest)\n"
        "- [White paper: platform consolidation ROI](https://example.com/papers/roi)"
    ),
    "deal": (
        "Migrate a regional bank from three tools to one in a quarter: the short video and the "
        "collateral you need to run the play.\n\n"
        "[Deal collateral](https://example.com/deals/month)"
    ),
    "product": (
        "1. Faster pipelines for large monorepos.\n"
        "2. Audit events exported to the customer's SIEM.\n"
        "3. A simpler upgrade path for self-managed customers."
    ),
}


def _month_starts(today: date, back: int) -> list[date]:
    first = today.replace(day=1)
    out = []
    for _ in range(back):
        first = (first - timedelta(days=1)).replace(day=1)
        out.append(first)
    return list(reversed(out))


def write_communications(ctx: Context) -> int:
    """The demo's partner communications; returns the number of editions written (0 when any exists)."""
    from django.contrib.auth import get_user_model

    from channelops.communications.editions import edition_open, edition_update, month_title
    from channelops.communications.models import (
        Consent,
        Event,
        Feedback,
        Mailing,
        MailingLink,
        PortalNotice,
        Recipient,
        Subscriber,
        Suppression,
        Webcast,
    )
    from channelops.communications.render import render_save
    from channelops.communications.schedule import send_date_by_rule

    if Mailing.objects.exists():
        return 0
    User = get_user_model()
    owner = (
        User.objects.filter(is_staff=True, is_active=True, groups__name="channel_marketing")
        .order_by("email")
        .first()
    )
    if owner is None:
        return 0
    now, today = ctx.now, ctx.today
    rnd = ctx.rnd(0, "communications")
    tz = ZoneInfo("America/Denver")

    # The webcast series: previous, current and next month, a session per region.
    zones = {"AMER": "America/New_York", "EMEA": "Europe/Berlin", "APAC": "Asia/Singapore"}
    months = [*_month_starts(today, 1), today.replace(day=1)]
    nxt = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    months.append(nxt)
    for m in months:
        for i, (code, zone) in enumerate(sorted(zones.items())):
            region = ctx.regions.get(code)
            day = m + timedelta(days=7 + i * 2)
            starts = datetime.combine(day, time(10, 0), tzinfo=ZoneInfo(zone))
            past = starts < now
            Webcast.objects.create(
                title=f"Partner webcast {m:%B %Y} ({code})",
                description="What's new for partners this month: program, product and the deal of the month.",
                region=region,
                starts_at=starts,
                time_zone=zone,
                registration_url=f"https://example.com/webcasts/{m:%Y-%m}/{code.lower()}",
                recording_url=f"https://example.com/recordings/{m:%Y-%m}/{code.lower()}" if past else "",
            )
        if m.month in (1, 4, 7, 10) or m == months[1]:
            Webcast.objects.create(
                kind="program",
                title=f"Quarterly program webcast {m:%B %Y}",
                description="The partner program's quarter: tiers, funds and what changes next quarter.",
                starts_at=datetime.combine(m + timedelta(days=14), time(16, 0), tzinfo=ZoneInfo("UTC")),
                time_zone="UTC",
                registration_url=f"https://example.com/webcasts/{m:%Y-%m}/program",
            )

    # Sign-ups and the suppression list.
    consent_text = "I agree to receive the Partner Flash and partner communications by e-mail."
    signups = []
    for i in range(12):
        s = Subscriber.objects.create(
            email=f"reader{i + 1}@signup.example",
            name=f"Reader {i + 1}",
            company="Prospective partner",
            language="en",
            topics=[],
            status="subscribed" if i < 10 else ("pending" if i == 10 else "unsubscribed"),
            source="signup",
            created_at=now - timedelta(days=200 - i * 10),
            confirmed_at=now - timedelta(days=199 - i * 10) if i != 10 else None,
            unsubscribed_at=now - timedelta(days=20) if i == 11 else None,
        )
        Consent.objects.create(
            subscriber=s,
            action="signup",
            method="form",
            at=s.created_at,
            ip_address="203.0.113.10",
            user_agent="Mozilla/5.0",
            text=consent_text,
            language="en",
        )
        if s.confirmed_at:
            Consent.objects.create(subscriber=s, action="confirm", method="email_link", at=s.confirmed_at)
        if s.status == "unsubscribed" and s.unsubscribed_at:
            Consent.objects.create(
                subscriber=s, action="unsubscribe", method="one_click", at=s.unsubscribed_at
            )
            Suppression.objects.create(email=s.email, reason="unsubscribed", created_at=s.unsubscribed_at)
        if s.status == "subscribed":
            signups.append(s)
    Suppression.objects.create(
        email="gone@bounced.example", reason="hard_bounce", detail="550 5.1.1 User unknown"
    )
    Suppression.objects.create(email="angry@complaint.example", reason="complaint", detail="Reported as spam")

    # Portal users as subscribers (source portal), as the first send would leave them.
    people = list(
        User.objects.filter(is_active=True, is_staff=False, membership__partner__status="active")
        .select_related("membership")
        .order_by("pk")[:400]
    )
    existing = set(Subscriber.objects.values_list("email", flat=True))
    Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=u.email.lower(),
                name=u.full_name,
                user=u,
                partner_id=u.membership.partner_id,
                language=u.language or "en",
                status="subscribed",
                source="portal",
                created_at=now - timedelta(days=190),
                confirmed_at=now - timedelta(days=190),
            )
            for u in people
            if u.email.lower() not in existing
        ]
    )
    audience = list(Subscriber.objects.filter(status="subscribed").order_by("pk"))

    # Six sent editions.
    written = 0
    for n, month in enumerate([*_month_starts(today, 6), today.replace(day=1)]):
        send_on = send_date_by_rule(month)  # the edition of a month goes out in that month
        if send_on >= today:
            continue
        sent_at = datetime.combine(send_on, time(9, 0), tzinfo=tz)
        label = f"{month:%B %Y}"
        edition = Mailing.objects.create(
            kind="flash",
            topic="flash",
            title=month_title(month),
            subject=f"Partner Flash: {label}",
            preheader="Partner stories, enablement, the deal of the month and what's new.",
            slug=f"{month:%Y-%m}-partner-flash",
            month=month,
            sections={k: v.format(month=label) for k, v in SECTIONS.items()},
            deal_video_url="https://example.com/videos/deal-of-the-month",
            status="sent",
            send_on=send_on,
            send_at=sent_at,
            public=True,
            created_by=owner,
            created_at=sent_at - timedelta(days=30),
            test_sent_at=sent_at - timedelta(days=3),
            test_sent_to=[owner.email],
            audience={"signups": True},
            audience_built_at=sent_at,
            sending_started_at=sent_at,
            sent_at=sent_at + timedelta(minutes=4),
            figures_recorded_at=sent_at + timedelta(days=8),
        )
        render_save(edition)
        links = list(MailingLink.objects.filter(mailing=edition))
        recipients = Recipient.objects.bulk_create(
            [
                Recipient(
                    mailing=edition,
                    subscriber=s,
                    email=s.email,
                    name=s.name,
                    user_id=s.user_id,
                    partner_id=s.partner_id,
                    status="sent",
                    attempts=1,
                    sent_at=sent_at,
                    smtp_code=250,
                )
                for s in audience
            ]
        )
        recipients = list(Recipient.objects.filter(mailing=edition).order_by("pk"))
        events, feedback = [], []
        open_rate = 0.30 + n * 0.02
        for r in recipients:
            roll = rnd.random()
            if roll < 0.01:
                r.status = "bounced"
                events.append(
                    Event(mailing=edition, recipient=r, kind="soft_bounce", at=sent_at + timedelta(minutes=5))
                )
                continue
            if roll < open_rate:
                at = sent_at + timedelta(hours=rnd.randint(1, 72))
                machine = rnd.random() < 0.1
                r.opened_at, r.opens, r.machine_open = at, rnd.randint(1, 3), machine
                events.append(Event(mailing=edition, recipient=r, kind="open", at=at, machine=machine))
                if links and rnd.random() < 0.18:
                    link = rnd.choice(links)
                    r.clicked_at, r.clicks = at + timedelta(minutes=2), 1
                    events.append(
                        Event(mailing=edition, recipient=r, kind="click", at=r.clicked_at, link=link)
                    )
                if rnd.random() < 0.06:
                    rating = rnd.choice([3, 4, 4, 5, 5, 5])
                    feedback.append(
                        Feedback(
                            mailing=edition,
                            recipient=r,
                            rating=rating,
                            at=at + timedelta(minutes=5),
                            comment=rnd.choice(["", "", "More deal stories, please.", "Short and useful."]),
                        )
                    )
                    events.append(
                        Event(
                            mailing=edition,
                            recipient=r,
                            kind="feedback",
                            at=at + timedelta(minutes=5),
                            detail={"rating": rating},
                        )
                    )
        Recipient.objects.bulk_update(
            recipients,
            ["status", "opened_at", "opens", "machine_open", "clicked_at", "clicks"],
            batch_size=500,
        )
        Event.objects.bulk_create(events, batch_size=500)
        Feedback.objects.bulk_create(feedback, batch_size=500)
        written += 1

    # The next edition in the works (with its work item, as the quarterly job opens it).
    upcoming = today.replace(day=1)
    if send_date_by_rule(upcoming) < today:
        upcoming = (upcoming.replace(day=28) + timedelta(days=4)).replace(day=1)
    if not Mailing.objects.filter(kind="flash", month=upcoming).exists():
        draft = edition_open(month=upcoming, by=owner)
        edition_update(
            edition=draft,
            by=owner,
            data={
                "subject": f"Partner Flash: {upcoming:%B %Y}",
                "preheader": "Partner stories, enablement, the deal of the month and what's new.",
                **{k: v.format(month=f"{upcoming:%B %Y}") for k, v in SECTIONS.items()},
                "deal_video_url": "https://example.com/videos/deal-of-the-month",
            },
        )
    effective = today + timedelta(days=60)
    Mailing.objects.create(
        kind="announcement",
        topic="announcements",
        title="Price list update",
        subject="Price list update",
        change_kind="pricing",
        effective_on=effective,
        send_on=effective - timedelta(days=45),
        body="Our partner price list changes on the date below. Your CAM has the new list and the "
        "transition rules for open quotes.",
        created_by=owner,
        audience={"signups": False},
    )
    PortalNotice.objects.create(
        title="Partner summit: registration is open",
        body="Join us for two days of roadmap, enablement and awards. Seats are limited per partner.",
        link_url="https://example.com/summit",
        link_label="Register",
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=30),
        created_by=owner,
    )
    return written
