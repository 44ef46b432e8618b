"""The daily claim-deadline jobs (channelops/mdf/jobs.py): reminders before the deadline, once per
reminder day; after it, the unclaimed reservation is released with a notice to the partner and
the CAM, while open claims keep their part until decided; idempotent and safe after a crash."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from channelops.core.schedules import schedules
from channelops.mdf import claim_services as svc
from channelops.mdf import jobs
from channelops.mdf.models import Budget, ClaimStatus, Event, EventKind, ProposalStatus

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory
from .mdf_factories import ClaimFactory, ProposalFactory

pytestmark = pytest.mark.django_db
D = Decimal
DEADLINE = datetime.date(2027, 2, 9)


def at(day: datetime.date, hour: int = 7):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC), tick=False
    )


@pytest.fixture
def world(db):
    cam = StaffFactory(email="cam@vendor.test", roles=["cam"])
    partner = PartnerFactory(country="GB", legal_name="Deadline Partner Ltd", cam=cam)
    admin = MembershipFactory(
        partner=partner, role="admin", user=UserFactory(email="admin@deadline.test")
    ).user
    author = MembershipFactory(
        partner=partner, role="user", can_submit_requests=True, user=UserFactory(email="author@deadline.test")
    ).user
    proposal = ProposalFactory(
        partner=partner,
        status=ProposalStatus.APPROVED,
        approved_amount=D("5000.00"),
        claim_deadline=DEADLINE,
        created_by=author,
    )
    marketing = StaffFactory(email="mkt@vendor.test", roles=["channel_marketing"])
    return {"proposal": proposal, "admin": admin, "author": author, "cam": cam, "marketing": marketing}


def _mails(smtp_server, deliver) -> list:
    with at(DEADLINE + datetime.timedelta(days=60)):  # every queued e-mail is due by then
        deliver()
    got = list(smtp_server.box.messages)
    smtp_server.box.clear()
    return got


def test_the_job_is_a_daily_schedule():
    sched = next(s for s in schedules() if s.name == "mdf_claim_deadlines")
    assert sched.rule.startswith("FREQ=DAILY") and sched.task == "channelops.mdf.jobs.claim_deadlines_task"


def test_reminders_go_once_per_reminder_day(world, smtp_server, deliver, settings):
    settings.MDF_CLAIM_REMINDER_DAYS = [14, 3]
    p = world["proposal"]
    ClaimFactory(proposal=p, amount=D("1000"), status=ClaimStatus.APPROVED)
    with at(DEADLINE - datetime.timedelta(days=15)):
        assert jobs.claim_reminders() == 0
    with at(DEADLINE - datetime.timedelta(days=14)):
        assert jobs.claim_reminders() == 1
        assert jobs.claim_reminders() == 0  # the same day again: nothing
    mails = _mails(smtp_server, deliver)
    assert len(mails) == 1
    assert sorted(mails[0]["To"].split(", ")) == ["admin@deadline.test", "author@deadline.test"]
    assert "claim by" in mails[0]["Subject"]
    assert "4000.00 USD" in mails[0].get_payload()[0].get_payload(decode=True).decode()
    with at(DEADLINE - datetime.timedelta(days=10)):
        assert jobs.claim_reminders() == 0
    with at(DEADLINE - datetime.timedelta(days=3)):
        assert jobs.claim_reminders() == 1
        assert jobs.claim_reminders() == 0
    with at(DEADLINE):
        assert jobs.claim_reminders() == 0
    assert len(_mails(smtp_server, deliver)) == 1
    assert Event.objects.filter(proposal=p, kind=EventKind.REMINDED).count() == 2
    p.refresh_from_db()
    assert p.claim_reminder_sent_at is not None


def test_a_scheduler_that_was_down_sends_only_the_most_urgent_reminder(world, settings):
    settings.MDF_CLAIM_REMINDER_DAYS = [14, 3]
    with at(DEADLINE - datetime.timedelta(days=2)):
        assert jobs.claim_reminders() == 1
        assert jobs.claim_reminders() == 0
    assert Event.objects.filter(kind=EventKind.REMINDED).count() == 1


def test_nothing_left_to_claim_means_no_reminder(world, settings):
    settings.MDF_CLAIM_REMINDER_DAYS = [14]
    ClaimFactory(proposal=world["proposal"], amount=D("5000"), status=ClaimStatus.SUBMITTED)
    with at(DEADLINE - datetime.timedelta(days=5)):
        assert jobs.claim_reminders() == 0


def test_after_the_deadline_the_unclaimed_part_is_released_and_open_claims_keep_theirs(
    world, smtp_server, deliver
):
    p = world["proposal"]
    ClaimFactory(proposal=p, amount=D("1000"), status=ClaimStatus.PAID)
    ClaimFactory(proposal=p, amount=D("500"), status=ClaimStatus.APPROVED)
    ClaimFactory(proposal=p, amount=D("300"), status=ClaimStatus.REJECTED)
    waiting = ClaimFactory(proposal=p, amount=D("700"), status=ClaimStatus.SUBMITTED)
    with at(DEADLINE):
        assert jobs.claim_deadlines_release() == 0  # the deadline day still counts
    with at(DEADLINE + datetime.timedelta(days=1)):
        assert jobs.claim_deadlines_release() == 1
        assert jobs.claim_deadlines_release() == 0  # re-run: nothing changes
        p.refresh_from_db()
        # 5000 − (1000 paid + 500 approved + 700 waiting) = 2800 released; still open for the 700.
        assert (p.released_amount, p.status) == (D("2800.00"), ProposalStatus.APPROVED)
        mails = _mails(smtp_server, deliver)
        assert sorted(tuple(sorted(m["To"].split(", "))) for m in mails) == [
            ("admin@deadline.test", "author@deadline.test"),
            ("cam@vendor.test",),
        ]
        assert all("released" in m["Subject"] for m in mails)
        assert "2800.00" in mails[0].get_payload()[0].get_payload(decode=True).decode()
        # The waiting claim is rejected later: the next run releases its part and closes.
        svc.claim_reject(claim=waiting, by=world["marketing"], reason="No proof of the event")
    with at(DEADLINE + datetime.timedelta(days=2)):
        assert jobs.claim_deadlines_release() == 1
        p.refresh_from_db()
        assert (p.released_amount, p.status) == (D("3500.00"), ProposalStatus.CLOSED)
        assert jobs.claim_deadlines_release() == 0
    released = Event.objects.filter(proposal=p, kind=EventKind.RELEASED).order_by("pk")
    assert [e.amount for e in released] == [D("2800.00"), D("700.00")]
    budget = Budget.objects.with_balances().get(pk=p.budget_id)
    assert budget.committed == D("1500.00")


def test_a_crash_half_way_loses_and_duplicates_nothing(world, smtp_server, deliver, monkeypatch):
    second = ProposalFactory(
        partner=world["proposal"].partner,
        status=ProposalStatus.APPROVED,
        approved_amount=D("1000"),
        claim_deadline=DEADLINE,
        created_by=world["author"],
    )
    real = jobs._notify_release
    calls = {"n": 0}

    def flaky(p, **kw):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("crash")
        return real(p, **kw)

    monkeypatch.setattr(jobs, "_notify_release", flaky)
    with at(DEADLINE + datetime.timedelta(days=1)):
        with pytest.raises(RuntimeError):
            jobs.claim_deadlines_release()
        # The first proposal is done, the second rolled back completely.
        done = {
            pk for pk in (world["proposal"].pk, second.pk) if Event.objects.filter(proposal_id=pk).exists()
        }
        assert len(done) == 1
        assert jobs.claim_deadlines_release() == 1  # the rest
        assert jobs.claim_deadlines_release() == 0
    for p in (world["proposal"], second):
        p.refresh_from_db()
        assert p.status == ProposalStatus.CLOSED and p.released_amount == p.approved_amount
        assert Event.objects.filter(proposal=p, kind=EventKind.RELEASED).count() == 1
    mails = _mails(smtp_server, deliver)
    assert len(mails) == 4  # partner + CAM, per proposal, once


def test_the_task_runs_both(world, settings):
    settings.MDF_CLAIM_REMINDER_DAYS = [14]
    with at(DEADLINE - datetime.timedelta(days=1)):
        assert jobs.claim_deadlines_task.call() == {"released": 0, "reminded": 1}
