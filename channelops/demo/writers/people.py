"""People (portal users, memberships, contacts) and their engagement."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.hashers import make_password
from simple_history.utils import bulk_create_with_history

from ..planned import Batch, PartnerPlan, between
from .context import Context

# Engagement event kinds and their shares.
EVENT_KINDS = {
    "sign_in": 28,
    "page_view": 30,
    "download": 10,
    "request": 4,
    "training": 5,
    "newsletter_open": 14,
    "newsletter_click": 5,
    "question": 2,
    "user_added": 2,
}
PERSONAL_KINDS = {"sign_in", "page_view", "download", "request", "training", "question"}
DOWNLOADS = ("price-list.pdf", "battlecard.pdf", "partner-guide.pdf", "demo-script.docx", "logo-pack.zip")


# --- people: portal users, memberships, contacts ---------------------------------------------------------


def write_people(ctx: Context, batch: Batch, start: int) -> dict[int, dict[str, Any]]:
    """Users (partner admins and users, with a verified primary e-mail address and a membership)
    and contacts; returns partner pk → e-mail → User for the partners' portal people."""
    from allauth.account.models import EmailAddress

    from channelops.accounts.models import User
    from channelops.partners.models import Contact, PartnerMembership

    rnd = ctx.rnd(start, "people")
    users, plans = [], []
    unusable = make_password(None)  # nobody signs in as a generated person: no password to know
    for p in batch.partners:
        joined = next((at for _f, to, at in p.changes if to == "active"), p.created)
        for person in p.users:
            u = User(
                email=person.email,
                full_name=person.name,
                is_active=p.status != "terminated",
                date_joined=joined,
                password=unusable,
            )
            u._history_date = joined  # type: ignore[attr-defined]
            users.append(u)
            plans.append((p, person))
    made = bulk_create_with_history(users, User, batch_size=1000)
    if made and made[0].pk is None:
        found = {u.email: u for u in User.objects.filter(email__in=[u.email for u in users])}
        made = [found[u.email] for u in users]
    people: dict[int, dict[str, Any]] = defaultdict(dict)
    addresses, memberships = [], []
    for u, (p, person) in zip(made, plans, strict=True):
        assert p.pk is not None
        people[p.pk][person.email] = u
        addresses.append(EmailAddress(user_id=u.pk, email=u.email, primary=True, verified=True))
        m = PartnerMembership(
            user_id=u.pk,
            partner_id=p.pk,
            role=person.role,
            can_submit_requests=person.role == "admin" or rnd.random() < 0.5,
            created_at=u.date_joined,
        )
        m._history_date = u.date_joined  # type: ignore[attr-defined]
        memberships.append(m)
    EmailAddress.objects.bulk_create(addresses, batch_size=2000)
    bulk_create_with_history(memberships, PartnerMembership, batch_size=2000)
    contacts = []
    for p in batch.partners:
        assert p.pk is not None
        for j, person in enumerate(p.people):
            user = people[p.pk].get(person.email)
            c = Contact(
                partner_id=p.pk,
                first_name=person.first,
                last_name=person.last,
                email=person.email,
                title=person.title,
                is_primary=j == 0,
                user=user,
                created_at=user.date_joined if user is not None else p.created,
            )
            c._history_date = c.created_at  # type: ignore[attr-defined]
            contacts.append(c)
    bulk_create_with_history(contacts, Contact, batch_size=5000)
    ctx.stats["contacts"] += len(contacts)
    ctx.stats["users"] += len(made)
    return people


# --- engagement ----------------------------------------------------------------------------------------------


def write_engagement(
    ctx: Context, batch: Batch, start: int, people: dict[int, dict[str, Any]], per_partner: int
) -> None:
    """``per_partner`` × the batch's partners engagement events, in the months each partner was
    active, concentrated on the engaged ones (``plan.ACTIVITY``): about one partner in eight is
    active in a month, as in real programs. An applicant's first event is its first sign-in."""
    from channelops.accounts.models import User
    from channelops.partners.models import EngagementEvent

    from ..plan import ACTIVITY
    from ..planned import month_starts

    total = per_partner * len(batch.partners)
    if total <= 0:
        return
    rnd = ctx.rnd(start, "engagement")
    now = ctx.now
    months = list(reversed(month_starts(now)))  # oldest first
    bounds = [(m, months[k + 1] if k + 1 < len(months) else now) for k, m in enumerate(months)]
    slots: list[tuple[PartnerPlan, datetime, datetime]] = []
    weights: list[float] = []
    forced: list[EngagementEvent] = []
    for p in batch.partners:
        if p.activity == "none" or p.first_sign_in is None:
            continue
        share, chance, weight = ACTIVITY[p.activity]
        since = max(months[0], p.first_sign_in)
        windows = p.active_windows(since, now)
        onboarding_until = p.first_sign_in + timedelta(days=60) if p.kind == "applicant" else None
        for lo, hi in bounds:
            for a, b in windows:
                s, e = max(lo, a), min(hi, b)
                if e <= s:
                    continue
                boost = onboarding_until is not None and s < onboarding_until
                if rnd.random() < (max(chance, 0.4) if boost else chance):
                    slots.append((p, s, e))
                    weights.append(weight * (e - s).total_seconds() / 86400)
        if p.kind == "applicant" and p.first_sign_in >= months[0] and p.admin is not None:
            forced.append(
                EngagementEvent(
                    partner_id=p.pk,
                    user=people[p.pk].get(p.admin.email),
                    kind="sign_in",
                    at=p.first_sign_in,
                )
            )
    forced = forced[:total]
    events = list(forced)
    if slots:
        kinds, kind_weights = list(EVENT_KINDS), list(EVENT_KINDS.values())
        picks = rnd.choices(range(len(slots)), weights=weights, k=total - len(forced))
        chosen_kinds = rnd.choices(kinds, weights=kind_weights, k=len(picks))
        for slot, kind in zip(picks, chosen_kinds, strict=True):
            p, s, e = slots[slot]
            at = between(rnd, s, e)
            user = None
            if kind in PERSONAL_KINDS:
                who = people[p.pk]
                user = who[rnd.choice(list(who))] if who else None
            detail = rnd.choice(DOWNLOADS) if kind == "download" else ""
            events.append(EngagementEvent(partner_id=p.pk, user=user, kind=kind, at=at, detail=detail))
    last_login: dict[int, datetime] = {}
    for ev in events:
        if ev.kind == "sign_in" and ev.user is not None:
            uid = ev.user.pk
            if uid not in last_login or ev.at > last_login[uid]:
                last_login[uid] = ev.at
    for k in range(0, len(events), 20000):
        EngagementEvent.objects.bulk_create(events[k : k + 20000], batch_size=5000)
    User.objects.bulk_update(
        [User(pk=uid, last_login=at) for uid, at in last_login.items()], ["last_login"], batch_size=2000
    )
    ctx.stats["events"] += len(events)
