"""Practitioner badges: Open Badges 3.0 credentials (S6, docs/badges.md)."""

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.enablement.models import Certification, PractitionerRecord
from channelops.partners.models import Partner

from .querysets import BadgeQuerySet

#: Bits per status list: 131,072 bits = the 16 KB minimum of the Bitstring Status List spec.
STATUS_LIST_BITS = 131_072


class BadgeStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved, being signed")
    ISSUED = "issued", _("Issued")
    REVOKED = "revoked", _("Revoked")


class StatusList(models.Model):
    """One Bitstring Status List (``/badges/status/<id>``): hands out the badges' bit indexes."""

    id = models.PositiveIntegerField(primary_key=True)
    next_index = models.PositiveIntegerField(_("next free index"), default=0)
    size = models.PositiveIntegerField(_("bits"), default=STATUS_LIST_BITS)

    class Meta:
        verbose_name = _("badge status list")
        verbose_name_plural = _("badge status lists")

    def __str__(self) -> str:
        return f"status list {self.pk} ({self.next_index}/{self.size})"


class Badge(models.Model):
    """One Open Badges 3.0 credential for one practitioner record (never two for a record).

    The holder is identified in the credential by a salted SHA-256 hash of their e-mail; the row
    keeps the hash and salt, not the address (the record has it). ``credential`` is the signed
    JSON-LD document once signed.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    record = models.OneToOneField(
        PractitionerRecord,
        verbose_name=_("practitioner record"),
        on_delete=models.PROTECT,
        related_name="badge",
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="badges"
    )
    certification = models.ForeignKey(
        Certification, verbose_name=_("certification"), on_delete=models.PROTECT, related_name="badges"
    )
    holder_name = models.CharField(_("holder"), max_length=150)
    status = models.CharField(_("status"), max_length=10, choices=BadgeStatus.choices, db_index=True)
    salt = models.CharField(_("salt"), max_length=64)
    identity_hash = models.CharField(_("identity hash"), max_length=80)
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="badges")
    status_index = models.PositiveIntegerField(_("status list index"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    credential = models.JSONField(_("signed credential"), null=True, blank=True)
    key_id = models.CharField(_("key id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revocation_reason = models.TextField(_("revocation reason"), blank=True, max_length=2000)
    history = HistoricalRecords(excluded_fields=["credential"])

    objects = BadgeQuerySet.as_manager()

    class Meta:
        verbose_name = _("badge")
        verbose_name_plural = _("badges")
        ordering = ["-created_at", "id"]
        permissions = [
            ("approve_badge", "Can approve badges held for approval"),
            ("revoke_badge", "Can revoke badges"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="badges_status_index_unique"
            ),
        ]
        indexes = [models.Index(fields=["partner", "status"], name="badges_partner_status")]

    def __str__(self) -> str:
        return f"{self.holder_name}: {self.certification_id} ({self.status})"

    def state(self, today: date | None = None) -> str:
        """What the pages say: valid, expired, revoked, pending (awaiting approval) or signing
        (approved, the credential is being signed in the background)."""
        today = today or timezone.localdate()
        if self.status == BadgeStatus.REVOKED:
            return "revoked"
        if self.status == BadgeStatus.APPROVED:
            return "signing"
        if self.status != BadgeStatus.ISSUED:
            return "pending"
        if self.valid_until is not None and self.valid_until <= today:
            return "expired"
        return "valid"
