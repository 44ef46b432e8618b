"""The badge issuer's Ed25519 keys: the license key store (``channelops.licensing.keys.KeyStore``)
with its own directory and settings (``CHANNELOPS_BADGE_KEY_DIR``, ``CHANNELOPS_BADGE_PRIVATE_KEY``
+ ``CHANNELOPS_BADGE_KEY_ID``, ``CHANNELOPS_BADGE_RETIRED_KEYS``); see docs/badges.md."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from channelops.licensing.keys import KeyStore, LicenseKeyError, SigningKey

from .proofs import b58encode

__all__ = ["BADGE_KEYS", "LicenseKeyError", "SigningKey", "issuer_id", "verification_method", "public_keys"]

BADGE_KEYS = KeyStore("BADGE", label="badge", command="channelops badge keys generate", doc="docs/badges.md")


def base_url() -> str:
    return str(settings.BADGE_ISSUER_URL).rstrip("/")


def issuer_id() -> str:
    """The issuer Profile's id: the URL of its JSON (``/badges/issuer``)."""
    return f"{base_url()}/badges/issuer"


def verification_method(kid: str) -> str:
    """A key's id (a plain URL, no did:web): ``<issuer>#<kid>``."""
    return f"{issuer_id()}#{kid}"


def current_key() -> SigningKey:
    return BADGE_KEYS.current_signing_key()


def _multikey_from_x(x: str) -> str:
    import base64

    raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    return "z" + b58encode(b"\xed\x01" + raw)


def public_keys() -> list[dict[str, Any]]:
    """Every badge key that may have signed a credential, as Multikey verification methods."""
    return [
        {
            "id": verification_method(jwk["kid"]),
            "type": "Multikey",
            "controller": issuer_id(),
            "publicKeyMultibase": _multikey_from_x(jwk["x"]),
        }
        for jwk in BADGE_KEYS.public_jwks()["keys"]
    ]
