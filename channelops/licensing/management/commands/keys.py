from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from channelops.licensing.keys import LicenseKeyError, key_dir, key_generate, key_list


class Command(BaseCommand):
    help = (
        "License signing keys: `keys generate` creates a new key, makes it current and prints its "
        "key id (older keys stay valid for verification); `keys list` lists them."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("generate", help="Create a new signing key and make it current; print its kid.")
        sub.add_parser("list", help="List the signing keys (current marked with *).")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            if opts["action"] == "generate":
                key = key_generate()
                self.stdout.write(key.kid)
                self.stderr.write(f"private key written to {key_dir() / (key.kid + '.pem')} (mode 0600)")
                return
            rows = key_list()
        except LicenseKeyError as exc:
            raise CommandError(str(exc)) from exc
        if not rows:
            self.stderr.write(f"No signing keys in {key_dir()}. Run `channelops keys generate`.")
        for kid, current, where in rows:
            self.stdout.write(f"{'*' if current else ' '} {kid}  {where}")
