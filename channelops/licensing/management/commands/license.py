from __future__ import annotations

import http.client
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channelops.core import jsonlimits
from channelops.licensing.files import LicenseInvalid, verify_license
from channelops.licensing.keys import LicenseKeyError, public_jwks

TIMEOUT = 20


def _is_url(value: str) -> bool:
    return urllib.parse.urlsplit(value).scheme in {"http", "https"}


def load_json(source: str) -> Any:
    """A JSON document from a local file or an http(s) URL; any failure is one ``CommandError`` line."""
    try:
        if _is_url(source):
            req = urllib.request.Request(source, headers={"Accept": "application/json"})  # noqa: S310
            with urllib.request.urlopen(req, timeout=TIMEOUT) as resp:  # noqa: S310 (http/https only)
                return jsonlimits.loads(resp.read())
        return jsonlimits.loads(Path(source).read_text(encoding="utf-8"))
    # OSError: missing, unreadable, unreachable, HTTP error status; ValueError: not JSON, too deep,
    # not UTF-8, a malformed URL; HTTPException: a broken HTTP answer (or an invalid port).
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise CommandError(f"Cannot read {source}: {_one_line(exc)}") from exc


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def revoked_ids(document: Any) -> set[str]:
    rows = document.get("revoked", []) if isinstance(document, dict) else None
    if not isinstance(rows, list):
        raise CommandError('The revocation list is not {"revoked": [...]}.')
    return {str(r["id"]) for r in rows if isinstance(r, dict) and isinstance(r.get("id"), (str, int))}


class Command(BaseCommand):
    help = (
        "`license verify FILE [--keys JWKS_FILE_OR_URL] [--revoked FILE_OR_URL]`: exits 0 and prints "
        "the license for a valid one, exits 1 with the reason otherwise (docs/licenses.md)."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Verify a license file.")
        verify.add_argument("file", help="The license file ('-' for standard input).")
        verify.add_argument(
            "--keys",
            help="A JWKS file or URL (e.g. https://partners.example.com/licenses/keys.json); "
            "default: this server's keys from its key directory.",
        )
        verify.add_argument(
            "--revoked",
            help="A revocation list file or URL (/licenses/revoked.json); default: the sibling of a "
            "--keys URL, or this server's database when --keys is not given.",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        source = opts["file"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, ValueError) as exc:  # ValueError: not UTF-8 (UnicodeDecodeError)
            raise CommandError(f"Cannot read {source}: {_one_line(exc)}") from exc
        keys_source = opts.get("keys")
        revoked_source = opts.get("revoked")
        if keys_source:
            jwks = load_json(keys_source)
        else:
            try:
                jwks = public_jwks()
            except LicenseKeyError as exc:
                raise CommandError(str(exc)) from exc
        revoked: set[str] | None
        if revoked_source:
            revoked = revoked_ids(load_json(revoked_source))
        elif keys_source and _is_url(keys_source):
            revoked = revoked_ids(load_json(urllib.parse.urljoin(keys_source, "revoked.json")))
        elif not keys_source:
            from channelops.licensing.public_views import revoked_document

            revoked = revoked_ids(revoked_document())
        else:
            revoked = None
            self.stderr.write("note: revocations not checked (give --revoked FILE_OR_URL)")
        if not isinstance(jwks, dict):
            raise CommandError("The key set is not a JWKS ({'keys': [...]}).")
        try:
            lic = verify_license(text, jwks=jwks, revoked=revoked)
        except LicenseInvalid as exc:
            self.stdout.write(f"INVALID: {exc}")
            raise SystemExit(1) from None
        except ValueError as exc:
            raise CommandError(_one_line(exc)) from exc
        self.stdout.write(
            "\n".join(
                [
                    "VALID",
                    f"licensee: {lic.licensee} <{lic.email}>",
                    f"company:  {lic.company}",
                    f"plan:     {lic.plan}",
                    f"users:    {lic.users}",
                    f"starts:   {lic.starts.isoformat()}",
                    f"expires:  {lic.expires.isoformat()}",
                    f"id:       {lic.id}",
                    f"key id:   {lic.kid}",
                ]
            )
        )
