"""Open Badges for recent certifications."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .context import Context, seeded_uuid
from .records import Rec

BADGES_SINCE_DAYS = 182


def write_badges(ctx: Context, records: dict[int, list[Rec]], start: int) -> None:
    """Open Badges for the certifications earned in the last six months (badges started then): issued —
    approved by the channel program manager and signed as ``badges_sign`` signs them, the proof dated
    when it was issued — or, for the last week's, waiting for approval (``manual`` mode)."""
    from django.conf import settings

    from channelops.badges import keys
    from channelops.badges.models import Badge, BadgeStatus
    from channelops.badges.proofs import add_proof
    from channelops.badges.services import _reserve_indexes, credential_document, identity_hash

    rnd = ctx.rnd(start, "badges")
    today = ctx.today
    since = today - timedelta(days=BADGES_SINCE_DAYS)
    manager = ctx.staff.get("program")
    wanted = [
        r
        for recs in records.values()
        for r in recs
        if r.cert.grants_badge and r.completed >= since and r.certified_on(r.completed) and r.row is not None
    ]
    if not wanted:
        return
    key = ctx.badge_key
    slots = _reserve_indexes(len(wanted))
    badges = []
    for r, (list_id, index) in zip(wanted, slots, strict=True):
        salt = f"{rnd.getrandbits(128):032x}"
        created = min(
            ctx.now,
            timezone.make_aware(datetime.combine(r.completed + timedelta(days=1), datetime.min.time())),
        )
        b = Badge(
            id=seeded_uuid(rnd),
            record_id=r.row.pk,
            partner_id=r.row.partner_id,
            certification=r.cert,
            holder_name=r.name[:150],
            status=BadgeStatus.PENDING,
            salt=salt,
            identity_hash=identity_hash(r.email, salt),
            status_list_id=list_id,
            status_index=index,
            valid_from=r.completed,
            valid_until=r.expires,
            created_at=created,
        )
        b._history_date = created  # type: ignore[attr-defined]
        recent = r.completed > today - timedelta(days=7) and settings.BADGE_APPROVAL == "manual"
        if key is not None and not recent:
            approved = created + timedelta(hours=rnd.uniform(2, 96))
            issued = min(ctx.now - timedelta(minutes=1), approved + timedelta(minutes=rnd.uniform(1, 10)))
            b.status, b.approved_at, b.approved_by, b.issued_at = (
                BadgeStatus.ISSUED,
                approved,
                manager,
                issued,
            )
            b.credential = add_proof(
                credential_document(b),
                private_key=key.private_key,
                verification_method=keys.verification_method(key.kid),
                created=issued.strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            b.key_id = key.kid
        badges.append(b)
    bulk_create_with_history(badges, Badge, batch_size=1000)
    ctx.stats["badges"] += len(badges)
