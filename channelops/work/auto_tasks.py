"""Tasks the data answers tick themselves (issue 14): a task whose ``completes_when`` names a condition
("the partner's agreements are accepted", "the company profile is complete", "the person accepted
their invitation") is done as soon as the condition holds — when the journey is assigned, and when the
owning service changes the data, inside that service's transaction:

- the partners app's ``partner_changed`` hook (the company profile) and the accounts app's
  ``invitation_accepted`` hook: registered here (work is above both);
- the agreements app (above work) calls :func:`tasks_complete_if` from its acceptance service and
  registers its check with :func:`register_condition`.

A condition's check is ``check(partner, user) -> bool`` (``user``: the task's assignee, or None).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

Check = Callable[[Any, Any], bool]
_CHECKS: dict[str, Check] = {}


def register_condition(key: str, check: Check) -> None:
    _CHECKS[key] = check


def _company_profile(partner: Any, user: Any) -> bool:
    return bool(partner.website and partner.phone)


def _invitation_accepted(partner: Any, user: Any) -> bool:
    """The person accepted an invitation (set their password through its link and was signed in);
    people created with a password by staff or the demo tick the task themselves."""
    return user is not None and user.is_active and user.invitations.filter(accepted_at__isnull=False).exists()


def _complete(tasks: Iterable[Any], *, by: Any) -> int:
    """Tick ``tasks`` (open ones, with the history's user) and tell the items' listeners."""
    from .services.items import _work_changed

    now, items, n = timezone.now(), {}, 0
    for task in tasks:
        if task.done_at is not None:
            continue
        task.done_at, task.done_by = now, by
        task._history_user = by
        task._change_reason = "Completed automatically: " + task.completes_when
        task.save(update_fields=["done_at", "done_by"])
        items[task.item_id] = task.item
        n += 1
    for item in items.values():
        _work_changed(item, by=by, new=False)
    return n


def tasks_complete_if(*, partner: Any, condition: str, by: Any = None, user: Any = None) -> int:
    """Tick the partner's open tasks waiting for ``condition`` (only ``user``'s, when given) whose
    condition now holds. Returns how many were ticked."""
    from .models import Task

    check = _CHECKS.get(condition)
    if check is None:
        return 0
    qs = Task.objects.open().filter(item__partner=partner, completes_when=condition).select_related("item")
    if user is not None:
        qs = qs.filter(assignee=user)
    tasks = list(qs.select_related("assignee"))
    by_person: dict[Any, bool] = {}
    due = []
    for task in tasks:
        key = task.assignee_id
        if key not in by_person:
            by_person[key] = bool(check(partner, task.assignee))
        if by_person[key]:
            due.append(task)
    return _complete(due, by=by)


def item_tasks_complete(item: Any, *, by: Any = None) -> int:
    """A new item's tasks whose condition already holds (a journey assigned after the fact)."""
    if item.partner_id is None:
        return 0
    waiting = [
        t
        for t in item.tasks.filter(done_at__isnull=True).exclude(completes_when="").select_related("assignee")
    ]
    due = [
        t
        for t in waiting
        if t.completes_when in _CHECKS and _CHECKS[t.completes_when](item.partner, t.assignee)
    ]
    return _complete(due, by=by)


# --- the lower apps' hooks ----------------------------------------------------------------------------


def _on_partner_changed(*, partner: Any, by: Any = None, fields: Any = (), **kwargs: Any) -> None:
    if not fields or {"website", "phone"} & set(fields):
        tasks_complete_if(partner=partner, condition="company_profile", by=by)


def _on_invitation_accepted(*, user: Any, **kwargs: Any) -> None:
    m = user.partner_membership
    if m is not None:
        tasks_complete_if(partner=m.partner, condition="invitation_accepted", by=user, user=user)


def register() -> None:
    """From ``WorkConfig.ready``."""
    from channelops.accounts.hooks import invitation_accepted
    from channelops.partners.hooks import partner_changed

    register_condition("company_profile", _company_profile)
    register_condition("invitation_accepted", _invitation_accepted)
    partner_changed.register(_on_partner_changed)
    invitation_accepted.register(_on_invitation_accepted)
