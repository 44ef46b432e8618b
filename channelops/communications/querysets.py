"""Reads of partner communications: who sees which mailing, subscriber, recipient, webcast and notice.

Visibility (``visible_to(user)``):

- staff with ``communications.view_mailing`` see every mailing and its recipients and events; with
  ``communications.view_subscriber`` every subscriber;
- a partner person sees the sent editions of the public archive, their own subscriber row and
  their own recipient rows (the e-mails they were sent), the webcasts for their region (or for every
  region) and the portal notices addressed to them; never another person's or partner's rows;
- anyone else: the public archive only (``Mailing.objects.archive()``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone

VIEW_MAILING = "communications.view_mailing"
MANAGE_MAILING = "communications.manage_mailing"
VIEW_SUBSCRIBER = "communications.view_subscriber"
MANAGE_SUBSCRIBER = "communications.manage_subscriber"
OVERRIDE_NOTICE = "communications.override_notice"
MANAGE_WEBCAST = "communications.manage_webcast"
MANAGE_NOTICE = "communications.manage_portalnotice"


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_comms_staff(user: Any, perm: str = VIEW_MAILING) -> bool:
    return _active(user) and user.is_staff and user.has_perm(perm)


def partner_id_of(user: Any) -> int | None:
    if not _active(user) or user.is_staff:
        return None
    return getattr(user, "partner_id", None)


class MailingQuerySet(models.QuerySet):
    def archive(self) -> MailingQuerySet:
        """Sent mailings in the public archive (no personal data on those pages)."""
        return self.filter(public=True, status="sent")

    def visible_to(self, user: Any) -> MailingQuerySet:
        if is_comms_staff(user):
            return self
        return self.archive()


class SubscriberQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> SubscriberQuerySet:
        if is_comms_staff(user, VIEW_SUBSCRIBER):
            return self
        if _active(user) and not user.is_staff:
            return self.filter(user=user)
        return self.none()


class RecipientQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> RecipientQuerySet:
        if is_comms_staff(user) or is_comms_staff(user, VIEW_SUBSCRIBER):
            return self
        if _active(user) and not user.is_staff:
            return self.filter(user=user)
        return self.none()

    def due(self, now: Any = None) -> RecipientQuerySet:
        """Rows the sender may claim now: pending and due, or sending with an expired lease."""
        now = now or timezone.now()
        return self.filter(
            Q(status="pending", next_attempt_at__isnull=True)
            | Q(status="pending", next_attempt_at__lte=now)
            | Q(status="sending", lease_until__lt=now)
        )


class WebcastQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> WebcastQuerySet:
        if not _active(user):
            return self.none()
        if user.is_staff:
            return self
        partner_id = partner_id_of(user)
        if partner_id is None:
            return self.none()
        from channelops.partners.models import Partner

        region_id = Partner.objects.filter(pk=partner_id).values_list("region_id", flat=True).first()
        return self.filter(cancelled=False).filter(Q(region__isnull=True) | Q(region_id=region_id))

    def upcoming(self, now: Any = None) -> WebcastQuerySet:
        return self.filter(starts_at__gte=now or timezone.now(), cancelled=False)


class PortalNoticeQuerySet(models.QuerySet):
    def current(self, today: Any = None) -> PortalNoticeQuerySet:
        today = today or timezone.localdate()
        return self.filter(starts_on__lte=today, ends_on__gte=today)

    def visible_to(self, user: Any) -> PortalNoticeQuerySet:
        """Staff with the notice permission see all; a partner person the current notices whose
        audience includes them (``audience.user_matches``), dismissed or not."""
        if is_comms_staff(user, MANAGE_NOTICE) or is_comms_staff(user):
            return self
        if partner_id_of(user) is None:
            return self.none()
        from .audience import user_matches

        ids = [n.pk for n in self.current() if user_matches(n.audience, user)]
        return self.filter(pk__in=ids)
