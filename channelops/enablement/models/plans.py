"""Enablement plans and business plans (S6; the seed's "slide 19" of the business-planning template).

* ``EnablementPlanEntry`` — one key employee of a partner who will train and certify: who,
  which certification, by when.
* ``BusinessPlan`` — one version of a partner's business plan on the service development
  framework (text sections) with its certification targets (``BusinessPlanTarget``). A plan
  goes draft → submitted → accepted or returned (with a comment); submitting a newer version
  supersedes the previous one, which is kept (and ``simple_history`` records every change).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.partners.models import Partner
from channelops.partners.querysets import PartnerScopedQuerySet

from .catalog import Certification


class EnablementPlanEntryQuerySet(PartnerScopedQuerySet):
    pass


class EnablementPlanEntry(models.Model):
    """A key employee of the partner who will train and certify (the enablement plan, one row per person
    and certification)."""

    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="enablement_plan_entries",
    )
    full_name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("e-mail"), max_length=254)
    certification = models.ForeignKey(
        Certification,
        verbose_name=_("target certification"),
        on_delete=models.PROTECT,
        related_name="plan_entries",
    )
    target_date = models.DateField(_("target date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = EnablementPlanEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("enablement plan entry")
        verbose_name_plural = _("enablement plan entries")
        ordering = ["target_date", "full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "email", "certification"], name="enablement_plan_person_cert"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>: {self.certification_id} by {self.target_date}"


class BusinessPlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


# The text sections of the service development framework, in page order: (field, label, help).
BUSINESS_PLAN_SECTIONS: list[tuple[str, Any, Any]] = [
    (
        "target_customers",
        _("Target customers and segments"),
        _("Which customers, industries and regions your services practice focuses on."),
    ),
    ("services_offered", _("Services offered"), _("The services you deliver around the product.")),
    ("go_to_market", _("Go-to-market"), _("How you reach and sell to those customers; joint activities.")),
    (
        "resourcing",
        _("Resourcing and enablement"),
        _("Who delivers the services; hiring and training plans."),
    ),
    (
        "certification_summary",
        _("Certification targets"),
        _("Your certification goals in words; the numbers go in the table below."),
    ),
]


class BusinessPlanQuerySet(PartnerScopedQuerySet):
    def on_file(self) -> BusinessPlanQuerySet:
        """Plans that count as "on file": submitted or accepted, and not superseded by a newer version."""
        return self.filter(
            state__in=[BusinessPlanState.SUBMITTED, BusinessPlanState.ACCEPTED], superseded_at__isnull=True
        )


class BusinessPlan(models.Model):
    """One version of a partner's business plan on the service development framework."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="business_plans"
    )
    version = models.PositiveIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=10, choices=BusinessPlanState.choices, default=BusinessPlanState.DRAFT
    )
    target_customers = models.TextField(_("target customers and segments"), blank=True, max_length=5000)
    services_offered = models.TextField(_("services offered"), blank=True, max_length=5000)
    go_to_market = models.TextField(_("go-to-market"), blank=True, max_length=5000)
    resourcing = models.TextField(_("resourcing and enablement"), blank=True, max_length=5000)
    certification_summary = models.TextField(_("certification targets"), blank=True, max_length=5000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True, max_length=5000)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = BusinessPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("business plan")
        verbose_name_plural = _("business plans")
        ordering = ["partner_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "version"], name="enablement_bplan_version"),
            models.UniqueConstraint(
                fields=["partner"], condition=Q(state="draft"), name="enablement_bplan_one_draft"
            ),
        ]

    def __str__(self) -> str:
        return f"Business plan v{self.version} of partner {self.partner_id} ({self.state})"

    @property
    def editable(self) -> bool:
        return self.state == BusinessPlanState.DRAFT


class BusinessPlanTarget(models.Model):
    """A certification target of a business plan: this many certified people by this date."""

    plan = models.ForeignKey(
        BusinessPlan, verbose_name=_("business plan"), on_delete=models.CASCADE, related_name="targets"
    )
    certification = models.ForeignKey(
        Certification, verbose_name=_("certification"), on_delete=models.PROTECT, related_name="plan_targets"
    )
    people = models.PositiveSmallIntegerField(_("certified people"))
    by_date = models.DateField(_("by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("business plan target")
        verbose_name_plural = _("business plan targets")
        ordering = ["by_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "certification"], name="enablement_bplan_target_cert"),
        ]

    def __str__(self) -> str:
        return f"{self.people} × {self.certification_id} by {self.by_date}"
