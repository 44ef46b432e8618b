"""Signed license files: the canonical payload, signing, and the documented verification function.

A license file is a JWS compact serialization (RFC 7515; alg ``Ed25519`` per RFC 9864, header
``kid`` and ``typ: channelops-license+jws``) over the canonical JSON payload (sorted keys,
UTF-8, no insignificant whitespace), wrapped in 64-character lines between armour lines and
preceded by a few human-readable ``#`` comment lines (not signed; never trusted)::

    # channelops license — 25 Ultimate NFR licenses for partner Acme
    # ...
    -----BEGIN CHANNELOPS LICENSE-----
    eyJhbGciOiJFZDI1NTE5Iiwia2lkIjoiMjAyNjExMjgtM2Y5YTJjMWIiLCJ0eXAiOiJjaGFu
    ...
    -----END CHANNELOPS LICENSE-----

``verify_license(text, jwks=…)`` is the library call behind ``channelops license verify``
(docs/licenses.md).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OKPKey

from channelops.core import jsonlimits

from .keys import JWS_ALG, SigningKey, current_signing_key

BEGIN = "-----BEGIN CHANNELOPS LICENSE-----"
END = "-----END CHANNELOPS LICENSE-----"
TYP = "channelops-license+jws"
LINE = 64
_BODY_RE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")

#: The payload's fields, all signed.
PAYLOAD_FIELDS = (
    "id",
    "licensee",
    "company",
    "email",
    "plan",
    "users",
    "nfr",
    "trial",
    "starts",
    "expires",
    "note",
    "issuer",
    "kid",
)

#: Distinct reasons a license is refused (``LicenseInvalid.reason``).
NOT_A_LICENSE = "not a license file"
UNKNOWN_KEY = "unknown key id"
BAD_SIGNATURE = "bad signature or tampered payload"
EXPIRED = "expired"
NOT_YET_VALID = "not yet valid"
REVOKED = "revoked"


class LicenseInvalid(Exception):
    """The license is not valid; ``reason`` is one of the constants above, ``detail`` explains."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class VerifiedLicense:
    """A license whose signature, key, dates and revocation status were checked."""

    id: str
    licensee: str
    company: str
    email: str
    plan: str
    users: int
    nfr: bool
    trial: bool
    starts: date
    expires: date
    note: str
    issuer: str
    kid: str
    payload: dict[str, Any]


def canonical_json(payload: dict[str, Any]) -> bytes:
    """Sorted keys, UTF-8, no insignificant whitespace: the bytes that are signed."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _b64url_decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _comment_lines(payload: dict[str, Any]) -> list[str]:
    return [
        "# channelops license file. Everything between the BEGIN and END lines is signed;",
        "# these comment lines are not and are ignored when the file is verified.",
        f"# {payload.get('note', '')}",
        f"# Licensee: {payload.get('licensee', '')} <{payload.get('email', '')}>, {payload.get('company', '')}",
        f"# Valid: {payload.get('starts', '')} until {payload.get('expires', '')} (exclusive)",
        f"# License id: {payload.get('id', '')}; key id: {payload.get('kid', '')}",
        f"# Verify: channelops license verify FILE --keys {payload.get('issuer', '')}/licenses/keys.json",
    ]


def license_sign(payload: dict[str, Any], *, key: SigningKey | None = None) -> str:
    """Sign ``payload`` (its ``kid`` is set to the signing key's) and return the armoured file text."""
    key = key or current_signing_key()
    payload = dict(payload) | {"kid": key.kid}
    missing = [f for f in PAYLOAD_FIELDS if f not in payload]
    if missing:
        raise ValueError(f"license payload lacks {', '.join(missing)}")
    jwk = OKPKey.import_key(key.private_key, parameters={"kid": key.kid})
    header = {"alg": JWS_ALG, "kid": key.kid, "typ": TYP}
    compact = jws.serialize_compact(header, canonical_json(payload), jwk, algorithms=[JWS_ALG])
    lines = [compact[i : i + LINE] for i in range(0, len(compact), LINE)]
    return "\n".join([*_comment_lines(payload), BEGIN, *lines, END]) + "\n"


def extract_compact(text: str) -> str:
    """The JWS compact serialization between the armour lines; ``LicenseInvalid`` if garbled."""
    if not isinstance(text, str):
        raise LicenseInvalid(NOT_A_LICENSE, "expected text")
    lines = [line.strip(" \t\r") for line in text.split("\n")]
    try:
        start = lines.index(BEGIN)
        end = lines.index(END, start + 1)
    except ValueError:
        raise LicenseInvalid(NOT_A_LICENSE, "no BEGIN/END CHANNELOPS LICENSE lines") from None
    if lines.count(BEGIN) != 1 or lines.count(END) != 1:
        raise LicenseInvalid(NOT_A_LICENSE, "more than one BEGIN/END line")
    body_lines = lines[start + 1 : end]
    if not body_lines or any(len(line) > LINE or not line for line in body_lines):
        raise LicenseInvalid(NOT_A_LICENSE, "the armoured lines are garbled")
    if any(len(line) != LINE for line in body_lines[:-1]):
        raise LicenseInvalid(NOT_A_LICENSE, "the armoured lines are garbled")
    body = "".join(body_lines)
    if not _BODY_RE.match(body):
        raise LicenseInvalid(NOT_A_LICENSE, "the armoured text is not a JWS compact serialization")
    return body


def _jwks_keys(jwks: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        raise ValueError("jwks must be a JSON Web Key Set: {'keys': [...]}")
    out = {}
    for jwk in keys:
        if (
            isinstance(jwk, dict)
            and isinstance(jwk.get("kid"), str)
            and jwk.get("kty") == "OKP"
            and jwk.get("crv") == "Ed25519"
            and isinstance(jwk.get("x"), str)
            and jwk.get("use", "sig") == "sig"
        ):
            out[jwk["kid"]] = {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"], "kid": jwk["kid"]}
    return out


def _parse_date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise LicenseInvalid(BAD_SIGNATURE, f"{field} is not an ISO date") from None


def _today() -> date:
    try:
        from django.utils import timezone

        return timezone.localdate()
    except Exception:  # outside a configured Django project
        return date.today()


def verify_license(
    text: str,
    *,
    jwks: dict[str, Any],
    revoked: Iterable[str] | None = None,
    today: date | None = None,
) -> VerifiedLicense:
    """Verify a license file against a JWKS (e.g. ``/licenses/keys.json``) and return its content.

    Raises ``LicenseInvalid`` with ``reason`` one of: ``NOT_A_LICENSE`` (armour missing or
    garbled), ``UNKNOWN_KEY`` (the kid is not in ``jwks``), ``BAD_SIGNATURE`` (signature does not
    verify, or header/payload not as signed), ``NOT_YET_VALID`` (today < starts), ``EXPIRED``
    (today >= expires), ``REVOKED`` (the id is in ``revoked``, e.g. from ``/licenses/revoked.json``).
    ``today`` defaults to the local date.
    """
    compact = extract_compact(text)
    header_seg, payload_seg, sig_seg = compact.split(".")
    try:
        header_raw = _b64url_decode(header_seg)
        header = jsonlimits.loads(header_raw)
        payload_raw = _b64url_decode(payload_seg)
        signature = _b64url_decode(sig_seg)
    except (binascii.Error, ValueError):
        raise LicenseInvalid(BAD_SIGNATURE, "the header, payload or signature does not decode") from None
    # Only canonical base64url: a flipped padding bit must not pass as the same bytes.
    if (
        _b64url_encode(header_raw) != header_seg
        or _b64url_encode(payload_raw) != payload_seg
        or _b64url_encode(signature) != sig_seg
    ):
        raise LicenseInvalid(BAD_SIGNATURE, "non-canonical encoding")
    if not isinstance(header, dict) or not isinstance(header.get("kid"), str):
        raise LicenseInvalid(BAD_SIGNATURE, "the header has no key id")
    keys = _jwks_keys(jwks)
    kid = header["kid"]
    if kid not in keys:
        raise LicenseInvalid(UNKNOWN_KEY, f"no public key {kid!r} in the key set")
    if header != {"alg": JWS_ALG, "kid": kid, "typ": TYP}:
        raise LicenseInvalid(BAD_SIGNATURE, "unexpected header")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            obj = jws.deserialize_compact(
                compact, KeySet([OKPKey.import_key(keys[kid])]), algorithms=[JWS_ALG]
            )
    except (JoseError, ValueError, TypeError):
        raise LicenseInvalid(BAD_SIGNATURE, "the signature does not verify") from None
    # The verified object must be exactly what we decoded, and the payload canonical.
    if obj.headers() != header or obj.payload != payload_raw:
        raise LicenseInvalid(BAD_SIGNATURE, "header or payload differs from what was signed")
    try:
        payload = jsonlimits.loads(payload_raw.decode("utf-8"))
    except ValueError:
        raise LicenseInvalid(BAD_SIGNATURE, "the payload is not JSON") from None
    if not isinstance(payload, dict) or canonical_json(payload) != payload_raw:
        raise LicenseInvalid(BAD_SIGNATURE, "the payload is not canonical")
    if set(payload) != set(PAYLOAD_FIELDS) or payload["kid"] != kid:
        raise LicenseInvalid(BAD_SIGNATURE, "the payload's fields or key id do not match")
    starts = _parse_date(payload["starts"], "starts")
    expires = _parse_date(payload["expires"], "expires")
    if today is None:
        today = _today()
    if str(payload["id"]) in {str(r) for r in (revoked or ())}:
        raise LicenseInvalid(REVOKED, f"license {payload['id']} has been revoked")
    if today < starts:
        raise LicenseInvalid(NOT_YET_VALID, f"valid from {starts.isoformat()}")
    if today >= expires:
        raise LicenseInvalid(EXPIRED, f"expired on {expires.isoformat()}")
    return VerifiedLicense(
        id=str(payload["id"]),
        licensee=payload["licensee"],
        company=payload["company"],
        email=payload["email"],
        plan=payload["plan"],
        users=payload["users"],
        nfr=payload["nfr"],
        trial=payload["trial"],
        starts=starts,
        expires=expires,
        note=payload["note"],
        issuer=payload["issuer"],
        kid=kid,
        payload=payload,
    )
