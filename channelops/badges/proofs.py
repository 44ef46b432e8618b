"""Data Integrity proofs ``eddsa-rdfc-2022`` (W3C VC Data Integrity EdDSA Cryptosuites v1.0).

* JSON-LD is processed **offline**: :func:`document_loader` maps the W3C VC 2.0 and Open Badges
  3.0.3 context URLs to the copies shipped in ``channelops/badges/contexts/`` and refuses every
  other URL (:class:`ContextRefused`); nothing is ever fetched from the network.
* Canonicalization is RDF Dataset Canonicalization (RDFC-1.0, which is URDNA2015) by ``pyld``.
* The signature is Ed25519 over ``sha256(canonical proof options) || sha256(canonical document)``;
  ``proofValue`` is multibase base58-btc (``z…``). Public keys are published as Multikeys
  (``publicKeyMultibase`` = ``z`` + base58-btc(0xed 0x01 + the 32-byte raw key)).

This module does not need Django: :func:`channelops.badges.verify.verify_badge` runs anywhere.
"""

from __future__ import annotations

import copy
import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CRYPTOSUITE = "eddsa-rdfc-2022"

#: The only documents the loader hands out: URL → file in channelops/badges/contexts/.
CONTEXT_FILES = {VC_V2: "credentials-v2.jsonld", OB_V3: "ob-context-3.0.3.json"}

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB_PREFIX = b"\xed\x01"


class ContextRefused(Exception):
    """The document names a JSON-LD context this loader does not ship (it never goes online)."""


class ProofError(Exception):
    """The proof is missing, malformed, or its signature does not match the document."""


@cache
def _context_text(filename: str) -> str:
    return resources.files("channelops.badges").joinpath("contexts", filename).read_text(encoding="utf-8")


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: the shipped contexts only, every other URL refused."""
    filename = CONTEXT_FILES.get(url)
    if filename is None:
        raise ContextRefused(
            f"refusing to load the JSON-LD document {url!r}: only the shipped contexts are used"
        )
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(_context_text(filename)),
        "contentType": "application/ld+json",
    }


def canonicalize(document: dict[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) N-Quads of a JSON-LD document, with the offline loader.

    Raises :class:`ContextRefused` for an unknown context URL and :class:`ProofError` when the
    document is not valid JSON-LD.
    """
    try:
        return str(
            jsonld.normalize(
                document,
                {
                    "algorithm": "URDNA2015",
                    "format": "application/n-quads",
                    "documentLoader": document_loader,
                },
            )
        )
    except jsonld.JsonLdError as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ContextRefused):
                raise cause from None
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise ProofError(f"not valid JSON-LD: {exc}") from exc


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, rem = divmod(n, 58)
        out = _B58[rem] + out
    pad = len(data) - len(data.lstrip(b"\0"))
    return "1" * pad + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        idx = _B58.find(ch)
        if idx < 0:
            raise ValueError("not base58-btc")
        n = n * 58 + idx
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(text) - len(text.lstrip("1"))
    return b"\0" * pad + body


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def multikey(public_key: Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` of an Ed25519 public key (Multikey)."""
    return "z" + b58encode(_ED25519_PUB_PREFIX + raw_public_key(public_key))


def public_key_from_multikey(value: str) -> Ed25519PublicKey:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("publicKeyMultibase must be base58-btc ('z…')")
    data = b58decode(value[1:])
    if len(data) != 34 or not data.startswith(_ED25519_PUB_PREFIX):
        raise ValueError("publicKeyMultibase is not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(data[2:])


def _hash_data(unsecured: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    options = dict(proof_options)
    options["@context"] = unsecured["@context"]
    options.pop("proofValue", None)
    proof_hash = hashlib.sha256(canonicalize(options).encode("utf-8")).digest()
    doc_hash = hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest()
    return proof_hash + doc_hash


def sign_hash_data(
    document: dict[str, Any], *, verification_method: str, created: str
) -> tuple[dict[str, Any], bytes]:
    """(proof options, the bytes to sign) for ``document`` — split out for the benchmark."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proof = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": created,
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    return proof, _hash_data(unsecured, proof)


def add_proof(
    document: dict[str, Any], *, private_key: Ed25519PrivateKey, verification_method: str, created: str
) -> dict[str, Any]:
    """A copy of ``document`` with an embedded ``eddsa-rdfc-2022`` DataIntegrityProof."""
    proof, data = sign_hash_data(document, verification_method=verification_method, created=created)
    proof["proofValue"] = "z" + b58encode(private_key.sign(data))
    signed = copy.deepcopy({k: v for k, v in document.items() if k != "proof"})
    signed["proof"] = proof
    return signed


def check_proof(document: dict[str, Any], public_key: Ed25519PublicKey) -> dict[str, Any]:
    """Verify the document's embedded proof with ``public_key``; returns the proof or raises ProofError."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("no proof (expected one embedded DataIntegrityProof)")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"unsupported proof (expected DataIntegrityProof {CRYPTOSUITE})")
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError("the proof's purpose is not assertionMethod")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("proofValue is not multibase base58-btc")
    try:
        signature = b58decode(value[1:])
    except ValueError:
        raise ProofError("proofValue is not multibase base58-btc") from None
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if unsecured.get("@context") is None:
        raise ProofError("the document has no @context")
    try:
        public_key.verify(signature, _hash_data(unsecured, proof))
    except InvalidSignature:
        raise ProofError("the signature does not match the document (tampered or wrong key)") from None
    return proof
