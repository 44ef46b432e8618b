"""Writes for epics (a parent of work items across a group's projects; OKRs are epics)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed

from ..models import Epic

EPIC_EDIT_PERM = "work.change_epic"
EPIC_ADD_PERM = "work.add_epic"


def _require_epic_perm(by: User, perm: str) -> None:
    if not (by.is_active and by.is_staff and by.has_perm(perm)):
        raise NotAllowed(_("Your role does not allow editing epics."))


def _epic_clean(*, title: str, group: Any) -> str:
    title = (title or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the epic a title.")
    if group is None:
        errors["group"] = _("Choose the group whose projects the epic spans.")
    if errors:
        raise ValidationError(errors)
    return title


@transaction.atomic
def epic_create(*, group: Any, title: str, description: str = "", is_okr: bool = False, by: User) -> Epic:
    """Staff with ``work.add_epic`` create an epic (a parent of work items; OKRs are epics)."""
    _require_epic_perm(by, EPIC_ADD_PERM)
    epic = Epic(
        group=group, title=_epic_clean(title=title, group=group), description=description, is_okr=is_okr
    )
    epic._history_user = by  # type: ignore[attr-defined]
    epic.save()
    return epic


@transaction.atomic
def epic_update(
    *, epic: Epic, group: Any, title: str, description: str, is_okr: bool, closed: bool, by: User
) -> Epic:
    """Staff with ``work.change_epic`` change an epic, and close or reopen it."""
    _require_epic_perm(by, EPIC_EDIT_PERM)
    epic = Epic.objects.select_for_update().get(pk=epic.pk)
    epic.title = _epic_clean(title=title, group=group)
    epic.group = group
    epic.description = description
    epic.is_okr = is_okr
    if closed and epic.closed_at is None:
        epic.closed_at = timezone.now()
    elif not closed:
        epic.closed_at = None
    epic._history_user = by  # type: ignore[attr-defined]
    epic.save()
    return epic
