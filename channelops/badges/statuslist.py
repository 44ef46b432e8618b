"""The published revocation list: a ``BitstringStatusListCredential`` (W3C Bitstring Status List
v1.0) per ``StatusList``, at ``/badges/status/<id>``.

The bitstring has one bit per badge index (131,072 bits = 16 KB, the spec's minimum); bit 0 is
the most significant bit of the first byte. ``encodedList`` is multibase base64url (``u`` prefix,
no padding) of the GZIP-compressed bitstring. The credential is signed like the badges.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache

from . import keys
from .models import STATUS_LIST_BITS, Badge, BadgeStatus, StatusList
from .proofs import VC_V2


def encode_bits(indexes: Iterable[int], size: int = STATUS_LIST_BITS) -> str:
    bits = bytearray(size // 8)
    for i in indexes:
        if 0 <= i < size:
            bits[i // 8] |= 0x80 >> (i % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode("ascii")


def decode_bits(encoded: str) -> bytes:
    """The raw bitstring of an ``encodedList`` (multibase base64url, or plain base64url)."""
    text = encoded[1:] if encoded.startswith("u") else encoded
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    if index < 0 or index // 8 >= len(bits):
        raise IndexError("the status list index is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def revoked_indexes(list_id: int) -> list[int]:
    return sorted(
        Badge.objects.filter(status_list_id=list_id, status=BadgeStatus.REVOKED).values_list(
            "status_index", flat=True
        )
    )


def status_list_credential(list_id: int) -> dict[str, Any]:
    """The signed status list credential; cached until a revocation changes it or the key rotates."""
    from .services import _sign, status_list_url

    size = StatusList.objects.filter(pk=list_id).values_list("size", flat=True).first() or STATUS_LIST_BITS
    revoked = revoked_indexes(list_id)
    key = keys.current_key()
    fingerprint = hashlib.sha256(
        f"{list_id}:{size}:{key.kid}:{keys.base_url()}:{revoked}".encode()
    ).hexdigest()
    cache_key = f"badges:status:{fingerprint}"
    cached = cache.get(cache_key)
    if cached is not None:
        return dict(cached)
    url = status_list_url(list_id)
    from django.utils import timezone

    doc = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": keys.issuer_id(),
        "validFrom": timezone.now().replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bits(revoked, size),
        },
    }
    signed = _sign(doc, key)
    cache.set(cache_key, signed, 3600)
    return signed
