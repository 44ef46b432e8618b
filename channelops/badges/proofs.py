"""Data Integrity proofs ``eddsa-rdfc-2022`` (W3C VC Data Integrity EdDSA Cryptosuites v1.0).

* JSON-LD is processed **offline**: :func:`document_loader` maps the W3C VC 2.0, Open Badges
  3.0.3 and Controlled Identifiers v1 context URLs to the copies shipped in
  ``channelops/badges/contexts/`` and refuses every other URL (:class:`ContextRefused`); nothing
  is ever fetched from the network.
* JSON-LD **safe mode** (as ``jsonld.js``'s ``safe: true``, which stock verifiers use): a term
  that does not expand to an absolute IRI, a relative ``id``/``type`` reference or any other
  value that expansion would silently drop raises :class:`UnsafeJsonLd` — when signing and when
  verifying — because canonicalization would leave it out of what the signature covers.
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
import re
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: Controlled Identifiers v1: ``verificationMethod``, ``assertionMethod``, ``Multikey`` — the terms
#: of the issuer profile as a controller document (docs/badges.md, docs/dependencies.md).
CID_V1 = "https://www.w3.org/ns/cid/v1"
#: Multikey v1: stock verifiers (``@digitalbazaar/ed25519-multikey``) want it in a key's context.
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
CRYPTOSUITE = "eddsa-rdfc-2022"

#: The only documents the loader hands out: URL → file in channelops/badges/contexts/.
CONTEXT_FILES = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-context-3.0.3.json",
    CID_V1: "cid-v1.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
}

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_PUB_PREFIX = b"\xed\x01"


class ContextRefused(Exception):
    """The document names a JSON-LD context this loader does not ship (it never goes online)."""


class ProofError(Exception):
    """The proof is missing, malformed, or its signature does not match the document."""


class UnsafeJsonLd(ProofError):
    """JSON-LD safe mode: part of the document does not expand (an undefined term, a relative
    ``id`` or ``type``…), so canonicalization would drop it and the signature would not cover it."""


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


#: jsonld.js warns about (and safe mode refuses) language tags that do not match this.
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")


def _absolute_or_blank(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith("_:") or bool(jsonld._is_absolute_iri(value)))


def _unsafe(what: str) -> UnsafeJsonLd:
    return UnsafeJsonLd(f"{what} (JSON-LD safe mode: the signature would not cover it)")


class _SafeProcessor(jsonld.JsonLdProcessor):
    """pyld's processor with jsonld.js's safe mode: whatever expansion would drop is an error.

    pyld (3.3) has no ``safe`` option; this checks the same conditions: a property that does not
    expand to an absolute IRI or keyword (pyld's ``on_property_dropped``), an element that expands
    to nothing (free-floating value, ``@value: null``, an object with only ``@language``…), and in
    the expanded document a relative or non-IRI ``@id``/``@type``, a blank-node predicate, an
    ill-formed ``@language`` or an ``@direction`` (which RDF canonicalization drops).
    """

    def __init__(self) -> None:
        super().__init__(on_property_dropped=self._property_dropped)

    @staticmethod
    def _property_dropped(expanded_property: str | None) -> None:
        raise _unsafe(
            f"the property {expanded_property!r} is not defined by the document's JSON-LD contexts"
            if expanded_property
            else "a property that looks like a JSON-LD keyword is not one"
        )

    def _expand(
        self, active_ctx: Any, active_property: Any, element: Any, options: Any, *args: Any, **kwargs: Any
    ) -> Any:
        result = super()._expand(active_ctx, active_property, element, options, *args, **kwargs)
        if result is None and element is not None:
            raise _unsafe(
                f"the value {json.dumps(element)[:80]} of {active_property!r} is dropped by JSON-LD expansion"
            )
        return result

    def expand(self, input_: Any, options: Any) -> Any:
        expanded = super().expand(input_, options)
        _check_expanded(expanded)
        return expanded


def _check_expanded(expanded: Any) -> None:
    """Refuse what RDF conversion of an expanded document would drop (iteratively: no recursion)."""
    stack = [expanded]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        is_value = "@value" in node
        for key, value in node.items():
            if key == "@id":
                if not _absolute_or_blank(value):
                    raise _unsafe(f"the id {value!r} is not an absolute IRI")
            elif key == "@type":
                types = value if isinstance(value, list) else [value]
                for t in types:
                    if not (_absolute_or_blank(t) or (is_value and t == "@json")):
                        raise _unsafe(f"the type {t!r} is not defined by the document's JSON-LD contexts")
            elif key == "@language":
                if not (isinstance(value, str) and _LANGUAGE_TAG.match(value)):
                    raise _unsafe(f"the language tag {value!r} is not well-formed")
            elif key == "@direction":
                raise _unsafe("@direction is dropped by RDF canonicalization")
            elif key == "@value":
                continue  # a literal (including @json): nothing below it is expanded
            elif key.startswith("_:"):
                raise _unsafe(f"the property {key!r} is a blank node")
            else:
                stack.append(value)


def _options(**extra: Any) -> dict[str, Any]:
    # base None: a relative IRI stays relative (and is refused) instead of being resolved against
    # pyld's placeholder base http://example.org/base/ (jsonld.js verifiers use base: null too)
    return {"documentLoader": document_loader, "base": None, **extra}


def _reraise(exc: jsonld.JsonLdError) -> None:
    """Raise the ContextRefused / UnsafeJsonLd that caused a pyld error, else ProofError."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (ContextRefused, UnsafeJsonLd)):
            raise cause from None
        cause = getattr(cause, "cause", None) or cause.__cause__
    raise ProofError(f"not valid JSON-LD: {exc}") from exc


#: What pyld raises besides JsonLdError on malformed input (e.g. ``"@context": 7``).
_PYLD_FAILURES = (
    jsonld.JsonLdError,
    TypeError,
    ValueError,
    KeyError,
    AttributeError,
    IndexError,
    RecursionError,
)


def expand_safe(document: dict[str, Any]) -> list[Any]:
    """JSON-LD expansion in safe mode with the offline loader (what a stock verifier does first).

    Raises :class:`UnsafeJsonLd` when anything would be dropped, :class:`ContextRefused` for an
    unknown context URL and :class:`ProofError` when the document is not valid JSON-LD.
    """
    return list(_pyld(lambda: _SafeProcessor().expand(document, _options())))


def canonicalize(document: dict[str, Any]) -> str:
    """RDFC-1.0 (URDNA2015) N-Quads of a JSON-LD document, in safe mode with the offline loader.

    Raises :class:`UnsafeJsonLd` when part of the document would not be canonicalized (so not
    signed), :class:`ContextRefused` for an unknown context URL and :class:`ProofError` when the
    document is not valid JSON-LD.
    """
    return str(
        _pyld(
            lambda: _SafeProcessor().normalize(
                document, _options(algorithm="URDNA2015", format="application/n-quads")
            )
        )
    )


def _pyld(call: Callable[[], Any]) -> Any:
    """Run a pyld call; our own refusals pass through, pyld's failures become :class:`ProofError`."""
    try:
        return call()
    except (ContextRefused, UnsafeJsonLd):
        raise
    except _PYLD_FAILURES as exc:
        if isinstance(exc, jsonld.JsonLdError):
            _reraise(exc)
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
