"""The notification registry: what people may watch, and :func:`notify`, which features call on a change.

Modelled on spreadsheet notification rules (SPEC S5): a person watches a queue
("applications", "legal_requests", "work_items"…), is told of "any change" or only of
a "new submission", "right away" (one e-mail per change) or in a "daily digest".
Nobody is told of their own changes.

A feature registers what can be watched in its ``AppConfig.ready`` (or this app
registers it for the feature, see ``hooks.py``)::

    register_watchable("nfr_requests", _("NFR requests"), perm="licensing.view_nfrrequest",
                       staff_only=False)

and calls :func:`notify` inside the transaction of each change. This module imports
no other app at import time, so any app may import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Visible = Callable[[Any, Any], bool]  # (user, obj) -> may this person see obj?


@dataclass(frozen=True)
class Watchable:
    key: str
    label: Any  # a (lazy) translated string
    visible: Visible | None = None
    perm: str = ""  # staff need this permission (checked in the rules query)
    staff_only: bool = True  # False: partner people may watch it (their own partner's objects only)
    description: Any = ""

    def may_watch(self, user: Any) -> bool:
        """May ``user`` have a rule for this queue at all (the rule form offers only these)?"""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        if user.is_staff:
            return not self.perm or user.has_perm(self.perm)
        return not self.staff_only and user.partner_id is not None


_REGISTRY: dict[str, Watchable] = {}


def register_watchable(
    key: str,
    label: Any,
    visible: Visible | None = None,
    *,
    staff_only: bool = True,
    perm: str = "",
    description: Any = "",
) -> Watchable:
    """Make ``key`` watchable. ``visible(user, obj)`` is an extra, query-free check per person
    (e.g. "shared with the partner"); ``perm`` is the staff permission needed to see the objects."""
    if not key or len(key) > 50:
        raise ValueError("A watchable key is 1 to 50 characters.")
    w = Watchable(
        key=key, label=label, visible=visible, perm=perm, staff_only=staff_only, description=description
    )
    _REGISTRY[key] = w
    return w


def watchables() -> list[Watchable]:
    return sorted(_REGISTRY.values(), key=lambda w: str(w.label))


def get_watchable(key: str) -> Watchable | None:
    return _REGISTRY.get(key)


def watchables_for(user: Any) -> list[Watchable]:
    """What this person may watch: staff by role permission, partner people only partner-scoped queues."""
    return [w for w in watchables() if w.may_watch(user)]


def notify(
    *,
    watch: str,
    obj: Any,
    actor: Any,
    new: bool,
    title: str,
    url: str,
    partner_id: int | None,
    partner_url: str = "",
    region_id: int | None = None,
) -> list[Any]:
    """Tell the people whose rules watch ``watch`` about a change of ``obj``; returns the notifications.

    Call it inside the change's transaction. ``url`` is the staff page (a path), ``partner_url``
    the portal page for partner people (without it, partner people are not notified).
    ``partner_id`` is the partner the object belongs to (None: partner people are never told).
    ``region_id`` is the region of an item that has no partner yet (an application): staff rules
    scoped to "partners in my regions" match it (for a partner's item, the partner's region).
    One query when nobody watches; then one INSERT, and an outbox row per "right away" rule.
    """
    from .services import notifications_create

    w = _REGISTRY.get(watch)
    if w is None:
        raise LookupError(f"Nothing registered to watch as {watch!r} (register_watchable).")
    return notifications_create(
        watchable=w,
        obj=obj,
        actor=actor,
        new=new,
        title=title,
        url=url,
        partner_id=partner_id,
        partner_url=partner_url,
        region_id=region_id,
    )
