"""Question targets (issue 16): first-response and resolution due in the region's business hours,
escalation of overdue questions through the work escalation job, the work queues, the review
check "open questions" and the engagement count."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.utils import translation

from channelops.core.models import OutboxMessage
from channelops.core.queues import get_queue, queues_for
from channelops.helpdesk.checks import check_data, prefill
from channelops.helpdesk.question_services import (
    question_from_email,
    question_reply,
    question_set_priority,
    question_set_status,
    question_submit,
)
from channelops.partners.models import EngagementEvent, Region, RegionRouting
from channelops.work.services.escalation import escalations_run, escalators, escalators_run

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

# Monday 2 March 2026, 10:00 in London (GMT = UTC): no public holiday that week in GB or the US.
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def phd(db):
    person = StaffFactory(email="phd.emea@vendor.test", roles=["phd_specialist"])
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=person)
    return person


@pytest.fixture
def gamma(db):
    return PartnerFactory(country="GB", legal_name="Gamma Ltd")


@pytest.fixture
def ann(gamma):
    return MembershipFactory(partner=gamma, user=UserFactory(email="ann@gamma.test")).user


def ask(ann, gamma, **kw):
    return question_submit(
        by=ann, partner=gamma, category="data", subject=kw.pop("subject", "Report numbers"), body="Why?", **kw
    )


@pytest.mark.django_db
def test_targets_run_in_the_regions_business_hours(phd, ann, gamma, settings):
    settings.QUESTION_FIRST_RESPONSE_HOURS = {"urgent": 1, "high": 4, "normal": 8, "low": 16}
    settings.QUESTION_RESOLUTION_HOURS = {"urgent": 8, "high": 16, "normal": 40, "low": 80}
    with time_machine.travel(MONDAY_10, tick=False):
        q = ask(ann, gamma)
    assert q.first_response_due == at(3, 10)  # 7 hours on Monday, 1 on Tuesday (09:00-17:00 London)
    assert q.resolution_due == at(9, 10)  # 5 working days later
    q = question_set_priority(question=q, priority="urgent", by=phd)
    assert (q.first_response_due, q.resolution_due) == (at(2, 11), at(3, 10))
    # a question asked on Friday evening is due on Monday
    with time_machine.travel(at(6, 18), tick=False):
        late = ask(ann, gamma, subject="Friday")
    assert late.first_response_due == at(9, 17)
    # AMER's clock is New York's (EST: UTC-5 until 8 March)
    amer = PartnerFactory(country="GB", region=Region.objects.get(code="AMER"))
    bob = MembershipFactory(partner=amer, user=UserFactory(email="bob@amer.test")).user
    with time_machine.travel(MONDAY_10, tick=False):
        q_amer = ask(bob, amer)
    # 10:00 UTC is 05:00 in New York: the whole working day (09:00-17:00 EST = 14:00-22:00 UTC)
    assert q_amer.first_response_due == at(2, 22)


@pytest.mark.django_db
def test_overdue_questions_escalate_once_per_target_through_the_escalation_job(
    phd, ann, gamma, smtp_server, deliver
):
    from channelops.accounts.models import StaffTeam, TeamKind

    lead = StaffFactory(email="hd.lead@vendor.test", roles=["phd_specialist"])
    StaffTeam.objects.filter(kind=TeamKind.HELP_DESK).update(lead=lead)
    assert "questions" in escalators()
    with time_machine.travel(MONDAY_10, tick=False):
        q = ask(ann, gamma)
    with time_machine.travel(at(3, 9, 59), tick=False):
        assert escalators_run() == {"questions.questions": 0}  # due at 10:00: not late yet
    with time_machine.travel(at(3, 10, 30), tick=False):
        counts = escalations_run(today=date(2026, 3, 3))  # the daily job: tasks and escalators
        assert counts["questions.questions"] == 1
        assert escalators_run() == {"questions.questions": 0}  # once
        overdue = get_queue("questions_overdue")
        assert list(overdue.items(phd)) == [q]
        smtp_server.box.clear()
        deliver()
    [msg] = smtp_server.box.to("phd.emea@vendor.test")
    assert "hd.lead@vendor.test" in msg["To"]
    assert "no first response" in msg["Subject"] and q.number in msg["Subject"]
    with time_machine.travel(at(3, 11), tick=False):
        question_reply(question=q, by=phd, body="Looking into it.")
        assert list(get_queue("questions_overdue").items(phd)) == []  # answered, resolution not due yet
    with time_machine.travel(at(9, 10, 30), tick=False):
        assert escalators_run() == {"questions.questions": 1}  # now the resolution target passed
        assert escalators_run() == {"questions.questions": 0}
        question_set_status(question=q, status="resolved", by=phd)
        assert list(get_queue("questions_overdue").items(phd)) == []
    keys = set(
        OutboxMessage.objects.filter(idempotency_key__startswith="question-overdue").values_list(
            "idempotency_key", flat=True
        )
    )
    assert {k.split(":")[2] for k in keys} == {"first_response", "resolution"}


@pytest.mark.django_db
def test_the_work_queues_list_the_regions_questions_mine_triage_and_overdue(phd, ann, gamma, leadership, cam):
    phd_amer = StaffFactory(email="phd.amer@vendor.test", roles=["phd_specialist"])
    RegionRouting.objects.filter(region__code="AMER").update(phd_specialist=phd_amer)
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=phd)
    mine = ask(ann, gamma)
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=None)
    unassigned = ask(ann, gamma, subject="Nobody's yet")
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=phd)
    stranger = question_from_email(
        sender="x@unknown.test",
        to=["help@channelops.localhost"],
        subject="?",
        text="?",
        html="",
        message_id="<x1@unknown.test>",
        in_reply_to="",
        references=[],
        attachments=[],
        automated=False,
    ).question
    keys = {q.key for q in queues_for(phd)}
    assert {"questions_region", "questions_mine", "questions_triage", "questions_overdue"} <= keys
    assert not {"questions_region", "questions_triage"} & {q.key for q in queues_for(cam)}
    assert set(get_queue("questions_region").items(phd)) == {mine, unassigned}
    assert not get_queue("questions_region").items(phd_amer).exists()
    assert set(get_queue("questions_region").items(leadership)) == {mine, unassigned}
    assert list(get_queue("questions_mine").items(phd)) == [mine]
    assert list(get_queue("questions_triage").items(phd_amer)) == [stranger]
    question_set_status(question=mine, status="resolved", by=phd)
    assert list(get_queue("questions_region").items(phd)) == [unassigned]
    assert get_queue("questions_region").url()  # the list page, or the work-queues page


@pytest.mark.django_db
def test_the_review_check_reads_the_partners_open_questions_and_engagement_counts_them(phd, ann, gamma):
    window = (date(2026, 2, 1), date(2026, 3, 1))
    with time_machine.travel(at(2, 10), tick=False):
        data = check_data([gamma.pk], today=date(2026, 3, 2), window=window, agreements={})
        assert prefill("open_questions", gamma, data)[0] == "passed"
    with time_machine.travel(datetime(2026, 2, 16, 10, tzinfo=UTC), tick=False):
        q = ask(ann, gamma)
    with time_machine.travel(datetime(2026, 2, 16, 11, tzinfo=UTC), tick=False):
        data = check_data([gamma.pk], today=date(2026, 3, 2), window=window, agreements={})
        status, detail = prefill("open_questions", gamma, data)
    assert status == "unknown" and q.number in detail and "1 asked in February 2026" in detail
    with time_machine.travel(at(2, 10), tick=False):
        data = check_data([gamma.pk], today=date(2026, 3, 2), window=window, agreements={})
        status, detail = prefill("open_questions", gamma, data)
    assert status == "failed" and "past their target" in detail
    question_set_status(question=q, status="resolved", by=phd)
    with time_machine.travel(at(2, 10), tick=False):
        data = check_data([gamma.pk], today=date(2026, 3, 2), window=window, agreements={})
        assert prefill("open_questions", gamma, data) == (
            "passed",
            "no open questions; 1 asked in February 2026",
        )
    assert EngagementEvent.objects.filter(partner=gamma, kind="question").count() == 1
