"""Agreements: acceptances, prompts and reminders."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from ..plan import PACE
from ..planned import Batch, PartnerPlan, between, lognormal, test_net_ip
from .context import Context

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
)


def _versions_for(ctx: Context, p: PartnerPlan) -> list[list[Any]]:
    program_ids = {ctx.programs[s].pk for s in p.programs if s in ctx.programs}
    region_id = ctx.regions[p.region].pk
    return [
        ctx.versions[rule.template.pk]
        for rule in ctx.rules
        if rule.applies(program_ids, region_id) and ctx.versions.get(rule.template.pk)
    ]


def write_acceptances(ctx: Context, batch: Batch, start: int, people: dict[int, dict[str, Any]]) -> None:
    """Each partner that accepted: the versions current then (click-through evidence as
    ``agreement_accept`` records it), and the re-acceptances of versions published since — or the
    prompt and the reminders when it has not re-accepted (overdue after the deadline, due before)."""
    from channelops.agreements.models import Acceptance, AgreementEvent, EventKind

    rnd = ctx.rnd(start, "agreements")
    now, today = ctx.now, ctx.today
    acceptances, events = [], []
    for p in batch.partners:
        p_ok = True  # every agreement accepted or re-acceptance still due
        if p.accepted is None or p.admin is None:
            p.agreements_ok = p.status == "active" and not _versions_for(ctx, p)
            continue
        admin = people[p.pk][p.admin.email]
        ip, agent = test_net_ip(rnd), rnd.choice(USER_AGENTS)
        pace = PACE[p.region]

        def accept(
            version: Any,
            at: datetime,
            p: PartnerPlan = p,
            admin: Any = admin,
            ip: str = ip,
            agent: str = agent,
        ) -> None:
            acc = Acceptance(
                partner_id=p.pk,
                template_id=version.template_id,
                version=version,
                content_hash=version.content_hash,
                accepted_by=admin,
                accepted_by_name=admin.full_name[:150],
                accepted_by_email=admin.email,
                accepted_at=at,
                ip_address=ip,
                user_agent=agent,
                regions=p.region,
            )
            acc._history_date = at  # type: ignore[attr-defined]
            acc._history_user = admin  # type: ignore[attr-defined]
            acceptances.append(acc)
            events.append(
                AgreementEvent(
                    partner_id=p.pk,
                    kind=EventKind.ACCEPTED,
                    by=admin,
                    at=at,
                    version=version,
                    detail=f"{version} accepted from {ip}"[:500],
                )
            )

        for versions in _versions_for(ctx, p):
            at = p.accepted + timedelta(seconds=rnd.uniform(5, 90))
            current = [v for v in versions if v.published_at <= at]
            if not current:
                p_ok = False
                continue
            accept(current[-1], at)
            last = versions[-1]
            # overdue when a newer version's deadline has passed, until it re-accepts below
            ok = not (last.published_at > at and last.reaccept_by is not None and last.reaccept_by < today)
            for v in versions:
                if v.published_at <= at or p.status_at(v.published_at) != "active":
                    continue
                admin_to = f"E-mailed to {admin.email}"
                prompted = v.published_at + timedelta(minutes=rnd.uniform(1, 30))
                events.append(
                    AgreementEvent(
                        partner_id=p.pk, kind=EventKind.PROMPTED, at=prompted, version=v, detail=admin_to
                    )
                )
                deadline = v.reaccept_by
                passed = deadline is not None and deadline < today
                chance = (0.9 if passed else 0.35) / (1 + 0.1 * (pace - 1))
                if passed:
                    lag = timedelta(days=pace * lognormal(rnd, 12.0, 0.8))
                    when = v.published_at + lag
                else:
                    when = between(rnd, v.published_at, now - timedelta(minutes=5))
                if rnd.random() < chance and when < now and p.status_at(when) == "active":
                    accept(v, when)
                    at = when
                    if v is last:
                        ok = True
                    continue
                if deadline is None:
                    continue
                # reminded a week before the deadline and, once it has passed, the day after
                reminders = [deadline - timedelta(days=7)] + (
                    [deadline + timedelta(days=1)] if passed else []
                )
                for day in reminders:
                    sent = timezone.make_aware(datetime.combine(day, datetime.min.time()))
                    if sent < now:
                        events.append(
                            AgreementEvent(
                                partner_id=p.pk,
                                kind=EventKind.REMINDED,
                                at=sent + timedelta(hours=6),
                                version=v,
                                detail=admin_to,
                            )
                        )
            p_ok = p_ok and ok
        p.agreements_ok = p_ok and p.status == "active"
    bulk_create_with_history(acceptances, Acceptance, batch_size=2000)
    AgreementEvent.objects.bulk_create(events, batch_size=2000)
    ctx.stats["acceptances"] += len(acceptances)
