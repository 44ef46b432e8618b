"""Partner Flash editions: opening them with their work items, authoring, the send date, test
sends, scheduling, the content lock, the chat reminder and the figures written after the send.

The rules are in docs/communications-editions.md; the dates in ``schedule.py``; the layout in
``render_flash.py``. Writes are ``@transaction.atomic`` and validate first: bad input changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, Sum
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed

from . import schedule
from .models import (
    Event,
    EventKind,
    Feedback,
    Mailing,
    MailingKind,
    MailingStatus,
    Recipient,
    RecipientStatus,
    Topic,
)
from .querysets import MANAGE_MAILING, OVERRIDE_NOTICE

#: The sections of an edition (``Mailing.sections`` keys), in the order they appear (SPEC S11).
SECTION_KEYS = ("featured", "enablement", "noteworthy", "deal", "product")
SECTION_MAX = 10_000
TEMPLATE_SLUG = "partner-flash-edition"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def section_labels() -> dict[str, str]:
    return {
        "featured": _("Featured"),
        "enablement": _("Enablement extras"),
        "noteworthy": _("New and noteworthy"),
        "deal": _("Partner deal of the month"),
        "product": _("What's new in the product"),
    }


def edition_slug(month: date) -> str:
    return f"{month:%Y-%m}-partner-flash"


def month_title(month: date, language: str = "") -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return _("Partner Flash, %(month)s") % {"month": formats.date_format(month, "F Y")}


def may_manage(user: Any) -> bool:
    return bool(user is not None and user.is_active and user.is_staff and user.has_perm(MANAGE_MAILING))


def may_unlock(user: Any) -> bool:
    """Reopening an edition's content after the feedback cut-off: channel leadership and
    administrators (the ``override_notice`` permission, the same leadership override as the
    30-day notice rule)."""
    return may_manage(user) and user.has_perm(OVERRIDE_NOTICE)


def _require_manage(by: Any) -> None:
    if by is not None and not may_manage(by):
        raise NotAllowed(_("Only channel marketing and leadership author Partner Flash editions."))


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


# --- opening editions ------------------------------------------------------------------------------


def _template() -> Any:
    from channelops.work.models import WorkTemplate

    return WorkTemplate.objects.filter(slug=TEMPLATE_SLUG).select_related("project").first()


def _default_dri(by: User | None) -> User | None:
    from channelops.accounts.models import StaffTeam, TeamKind

    team = StaffTeam.objects.filter(kind=TeamKind.CHANNEL_MARKETING).select_related("lead").first()
    if team and team.lead and team.lead.is_active and team.lead.is_staff:
        return team.lead
    if by is not None and by.is_staff:
        return by
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(Q(groups__name="channel_marketing") | Q(groups__name="administrator") | Q(is_superuser=True))
        .order_by("pk")
        .first()
    )


def _work_item_for(edition: Mailing, by: User | None, contributors: list[User]) -> Any:
    """The edition's "Partner Flash edition" work item (due on the send date), or None when the
    template or a responsible person is missing (the edition still exists; staff see a warning)."""
    from channelops.work.models import WorkItem
    from channelops.work.services.templates import work_item_from_template

    template = _template()
    dri = _default_dri(by)
    if template is None or dri is None:
        return None
    item = work_item_from_template(
        template=template,
        by=by,
        dri=dri,
        subject=edition,
        context={"edition": month_title(edition.month or timezone.localdate())},
        assigned_on=min(timezone.localdate(), edition.send_on or timezone.localdate()),
    )
    WorkItem.objects.filter(pk=item.pk).update(due_date=edition.send_on)
    people = [p for p in contributors if p.is_active and p.is_staff]
    if people:
        item.assignees.add(*people)
    return item


@transaction.atomic
def edition_open(*, month: date, by: User | None = None, contributors: list[User] | None = None) -> Mailing:
    """The edition of ``month`` (created with its work item when it does not exist yet: idempotent)."""
    _require_manage(by)
    month = _first_of_month(month)
    existing = Mailing.objects.filter(kind=MailingKind.FLASH, month=month).first()
    if existing is not None:
        return existing
    send_on = schedule.send_date_by_rule(month)
    language = settings.LANGUAGE_CODE
    try:
        with transaction.atomic():
            edition = Mailing.objects.create(
                kind=MailingKind.FLASH,
                topic=Topic.FLASH,
                month=month,
                title=month_title(month, language),
                subject=month_title(month, language),
                sections={key: "" for key in SECTION_KEYS},
                send_on=send_on,
                send_at=schedule.send_moment(send_on),
                created_by=by,
            )
    except IntegrityError:  # opened at the same moment by someone else
        return Mailing.objects.get(kind=MailingKind.FLASH, month=month)
    item = _work_item_for(edition, by, list(contributors or []))
    if item is not None:
        Mailing.objects.filter(pk=edition.pk).update(work_item=item)
        edition.work_item = item
    return edition


def quarter_months(today: date) -> list[date]:
    """The first days of the three months of the fiscal quarter containing ``today``."""
    from channelops.work.calendar import fiscal_quarter_bounds, fiscal_quarter_of

    start, _end = fiscal_quarter_bounds(*fiscal_quarter_of(today))
    months = [start]
    for _i in range(2):
        nxt = months[-1] + timedelta(days=32)
        months.append(nxt.replace(day=1))
    return months


def editions_open_quarter(today: date | None = None) -> list[Mailing]:
    """Open the editions (and work items) of every month of the current fiscal quarter (idempotent)."""
    today = today or timezone.localdate()
    return [edition_open(month=m) for m in quarter_months(today)]


# --- authoring -------------------------------------------------------------------------------------


def image_assets() -> Any:
    """Published, unexpired image assets of the library (the featured image's choices)."""
    from channelops.assets.models import Asset

    return (
        Asset.objects.published()
        .unexpired()
        .filter(current_version__content_type__in=IMAGE_TYPES)
        .select_related("current_version")
        .order_by("title", "pk")
    )


def is_locked(edition: Mailing, now: datetime | None = None) -> bool:
    """Content is locked after the feedback cut-off (unless unlocked since) and once scheduled or sent."""
    if edition.status != MailingStatus.DRAFT:
        return True
    if edition.send_on is None:
        return False
    cutoff = schedule.feedback_cutoff(edition.send_on)
    if (now or timezone.now()) < cutoff:
        return False
    unlocked = edition.content_unlocked_at
    return unlocked is None


_VIDEO_RE = re.compile(r"^https://", re.I)


@transaction.atomic
def edition_update(*, edition: Mailing, by: User, data: dict[str, Any]) -> Mailing:
    """Save the edition's content (subject, preview text, language, sections, featured image, deal
    video, contributors) and render it again. Refused when the content is locked."""
    _require_manage(by)
    edition = Mailing.objects.select_for_update().get(pk=edition.pk)
    if edition.kind != MailingKind.FLASH:
        raise ValidationError(_("This is not a Partner Flash edition."))
    if edition.status != MailingStatus.DRAFT:
        raise ValidationError(_("Only a draft can be changed: unschedule the edition first."))
    if is_locked(edition):
        raise ValidationError(
            _("Feedback closed at %(when)s: the content is locked. A leader can unlock it with a reason.")
            % {"when": _when(schedule.feedback_cutoff(edition.send_on))}  # type: ignore[arg-type]
        )
    errors: dict[str, str] = {}
    subject = (data.get("subject") or "").strip()
    if not subject:
        errors["subject"] = _("Give the edition a subject line.")
    sections = {key: (data.get(key) or "").strip() for key in SECTION_KEYS}
    for key, value in sections.items():
        if len(value) > SECTION_MAX:
            errors[key] = _("At most %(n)s characters.") % {"n": SECTION_MAX}
    video = (data.get("deal_video_url") or "").strip()
    if video and not _VIDEO_RE.match(video):
        errors["deal_video_url"] = _("The video link must start with https://.")
    image = data.get("featured_image")
    if image is not None and not image_assets().filter(pk=image.pk).exists():
        errors["featured_image"] = _("Choose a published image from the asset library.")
    language = data.get("language") or ""
    if language and language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose one of the site's languages.")
    if errors:
        raise ValidationError(errors)
    edition.subject = subject[:200]
    edition.preheader = (data.get("preheader") or "").strip()[:200]
    edition.sections = sections
    edition.deal_video_url = video
    edition.featured_image = image
    edition.language = language
    edition.save()
    if "contributors" in data and edition.work_item_id:
        _set_contributors(edition, list(data["contributors"]), by)
    from .render import render_save

    return render_save(edition)


def _set_contributors(edition: Mailing, people: list[User], by: User) -> None:
    from channelops.work.services.items import work_item_update

    item = edition.work_item
    if item is None:
        return
    current = set(item.assignees.values_list("pk", flat=True))
    wanted = {p.pk for p in people}
    if current != wanted:
        work_item_update(item=item, by=by, data={"assignees": [p for p in people if p.is_staff]})


def contributors_of(edition: Mailing) -> list[User]:
    if edition.work_item_id is None:
        return []
    return list(edition.work_item.assignees.order_by("full_name", "email"))  # type: ignore[union-attr]


# --- the send date ---------------------------------------------------------------------------------


@transaction.atomic
def edition_set_send_on(*, edition: Mailing, by: User, send_on: date | None, reason: str = "") -> Mailing:
    """Override the send date with a reason (e.g. an urgent pricing update); ``send_on`` None
    goes back to the date by rule."""
    _require_manage(by)
    edition = Mailing.objects.select_for_update().get(pk=edition.pk)
    if edition.status not in (MailingStatus.DRAFT,):
        raise ValidationError(_("Only a draft's send date can change: unschedule the edition first."))
    reason = (reason or "").strip()
    if send_on is None:
        send_on = schedule.send_date_by_rule(edition.month or timezone.localdate())
        edition.send_on_overridden, edition.send_on_reason = False, ""
    else:
        if not reason:
            raise ValidationError({"reason": _("Say why the edition leaves its usual date.")})
        if send_on < timezone.localdate():
            raise ValidationError({"send_on": _("The send date cannot be in the past.")})
        edition.send_on_overridden, edition.send_on_reason = True, reason[:300]
    edition.send_on = send_on
    edition.send_at = schedule.send_moment(send_on)
    edition.save(update_fields=["send_on", "send_at", "send_on_overridden", "send_on_reason", "updated_at"])
    if edition.work_item_id:
        from channelops.work.models import WorkItem

        WorkItem.objects.filter(pk=edition.work_item_id).update(due_date=send_on)
    return edition


def edition_refresh_send_on(edition: Mailing) -> Mailing:
    """Recompute a draft's date by rule (the webcast calendar changed); overridden dates stay."""
    if edition.status != MailingStatus.DRAFT or edition.send_on_overridden or edition.month is None:
        return edition
    send_on = schedule.send_date_by_rule(edition.month)
    if send_on != edition.send_on:
        Mailing.objects.filter(pk=edition.pk).update(send_on=send_on, send_at=schedule.send_moment(send_on))
        edition.refresh_from_db()
    return edition


# --- warnings and deadlines ------------------------------------------------------------------------


def _when(moment: datetime) -> str:
    local = moment.astimezone(schedule.comms_zone())
    return f"{formats.date_format(local, 'DATE_FORMAT')} {local:%H:%M} {local.tzname()}"


@dataclass(frozen=True)
class Deadlines:
    send_at: datetime
    test_send_due: date
    feedback_cutoff: datetime


def deadlines(edition: Mailing) -> Deadlines | None:
    if edition.send_on is None:
        return None
    return Deadlines(
        send_at=edition.send_at or schedule.send_moment(edition.send_on),
        test_send_due=schedule.test_send_due(edition.send_on),
        feedback_cutoff=schedule.feedback_cutoff(edition.send_on),
    )


def edition_warnings(edition: Mailing, now: datetime | None = None) -> list[tuple[str, str]]:
    """``(level, text)`` warnings of an edition for the console (level: danger, warning, info)."""
    now = now or timezone.now()
    out: list[tuple[str, str]] = []
    d = deadlines(edition)
    if d is None or edition.status in (MailingStatus.SENT, MailingStatus.CANCELLED, MailingStatus.SENDING):
        return out
    due_end = schedule.test_send_deadline(edition.send_on)  # type: ignore[arg-type]
    due_text = formats.date_format(d.test_send_due, "DATE_FORMAT")
    if edition.test_sent_at is None:
        if now >= due_end:
            out.append(("danger", _("The test send is late: it was due by %(day)s.") % {"day": due_text}))
        else:
            out.append(("info", _("Send the test e-mail to reviewers by %(day)s.") % {"day": due_text}))
    elif edition.test_sent_at >= due_end:
        out.append(("warning", _("The test was sent after its deadline (%(day)s).") % {"day": due_text}))
    if edition.work_item_id is None:
        out.append(
            ("warning", _("This edition has no work item (the Partner Flash edition template is missing)."))
        )
    if edition.status == MailingStatus.DRAFT and now >= d.send_at:
        out.append(("danger", _("The send date has passed: choose a new date.")))
    elif edition.status == MailingStatus.DRAFT and now >= d.feedback_cutoff:
        out.append(("warning", _("Feedback closed at %(when)s.") % {"when": _when(d.feedback_cutoff)}))
    return out


# --- the content lock ------------------------------------------------------------------------------


@transaction.atomic
def edition_unlock(*, edition: Mailing, by: User, reason: str) -> Mailing:
    """Reopen the content after the feedback cut-off (leadership; the reason is recorded on the
    edition and as a comment in its work item)."""
    if not may_unlock(by):
        raise NotAllowed(_("Only channel leadership and administrators unlock an edition."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the edition must change after feedback closed.")})
    edition = Mailing.objects.select_for_update().get(pk=edition.pk)
    if edition.status != MailingStatus.DRAFT:
        raise ValidationError(_("Only a draft can be unlocked: unschedule the edition first."))
    edition.content_unlocked_at = timezone.now()
    edition.content_unlocked_by = by
    edition.content_unlock_reason = reason[:500]
    edition.save(
        update_fields=["content_unlocked_at", "content_unlocked_by", "content_unlock_reason", "updated_at"]
    )
    _comment(edition, _("Content unlocked after the feedback cut-off: %(reason)s") % {"reason": reason}, by)
    return edition


def _comment(edition: Mailing, body: str, by: User | None) -> None:
    from channelops.work.models import Comment, WorkItem

    if edition.work_item_id is None:
        return
    Comment.objects.create(item_id=edition.work_item_id, author=by, body=body[:20000])
    WorkItem.objects.filter(pk=edition.work_item_id).update(updated_at=timezone.now())


# --- test sends ------------------------------------------------------------------------------------


def reviewer_addresses(people: list[User] | None = None, extra: str = "") -> list[str]:
    """``COMMS_REVIEWERS`` plus the people chosen and the addresses typed (comma or line separated)."""
    out: list[str] = []
    for address in [
        *settings.COMMS_REVIEWERS,
        *(p.email for p in people or []),
        *re.split(r"[,;\s]+", extra or ""),
    ]:
        address = (address or "").strip().lower()
        if address and address not in out:
            out.append(address)
    return out


def edition_test_send(*, edition: Mailing, to: list[str], by: User) -> list[tuple[str, str]]:
    """Send test copies to reviewers (``sending.mailing_test_send``) after checking the rules; returns
    the warnings to show (a late test send is allowed and warned about)."""
    _require_manage(by)
    if edition.status not in (MailingStatus.DRAFT, MailingStatus.SCHEDULED):
        raise ValidationError(_("This edition was sent or cancelled: no test send."))
    if not to:
        raise ValidationError({"to": _("Choose at least one reviewer.")})
    for address in to:
        try:
            validate_email(address)
        except ValidationError as exc:
            raise ValidationError({"to": _("%(a)s is not an e-mail address.") % {"a": address}}) from exc
    if not (edition.subject or "").strip():
        raise ValidationError(_("Give the edition a subject line first."))
    warnings: list[tuple[str, str]] = []
    if edition.send_on is not None and timezone.now() >= schedule.test_send_deadline(edition.send_on):
        warnings.append(
            (
                "warning",
                _("This test send is late: reviewers should have had it by %(day)s.")
                % {"day": formats.date_format(schedule.test_send_due(edition.send_on), "DATE_FORMAT")},
            )
        )
    from .render import render_save
    from .sending import mailing_test_send  # the sending part's (issue 18)

    if edition.status == MailingStatus.DRAFT:
        edition = render_save(edition)
    mailing_test_send(mailing=edition, to=to, by=by)
    return warnings


# --- scheduling ------------------------------------------------------------------------------------


@transaction.atomic
def edition_schedule(*, edition: Mailing, by: User) -> Mailing:
    """Render the edition and schedule its send at ``send_at`` (status scheduled)."""
    _require_manage(by)
    edition = Mailing.objects.select_for_update().get(pk=edition.pk)
    if edition.status != MailingStatus.DRAFT:
        raise ValidationError(_("Only a draft can be scheduled."))
    if not (edition.subject or "").strip():
        raise ValidationError(_("Give the edition a subject line first."))
    if not any((edition.sections or {}).get(k, "").strip() for k in SECTION_KEYS):
        raise ValidationError(_("Write the edition's content first."))
    if edition.send_on is None or edition.send_at is None:
        raise ValidationError(_("The edition has no send date."))
    if edition.send_at <= timezone.now():
        raise ValidationError(_("The send date has passed: choose a new date first."))
    from .render import render_save

    edition = render_save(edition)
    if not edition.html.strip():
        raise ValidationError(_("The edition could not be rendered."))
    Mailing.objects.filter(pk=edition.pk).update(status=MailingStatus.SCHEDULED)
    edition.status = MailingStatus.SCHEDULED
    return edition


@transaction.atomic
def edition_unschedule(*, edition: Mailing, by: User) -> Mailing:
    _require_manage(by)
    edition = Mailing.objects.select_for_update().get(pk=edition.pk)
    if edition.status != MailingStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled edition can go back to draft."))
    Mailing.objects.filter(pk=edition.pk).update(status=MailingStatus.DRAFT)
    edition.status = MailingStatus.DRAFT
    return edition


@transaction.atomic
def edition_cancel(*, edition: Mailing, by: User) -> Mailing:
    _require_manage(by)
    edition = Mailing.objects.select_for_update().get(pk=edition.pk)
    if edition.status not in (MailingStatus.DRAFT, MailingStatus.SCHEDULED):
        raise ValidationError(_("A sent edition cannot be cancelled."))
    Mailing.objects.filter(pk=edition.pk).update(status=MailingStatus.CANCELLED)
    edition.status = MailingStatus.CANCELLED
    if edition.work_item_id:
        _comment(edition, _("The edition was cancelled."), by)
    return edition


# --- after the send --------------------------------------------------------------------------------


def on_mailing_sent(mailing: Mailing) -> None:
    """``hooks.mailing_sent``: a sent Partner Flash joins the public archive (slug); every mailing
    announces ``mailing.sent`` to webhook subscribers (the internal chat reminder)."""
    from channelops.core.events import publish

    if mailing.kind == MailingKind.FLASH and mailing.month is not None:
        slug = mailing.slug or edition_slug(mailing.month)
        Mailing.objects.filter(pk=mailing.pk).update(public=True, slug=slug)
        mailing.public, mailing.slug = True, slug
    from .links import archive_url

    publish(
        "mailing.sent",
        key=f"mailing:{mailing.pk}",
        data={
            "id": mailing.pk,
            "kind": mailing.kind,
            "title": mailing.title,
            "subject": mailing.subject,
            "sent_at": (mailing.sent_at or timezone.now()).isoformat(),
            "recipients": Recipient.objects.filter(mailing=mailing).count(),
            "web_url": archive_url(mailing.slug) if mailing.public else "",
            "text": _("%(title)s was sent.") % {"title": mailing.title},
        },
    )


def edition_figures(mailing: Mailing) -> dict[str, Any]:
    """The edition's figures in three aggregate queries (recipients, events, feedback)."""
    r = Recipient.objects.filter(mailing=mailing).aggregate(
        recipients=Count("pk"),
        delivered=Count("pk", filter=Q(status=RecipientStatus.SENT)),
        opens=Sum("opens"),
        unique_opens=Count("pk", filter=Q(opened_at__isnull=False)),
        unique_clicks=Count("pk", filter=Q(clicked_at__isnull=False)),
        clicks=Sum("clicks"),
    )
    e = Event.objects.filter(mailing=mailing).aggregate(
        unsubscribes=Count("recipient", distinct=True, filter=Q(kind=EventKind.UNSUBSCRIBE)),
        bounces=Count(
            "recipient", distinct=True, filter=Q(kind__in=[EventKind.HARD_BOUNCE, EventKind.SOFT_BOUNCE])
        ),
        complaints=Count("recipient", distinct=True, filter=Q(kind=EventKind.COMPLAINT)),
    )
    f = Feedback.objects.filter(mailing=mailing).aggregate(
        feedback_average=Avg("rating"), feedback_count=Count("pk")
    )
    delivered = r["delivered"] or 0
    figures: dict[str, Any] = {
        "recipients": r["recipients"] or 0,
        "delivered": delivered,
        "opens": r["opens"] or 0,
        "unique_opens": r["unique_opens"] or 0,
        "clicks": r["clicks"] or 0,
        "unique_clicks": r["unique_clicks"] or 0,
        **{k: v or 0 for k, v in e.items()},
        "feedback_average": round(float(f["feedback_average"]), 2)
        if f["feedback_average"] is not None
        else None,
        "feedback_count": f["feedback_count"] or 0,
    }
    figures["open_rate"] = round(100.0 * figures["unique_opens"] / delivered, 1) if delivered else None
    figures["click_rate"] = round(100.0 * figures["unique_clicks"] / delivered, 1) if delivered else None
    return figures


def figures_text(figures: dict[str, Any]) -> str:
    rows = [
        (_("Recipients"), figures["recipients"]),
        (_("Delivered"), figures["delivered"]),
        (_("Opens"), figures["opens"]),
        (_("Unique opens"), figures["unique_opens"]),
        (_("Open rate"), f"{figures['open_rate']} %" if figures["open_rate"] is not None else "—"),
        (_("Clicks"), figures["clicks"]),
        (_("Unique clicks"), figures["unique_clicks"]),
        (_("Click rate"), f"{figures['click_rate']} %" if figures["click_rate"] is not None else "—"),
        (_("Unsubscribes"), figures["unsubscribes"]),
        (_("Bounces"), figures["bounces"]),
        (_("Complaints"), figures["complaints"]),
        (
            _("Feedback"),
            _("%(avg)s of 5 from %(n)s readers")
            % {"avg": figures["feedback_average"], "n": figures["feedback_count"]}
            if figures["feedback_count"]
            else "—",
        ),
    ]
    heading, figure, value = _("Figures of the edition"), _("Figure"), _("Value")
    lines = [f"**{heading}**", "", f"| {figure} | {value} |", "|---|---:|"]
    lines += [f"| {label} | {value} |" for label, value in rows]
    return "\n".join(lines) + "\n"


def friday_after(day: date) -> date:
    """The first Friday after ``day`` (a Thursday send: the next day)."""
    return day + timedelta(days=(4 - day.weekday()) % 7 or 7)


def figures_record_due(today: date | None = None) -> list[Mailing]:
    """On the Friday after each sent edition (or later, catching up): write its figures into its
    work item, close the item and set ``figures_recorded_at``. Idempotent."""
    today = today or timezone.localdate()
    done: list[Mailing] = []
    candidates = Mailing.objects.filter(
        kind=MailingKind.FLASH,
        status=MailingStatus.SENT,
        figures_recorded_at__isnull=True,
        sent_at__isnull=False,
    ).order_by("sent_at", "pk")
    for edition in candidates:
        sent_day = edition.sent_at.astimezone(schedule.comms_zone()).date()  # type: ignore[union-attr]
        if friday_after(sent_day) <= today:
            done.append(edition_record_figures(edition))
    return done


@transaction.atomic
def edition_record_figures(edition: Mailing) -> Mailing:
    edition = Mailing.objects.select_for_update().get(pk=edition.pk)
    if edition.figures_recorded_at is not None:
        return edition
    language = edition.language or settings.LANGUAGE_CODE
    with translation.override(language):
        text = figures_text(edition_figures(edition))
    if edition.work_item_id:
        from channelops.work.models import WorkStatus
        from channelops.work.services.items import work_item_update

        _comment(edition, text, None)
        item = edition.work_item
        if item is not None and item.is_open:
            work_item_update(item=item, by=cast(User, None), data={"status": WorkStatus.DONE})
    edition.figures_recorded_at = timezone.now()
    edition.save(update_fields=["figures_recorded_at", "updated_at"])
    return edition


# --- targets ---------------------------------------------------------------------------------------


def targets_summary() -> dict[str, Any]:
    """The open and click rate targets against the average of the first ``COMMS_TARGET_MONTHS``
    sent editions (per-edition rates averaged), in one query."""
    months = settings.COMMS_TARGET_MONTHS
    ids = list(
        Mailing.objects.filter(kind=MailingKind.FLASH, status=MailingStatus.SENT)
        .order_by("send_on", "pk")
        .values_list("pk", flat=True)[:months]
    )
    rows = (
        Recipient.objects.filter(mailing_id__in=ids)
        .values("mailing_id")
        .annotate(
            delivered=Count("pk", filter=Q(status=RecipientStatus.SENT)),
            opened=Count("pk", filter=Q(opened_at__isnull=False)),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
        .order_by()
        if ids
        else []
    )
    open_rates = [100.0 * r["opened"] / r["delivered"] for r in rows if r["delivered"]]
    click_rates = [100.0 * r["clicked"] / r["delivered"] for r in rows if r["delivered"]]
    open_avg = round(sum(open_rates) / len(open_rates), 1) if open_rates else None
    click_avg = round(sum(click_rates) / len(click_rates), 1) if click_rates else None
    return {
        "months": months,
        "editions": len(ids),
        "open_target": settings.COMMS_TARGET_OPEN_RATE,
        "click_target": settings.COMMS_TARGET_CLICK_RATE,
        "open_actual": open_avg,
        "click_actual": click_avg,
        "open_met": open_avg is not None and open_avg >= settings.COMMS_TARGET_OPEN_RATE,
        "click_met": click_avg is not None and click_avg >= settings.COMMS_TARGET_CLICK_RATE,
    }
