"""After a Partner Flash is sent: the chat reminder (webhook event), the archive slug, the figures
written into the work item on the Friday after, and the targets on the editions list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from channelops.communications import editions, hooks
from channelops.communications.models import Event, Feedback, Mailing, MailingStatus
from channelops.core.events import event_published
from channelops.work.models import Comment

from .comms_editions_helpers import edition_with_content, marketing, recipients

pytestmark = pytest.mark.django_db

SENT_AT = datetime(2026, 12, 3, 16, 5, tzinfo=UTC)  # Thursday 3 December, 09:05 Denver


def sent_edition(month: date = date(2026, 12, 1), opened: int = 4, clicked: int = 1, n: int = 10) -> Mailing:
    with time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=UTC), tick=False):
        edition = edition_with_content(month=month)
    rows = recipients(edition, n, status="sent")
    for r in rows[:opened]:
        r.opened_at, r.opens = SENT_AT, 2
        r.save()
    for r in rows[:clicked]:
        r.clicked_at, r.clicks = SENT_AT, 1
        r.save()
    Event.objects.create(mailing=edition, recipient=rows[-1], kind="unsubscribe")
    Event.objects.create(mailing=edition, recipient=rows[-2], kind="hard_bounce")
    Feedback.objects.create(mailing=edition, recipient=rows[0], rating=4)
    Feedback.objects.create(mailing=edition, recipient=rows[1], rating=5)
    Mailing.objects.filter(pk=edition.pk).update(status=MailingStatus.SENT, sent_at=SENT_AT)
    edition.refresh_from_db()
    return edition


def test_mailing_sent_publishes_the_chat_reminder_and_joins_the_archive():
    edition = sent_edition()
    seen = []
    with event_published.registered(lambda kind, key, data: seen.append((kind, key, data))):
        hooks.mailing_sent.call(mailing=edition)
    assert [(k, key) for k, key, _d in seen] == [("mailing.sent", f"mailing:{edition.pk}")]
    data = seen[0][2]
    assert data["recipients"] == 10 and data["web_url"].endswith("/newsletter/archive/2026-12-partner-flash/")
    edition.refresh_from_db()
    assert edition.public and edition.slug == "2026-12-partner-flash"


def test_edition_figures():
    f = editions.edition_figures(sent_edition())
    assert f["recipients"] == 10 and f["delivered"] == 10
    assert f["unique_opens"] == 4 and f["opens"] == 8 and f["open_rate"] == 40.0
    assert f["unique_clicks"] == 1 and f["click_rate"] == 10.0
    assert f["unsubscribes"] == 1 and f["bounces"] == 1 and f["complaints"] == 0
    assert f["feedback_average"] == 4.5 and f["feedback_count"] == 2


def test_figures_go_into_the_work_item_on_the_friday_after_and_close_it():
    from channelops.communications.jobs_editions import editions_figures_task

    edition = sent_edition()
    with time_machine.travel(datetime(2026, 12, 3, 23, 0, tzinfo=UTC), tick=False):
        editions_figures_task.call()  # Thursday: not yet
    edition.refresh_from_db()
    assert edition.figures_recorded_at is None and edition.work_item.is_open
    with time_machine.travel(datetime(2026, 12, 4, 21, 20, tzinfo=UTC), tick=False):  # Friday 4 December
        editions_figures_task.call()
        editions_figures_task.call()  # idempotent
    edition.refresh_from_db()
    assert edition.figures_recorded_at is not None
    item = edition.work_item
    assert item.status == "done" and item.closed_at is not None
    comments = list(Comment.objects.filter(item=item))
    assert len(comments) == 1
    body = comments[0].body
    assert (
        "| Unique opens | 4 |" in body
        and "| Open rate | 40.0 % |" in body
        and "4.5 of 5 from 2 readers" in body
    )


def test_friday_after():
    assert editions.friday_after(date(2026, 12, 3)) == date(2026, 12, 4)
    assert editions.friday_after(date(2026, 1, 2)) == date(2026, 1, 9)


def test_list_shows_targets_against_actuals_with_constant_queries(
    client, settings, django_assert_max_num_queries
):
    settings.COMMS_TARGET_OPEN_RATE = 35.0
    settings.COMMS_TARGET_CLICK_RATE = 5.0
    settings.COMMS_TARGET_MONTHS = 6
    mia = marketing()
    sent_edition()
    client.force_login(mia)
    with time_machine.travel(datetime(2026, 12, 10, 12, 0, tzinfo=UTC), tick=False):
        client.get(reverse("console:comms_editions"))  # warm the caches
        with django_assert_max_num_queries(20) as few:
            page = client.get(reverse("console:comms_editions")).content.decode()
        assert 'data-figure="open_actual">40.0 %' in page and 'data-figure="click_actual">10.0 %' in page
        assert "Target 35.0 %" in page
        for month in (date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)):
            editions.edition_open(month=month, by=mia)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get(reverse("console:comms_editions"))
