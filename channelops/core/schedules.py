"""The schedule registry: every periodic job, as an RFC 5545 recurrence rule.

Apps register their jobs in ``AppConfig.ready`` with :func:`register_schedule`.
Each job's rule can be overridden by an environment variable
``CHANNELOPS_SCHEDULE_<NAME>`` (an RRULE such as ``FREQ=HOURLY;BYMINUTE=5``, or
``off``). The scheduler process (``channelops scheduler``) calls
:func:`schedule_tick` periodically; an occurrence is enqueued at most once, even
with several schedulers running, because :class:`ScheduleRun` is unique per
(job, slot).
"""

from __future__ import annotations

import importlib
import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrulestr
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ScheduleRun

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Schedule:
    name: str
    rule: str
    task: str  # dotted path of a django-tasks Task
    description: str

    @property
    def effective_rule(self) -> str:
        return os.environ.get(f"CHANNELOPS_SCHEDULE_{self.name.upper()}", self.rule).strip()

    @property
    def enabled(self) -> bool:
        return self.effective_rule.lower() not in {"off", "none", ""}

    def _rule(self, now: datetime):
        return rrulestr(self.effective_rule, dtstart=_anchor(self.effective_rule, now))

    def latest_slot(self, now: datetime) -> datetime | None:
        """The most recent occurrence at or before ``now``."""
        return self._rule(now).before(now, inc=True)

    def next_slot(self, now: datetime) -> datetime | None:
        return self._rule(now).after(now)


def _anchor(rule: str, now: datetime) -> datetime:
    """The rule's start: a fixed epoch for daily and slower rules; for sub-daily rules the
    previous midnight (UTC), so that finding the latest slot stays cheap. Every scheduler
    computes the same anchor for the same moment, so they agree on the slots."""
    freq = rule.upper().split("FREQ=", 1)[-1].split(";", 1)[0]
    if freq in {"SECONDLY", "MINUTELY", "HOURLY"}:
        day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return day - timedelta(days=1)
    return EPOCH


_REGISTRY: dict[str, Schedule] = {}


def register_schedule(*, name: str, rule: str, task: str, description: str) -> Schedule:
    rrulestr(rule, dtstart=EPOCH)  # fail at start-up on a malformed rule
    sched = Schedule(name=name, rule=rule, task=task, description=description)
    _REGISTRY[name] = sched
    return sched


def schedules() -> list[Schedule]:
    return sorted(_REGISTRY.values(), key=lambda s: s.name)


def _load_task(path: str):
    module, _, attr = path.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def schedules_validate() -> list[str]:
    """Problems with the effective rules (environment overrides included), one line each."""
    problems = []
    now = timezone.now()
    for sched in schedules():
        if not sched.enabled:
            continue
        try:
            sched.latest_slot(now)
        except Exception as exc:
            problems.append(
                f"CHANNELOPS_SCHEDULE_{sched.name.upper()}={sched.effective_rule!r} is not a valid RRULE: {exc}"
            )
    return problems


def schedule_tick(*, now: datetime | None = None) -> list[str]:
    """Enqueue every job whose latest occurrence has not been enqueued yet.

    Missed occurrences (the scheduler was down) are not replayed one by one: only
    the latest slot runs, which is what periodic sweeps need.
    """
    now = now or timezone.now()
    enqueued: list[str] = []
    for sched in schedules():
        if not sched.enabled:
            continue
        try:
            slot = sched.latest_slot(now)
        except Exception:
            log.exception("schedule %s has an invalid rule %r; skipped", sched.name, sched.effective_rule)
            continue
        if slot is None:
            continue
        try:
            with transaction.atomic():
                ScheduleRun.objects.create(name=sched.name, slot=slot)
                task = _load_task(sched.task)
                transaction.on_commit(task.enqueue)
        except IntegrityError:
            continue
        enqueued.append(sched.name)
    return enqueued


def schedule_runs_prune(*, keep_days: int = 30) -> int:
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = ScheduleRun.objects.filter(slot__lt=cutoff).delete()
    return deleted
