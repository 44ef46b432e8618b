"""Partner certifications (S6): requirements as data, and each partner's status per certification.

A ``PartnerCertification`` (e.g. "Certified Professional Services Partner") requires a number of
currently certified practitioners per ``Certification`` (``PartnerCertificationRequirement``),
program compliance and a business plan on file. Its ``admission`` says how a partner gets there:

* ``automatic``: the first time a partner meets the requirements, a "Partner Certification
  Award" work item is opened; closing it with every task done awards the certification;
* ``onboarding`` (Certified Training Partner): invite-only until a date (a CAM invites, the
  partner admin accepts), open applications afterwards; an onboarding work item tracks the
  requirements for ``lapse_months``; Education Services closes it to award.

``PartnerCertificationStatus`` is one row per partner and partner certification (history kept).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.partners.models import Partner
from channelops.partners.querysets import PartnerScopedQuerySet

from .catalog import Certification


class Admission(models.TextChoices):
    AUTOMATIC = "automatic", _("Award opened when the requirements are met")
    ONBOARDING = "onboarding", _("Invitation or application, then an onboarding work item")


class PartnerCertification(models.Model):
    """A certification a partner company earns (Certified Professional Services Partner, Certified
    Training Partner), with its requirements."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150, unique=True)
    short_name = models.CharField(_("short name"), max_length=20, blank=True, help_text=_('E.g. "PSP".'))
    description = models.TextField(_("description"), blank=True, max_length=5000)
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Order in the portal: the next certification to reach.")
    )
    requires_compliance = models.BooleanField(
        _("program compliance required"),
        default=True,
        help_text=_("The partner is active and has accepted its agreements."),
    )
    requires_business_plan = models.BooleanField(_("business plan on file required"), default=True)
    admission = models.CharField(
        _("admission"), max_length=12, choices=Admission.choices, default=Admission.AUTOMATIC
    )
    invite_only_until = models.DateField(
        _("invite-only until"),
        null=True,
        blank=True,
        help_text=_(
            "Onboarding admission only: until this date partners join by invitation only. "
            "Empty: the setting CHANNELOPS_CTP_INVITE_ONLY_UNTIL applies."
        ),
    )
    lapse_months = models.PositiveSmallIntegerField(
        _("onboarding lapses after (months)"),
        null=True,
        blank=True,
        help_text=_("Onboarding admission only: every requirement must be done within this time."),
    )
    award_template_slug = models.SlugField(
        _("award work template"), max_length=60, default="partner-certification-award"
    )
    onboarding_template_slug = models.SlugField(_("onboarding work template"), max_length=60, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner certification")
        verbose_name_plural = _("partner certifications")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return str(self.name)


class PartnerCertificationRequirement(models.Model):
    """A number of currently certified practitioners of one certification."""

    partner_certification = models.ForeignKey(
        PartnerCertification, on_delete=models.CASCADE, related_name="requirements"
    )
    certification = models.ForeignKey(
        Certification, verbose_name=_("certification"), on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveSmallIntegerField(_("certified practitioners"), default=1)
    label = models.CharField(
        _("label"),
        max_length=120,
        blank=True,
        help_text=_('How the portal names them: "2 of 3 certified Professional Services Engineers".'),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner certification requirement")
        verbose_name_plural = _("partner certification requirements")
        ordering = ["partner_certification", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner_certification", "certification"], name="enablement_pcert_req_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.certification_id}"


class CertState(models.TextChoices):
    NONE = "none", _("Not certified")
    INVITED = "invited", _("Invited")
    ONBOARDING = "onboarding", _("Onboarding")
    IN_AWARD = "in_award", _("Award in progress")
    AWARDED = "awarded", _("Certified")
    UNDER_REVIEW = "under_review", _("Certified, under review")
    LAPSED = "lapsed", _("Lapsed")


HELD_STATES = (CertState.AWARDED, CertState.UNDER_REVIEW)


class PartnerCertificationStatusQuerySet(PartnerScopedQuerySet):
    def held(self) -> PartnerCertificationStatusQuerySet:
        return self.filter(state__in=HELD_STATES)


class PartnerCertificationStatus(models.Model):
    """Where one partner stands with one partner certification (one row per pair)."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="certification_statuses"
    )
    certification = models.ForeignKey(
        PartnerCertification,
        verbose_name=_("partner certification"),
        on_delete=models.PROTECT,
        related_name="statuses",
    )
    state = models.CharField(
        _("state"), max_length=12, choices=CertState.choices, default=CertState.NONE, db_index=True
    )
    award_item = models.ForeignKey(
        "work.WorkItem",
        verbose_name=_("award work item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    onboarding_item = models.ForeignKey(
        "work.WorkItem",
        verbose_name=_("onboarding work item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    joined_at = models.DateTimeField(_("accepted or applied"), null=True, blank=True)
    joined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deadline = models.DateField(_("onboarding deadline"), null=True, blank=True)
    reminded_days = models.JSONField(_("reminders sent (days before)"), default=list, blank=True)
    awarded_at = models.DateTimeField(_("awarded"), null=True, blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagged_at = models.DateTimeField(_("flagged for review"), null=True, blank=True)
    flag_reason = models.TextField(_("review reason"), blank=True, max_length=2000)
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = PartnerCertificationStatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner certification status")
        verbose_name_plural = _("partner certification statuses")
        ordering = ["partner", "certification"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "certification"], name="enablement_pcert_status_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} / {self.certification_id}: {self.state}"

    @property
    def is_held(self) -> bool:
        return self.state in HELD_STATES
