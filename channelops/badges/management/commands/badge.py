"""`channelops badge verify FILE [--keys URL_OR_FILE] [--status URL_OR_FILE]` and
`channelops badge keys generate|list` (docs/badges.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channelops.badges.keys import BADGE_KEYS, LicenseKeyError
from channelops.badges.verify import BadgeInvalid, verify_badge
from channelops.licensing.management.commands.license import _is_url, load_json


def _local_status(document: dict[str, Any]) -> dict[str, Any] | None:
    """This server's status list credential for the badge, when the badge names one of ours."""
    from channelops.badges.models import StatusList
    from channelops.badges.services import status_list_url
    from channelops.badges.statuslist import status_list_credential

    url = (document.get("credentialStatus") or {}).get("statusListCredential")
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
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
            document = json.loads(text)
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise CommandError(f"Cannot read {source}: {exc}") from exc
        keys_source, status_source = opts.get("keys"), opts.get("status")
        if keys_source:
            key_doc = load_json(keys_source)
        else:
            from channelops.badges.services import issuer_profile

            try:
                key_doc = issuer_profile(with_keys=True)
            except LicenseKeyError as exc:
                raise CommandError(str(exc)) from exc
        status: dict[str, Any] | None
        status_url = (
            (document.get("credentialStatus") or {}).get("statusListCredential")
            if isinstance(document, dict)
            else None
        )
        if status_source:
            status = load_json(status_source)
        elif not keys_source and isinstance(document, dict):
            status = _local_status(document)
        elif keys_source and _is_url(keys_source) and isinstance(status_url, str) and _is_url(status_url):
            status = load_json(status_url)
        else:
            status = None
        if status is None:
            self.stderr.write("note: revocation not checked (give --status FILE_OR_URL)")
        try:
            badge = verify_badge(document, keys=key_doc, status=status)
        except BadgeInvalid as exc:
            self.stdout.write(f"INVALID: {exc}")
            raise SystemExit(1) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
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
