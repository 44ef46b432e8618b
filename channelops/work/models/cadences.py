"""Recurring cadences (S9): an RFC 5545 rule, one-off overrides, materialised occurrences."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.partners.models import Region


class HolidayPolicy(models.TextChoices):
    IGNORE = "ignore", _("Keep the date")
    SKIP = "skip", _("Skip the occurrence")
    BEFORE = "before", _("Move to the previous working day")
    AFTER = "after", _("Move to the next working day")


class Cadence(models.Model):
    """A recurring schedule as an RFC 5545 rule, with holiday handling and one-off overrides.

    Occurrences are materialised as rows (unique per cadence and date), so running the
    materialiser twice, or on two machines, creates nothing twice.
    """

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(
        _("kind"), max_length=40, help_text=_("What an occurrence creates, e.g. phd_review_weekly.")
    )
    rule = models.CharField(_("rule (RFC 5545 RRULE)"), max_length=500)
    start = models.DateField(_("starts"))
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="cadences"
    )
    holiday_policy = models.CharField(
        _("on a public holiday"), max_length=10, choices=HolidayPolicy.choices, default=HolidayPolicy.BEFORE
    )
    holiday_country = models.CharField(
        _("holidays of country"), max_length=2, blank=True, help_text=_("ISO code; empty: no holidays.")
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cadence")
        verbose_name_plural = _("cadences")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from ..cadences import cadence_validate

        cadence_validate(self)


class CadenceOverride(models.Model):
    """A one-off change: the occurrence of ``date`` moves to ``new_date``, or is cancelled (empty)."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField(_("scheduled date"))
    new_date = models.DateField(_("new date"), null=True, blank=True, help_text=_("Empty: cancelled."))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cadence override")
        verbose_name_plural = _("cadence overrides")
        constraints = [models.UniqueConstraint(fields=["cadence", "date"], name="cadence_override_once")]

    def __str__(self) -> str:
        return f"{self.cadence}: {self.date} → {self.new_date or 'cancelled'}"


class Occurrence(models.Model):
    """One materialised date of a cadence (the unique constraint makes materialising idempotent)."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="occurrences")
    date = models.DateField(_("date"), db_index=True)
    scheduled_date = models.DateField(_("date by the rule"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["cadence", "scheduled_date"], name="occurrence_once")]

    def __str__(self) -> str:
        return f"{self.cadence} {self.date}"
