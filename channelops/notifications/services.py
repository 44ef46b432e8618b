"""Writes for notifications: creating them for the watchers of a change, reading, rules, digests."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.models import OutboxMessage
from channelops.core.outbox import email_enqueue

from . import defaults
from .models import DismissedDefault, How, Notification, NotificationRule, Scope, When
from .registry import Watchable, get_watchable

log = logging.getLogger(__name__)

PEOPLE_PER_BATCH = 200
CHUNK = 500  # ids per IN (...) list: well below SQLite's and PostgreSQL's parameter limits


def _chunks(items: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _rules_link(user: Any) -> str:
    name = "console:notification_rules" if user.is_staff else "portal:notification_rules"
    return absolute_url(name)


def _absolute(url: str) -> str:
    return absolute_url(url)


# --- a change happened: who is told ---------------------------------------------------------------


def _staff_scope(*, partner_id: int | None, region_id: int | None) -> Q:
    """Which staff rules' scopes cover an item of this partner (or, without one, this region):
    every partner; the regions routed to the person (PHD specialist); the partners they are CAM
    of. Subqueries, so the watchers stay one query."""
    from channelops.partners.models import Partner, RegionRouting

    scope = Q(scope=Scope.ALL)
    if region_id is not None:
        routed = RegionRouting.objects.filter(region_id=region_id)
    elif partner_id is not None:
        routed = RegionRouting.objects.filter(region__partners=partner_id)
    else:
        routed = None
    if routed is not None:
        scope |= Q(scope=Scope.MY_REGIONS, user_id__in=routed.values("phd_specialist_id"))
    if partner_id is not None:
        managed = Partner.objects.filter(pk=partner_id, cam__isnull=False).values("cam_id")
        scope |= Q(scope=Scope.MY_PARTNERS, user_id__in=managed)
    return scope


def _watchers(
    watchable: Watchable,
    *,
    actor: Any,
    new: bool,
    partner_id: int | None,
    partner_url: str,
    region_id: int | None = None,
) -> Any:
    """The rules that match this change, in one query: the watch key, "new submission" only for
    new items, never the actor; staff with the queue's permission whose rule's scope covers the
    item's partner (or region); partner people of the object's partner only (and only for queues
    partner people may watch)."""
    rules = NotificationRule.objects.filter(watch=watchable.key, user__is_active=True)
    if not new:
        rules = rules.filter(when=When.ANY_CHANGE)
    if actor is not None and getattr(actor, "pk", None):
        rules = rules.exclude(user_id=actor.pk)
    staff = Q(user__is_staff=True) & _staff_scope(partner_id=partner_id, region_id=region_id)
    if watchable.perm:
        staff &= Q(user__in=ModelBackend().with_perm(watchable.perm))
    scope = staff
    if not watchable.staff_only and partner_id is not None and partner_url:
        scope |= Q(user__is_staff=False, user__membership__partner_id=partner_id)
    return rules.filter(scope).select_related("user", "user__membership").order_by("pk")


def notifications_create(
    *,
    watchable: Watchable,
    obj: Any,
    actor: Any,
    new: bool,
    title: str,
    url: str,
    partner_id: int | None,
    partner_url: str = "",
    region_id: int | None = None,
) -> list[Notification]:
    """One notification per matching rule (see ``registry.notify``); "right away" rules get an e-mail."""
    recipients: list[NotificationRule] = []
    watchers = _watchers(
        watchable, actor=actor, new=new, partner_id=partner_id, partner_url=partner_url, region_id=region_id
    )
    for rule in watchers:
        person = rule.user
        if not person.is_staff and (watchable.staff_only or person.partner_id != partner_id):
            continue  # (the query already excludes them: belt and braces)
        if watchable.visible is not None and not watchable.visible(person, obj):
            continue
        recipients.append(rule)
    if not recipients:
        return []
    now = timezone.now()
    actor_id = actor.pk if actor is not None and getattr(actor, "pk", None) else None
    rows = [
        Notification(
            user=rule.user,
            watch=watchable.key,
            title=title[:300],
            url=(url if rule.user.is_staff else partner_url)[:500],
            actor_id=actor_id,
            partner_id=partner_id,
            how=rule.how,
            created_at=now,
        )
        for rule in recipients
    ]
    if connection.features.can_return_rows_from_bulk_insert:
        Notification.objects.bulk_create(rows)
    else:  # pragma: no cover (every supported database returns the ids)
        for row in rows:
            row.save()
    actor_name = actor.get_full_name() if actor_id else ""
    for n in rows:
        if n.how != How.IMMEDIATE:
            continue
        email_enqueue(
            to=n.user.email,
            template="notifications/email/notification",
            context={
                "notification": n,
                "label": watchable.label,
                "actor_name": actor_name,
                "link": _absolute(n.url),
                "rules_link": _rules_link(n.user),
            },
            key=f"notification:{n.pk}",
            topic=f"partner:{partner_id}" if partner_id else "",
        )
    return rows


# --- reading -----------------------------------------------------------------------------------


def _require_own(user_id: int, by: Any) -> None:
    if by is None or not getattr(by, "is_authenticated", False) or by.pk != user_id:
        raise NotAllowed(_("These are someone else's notifications."))


@transaction.atomic
def notification_mark_read(*, notification: Notification, by: Any) -> Notification:
    _require_own(notification.user_id, by)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


@transaction.atomic
def notifications_mark_all_read(*, by: Any) -> int:
    return Notification.objects.visible_to(by).unread().update(read_at=timezone.now())


# --- rules -------------------------------------------------------------------------------------


@transaction.atomic
def notification_rule_save(
    *,
    user: User,
    watch: str,
    when: str,
    how: str,
    by: User,
    rule: NotificationRule | None = None,
    scope: str = Scope.ALL,
) -> NotificationRule:
    """Add or change one of ``user``'s own rules (people set up rules only for themselves).

    ``scope`` is for staff (partner people always watch only their partner's items). Changing a
    suggested rule makes it the person's (``edited_at``): role changes never remove it."""
    _require_own(user.pk, by)
    if rule is not None and rule.user_id != user.pk:
        raise NotAllowed(_("This rule is someone else's."))
    watchable = get_watchable(watch or "")
    if watchable is None or not watchable.may_watch(user):
        raise ValidationError({"watch": _("Choose one of the queues offered.")})
    errors = {}
    if when not in When.values:
        errors["when"] = _("Choose when to be notified.")
    if how not in How.values:
        errors["how"] = _("Choose how to be notified.")
    if not user.is_staff:
        scope = Scope.ALL
    elif scope not in Scope.values:
        errors["scope"] = _("Choose which partners the rule covers.")
    if errors:
        raise ValidationError(errors)
    others = NotificationRule.objects.filter(user=user, watch=watch)
    if rule is not None:
        others = others.exclude(pk=rule.pk)
    if others.exists():
        raise ValidationError(
            {
                "watch": _("You already have a rule for %(label)s: change that one.")
                % {"label": watchable.label}
            }
        )
    target = rule or NotificationRule(user=user)
    if target.default_role and (target.watch, target.when, target.how, target.scope) != (
        watch,
        when,
        how,
        scope,
    ):
        target.edited_at = timezone.now()
    target.watch, target.when, target.how, target.scope = watch, when, how, scope
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:  # a concurrent request added the same rule
        raise ValidationError(
            {
                "watch": _("You already have a rule for %(label)s: change that one.")
                % {"label": watchable.label}
            }
        ) from exc
    return target


@transaction.atomic
def notification_rule_delete(*, rule: NotificationRule, by: User) -> None:
    """Delete one of the person's rules. A suggested one (``default_role``) is recorded as
    dismissed, so no role change suggests a rule for that queue again."""
    _require_own(rule.user_id, by)
    NotificationRule.objects.filter(pk=rule.pk).delete()
    if rule.default_role:
        DismissedDefault.objects.get_or_create(
            user_id=rule.user_id, watch=rule.watch, defaults={"role": rule.default_role}
        )


# --- the rules suggested for each role (defaults.py) ----------------------------------------------


def person_roles(user: User) -> list[str]:
    """The roles of ``defaults.DEFAULTS`` this person holds (staff roles, or partner admin/user)."""
    from channelops.partners.models import PartnerMembership

    # Not ``user.partner_membership``: a cached "no membership" of a person created a moment before
    # joining their partner would outlive this call (the partners' hooks read it next).
    role = None
    if not user.is_staff:
        role = PartnerMembership.objects.filter(user_id=user.pk).values_list("role", flat=True).first()
    return defaults.roles_of(
        is_staff=user.is_staff,
        groups=user.groups.values_list("name", flat=True) if user.is_staff else (),
        membership_role=role,
    )


@transaction.atomic
def notification_defaults_sync(*, user: User) -> list[NotificationRule]:
    """Make ``user``'s suggested rules match their roles; returns the rules added.

    Adds the suggested rule of each role's queue unless the person already has a rule for that
    queue (theirs, or a suggestion of another role) or deleted the suggestion before
    (``DismissedDefault``), and unless the person may not watch it. Removes only suggestions the
    person never changed whose role they no longer hold; a rule the person made or changed is
    never removed. Run on creation and on every role change (the accounts' and partners' hooks);
    running it again changes nothing.
    """
    roles = person_roles(user)
    mine = NotificationRule.objects.filter(user=user)
    mine.filter(default_role__gt="", edited_at__isnull=True).exclude(default_role__in=roles).delete()
    if not roles:
        return []
    user.__dict__.pop("partner_membership", None)  # may_watch reads it: the membership is current now
    have = set(mine.values_list("watch", flat=True))
    have |= set(DismissedDefault.objects.filter(user=user).values_list("watch", flat=True))
    rows = []
    for watch, (role, rule) in defaults.wanted(roles).items():
        watchable = get_watchable(watch)
        if watch in have or watchable is None or not watchable.may_watch(user):
            continue
        rows.append(
            NotificationRule(
                user=user, watch=watch, when=rule.when, how=rule.how, scope=rule.scope, default_role=role
            )
        )
    for row in rows:
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # a concurrent sync added it first
            row.pk = None
    return [row for row in rows if row.pk is not None]


def notification_defaults_backfill() -> int:
    """Give every existing person the suggested rules of their roles they lack (the data migration
    ``0002`` and ``channelops notification_defaults``); running it again adds nothing."""
    return defaults.backfill(user_model=User, rule_model=NotificationRule, dismissed_model=DismissedDefault)


# --- the daily digest --------------------------------------------------------------------------


def digest_key(user_id: int, day: Any) -> str:
    return f"digest:{user_id}:{day.isoformat()}"


DIGEST_FIELDS = (
    "pk",
    "user_id",
    "watch",
    "title",
    "url",
    "created_at",
    "actor__full_name",
    "actor__email",
    "user__email",
    "user__is_staff",
)


def _grouped(items: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The digest's sections: one per watched queue (in label order), changes oldest first."""
    by_watch: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_watch.setdefault(item["watch"], []).append(item)
    sections = []
    for watch, rows in by_watch.items():
        w = get_watchable(watch)
        sections.append((str(w.label) if w else watch, rows))
    return sorted(sections, key=lambda s: s[0])


class _Taken(Exception):
    """Another digest run marked some of these rows first."""


def _send_one_digest(
    key: str, items: list[dict[str, Any]], now: datetime, day: Any, links: dict[str, dict[str, str]]
) -> None:
    """Mark the rows and queue the e-mail (in the caller's savepoint); raises _Taken on a race."""
    ids = [i["pk"] for i in items]
    marked = 0
    for chunk in _chunks(ids):
        marked += Notification.objects.filter(pk__in=chunk, digested_at__isnull=True).update(
            digest_key=key, digested_at=now
        )
    if marked != len(ids):
        raise _Taken(key)
    first = items[0]
    for item in items:  # formatted here once rather than in both templates (text and HTML)
        item["link"] = _absolute(item["url"]) if item["url"] else ""
        actor = item["actor__full_name"] or item["actor__email"]
        item["by"] = _("by %(actor)s") % {"actor": actor} if actor else ""
        item["when"] = timezone.localtime(item["created_at"]).strftime("%Y-%m-%d %H:%M")
    email_enqueue(
        to=first["user__email"],
        template="notifications/email/digest",
        context={
            "sections": _grouped(items),
            "count": len(items),
            "day": day,
            **links["staff" if first["user__is_staff"] else "partner"],
        },
        key=key,
    )


def _existing_keys(keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(list(keys)):
        found.update(
            OutboxMessage.objects.filter(idempotency_key__in=chunk).values_list("idempotency_key", flat=True)
        )
    return found


def digests_send(*, now: datetime | None = None) -> dict[str, int]:
    """One e-mail per person per day listing each change their digest rules caught since the last one.

    Idempotent: the e-mail's outbox key is ``digest:<user>:<date>``; a person who already got
    today's digest keeps the newer changes for tomorrow's, and each change is listed once.
    Queries: two to find the work and one per 200 people to read it; per person one UPDATE and
    the outbox row (a SELECT and an INSERT), in savepoints.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    due = Notification.objects.digest_due().filter(created_at__lte=now, user__is_active=True)
    user_ids = sorted(due.order_by().values_list("user_id", flat=True).distinct())
    keys = {uid: digest_key(uid, day) for uid in user_ids}
    done_today = _existing_keys(keys.values())
    todo = [uid for uid in user_ids if keys[uid] not in done_today]
    stats = {"people": 0, "changes": 0, "already_sent": len(user_ids) - len(todo), "skipped": 0, "failed": 0}
    # A batch of people per transaction (one wake-up of the outbox worker per batch), each person
    # in a savepoint: a failure (or a concurrent run) loses that person's digest for this run only.
    # Each batch is read in full before writing: SQLite gives no isolation between a cursor being
    # read and UPDATEs of the same table on the same connection.
    links = {
        kind: {
            "list_link": absolute_url(f"{shell}:notifications"),
            "rules_link": absolute_url(f"{shell}:notification_rules"),
        }
        for kind, shell in (("staff", "console"), ("partner", "portal"))
    }
    for batch in _chunks(todo, PEOPLE_PER_BATCH):
        rows = list(
            due.filter(user_id__in=batch).order_by("user_id", "created_at", "pk").values(*DIGEST_FIELDS)
        )
        with transaction.atomic():
            for user_id, group in itertools.groupby(rows, key=lambda r: r["user_id"]):
                items = list(group)
                try:
                    with transaction.atomic():
                        _send_one_digest(keys[user_id], items, now, day, links)
                except _Taken:
                    stats["skipped"] += 1
                    log.warning("digest %s: another run took some of its changes; skipped", keys[user_id])
                except Exception:
                    stats["failed"] += 1
                    log.exception(
                        "digest %s could not be queued; its changes wait for the next run", keys[user_id]
                    )
                else:
                    stats["people"] += 1
                    stats["changes"] += len(items)
    return stats
