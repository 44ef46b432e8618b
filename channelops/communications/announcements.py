"""Announcements (pricing, product, program changes: 30 days' notice) and special notices (urgent
announcements, surveys, summit invitations): requested as a mailing plus a work item in the
"Partner Communication" project, scheduled for the sending machinery (docs/communications-other.md).

The 30-day rule (SPEC S11): the vendor owes partners ``COMMS_NOTICE_DAYS`` days' notice of a change,
so an announcement is sent at least that many days before the change takes effect
(``send_on <= effective_on - COMMS_NOTICE_DAYS``). A later send date is refused, unless someone
holding ``communications.override_notice`` (channel leadership) allows it with a reason; who, when
and why are kept on the mailing and written as a comment on its work item. The rule is checked
when the announcement is requested or edited and again when it is scheduled. Editing the change's
or the send's date drops an earlier override (it was given for the old dates).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed

from .audience import clean_audience
from .models import Mailing, MailingKind, MailingStatus, Topic
from .querysets import MANAGE_MAILING, OVERRIDE_NOTICE

KINDS = (MailingKind.ANNOUNCEMENT, MailingKind.SPECIAL)
TOPIC_OF = {MailingKind.ANNOUNCEMENT: Topic.ANNOUNCEMENTS, MailingKind.SPECIAL: Topic.SPECIAL}
PROJECT_SLUG = "partner-communication"
#: The fields a request or an edit sets (``data`` keys); ``audience`` is cleaned by the audience filter.
FIELDS = ("title", "subject", "preheader", "body", "send_on", "change_kind", "effective_on", "audience")


def notice_days() -> int:
    return int(settings.COMMS_NOTICE_DAYS)


def latest_send_on(effective_on: dt.date) -> dt.date:
    """The last day an announcement of a change effective on ``effective_on`` may be sent."""
    return effective_on - dt.timedelta(days=notice_days())


def send_moment(send_on: dt.date) -> dt.datetime:
    """The send date at ``COMMS_SEND_TIME`` in ``COMMS_TIME_ZONE`` (aware)."""
    hour, _sep, minute = str(settings.COMMS_SEND_TIME).partition(":")
    local = dt.datetime.combine(send_on, dt.time(int(hour or 9), int(minute or 0)))
    return local.replace(tzinfo=ZoneInfo(settings.COMMS_TIME_ZONE))


def _day(d: dt.date) -> str:
    return date_format(d, "DATE_FORMAT")


def notice_short(mailing: Mailing) -> bool:
    """Whether the announcement gives less than the required notice (its dates as they stand)."""
    return bool(
        mailing.kind == MailingKind.ANNOUNCEMENT
        and mailing.effective_on
        and mailing.send_on
        and mailing.send_on > latest_send_on(mailing.effective_on)
    )


def _check(mailing: Mailing, *, scheduling: bool = False) -> None:
    """Validation of a request, an edit or a schedule (ValidationError naming the fields)."""
    errors: dict[str, str] = {}
    if not mailing.title.strip():
        errors["title"] = _("Give the announcement a title.")
    if mailing.send_on is None:
        errors["send_on"] = _("Choose the send date.")
    elif mailing.send_on < timezone.localdate():
        errors["send_on"] = _("The send date has passed: choose today or a later date.")
    if mailing.kind == MailingKind.ANNOUNCEMENT:
        if not mailing.change_kind:
            errors["change_kind"] = _("Say what changes: pricing, product or program.")
        if mailing.effective_on is None:
            errors["effective_on"] = _("Give the date the change takes effect.")
    if scheduling:
        if not (mailing.subject or mailing.title).strip() or not mailing.body.strip():
            errors["body"] = _("Write the text of the e-mail before scheduling it.")
        if (
            mailing.send_on is not None
            and "send_on" not in errors
            and send_moment(mailing.send_on) <= timezone.now()
        ):
            errors["send_on"] = _(
                "The send time (%(time)s %(zone)s on the send date) has passed: choose a later send date."
            ) % {"time": settings.COMMS_SEND_TIME, "zone": settings.COMMS_TIME_ZONE}
    if not errors and notice_short(mailing) and not mailing.notice_override_at:
        assert mailing.effective_on is not None
        errors["send_on"] = _(
            "Partners must get %(days)s days' notice of a change: for a change taking effect on "
            "%(effective)s, send the announcement on %(latest)s at the latest."
        ) % {
            "days": notice_days(),
            "effective": _day(mailing.effective_on),
            "latest": _day(latest_send_on(mailing.effective_on)),
        }
    if errors:
        raise ValidationError(errors)


def _require(by: User, perm: str, message: str) -> None:
    if not (by.is_active and by.is_staff and by.has_perm(perm)):
        raise NotAllowed(message)


def _apply(mailing: Mailing, data: dict[str, Any]) -> None:
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "audience":
            value = clean_audience(value)
        elif isinstance(value, str):
            value = value.strip()
        setattr(mailing, name, value)
    if mailing.kind != MailingKind.ANNOUNCEMENT:
        mailing.change_kind, mailing.effective_on = "", None


def _override(mailing: Mailing, *, reason: str, by: User) -> bool:
    """Record the leadership's override when the dates need one and a reason is given."""
    reason = (reason or "").strip()
    if not reason or not notice_short(mailing):
        return False
    _require(by, OVERRIDE_NOTICE, _("Only channel leadership may allow less than the required notice."))
    mailing.notice_override_reason = reason[:2000]
    mailing.notice_override_by = by
    mailing.notice_override_at = timezone.now()
    return True


def _clear_override(mailing: Mailing) -> None:
    mailing.notice_override_reason = ""
    mailing.notice_override_by = None
    mailing.notice_override_at = None


def _override_comment(mailing: Mailing) -> str:
    assert mailing.effective_on is not None and mailing.send_on is not None
    by = mailing.notice_override_by
    return _(
        "Less than %(days)s days' notice allowed by %(by)s on %(at)s: sent on %(send)s for a change "
        "taking effect on %(effective)s (latest date by the rule: %(latest)s). Reason: %(reason)s"
    ) % {
        "days": notice_days(),
        "by": by.get_full_name() if by else "—",
        "at": date_format(timezone.localtime(mailing.notice_override_at), "DATETIME_FORMAT"),
        "send": _day(mailing.send_on),
        "effective": _day(mailing.effective_on),
        "latest": _day(latest_send_on(mailing.effective_on)),
        "reason": mailing.notice_override_reason,
    }


def _item_description(mailing: Mailing) -> str:
    lines = [
        str(mailing.get_kind_display()) + ": " + mailing.title,
        "",
        _("Send date: %(d)s") % {"d": _day(mailing.send_on) if mailing.send_on else "—"},
    ]
    if mailing.kind == MailingKind.ANNOUNCEMENT and mailing.effective_on:
        lines.append(
            _("%(change)s taking effect on %(d)s (send by %(latest)s for %(days)s days' notice).")
            % {
                "change": mailing.get_change_kind_display(),
                "d": _day(mailing.effective_on),
                "latest": _day(latest_send_on(mailing.effective_on)),
                "days": notice_days(),
            }
        )
    link = settings.SITE_URL.rstrip("/") + reverse("console:comms_announcement", args=[mailing.pk])
    lines += ["", _("The mailing: %(url)s") % {"url": link}]
    return "\n".join(lines)


@transaction.atomic
def announcement_request(*, kind: str, data: dict[str, Any], by: User, override_reason: str = "") -> Mailing:
    """Request an announcement or a special notice: the mailing (a draft) and its work item in the
    Partner Communication project (due on the send date, linking back). Bad input changes nothing."""
    from channelops.work.models import Project
    from channelops.work.services.items import comment_add, work_item_create

    _require(by, MANAGE_MAILING, _("Your role may not request announcements."))
    if kind not in KINDS:
        raise ValidationError({"kind": _("Choose an announcement or a special notice.")})
    mailing = Mailing(kind=kind, topic=TOPIC_OF[MailingKind(kind)], created_by=by, status=MailingStatus.DRAFT)
    _apply(mailing, data)
    overridden = _override(mailing, reason=override_reason, by=by)
    _check(mailing)
    mailing.save()
    project = Project.objects.filter(slug=PROJECT_SLUG).first()
    if project is None:
        raise ValidationError(
            _("The Partner Communication project is missing: ask an administrator to restore it.")
        )
    prefix = _("Announcement") if kind == MailingKind.ANNOUNCEMENT else _("Special notice")
    item = work_item_create(
        project=project,
        title=f"{prefix}: {mailing.title}",
        description=_item_description(mailing),
        dri=by,
        by=by,
        due_date=mailing.send_on,
        subject=mailing,
    )
    mailing.work_item = item
    mailing.save(update_fields=["work_item", "updated_at"])
    if overridden:
        comment_add(item=item, body=_override_comment(mailing), by=by)
    return mailing


def may_edit(mailing: Mailing) -> bool:
    return mailing.kind in KINDS and mailing.status == MailingStatus.DRAFT


@transaction.atomic
def announcement_update(
    *, mailing: Mailing, data: dict[str, Any], by: User, override_reason: str = ""
) -> Mailing:
    """Edit a draft (a scheduled one is put back to draft first). Changing the dates drops an earlier
    override; a new reason records a new one."""
    from channelops.work.services.items import comment_add, work_item_update

    _require(by, MANAGE_MAILING, _("Your role may not edit announcements."))
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if not may_edit(mailing):
        raise ValidationError(_("Only a draft can be edited: take it off the schedule first."))
    before = (mailing.send_on, mailing.effective_on)
    _apply(mailing, data)
    if (mailing.send_on, mailing.effective_on) != before and mailing.notice_override_at:
        _clear_override(mailing)
    overridden = _override(mailing, reason=override_reason, by=by)
    _check(mailing)
    mailing.save()
    if mailing.work_item_id:
        item = mailing.work_item
        assert item is not None
        if item.is_open and (item.due_date != mailing.send_on):
            work_item_update(item=item, by=by, data={"due_date": mailing.send_on})
        if overridden:
            comment_add(item=item, body=_override_comment(mailing), by=by)
    return mailing


@transaction.atomic
def announcement_schedule(*, mailing: Mailing, by: User) -> Mailing:
    """Schedule the send: ``status=scheduled`` and ``send_at`` (the send date at the send time); the
    sending job starts it then. The 30-day rule is checked again (the change's date may have moved)."""
    from channelops.work.services.items import comment_add

    _require(by, MANAGE_MAILING, _("Your role may not schedule announcements."))
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.DRAFT or mailing.kind not in KINDS:
        raise ValidationError(_("Only a draft announcement can be scheduled."))
    _check(mailing, scheduling=True)
    assert mailing.send_on is not None
    mailing.status = MailingStatus.SCHEDULED
    mailing.send_at = send_moment(mailing.send_on)
    if not mailing.subject:
        mailing.subject = mailing.title
    mailing.save(update_fields=["status", "send_at", "subject", "updated_at"])
    if mailing.work_item is not None:
        comment_add(
            item=mailing.work_item,
            body=_("Scheduled by %(by)s: sent on %(at)s.")
            % {
                "by": by.get_full_name(),
                "at": date_format(
                    timezone.localtime(mailing.send_at, ZoneInfo(settings.COMMS_TIME_ZONE)), "DATETIME_FORMAT"
                )
                + " "
                + settings.COMMS_TIME_ZONE,
            },
            by=by,
        )
    return mailing


@transaction.atomic
def announcement_unschedule(*, mailing: Mailing, by: User) -> Mailing:
    """Take a scheduled mailing off the schedule (before its send starts): back to a draft."""
    _require(by, MANAGE_MAILING, _("Your role may not change the schedule."))
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status != MailingStatus.SCHEDULED or mailing.kind not in KINDS:
        raise ValidationError(
            _("Only a scheduled mailing whose send has not started can be taken off the schedule.")
        )
    mailing.status = MailingStatus.DRAFT
    mailing.send_at = None
    mailing.save(update_fields=["status", "send_at", "updated_at"])
    return mailing


@transaction.atomic
def announcement_cancel(*, mailing: Mailing, by: User) -> Mailing:
    """Cancel a draft or scheduled announcement (it is never sent; the work item stays for the record)."""
    from channelops.work.services.items import comment_add

    _require(by, MANAGE_MAILING, _("Your role may not cancel announcements."))
    mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
    if mailing.status not in (MailingStatus.DRAFT, MailingStatus.SCHEDULED) or mailing.kind not in KINDS:
        raise ValidationError(_("Only a draft or scheduled mailing can be cancelled."))
    mailing.status = MailingStatus.CANCELLED
    mailing.send_at = None
    mailing.save(update_fields=["status", "send_at", "updated_at"])
    if mailing.work_item is not None:
        comment_add(
            item=mailing.work_item, body=_("Cancelled by %(by)s.") % {"by": by.get_full_name()}, by=by
        )
    return mailing
