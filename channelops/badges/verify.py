"""Offline verification of an Open Badges 3.0 credential: ``verify_badge(document, keys=…, status=…)``.

The library call behind ``channelops badge verify`` (docs/badges.md). It needs no database and no
network: the keys (the issuer profile ``/badges/issuer``, a list of Multikeys, or a JWKS) and the
status list credential (``/badges/status/<n>``) are given as documents.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .proofs import ContextRefused, ProofError, check_proof, public_key_from_multikey
from .statuslist import bit_is_set, decode_bits

#: Distinct reasons a badge is refused (``BadgeInvalid.reason``).
NOT_A_BADGE = "not an Open Badges 3.0 credential"
UNKNOWN_KEY = "unknown key"
TAMPERED = "tampered or bad signature"
EXPIRED = "expired"
NOT_YET_VALID = "not yet valid"
REVOKED = "revoked"
BAD_STATUS = "status list unusable"


class BadgeInvalid(Exception):
    """The badge is not valid; ``reason`` is one of the constants above, ``detail`` explains."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class VerifiedBadge:
    """A credential whose proof, key, dates and (when a status list was given) revocation were checked."""

    id: str
    holder: str
    achievement: str
    issuer: str
    issuer_name: str
    valid_from: datetime | None
    valid_until: datetime | None
    key_id: str
    status_checked: bool
    document: dict[str, Any] = field(repr=False)


def keys_from(document: Any) -> dict[str, Ed25519PublicKey]:
    """verificationMethod id → public key, from an issuer profile, a list of Multikeys or a JWKS."""
    out: dict[str, Ed25519PublicKey] = {}
    if isinstance(document, dict) and isinstance(document.get("keys"), list):  # a JWKS
        for jwk in document["keys"]:
            if isinstance(jwk, dict) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
                raw = base64.urlsafe_b64decode(str(jwk.get("x", "")) + "==")
                if len(raw) == 32:
                    out[str(jwk.get("kid"))] = Ed25519PublicKey.from_public_bytes(raw)
        return out
    methods = document.get("verificationMethod", []) if isinstance(document, dict) else document
    if not isinstance(methods, list):
        raise ValueError("keys must be an issuer profile, a list of Multikeys or a JWKS")
    for method in methods:
        if isinstance(method, dict) and isinstance(method.get("id"), str):
            try:
                out[method["id"]] = public_key_from_multikey(method.get("publicKeyMultibase", ""))
            except ValueError:
                continue
    return out


def _find_key(keys: dict[str, Ed25519PublicKey], method: str) -> Ed25519PublicKey | None:
    if method in keys:
        return keys[method]
    fragment = method.rsplit("#", 1)[-1]  # a JWKS names keys by kid only
    return keys.get(fragment)


def _parse_time(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadgeInvalid(NOT_A_BADGE, f"{name} is not a date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _types(document: dict[str, Any]) -> set[str]:
    """The ``type`` values of a JSON-LD node (a string or a list of strings; anything else: none)."""
    value = document.get("type")
    values = value if isinstance(value, list) else [value]
    return {v for v in values if isinstance(v, str)}


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _verify_proof(document: dict[str, Any], keys: dict[str, Ed25519PublicKey], what: str) -> str:
    proof = document.get("proof")
    method = proof.get("verificationMethod") if isinstance(proof, dict) else None
    if not isinstance(method, str):
        raise BadgeInvalid(TAMPERED, f"the {what} has no proof")
    key = _find_key(keys, method)
    if key is None:
        raise BadgeInvalid(UNKNOWN_KEY, f"the {what} was signed with {method}, which is not among the keys")
    try:
        check_proof(document, key)
    except ContextRefused as exc:
        raise BadgeInvalid(NOT_A_BADGE, str(exc)) from None
    except ProofError as exc:
        raise BadgeInvalid(TAMPERED, f"{what}: {exc}") from None
    return method


def _check_status(
    document: dict[str, Any], status: dict[str, Any], keys: dict[str, Ed25519PublicKey]
) -> None:
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        raise BadgeInvalid(BAD_STATUS, "the badge has no BitstringStatusListEntry")
    if not isinstance(status, dict) or "BitstringStatusListCredential" not in _types(status):
        raise BadgeInvalid(BAD_STATUS, "the status document is not a BitstringStatusListCredential")
    if status.get("id") != entry.get("statusListCredential"):
        raise BadgeInvalid(BAD_STATUS, f"the badge's status list is {entry.get('statusListCredential')}")
    _verify_proof(status, keys, "status list")
    subject = _object(status.get("credentialSubject"))
    if subject.get("statusPurpose") != entry.get("statusPurpose"):
        raise BadgeInvalid(BAD_STATUS, "the status list's purpose differs from the badge's")
    try:
        bits = decode_bits(str(subject.get("encodedList", "")))
        revoked = bit_is_set(bits, int(entry.get("statusListIndex", -1)))
    except (ValueError, OSError, EOFError, IndexError) as exc:
        raise BadgeInvalid(BAD_STATUS, f"cannot read the status list: {exc}") from None
    if revoked and entry.get("statusPurpose") == "revocation":
        raise BadgeInvalid(REVOKED, "the issuer revoked this badge")


def verify_badge(
    document: Any,
    *,
    keys: Any,
    status: dict[str, Any] | None = None,
    today: date | datetime | None = None,
) -> VerifiedBadge:
    """Check an OpenBadgeCredential: its ``eddsa-rdfc-2022`` proof against ``keys``, its validity
    dates and, when ``status`` (the status list credential) is given, that it is not revoked.

    Raises :class:`BadgeInvalid` (``reason``: tampered or bad signature, unknown key, expired, not
    yet valid, revoked, …) or returns a :class:`VerifiedBadge`.
    """
    if not isinstance(document, dict):
        raise BadgeInvalid(NOT_A_BADGE, "expected a JSON object")
    types = _types(document)
    if "VerifiableCredential" not in types or not {"OpenBadgeCredential", "AchievementCredential"} & types:
        raise BadgeInvalid(NOT_A_BADGE, "type is not OpenBadgeCredential")
    key_map = keys_from(keys)
    method = _verify_proof(document, key_map, "badge")
    now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) if type(today) is date else today
    now = now or datetime.now(UTC)
    valid_from = _parse_time(document.get("validFrom"), "validFrom")
    valid_until = _parse_time(document.get("validUntil"), "validUntil")
    if valid_from and now < valid_from:
        raise BadgeInvalid(NOT_YET_VALID, f"valid from {valid_from.isoformat()}")
    if valid_until and now >= valid_until:
        raise BadgeInvalid(EXPIRED, f"expired on {valid_until.isoformat()}")
    if status is not None:
        _check_status(document, status, key_map)
    subject = _object(document.get("credentialSubject"))
    issuer = document.get("issuer")
    issuer_id = issuer.get("id", "") if isinstance(issuer, dict) else str(issuer or "")
    return VerifiedBadge(
        id=str(document.get("id", "")),
        holder=str(subject.get("name", "")),
        achievement=str(_object(subject.get("achievement")).get("name", "")),
        issuer=issuer_id,
        issuer_name=str(issuer.get("name", "")) if isinstance(issuer, dict) else "",
        valid_from=valid_from,
        valid_until=valid_until,
        key_id=method,
        status_checked=status is not None,
        document=document,
    )
