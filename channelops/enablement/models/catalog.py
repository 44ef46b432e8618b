"""The certification catalog and practitioner records (S6)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.partners.models import Partner
from channelops.partners.querysets import PartnerScopedQuerySet


class Certification(models.Model):
    """A certification a person earns (training + exam), e.g. "Solution Architect Core"."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    exam_name = models.CharField(_("exam"), max_length=150, blank=True)
    requires_training = models.BooleanField(
        _("training required"),
        default=True,
        help_text=_("Certified only once the training is also complete."),
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        default=24,
        help_text=_("Empty: never expires."),
    )
    grants_badge = models.BooleanField(_("grants a badge"), default=True)
    badge_criteria = models.TextField(
        _("badge criteria"),
        blank=True,
        max_length=5000,
        help_text=_("What earning the badge takes (shown in the Open Badges achievement)."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["name"]

    def __str__(self) -> str:
        return str(self.name)


class RecordSource(models.TextChoices):
    IMPORT = "import", _("File import")
    API = "api", _("API")
    WEBHOOK = "webhook", _("Webhook")
    MANUAL = "manual", _("Entered by staff")


class PractitionerRecordQuerySet(PartnerScopedQuerySet):
    def certified(self, today: date | None = None) -> PractitionerRecordQuerySet:
        """Records that make their person certified on ``today``: exam passed, training done
        where the certification requires it, not expired."""
        today = today or timezone.localdate()
        return self.filter(
            Q(training_completed=True) | Q(certification__requires_training=False),
            exam_passed=True,
            completed_on__lte=today,
        ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=today))


class PractitionerRecord(models.Model):
    """One person's result for one certification, as the learning system reports it.

    The natural key (certification, e-mail, completion date) makes imports idempotent.
    """

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="practitioner_records"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="practitioner_records",
    )
    email = models.EmailField(_("e-mail"), max_length=254)
    full_name = models.CharField(_("name"), max_length=150)
    certification = models.ForeignKey(
        Certification, verbose_name=_("certification"), on_delete=models.PROTECT, related_name="records"
    )
    training_completed = models.BooleanField(_("training completed"), default=False)
    exam_passed = models.BooleanField(_("exam passed"), default=False)
    exam_score = models.PositiveSmallIntegerField(_("exam score (%)"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True)
    source = models.CharField(_("source"), max_length=10, choices=RecordSource.choices)
    external_id = models.CharField(_("learning system id"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = PractitionerRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("practitioner record")
        verbose_name_plural = _("practitioner records")
        ordering = ["-completed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["certification", "email", "completed_on"], name="enablement_record_natural_key"
            ),
        ]
        indexes = [models.Index(fields=["partner", "certification"], name="enablement_rec_partner_cert")]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>: {self.certification_id} ({self.completed_on})"

    def is_certified(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        trained = self.training_completed or not self.certification.requires_training
        return (
            trained
            and self.exam_passed
            and self.completed_on <= today
            and (self.expires_on is None or self.expires_on > today)
        )
