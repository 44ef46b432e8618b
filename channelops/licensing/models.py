"""Licensing (S7): NFR license requests, their review, and signed license files."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.partners.models import Partner

from .querysets import LicenseQuerySet, LicenseReminderQuerySet, NfrRequestQuerySet, RequestEventQuerySet


class Plan(models.TextChoices):
    """Product plans a license can be for; the last is the top plan (the default)."""

    PREMIUM = "premium", _("Premium")
    ULTIMATE = "ultimate", _("Ultimate")


TOP_PLAN = Plan.ULTIMATE


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    NEEDS_INFO = "needs_info", _("Needs information")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    #: The partner took the request back before it was decided (closed; never approved).
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_REQUEST_STATUSES = (RequestStatus.SUBMITTED, RequestStatus.NEEDS_INFO)


class NfrRequest(models.Model):
    """A request for not-for-resale licenses for a partner (S7 steps 1–3)."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="nfr_requests"
    )
    contact_name = models.CharField(_("license contact name"), max_length=150)
    contact_email = models.EmailField(_("license contact e-mail"), max_length=254)
    plan = models.CharField(_("plan"), max_length=20, choices=Plan.choices, default=TOP_PLAN)
    seats = models.PositiveIntegerField(_("users (seats)"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"), default=12)
    purpose = models.TextField(_("purpose"), max_length=5000)
    is_renewal = models.BooleanField(_("renewal"), default=False)
    renews = models.ForeignKey(
        "License",
        verbose_name=_("renews"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RequestStatus.choices,
        default=RequestStatus.SUBMITTED,
        db_index=True,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("submitted"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    question = models.TextField(_("question to the partner"), blank=True, max_length=5000)
    answer = models.TextField(_("partner's answer"), blank=True, max_length=5000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True, max_length=5000)
    eligibility = models.JSONField(
        _("eligibility at approval"),
        default=list,
        blank=True,
        help_text=_("The criteria as evaluated when the request was approved (audit)."),
    )
    encouraged = models.BooleanField(
        _("certification encouragement sent"),
        default=False,
        help_text=_("Approved without a certified employee: the encouragement e-mail went out."),
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = NfrRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("NFR request")
        verbose_name_plural = _("NFR requests")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"NFR-{self.pk}: {self.partner} ({self.seats} {self.get_plan_display()})"

    @property
    def reference(self) -> str:
        return f"NFR-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class License(models.Model):
    """A signed license issued for an approved request; the file is the signed envelope (S7 steps 4–5)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.OneToOneField(
        NfrRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="license"
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="licenses"
    )
    contact_email = models.EmailField(_("license contact e-mail"), max_length=254)
    plan = models.CharField(_("plan"), max_length=20, choices=Plan.choices)
    users = models.PositiveIntegerField(_("users"))
    starts = models.DateField(_("starts"))
    expires = models.DateField(_("expires"), db_index=True)
    key_id = models.CharField(_("signing key id"), max_length=64)
    payload = models.JSONField(_("signed payload"))
    file_text = models.TextField(_("license file"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, db_index=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for revocation"), blank=True, max_length=2000)
    history = HistoricalRecords(excluded_fields=["file_text", "payload"])

    objects = LicenseQuerySet.as_manager()

    class Meta:
        verbose_name = _("license")
        verbose_name_plural = _("licenses")
        ordering = ["-issued_at"]
        permissions = [
            ("issue_license", _("May issue (sign) NFR licenses — granted only through an access request")),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.partner})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def filename(self) -> str:
        return f"channelops-license-{self.id}.lic"


class RequestEvent(models.Model):
    """One step on a request's timeline (submitted, question, answer, approved, license sent…)."""

    request = models.ForeignKey(NfrRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(_("at"), default=timezone.now)
    detail = models.CharField(_("detail"), max_length=2000, blank=True)

    objects = RequestEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.kind}"


class LicenseReminder(models.Model):
    """An expiry reminder sent for a license (one row per license and lead time: sent once)."""

    license = models.ForeignKey(License, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField(_("days before expiry"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    objects = LicenseReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("license reminder")
        verbose_name_plural = _("license reminders")
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["license", "days_before"], name="licensing_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.license_id}: {self.days_before} days"


class MessageTemplate(models.Model):
    """A staff-editable e-mail text (Markdown body with ``{{ placeholders }}``), e.g. the encouragement."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=120)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body (Markdown)"), max_length=20000)
    #: The text in other languages than English (docs/i18n.md, "Content that is data"):
    #: ``{"de": {"subject": …, "body": …}}``. A language missing here gets the English text,
    #: marked as available in English only (:meth:`for_language`).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return str(self.name)

    def for_language(self, language: str) -> tuple[str, str, bool]:
        """(subject, body, in_english_only) for a reader of ``language``: its translation when there
        is a complete one, else the English text and True (when ``language`` is not English)."""
        code = (language or "").split("-")[0]
        version = (self.translations or {}).get(code) or {}
        if code != "en" and version.get("subject") and version.get("body"):
            return version["subject"], version["body"], False
        return self.subject, self.body, code not in ("", "en")
