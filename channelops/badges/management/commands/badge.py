"""`channelops badge verify FILE [--keys URL_OR_FILE] [--status URL_OR_FILE]` and
`channelops badge keys generate|list` (docs/badges.md)."""

from __future__ import annotations

import http.client
import sys
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from channelops.badges.keys import BADGE_KEYS, LicenseKeyError
from channelops.badges.verify import BadgeInvalid, verify_badge
from channelops.core import jsonlimits
from channelops.licensing.management.commands.license import TIMEOUT, _is_url

#: The longest message the command prints (one line; the rest is cut).
MAX_MESSAGE = 400


def one_line(text: object) -> str:
    """A message on one line: newlines and runs of spaces collapsed, cut at MAX_MESSAGE."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= MAX_MESSAGE else flat[: MAX_MESSAGE - 1] + "…"


def load_document(source: str) -> Any:
    """A JSON document from a file, ``-`` (standard input) or an http(s) URL, bounded in depth.

    Every failure — missing or unreadable file, not UTF-8, not JSON, nested too deep, network
    error — is a :class:`CommandError` with one line saying which source and why.
    """
    try:
        if source == "-":
            data = sys.stdin.buffer.read()
        elif _is_url(source):
            req = urllib.request.Request(source, headers={"Accept": "application/json"})  # noqa: S310
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 (http/https only)
                data = resp.read()
        else:
            data = Path(source).read_bytes()
        return jsonlimits.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise CommandError(one_line(f"Cannot read {source}: not UTF-8 text")) from None
    except jsonlimits.JsonTooDeep as exc:
        raise CommandError(one_line(f"Cannot read {source}: {exc}")) from None
    except ValueError as exc:
        raise CommandError(one_line(f"Cannot read {source}: not JSON ({exc})")) from None
    except OSError as exc:
        raise CommandError(one_line(f"Cannot read {source}: {exc.strerror or exc}")) from None
    except http.client.HTTPException as exc:  # e.g. a connection closed mid-body
        raise CommandError(one_line(f"Cannot read {source}: {exc.__class__.__name__} {exc}")) from None


def _local_status(document: dict[str, Any]) -> dict[str, Any] | None:
    """This server's status list credential for the badge, when the badge names one of ours."""
    from channelops.badges.models import StatusList
    from channelops.badges.services import status_list_url
    from channelops.badges.statuslist import status_list_credential

    entry = document.get("credentialStatus")
    url = entry.get("statusListCredential") if isinstance(entry, dict) else None
    for list_id in StatusList.objects.values_list("pk", flat=True):
        if status_list_url(list_id) == url:
            return status_list_credential(list_id)
    return None


class Command(BaseCommand):
    help = (
        "`badge verify FILE [--keys URL_OR_FILE] [--status URL_OR_FILE]`: exits 0 with a summary for a "
        "valid Open Badges 3.0 credential, 1 with the reason otherwise. `badge keys generate|list`: the "
        "badge issuer's signing keys."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Verify a badge (the JSON credential).")
        verify.add_argument("file", help="The credential JSON file ('-' for standard input).")
        verify.add_argument(
            "--keys",
            help="The issuer profile (/badges/issuer), a list of Multikeys or a JWKS (/badges/keys.json), "
            "as a file or URL; default: this server's badge keys.",
        )
        verify.add_argument(
            "--status",
            help="The status list credential (/badges/status/N) as a file or URL; default: this server's "
            "list when --keys is not given, the badge's statusListCredential URL when --keys is a URL.",
        )
        keys = sub.add_parser("keys", help="The badge signing keys.")
        keys.add_argument("keys_action", choices=["generate", "list"])

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "keys":
            self._keys(opts["keys_action"])
            return
        source = opts["file"]
        document = load_document(source)
        keys_source, status_source = opts.get("keys"), opts.get("status")
        try:
            key_doc, status = self._keys_and_status(document, keys_source, status_source)
        except (LicenseKeyError, DatabaseError) as exc:
            raise CommandError(
                one_line(
                    f"This server's badge keys or status list are not available ({exc}); give --keys and --status"
                )
            ) from None
        try:
            badge = verify_badge(document, keys=key_doc, status=status)
        except BadgeInvalid as exc:
            self.stdout.write(one_line(f"INVALID: {exc}"))
            raise SystemExit(1) from None
        except (ValueError, TypeError, AttributeError) as exc:  # keys or status of an unexpected shape
            raise CommandError(one_line(f"Cannot verify {source}: {exc}")) from None
        if status is None:
            self.stderr.write("note: revocation not checked (give --status FILE_OR_URL)")
        self.stdout.write(
            "\n".join(
                [
                    "VALID",
                    f"holder:       {badge.holder}",
                    f"achievement:  {badge.achievement}",
                    f"issuer:       {badge.issuer_name} ({badge.issuer})",
                    f"valid from:   {badge.valid_from.isoformat() if badge.valid_from else '-'}",
                    f"valid until:  {badge.valid_until.isoformat() if badge.valid_until else 'no expiry'}",
                    f"revocation:   {'checked, not revoked' if badge.status_checked else 'not checked'}",
                    f"id:           {badge.id}",
                    f"key:          {badge.key_id}",
                ]
            )
        )

    def _keys_and_status(
        self, document: Any, keys_source: str | None, status_source: str | None
    ) -> tuple[Any, Any]:
        """The keys document and the status list credential (or None: revocation not checked)."""
        if keys_source:
            key_doc = load_document(keys_source)
        else:
            from channelops.badges.services import issuer_profile

            key_doc = issuer_profile(with_keys=True)
        entry = document.get("credentialStatus") if isinstance(document, dict) else None
        status_url = entry.get("statusListCredential") if isinstance(entry, dict) else None
        if status_source:
            return key_doc, load_document(status_source)
        if not keys_source and isinstance(document, dict):
            return key_doc, _local_status(document)
        if keys_source and _is_url(keys_source) and isinstance(status_url, str) and _is_url(status_url):
            return key_doc, load_document(status_url)
        return key_doc, None

    def _keys(self, action: str) -> None:
        try:
            if action == "generate":
                key = BADGE_KEYS.key_generate()
                self.stdout.write(key.kid)
                self.stderr.write(
                    f"private key written to {BADGE_KEYS.key_dir() / (key.kid + '.pem')} (mode 0600)"
                )
                return
            rows = BADGE_KEYS.key_list()
        except LicenseKeyError as exc:
            raise CommandError(str(exc)) from exc
        if not rows:
            self.stderr.write(
                f"No badge keys in {BADGE_KEYS.key_dir()}. Run `channelops badge keys generate`."
            )
        for kid, current, where in rows:
            self.stdout.write(f"{'*' if current else ' '} {kid}  {where}")
