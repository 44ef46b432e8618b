"""Ed25519 signing keys for license files (docs/licenses.md).

Private keys never leave the server. They live either

* in the key directory (``LICENSE_KEY_DIR``, env ``CHANNELOPS_LICENSE_KEY_DIR``, default
  ``var/license-keys/``): one ``<kid>.pem`` (PKCS#8, mode 0600) per key and a ``current``
  file naming the key that signs new licenses. Old keys stay in the directory, so licenses
  they signed keep verifying after a rotation; or
* in the environment, for deployments without a writable disk:
  ``CHANNELOPS_LICENSE_PRIVATE_KEY`` (the PEM) with ``CHANNELOPS_LICENSE_KEY_ID``. The public
  halves of retired keys are then given as a JWKS in ``CHANNELOPS_LICENSE_RETIRED_KEYS``.

Only public keys are ever published (``public_jwks()`` → ``/licenses/keys.json``).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from channelops.core import jsonlimits

#: The JWS algorithm: RFC 9864's fully specified name for EdDSA over Ed25519. (joserfc ≥1.6
#: warns that the polymorphic ``EdDSA`` is deprecated; the signature bytes are the same.)
JWS_ALG = "Ed25519"
CURRENT_MARKER = "current"
KID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_lock = threading.RLock()


class LicenseKeyError(Exception):
    """The signing keys are missing or misconfigured; the message says what to do."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def make_kid(public_key: Ed25519PublicKey, *, on: date | None = None) -> str:
    """``YYYYMMDD-`` + the first 8 hex digits of the SHA-256 of the raw public key."""
    day = on or timezone.localdate()
    return f"{day:%Y%m%d}-{hashlib.sha256(_raw_public(public_key)).hexdigest()[:8]}"


def public_jwk(kid: str, public_key: Ed25519PublicKey) -> dict[str, str]:
    """The JWK (RFC 8037 OKP) of a public key: never holds the private part ``d``."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(_raw_public(public_key)),
        "kid": kid,
        "use": "sig",
        "alg": JWS_ALG,
    }


class KeyStore:
    """Where one family of Ed25519 signing keys lives, read from the settings ``<PREFIX>_KEY_DIR``,
    ``<PREFIX>_PRIVATE_KEY``, ``<PREFIX>_KEY_ID``, ``<PREFIX>_RETIRED_KEYS`` and
    ``<PREFIX>_KEY_AUTOGENERATE`` (environment ``CHANNELOPS_<PREFIX>_…``).

    License files use ``LICENSE_KEYS`` (the module-level functions below); Open Badges use
    another store (``channelops.badges.keys``) with its own directory and settings.
    """

    def __init__(self, prefix: str, *, label: str, command: str, doc: str) -> None:
        self.prefix = prefix
        self.label = label  # "license", "badge": for messages
        self.command = command  # the command that generates a key
        self.doc = doc
        self._test_dir: Path | None = None

    def _setting(self, name: str) -> Any:
        return getattr(settings, f"{self.prefix}_{name}")

    def _env(self, name: str) -> str:
        return f"CHANNELOPS_{self.prefix}_{name}"

    def key_dir(self) -> Path:
        """The key directory; in the test suite (no directory configured) a temporary one per process."""
        configured = self._setting("KEY_DIR")
        if configured is not None:
            return Path(configured)
        with _lock:
            if self._test_dir is None:
                self._test_dir = Path(tempfile.mkdtemp(prefix=f"channelops-{self.label}-keys-"))
                atexit.register(shutil.rmtree, self._test_dir, True)
            return self._test_dir

    def env_key(self) -> SigningKey | None:
        pem = self._setting("PRIVATE_KEY").strip()
        if not pem:
            return None
        kid = self._setting("KEY_ID").strip()
        if not kid or not KID_RE.match(kid):
            raise LicenseKeyError(
                f"{self._env('PRIVATE_KEY')} is set but {self._env('KEY_ID')} is missing or invalid "
                "(letters, digits, '.', '_', '-'; at most 64 characters)."
            )
        try:
            key = serialization.load_pem_private_key(pem.encode(), password=None)
        except ValueError as exc:
            raise LicenseKeyError(f"{self._env('PRIVATE_KEY')} is not a PEM private key: {exc}") from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise LicenseKeyError(f"{self._env('PRIVATE_KEY')} must be an Ed25519 key.")
        return SigningKey(kid=kid, private_key=key)

    def directory_keys(self) -> list[SigningKey]:
        """Every key in the key directory (oldest kid first), current or retired."""
        folder = self.key_dir()
        if not folder.is_dir():
            return []
        keys = []
        for path in sorted(folder.glob("*.pem")):
            kid = path.stem
            if KID_RE.match(kid):
                keys.append(SigningKey(kid=kid, private_key=_load_pem(path)))
        return keys

    def current_kid(self) -> str | None:
        marker = self.key_dir() / CURRENT_MARKER
        try:
            kid = marker.read_text().strip()
        except FileNotFoundError:
            return None
        return kid or None

    def key_generate(self) -> SigningKey:
        """Create a new key in the key directory and make it current; older keys are kept.

        Refuses to overwrite an existing file, and refuses when the signing key comes from the
        environment (a key generated on disk would never be used).
        """
        if self._setting("PRIVATE_KEY").strip():
            raise LicenseKeyError(
                f"The signing key comes from {self._env('PRIVATE_KEY')}; generate a key elsewhere and "
                f"replace that variable (see {self.doc}, 'Rotation')."
            )
        folder = self.key_dir()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        private = Ed25519PrivateKey.generate()
        kid = make_kid(private.public_key())
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path = folder / f"{kid}.pem"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError as exc:
            raise LicenseKeyError(f"{path} exists already; refusing to overwrite a signing key.") from exc
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        os.chmod(path, 0o600)
        _write_atomic(folder / CURRENT_MARKER, f"{kid}\n".encode(), 0o644)
        return SigningKey(kid=kid, private_key=private)

    def current_signing_key(self) -> SigningKey:
        """The key that signs new documents.

        The environment key wins; else the directory's ``current`` key. When there is none and
        ``<PREFIX>_KEY_AUTOGENERATE`` is on (the default outside production mode: ``make run`` and
        the test suite), a key is generated on first use; in production a missing key is an error.
        """
        env_key = self.env_key()
        if env_key is not None:
            return env_key
        kid = self.current_kid()
        if kid is not None:
            path = self.key_dir() / f"{kid}.pem"
            if not KID_RE.match(kid) or not path.is_file():
                raise LicenseKeyError(f"The current {self.label} key {kid!r} has no {path}.")
            return SigningKey(kid=kid, private_key=_load_pem(path))
        if self._setting("KEY_AUTOGENERATE"):
            with _lock:
                if self.current_kid() is None:
                    return self.key_generate()
            return self.current_signing_key()
        raise LicenseKeyError(
            f"No {self.label} signing key in {self.key_dir()}. Run `{self.command}` "
            f"or set {self._env('PRIVATE_KEY')} and {self._env('KEY_ID')}."
        )

    def retired_jwks(self) -> list[dict[str, Any]]:
        raw = self._setting("RETIRED_KEYS").strip()
        if not raw:
            return []
        try:
            data = jsonlimits.loads(raw)
        except ValueError as exc:
            raise LicenseKeyError(f"{self._env('RETIRED_KEYS')} must be a JWKS (JSON).") from exc
        keys = data.get("keys", []) if isinstance(data, dict) else []
        out = []
        for jwk in keys:
            if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
                continue
            if "d" in jwk or not isinstance(jwk.get("kid"), str) or not isinstance(jwk.get("x"), str):
                continue
            out.append({k: jwk[k] for k in ("kty", "crv", "x", "kid")} | {"use": "sig", "alg": JWS_ALG})
        return out

    def public_jwks(self) -> dict[str, list[dict[str, Any]]]:
        """The JWKS of every key that may have signed a document: current first, then the others."""
        by_kid: dict[str, dict[str, Any]] = {}
        env_key = self.env_key()
        if env_key is not None:
            by_kid[env_key.kid] = public_jwk(env_key.kid, env_key.public_key)
        current = None if env_key is not None else self.current_kid()
        dir_keys = sorted(self.directory_keys(), key=lambda k: (k.kid != current, k.kid))
        for key in dir_keys:
            by_kid.setdefault(key.kid, public_jwk(key.kid, key.public_key))
        for jwk in self.retired_jwks():
            by_kid.setdefault(jwk["kid"], jwk)
        return {"keys": list(by_kid.values())}

    def key_list(self) -> list[tuple[str, bool, str]]:
        """(kid, is current, where it lives) for every known key; for `channelops keys list`."""
        env_key = self.env_key()
        current = env_key.kid if env_key is not None else self.current_kid()
        rows = []
        if env_key is not None:
            rows.append((env_key.kid, True, "environment"))
        for key in self.directory_keys():
            if env_key is None or key.kid != env_key.kid:
                rows.append((key.kid, key.kid == current, str(self.key_dir() / f"{key.kid}.pem")))
        seen = {r[0] for r in rows}
        rows += [
            (j["kid"], False, "retired (public only)") for j in self.retired_jwks() if j["kid"] not in seen
        ]
        return rows


def _load_pem(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise LicenseKeyError(f"{path} is not an Ed25519 private key.")
    return key


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


#: The license signing keys (docs/licenses.md); the functions below are its methods.
LICENSE_KEYS = KeyStore(
    "LICENSE", label="license", command="channelops keys generate", doc="docs/licenses.md"
)


def key_dir() -> Path:
    return LICENSE_KEYS.key_dir()


def directory_keys() -> list[SigningKey]:
    return LICENSE_KEYS.directory_keys()


def key_generate() -> SigningKey:
    return LICENSE_KEYS.key_generate()


def current_signing_key() -> SigningKey:
    return LICENSE_KEYS.current_signing_key()


def public_jwks() -> dict[str, list[dict[str, Any]]]:
    return LICENSE_KEYS.public_jwks()


def key_list() -> list[tuple[str, bool, str]]:
    return LICENSE_KEYS.key_list()
