"""A partner's CAM ↔ the Account's owner (docs/crm.md, "Field mapping").

Salesforce names an owner by its User id; channelops by a staff user. The two meet on the e-mail
address: the CAM's Salesforce user is the User with the same e-mail. An :class:`OwnerDirectory`
looks addresses and ids up with SOQL (``SELECT Id, Email FROM User WHERE Email IN (…)`` for every
CAM at once, ``… WHERE Id IN (…)`` for a batch of owners read) and keeps them for the run, so the
calls do not grow with the records. The sync compares owners as e-mail addresses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from channelops.accounts.models import User

from .adapter import CrmAdapter, soql_quote

LOOKUP_CHUNK = 100
OWNER_FIELD = "cam"  # the local field mapped to the Account's owner


class OwnerDirectory:
    def __init__(self, adapter: CrmAdapter) -> None:
        self.adapter = adapter
        self.by_email: dict[str, str | None] = {}
        self.by_id: dict[str, str | None] = {}
        self._cams_loaded = False

    def _remember(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            email = str(row.get("Email") or "").lower()
            self.by_id[row["Id"]] = email or None
            if email and self.by_email.get(email) is None:
                self.by_email[email] = row["Id"]

    def _by_emails(self, emails: Iterable[str]) -> None:
        wanted = sorted({e.lower() for e in emails if e} - set(self.by_email))
        for i in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[i : i + LOOKUP_CHUNK]
            quoted = ", ".join(soql_quote(e) for e in chunk)
            self._remember(self.adapter.query(f"SELECT Id, Email FROM User WHERE Email IN ({quoted})"))  # noqa: S608
            for email in chunk:
                self.by_email.setdefault(email, None)

    def user_id(self, email: str | None) -> str | None:
        """The CRM user id of the staff member with ``email`` (None: no such CRM user). The first
        question looks up every CAM's address in one query."""
        if not email:
            return None
        email = email.lower()
        if email not in self.by_email:
            emails = {email}
            if not self._cams_loaded:
                self._cams_loaded = True
                emails |= set(
                    User.objects.filter(cam_partners__isnull=False).values_list("email", flat=True).distinct()
                )
            self._by_emails(emails)
        return self.by_email.get(email)

    def learn_ids(self, ids: Iterable[str]) -> None:
        """Look up the e-mail addresses of these CRM user ids (one query per 100 unknown ids)."""
        wanted = sorted({i for i in ids if i and i.isalnum()} - set(self.by_id))
        for i in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[i : i + LOOKUP_CHUNK]
            quoted = ", ".join(f"'{rid}'" for rid in chunk)  # alphanumeric ids only: no injection
            self._remember(self.adapter.query(f"SELECT Id, Email FROM User WHERE Id IN ({quoted})"))  # noqa: S608
            for rid in chunk:
                self.by_id.setdefault(rid, None)

    def email(self, user_id: str | None) -> str | None:
        """The owner as the sync compares it: its e-mail address (the id itself when unknown)."""
        if not user_id:
            return None
        return self.by_id.get(user_id) or user_id


_current: ContextVar[OwnerDirectory | None] = ContextVar("crm_owner_directory", default=None)


@contextmanager
def owner_directory(adapter: CrmAdapter) -> Iterator[OwnerDirectory]:
    """The directory of the run (``payload_for`` and the inbound sync use it)."""
    directory = OwnerDirectory(adapter)
    token = _current.set(directory)
    try:
        yield directory
    finally:
        _current.reset(token)


def current() -> OwnerDirectory | None:
    return _current.get()


def outbound_owner(email: str | None) -> str | None:
    """The ``OwnerId`` to send for a CAM's e-mail; None (leave the owner as it is) when there is no
    CAM, no CRM user with that address, or no directory (outside a run)."""
    directory = current()
    return directory.user_id(email) if directory is not None and email else None


def translate_owners(rows: list[dict[str, Any]], remote_field: str) -> None:
    """Replace the owner ids of rows read from the CRM by their e-mail addresses (one query for
    the ids not known yet)."""
    directory = current()
    if directory is None:
        return
    directory.learn_ids(str(r.get(remote_field) or "") for r in rows)
    for row in rows:
        if remote_field in row:
            row[remote_field] = directory.email(row.get(remote_field))


def staff_for_owner(email: str | None) -> User | None:
    """The active staff user with the owner's e-mail; a ValidationError when there is none."""
    if not email:
        return None
    user = User.objects.filter(email__iexact=email, is_staff=True, is_active=True).first()
    if user is None:
        raise ValidationError(
            {
                OWNER_FIELD: _(
                    "The CRM owner %(owner)s is not an active staff member in channelops: add them, "
                    "or choose another owner in the CRM."
                )
                % {"owner": email}
            }
        )
    return user
