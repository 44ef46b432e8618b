from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from channelops.accounts.models import ApiToken, User
from channelops.accounts.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Manage API tokens: `token create --user EMAIL` prints a new token once; `token revoke PREFIX`."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (shown once).")
        create.add_argument("--user", required=True, help="E-mail address of the token's owner.")
        create.add_argument("--name", default="API token")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")
        lst = sub.add_parser("list", help="List a person's tokens.")
        lst.add_argument("--user", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        action = opts["action"]
        if action == "create":
            user = User.objects.filter(email__iexact=opts["user"].strip()).first()
            if user is None:
                raise CommandError(
                    f"No person with e-mail {opts['user']!r}. Check the address or create them first."
                )
            if not user.is_active:
                raise CommandError(
                    f"{user.email} is deactivated; tokens can only be created for active people."
                )
            try:
                _token, clear = api_token_create(user=user, name=opts["name"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            self.stdout.write(clear)
        elif action == "revoke":
            matches = list(ApiToken.objects.filter(prefix=opts["prefix"][:12]))
            if not matches:
                raise CommandError(f"No token with prefix {opts['prefix']!r}.")
            if len(matches) > 1:
                raise CommandError(
                    f"{len(matches)} tokens share prefix {opts['prefix']!r}; revoke it in the console."
                )
            token = matches[0]
            api_token_revoke(token=token)
            self.stdout.write(f"revoked {token.prefix}…")
        else:
            for t in ApiToken.objects.filter(user__email__iexact=opts["user"]):
                state = "revoked" if t.revoked_at else "active"
                self.stdout.write(f"{t.prefix}…  {t.name}  {t.created_at:%Y-%m-%d}  {state}")
