"""Badge issuance, approval, signing and revocation (docs/badges.md).

Flow: ``practitioner_records_changed`` → :func:`badges_create_for_records` creates one ``Badge`` row
per certified record whose certification grants a badge (cheap, bulk, in the sender's
transaction) → approved badges are signed in the background (outbox kind ``badges.sign``,
:func:`badges_sign`) → the holder gets an e-mail with the link to the public page.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.events import publish
from channelops.core.models import OutboxMessage
from channelops.core.outbox import email_enqueue, outbox_enqueue, register_handler
from channelops.enablement.models import PractitionerRecord

from . import keys
from .models import STATUS_LIST_BITS, Badge, BadgeStatus, StatusList
from .proofs import CID_V1, MULTIKEY_V1, OB_V3, VC_V2, add_proof

APPROVE_PERM = "badges.approve_badge"
REVOKE_PERM = "badges.revoke_badge"
#: Badges per ``badges.sign`` outbox message (one worker claim signs this many).
SIGN_CHUNK = 200
#: Record ids per query when creating badges (SQLite's bound-parameter limit).
ID_CHUNK = 5000


def identity_hash(email: str, salt: str) -> str:
    """``sha256$`` + hex SHA-256 of the e-mail (trimmed, lower-cased) followed by the salt (OB 3.0)."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()


def _iso(day: date) -> str:
    return datetime.combine(day, time.min, tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def public_url(badge: Badge) -> str:
    return f"{keys.base_url()}/badges/{badge.pk}/"


def status_list_url(list_id: int) -> str:
    return f"{keys.base_url()}/badges/status/{list_id}"


def achievement_id(badge: Badge) -> str:
    return f"{keys.base_url()}/badges/issuer#achievement-{badge.certification.slug}"


def issuer_profile(*, with_keys: bool = False) -> dict[str, Any]:
    """The issuer Profile; with ``with_keys`` the published document (``/badges/issuer``).

    The published profile is also the **controller document** of the badge keys: Controlled
    Identifiers v1 (``CID_V1``) defines ``verificationMethod``, ``assertionMethod`` and ``Multikey``,
    so a stock verifier's assertion proof purpose (JSON-LD safe mode) finds the key there.
    """
    profile: dict[str, Any] = {
        "id": keys.issuer_id(),
        "type": ["Profile"],
        "name": settings.BADGE_ISSUER_NAME,
        "url": keys.base_url(),
    }
    if with_keys:
        methods = keys.public_keys()
        profile = {
            "@context": [VC_V2, OB_V3, CID_V1, MULTIKEY_V1],
            **profile,
            "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods],
        }
    return profile


def credential_document(badge: Badge) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of ``badge`` (VC 2.0 data model, OB 3.0)."""
    cert = badge.certification
    achievement: dict[str, Any] = {
        "id": achievement_id(badge),
        "type": ["Achievement"],
        "name": cert.name,
        "description": cert.description or cert.name,
        "criteria": {"narrative": cert.badge_criteria or f"Pass the {cert.exam_name or cert.name} exam."},
    }
    doc: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": public_url(badge),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": cert.name,
        "issuer": issuer_profile(),
        "validFrom": _iso(badge.valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": badge.holder_name,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": badge.identity_hash,
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": badge.salt,
                }
            ],
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": f"{status_list_url(badge.status_list_id)}#{badge.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(badge.status_index),
            "statusListCredential": status_list_url(badge.status_list_id),
        },
    }
    if badge.valid_until is not None:
        doc["validUntil"] = _iso(badge.valid_until)
    return doc


def _sign(document: dict[str, Any], key: keys.SigningKey) -> dict[str, Any]:
    created = timezone.now().replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return add_proof(
        document,
        private_key=key.private_key,
        verification_method=keys.verification_method(key.kid),
        created=created,
    )


def approval_mode() -> str:
    return str(settings.BADGE_APPROVAL)


_RANDOM = secrets.SystemRandom()


def _reserve_indexes(count: int) -> list[tuple[int, int]]:
    """``count`` (status list id, index) pairs from the current list (locked) and the next ones.

    Indexes are drawn at random among the list's free ones (the Bitstring Status List spec asks
    for random assignment, so a badge's position tells nothing about when it was issued);
    ``next_index`` counts how many of the list are taken.
    """
    out: list[tuple[int, int]] = []
    while len(out) < count:
        current = StatusList.objects.select_for_update().order_by("-id").first()
        if current is None or current.next_index >= current.size:
            new_id = (current.pk + 1) if current else 1
            StatusList.objects.get_or_create(id=new_id, defaults={"size": STATUS_LIST_BITS})
            continue
        take = min(count - len(out), current.size - current.next_index)
        used = set(Badge.objects.filter(status_list_id=current.pk).values_list("status_index", flat=True))
        free = [i for i in range(current.size) if i not in used]
        out += [(current.pk, i) for i in _RANDOM.sample(free, take)]
        StatusList.objects.filter(pk=current.pk).update(next_index=current.next_index + take)
    return out


def _eligible(record_ids: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(record_ids), ID_CHUNK):
        chunk = record_ids[start : start + ID_CHUNK]
        rows += list(
            PractitionerRecord.objects.certified()
            .filter(pk__in=chunk, certification__grants_badge=True, badge__isnull=True)
            .values(
                "pk", "partner_id", "certification_id", "full_name", "email", "completed_on", "expires_on"
            )
        )
    return rows


@transaction.atomic
def badges_create_for_records(*, record_ids: Iterable[int]) -> list[Badge]:
    """One badge per certified record (of a certification that grants one) that has none yet.

    Cheap enough for a 100,000-row import: a few queries per 5,000 records, no signing here. In
    ``auto`` approval mode the badges are queued for signing at once; in ``manual`` mode they
    wait for the channel program manager (:func:`badge_approve`).
    """
    ids = sorted({int(i) for i in record_ids})
    rows = _eligible(ids)
    if not rows:
        return []
    auto = approval_mode() == "auto"
    now = timezone.now()
    slots = _reserve_indexes(len(rows))
    badges = []
    for row, (list_id, index) in zip(rows, slots, strict=True):
        salt = secrets.token_hex(16)
        badges.append(
            Badge(
                record_id=row["pk"],
                partner_id=row["partner_id"],
                certification_id=row["certification_id"],
                holder_name=row["full_name"],
                status=BadgeStatus.APPROVED if auto else BadgeStatus.PENDING,
                salt=salt,
                identity_hash=identity_hash(row["email"], salt),
                status_list_id=list_id,
                status_index=index,
                valid_from=row["completed_on"],
                valid_until=row["expires_on"],
                created_at=now,
                approved_at=now if auto else None,
            )
        )
    # ignore_conflicts: a concurrent transaction that created a badge for the same record wins
    # (the one-to-one on ``record`` is unique); the index reserved here is then simply unused.
    Badge.objects.bulk_create(badges, batch_size=1000, ignore_conflicts=True)
    if auto:
        _queue_signing([b.pk for b in badges])
    return badges


def _queue_signing(badge_ids: list[Any]) -> None:
    for start in range(0, len(badge_ids), SIGN_CHUNK):
        chunk = [str(pk) for pk in badge_ids[start : start + SIGN_CHUNK]]
        outbox_enqueue(
            kind="badges.sign", key=f"badges.sign:{chunk[0]}:{len(chunk)}", payload={"badges": chunk}
        )


def on_records_changed(*, record_ids: Iterable[int] = (), **kwargs: Any) -> None:
    """Registered on ``channelops.enablement.hooks.practitioner_records_changed``."""
    badges_create_for_records(record_ids=list(record_ids))


def badges_sign(*, badge_ids: Iterable[Any]) -> int:
    """Sign the approved, unsigned badges among ``badge_ids`` and e-mail their holders; idempotent.

    Each badge is signed in its own transaction with its row locked, so a retry or a second
    worker signs nothing twice.
    """
    key = keys.current_key()
    signed = 0
    for pk in badge_ids:
        with transaction.atomic():
            badge = (
                Badge.objects.select_for_update(of=("self",))
                .select_related("certification", "record")
                .filter(pk=pk, status=BadgeStatus.APPROVED)
                .first()
            )
            if badge is None:
                continue
            badge.credential = _sign(credential_document(badge), key)
            badge.key_id = key.kid
            badge.status = BadgeStatus.ISSUED
            badge.issued_at = timezone.now()
            badge.save(update_fields=["credential", "key_id", "status", "issued_at"])
            _email_holder(badge)
            _publish(badge, "badge.issued")
            signed += 1
    return signed


def _email_holder(badge: Badge) -> None:
    email_enqueue(
        to=badge.record.email,
        template="badges/email/issued",
        context={"badge": badge, "certification": badge.certification, "link": public_url(badge)},
        key=f"badge-issued:{badge.pk}",
        topic=f"partner:{badge.partner_id}",
    )


@register_handler("badges.sign")
def deliver_badges_sign(msg: OutboxMessage) -> None:
    badges_sign(badge_ids=msg.payload.get("badges", []))


def _require(user: Any, perm: str) -> None:
    if user is None or not user.is_staff or not user.has_perm(perm):
        raise PermissionDenied(_("You may not do this to badges."))


@transaction.atomic
def badge_approve(*, badge: Badge, by: Any) -> Badge:
    """Approve a badge held for approval (channel program manager); it is then signed in the background."""
    _require(by, APPROVE_PERM)
    locked = Badge.objects.select_for_update(of=("self",)).get(pk=badge.pk)
    if locked.status != BadgeStatus.PENDING:
        raise ValueError("Only a badge awaiting approval can be approved.")
    locked.status = BadgeStatus.APPROVED
    locked.approved_at = timezone.now()
    locked.approved_by = by
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save(update_fields=["status", "approved_at", "approved_by"])
    _queue_signing([locked.pk])
    return locked


@transaction.atomic
def badge_revoke(*, badge: Badge, by: Any, reason: str) -> Badge:
    """Revoke a badge: its bit in the published status list is set (verifiers see "revoked")."""
    _require(by, REVOKE_PERM)
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("Give a reason for the revocation.")
    locked = Badge.objects.select_for_update(of=("self",)).get(pk=badge.pk)
    if locked.status == BadgeStatus.REVOKED:
        return locked
    locked.status = BadgeStatus.REVOKED
    locked.revoked_at = timezone.now()
    locked.revoked_by = by
    locked.revocation_reason = reason
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    _publish(locked, "badge.revoked")
    return locked


def _publish(badge: Badge, kind: str) -> None:
    publish(
        kind,
        key=str(badge.pk),
        data={
            "badge_id": str(badge.pk),
            "partner_id": badge.partner_id,
            "holder": badge.holder_name,
            "certification": badge.certification.name,
            "status": badge.status,
            "public_url": public_url(badge),
        },
    )
