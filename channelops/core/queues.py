"""The work-queue registry: features register the queues shown on the console's work page.

A queue is a named list of things staff must act on. Each registers a callable
returning a queryset scoped to the user (``visible_to``), the URL of its page,
and the staff roles that see it. Later features (applications, NFR requests,
reviews, tasks due…) call :func:`register_queue` in their ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class WorkQueue:
    key: str
    title: Any  # lazy translated string
    items: Callable[[Any], QuerySet]  # user -> queryset of open items
    url: Callable[[], str]
    description: Any = ""
    roles: frozenset[str] = field(default_factory=frozenset)  # empty: every staff member

    def visible_for(self, user: Any) -> bool:
        if user.is_superuser or not self.roles:
            return True
        return bool(self.roles & set(user.staff_roles))


_QUEUES: dict[str, WorkQueue] = {}


def register_queue(queue: WorkQueue) -> WorkQueue:
    _QUEUES[queue.key] = queue
    return queue


def queues_for(user: Any) -> list[WorkQueue]:
    return [q for q in _QUEUES.values() if q.visible_for(user)]


def get_queue(key: str) -> WorkQueue | None:
    return _QUEUES.get(key)
