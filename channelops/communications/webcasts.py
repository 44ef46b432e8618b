"""The partner webcast series: the calendar staff maintain (monthly regional sessions, a program
webcast each quarter), calendar files (RFC 5545, ``icalendar``) and invitation e-mails with the
``.ics`` attached (docs/communications-other.md).

- ``webcast_save`` creates or changes a session; a change of its time, length, title or text on a
  session already published raises its ``sequence`` (calendar clients replace the older copy).
- ``webcast_cancel`` cancels it (``sequence`` + 1) and e-mails a ``METHOD:CANCEL`` update to every
  person who was invited.
- ``webcast_invite`` e-mails each person of the audience (active partner people of the session's
  region, or of every region, who want the ``webcasts`` topic and whose address is not suppressed)
  an invitation with ``METHOD:REQUEST``; once per session, person and ``sequence`` (the outbox key),
  so inviting again after a change sends the update and inviting twice sends nothing new.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.emails import render_email
from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.core.outbox import outbox_enqueue

from .audience import portal_users
from .models import Mailing, Subscriber, SubscriberStatus, Suppression, Topic, Webcast, WebcastKind
from .querysets import MANAGE_WEBCAST

FIELDS = (
    "kind",
    "title",
    "description",
    "region",
    "starts_at",
    "duration_minutes",
    "time_zone",
    "registration_url",
    "recording_url",
)
#: Changes that make calendar clients update their copy (a new SEQUENCE).
CALENDAR_FIELDS = ("title", "description", "starts_at", "duration_minutes", "time_zone", "registration_url")
KEY_PREFIX = "comms-webcast"


@cache
def time_zones() -> list[str]:
    return sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/")))


@cache
def _country_zones() -> dict[str, str]:
    """Country code → its first time zone in the tz database's ``zone.tab`` (``GB`` → Europe/London)."""
    out: dict[str, str] = {}
    try:
        text = (resources.files("tzdata.zoneinfo") / "zone.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return out
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            out.setdefault(parts[0], parts[2])
    return out


def zone_for_country(country: str) -> str:
    """A time zone for a country (the first one listed), else ``COMMS_TIME_ZONE``."""
    return _country_zones().get(str(country or "").upper(), settings.COMMS_TIME_ZONE)


def ends_at(webcast: Webcast) -> dt.datetime:
    return webcast.starts_at + dt.timedelta(minutes=webcast.duration_minutes)


def _require(by: User) -> None:
    if not (by.is_active and by.is_staff and by.has_perm(MANAGE_WEBCAST)):
        raise NotAllowed(_("Your role may not change the webcast calendar."))


def _check(w: Webcast) -> None:
    errors: dict[str, str] = {}
    if not w.title.strip():
        errors["title"] = _("Give the session a title.")
    if w.time_zone not in available_timezones():
        errors["time_zone"] = _("Choose a time zone from the list, e.g. Europe/London.")
    if not w.duration_minutes or w.duration_minutes > 600:
        errors["duration_minutes"] = _("A session lasts between 1 and 600 minutes.")
    if w.kind == WebcastKind.REGIONAL and w.region_id is None:
        errors["region"] = _("A regional session needs its region.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def webcast_save(*, webcast: Webcast | None, data: dict[str, Any], by: User) -> Webcast:
    """Create a session (``webcast=None``) or change one; a cancelled session is not changed."""
    _require(by)
    if webcast is None:
        w = Webcast()
    else:
        w = Webcast.objects.select_for_update().get(pk=webcast.pk)
        if w.cancelled:
            raise ValidationError(_("This session is cancelled; add a new one instead."))
    before = {f: getattr(w, f) for f in CALENDAR_FIELDS} if w.pk else None
    for name in FIELDS:
        if name in data:
            value = data[name]
            setattr(w, name, value.strip() if isinstance(value, str) else value)
    _check(w)
    if before is not None and any(getattr(w, f) != before[f] for f in CALENDAR_FIELDS):
        w.sequence += 1
    w.save()
    _editions_follow(w.starts_at, before["starts_at"] if before else None)
    return w


def _editions_follow(*moments: dt.datetime | None) -> None:
    """The Partner Flash drafts of the months these sessions were in take their date by rule again
    (the series' end moves the send date; dates set by hand stay)."""
    from .editions import edition_refresh_send_on
    from .schedule import comms_zone

    months = {m.astimezone(comms_zone()).date().replace(day=1) for m in moments if m is not None}
    for edition in Mailing.objects.filter(kind="flash", status="draft", month__in=months):
        edition_refresh_send_on(edition)


@transaction.atomic
def webcast_cancel(*, webcast: Webcast, by: User) -> int:
    """Cancel the session (``sequence`` + 1) and e-mail the cancellation to everyone who was invited.
    Returns the number of cancellations queued."""
    _require(by)
    w = Webcast.objects.select_for_update().get(pk=webcast.pk)
    if w.cancelled:
        raise ValidationError(_("This session is already cancelled."))
    w.cancelled = True
    w.sequence += 1
    w.save(update_fields=["cancelled", "sequence", "updated_at"])
    _editions_follow(w.starts_at)
    return _send(w, users=invited_users(w), method="CANCEL")


# --- the calendar file ------------------------------------------------------------------------------------


def uid(webcast: Webcast) -> str:
    domain = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "channelops"
    return f"webcast-{webcast.pk}@{domain}"


def ics(webcast: Webcast, *, method: str = "PUBLISH", attendee: str = "") -> str:
    """The session as an RFC 5545 calendar (one VEVENT; times with their TZID; STATUS:CANCELLED and
    METHOD:CANCEL for a cancellation)."""
    import icalendar

    if webcast.cancelled and method == "REQUEST":
        method = "CANCEL"
    cal = icalendar.Calendar()
    cal.add("prodid", "-//channelops//Partner webcasts//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    zone = ZoneInfo(webcast.time_zone)
    event.add("uid", uid(webcast))
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", webcast.starts_at.astimezone(zone))
    event.add("dtend", ends_at(webcast).astimezone(zone))
    event.add("summary", webcast.title)
    link = webcast.registration_url or settings.SITE_URL.rstrip("/") + reverse("portal:comms_webcasts")
    description = webcast.description.strip()
    if webcast.registration_url:
        description = (description + "\n\n" if description else "") + _("Register: %(url)s") % {"url": link}
    if description:
        event.add("description", description)
    event.add("url", link)
    event.add("sequence", webcast.sequence)
    event.add("status", "CANCELLED" if webcast.cancelled else "CONFIRMED")
    organizer = icalendar.vCalAddress(f"mailto:{settings.COMMS_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = icalendar.vText(_("Partner program"))
    event.add("organizer", organizer)
    if attendee:
        person = icalendar.vCalAddress(f"mailto:{attendee}")
        person.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        person.params["rsvp"] = icalendar.vText("FALSE")
        event.add("attendee", person)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode()


# --- invitations ---------------------------------------------------------------------------------------------


def audience_of(webcast: Webcast) -> dict[str, Any]:
    return {"regions": [webcast.region.code]} if webcast.region_id and webcast.region else {}


def _mailable(users: list[User]) -> list[User]:
    """Drop people who left the webcasts topic (or every topic) and suppressed addresses."""
    if not users:
        return []
    emails = [u.email.lower() for u in users]
    suppressed = {
        e.lower() for e in Suppression.objects.filter(email__in=emails).values_list("email", flat=True)
    }
    subs = {s.user_id: s for s in Subscriber.objects.filter(user__in=users)}
    out = []
    for u in users:
        sub = subs.get(u.pk)
        if u.email.lower() in suppressed:
            continue
        if sub is not None and (sub.status == SubscriberStatus.UNSUBSCRIBED or not sub.wants(Topic.WEBCASTS)):
            continue
        out.append(u)
    return out


def invitees(webcast: Webcast) -> list[User]:
    """The people an invitation goes to (active partner people of the region, topic, not suppressed)."""
    return _mailable(list(portal_users(audience_of(webcast)).order_by("pk")))


def _key(webcast: Webcast, user_id: int, method: str) -> str:
    return f"{KEY_PREFIX}:{webcast.pk}:{user_id}:{webcast.sequence}:{method.lower()}"


def invited_users(webcast: Webcast) -> list[User]:
    """Everyone an invitation (any revision) of the session was queued for, still mailable."""
    keys = OutboxMessage.objects.filter(
        idempotency_key__startswith=f"{KEY_PREFIX}:{webcast.pk}:", idempotency_key__endswith=":request"
    ).values_list("idempotency_key", flat=True)
    ids = {int(k.split(":")[2]) for k in keys}
    return _mailable(list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk")))


def _send(webcast: Webcast, *, users: list[User], method: str) -> int:
    template = (
        "communications/other/email/webcast_cancelled"
        if method == "CANCEL"
        else "communications/other/email/webcast_invitation"
    )
    link = settings.SITE_URL.rstrip("/") + reverse("portal:comms_webcasts")
    queued = 0
    for user in users:
        key = _key(webcast, user.pk, method)
        if OutboxMessage.objects.filter(idempotency_key=key).exists():
            continue
        zone = ZoneInfo(webcast.time_zone)
        context = {
            "webcast": webcast,
            "name": user.get_short_name(),
            "starts": timezone.localtime(webcast.starts_at, zone),
            "ends": timezone.localtime(ends_at(webcast), zone),
            "link": link,
        }
        rendered = render_email(template, context, language=user.language or settings.LANGUAGE_CODE)
        payload = {
            "to": [user.email],
            **rendered,
            "from": settings.COMMS_FROM_EMAIL or settings.DEFAULT_FROM_EMAIL,
            "attachments": [
                {
                    "filename": "invite.ics",
                    "content": ics(webcast, method=method, attendee=user.email),
                    "mimetype": f"text/calendar; method={method}",
                }
            ],
        }
        outbox_enqueue(kind="email", key=key, payload=payload, topic=f"webcast:{webcast.pk}")
        queued += 1
    return queued


@transaction.atomic
def webcast_invite(*, webcast: Webcast, by: User) -> int:
    """Queue the invitation (with the ``.ics``) for everyone in the audience not yet invited to this
    revision. Returns how many were queued."""
    _require(by)
    w = Webcast.objects.select_related("region").get(pk=webcast.pk)
    if w.cancelled:
        raise ValidationError(_("This session is cancelled: nobody is invited to it."))
    if w.starts_at <= timezone.now():
        raise ValidationError(_("This session has started: invitations go out before a session."))
    return _send(w, users=invitees(w), method="REQUEST")


def invited_count(webcast: Webcast) -> int:
    """People invited to the current revision."""
    return OutboxMessage.objects.filter(
        idempotency_key__startswith=f"{KEY_PREFIX}:{webcast.pk}:",
        idempotency_key__endswith=f":{webcast.sequence}:request",
    ).count()


# --- the calendar's shape ------------------------------------------------------------------------------------


def quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarters_without_program(today: dt.date | None = None, count: int = 4) -> list[str]:
    """Of this quarter and the next ``count - 1``, those with no (uncancelled) program webcast."""
    today = today or timezone.localdate()
    year, q = quarter_of(today)
    quarters = []
    for _i in range(count):
        quarters.append((year, q))
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    start = dt.date(quarters[0][0], 3 * quarters[0][1] - 2, 1)
    have = {
        quarter_of(timezone.localdate(s))
        for s in Webcast.objects.filter(
            kind=WebcastKind.PROGRAM, cancelled=False, starts_at__date__gte=start
        ).values_list("starts_at", flat=True)
    }
    return [f"{y} Q{n}" for y, n in quarters if (y, n) not in have]
