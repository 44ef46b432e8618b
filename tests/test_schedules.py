"""The schedule registry and the scheduler: each occurrence is enqueued once."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from channelops.core.models import ScheduleRun
from channelops.core.schedules import register_schedule, schedule_tick, schedules


def test_the_registry_lists_the_platform_jobs():
    names = {s.name for s in schedules()}
    assert {"outbox_sweep", "engagement_rollup", "prune_schedule_runs"} <= names


def test_a_tick_enqueues_each_due_job_once_even_when_run_twice(db, django_capture_on_commit_callbacks):
    now = datetime(2026, 3, 5, 10, 30, 15, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        first = schedule_tick(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        second = schedule_tick(now=now)
    assert "outbox_sweep" in first
    assert second == []
    assert ScheduleRun.objects.filter(name="outbox_sweep").count() == 1
    assert DBTaskResult.objects.filter(task_path="channelops.core.tasks.deliver_outbox").count() == 1


def test_the_next_minute_is_a_new_occurrence(db):
    schedule_tick(now=datetime(2026, 3, 5, 10, 30, 15, tzinfo=UTC))
    assert "outbox_sweep" in schedule_tick(now=datetime(2026, 3, 5, 10, 31, 1, tzinfo=UTC))
    slots = list(ScheduleRun.objects.filter(name="outbox_sweep").values_list("slot", flat=True))
    assert sorted(slots) == [
        datetime(2026, 3, 5, 10, 30, tzinfo=UTC),
        datetime(2026, 3, 5, 10, 31, tzinfo=UTC),
    ]


def test_a_rule_can_be_overridden_or_turned_off_by_environment(db, monkeypatch):
    sched = next(s for s in schedules() if s.name == "engagement_rollup")
    now = datetime(2026, 3, 5, 10, 30, tzinfo=UTC)
    assert sched.latest_slot(now) == datetime(2026, 3, 5, 10, 7, tzinfo=UTC)
    monkeypatch.setenv("CHANNELOPS_SCHEDULE_ENGAGEMENT_ROLLUP", "FREQ=DAILY;BYHOUR=2;BYMINUTE=0")
    assert sched.latest_slot(now) == datetime(2026, 3, 5, 2, 0, tzinfo=UTC)
    monkeypatch.setenv("CHANNELOPS_SCHEDULE_ENGAGEMENT_ROLLUP", "off")
    assert "engagement_rollup" not in schedule_tick(now=now)


def test_business_calendar_rules_are_rrules(db):
    # e.g. a later feature's "first Thursday of the month" send day
    sched = register_schedule(
        name="test_first_thursday",
        rule="FREQ=MONTHLY;BYDAY=+1TH;BYHOUR=9;BYMINUTE=0",
        task="channelops.core.tasks.prune_schedule_runs",
        description="test",
    )
    assert sched.next_slot(datetime(2026, 11, 28, tzinfo=UTC)) == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    from channelops.core import schedules as mod

    mod._REGISTRY.pop("test_first_thursday")


def test_the_scheduler_command_lists_and_runs_once(db, capsys):
    call_command("scheduler", "--list")
    out = capsys.readouterr().out
    assert "outbox_sweep" in out and "FREQ=MINUTELY" in out
    with time_machine.travel(datetime(2026, 3, 5, 10, 30, 15, tzinfo=UTC), tick=False):
        call_command("scheduler", "--once")
    assert ScheduleRun.objects.filter(name="outbox_sweep").exists()


def test_database_statistics_are_refreshed_daily(db):
    from django.db import connection

    from channelops.core.maintenance import database_analyze

    sched = next(s for s in schedules() if s.name == "database_analyze")
    assert sched.latest_slot(datetime(2026, 3, 5, 10, 0, tzinfo=UTC)) == datetime(
        2026, 3, 5, 3, 45, tzinfo=UTC
    )
    result = database_analyze()
    if connection.vendor == "sqlite":
        assert result == "analyzed"
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM sqlite_stat1")
            assert cur.fetchone()[0] > 0
    else:
        assert result.startswith("skipped")
