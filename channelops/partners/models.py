"""Partners (S2): regions, tiers, programs, partners, contacts, memberships, engagement."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from .querysets import (
    ApplicationQuerySet,
    ContactQuerySet,
    EngagementQuerySet,
    MembershipQuerySet,
    PartnerQuerySet,
)

#: A country is an ISO 3166-1 alpha-2 code chosen from django-countries' list (``DE``, not "GE"
#: typed for Germany); pages show its localised name (``partner.country.name``).
COUNTRY_ERRORS = {
    "invalid_choice": _("Choose a country from the list (a two-letter ISO 3166 code such as DE)."),
}

#: A phone number is an international number (with its country code), validated by libphonenumber
#: and stored in E.164 ("+4930123456"); pages show it grouped (``phone.as_international``).
PHONE_ERRORS = {"invalid": _("Enter a valid phone number, e.g. +49 30 123456.")}
PHONE_HELP = _("With the country code, e.g. +49 30 123456.")


def phone_field() -> PhoneNumberField:
    return PhoneNumberField(
        _("phone"), max_length=40, blank=True, error_messages=PHONE_ERRORS, help_text=PHONE_HELP
    )


class Region(models.Model):
    """A sales region (AMER, EMEA, APAC, Public Sector); an agreement covers one."""

    code = models.CharField(
        _("code"), max_length=10, unique=True, validators=[RegexValidator(r"^[A-Z_]{2,10}$")]
    )
    name = models.CharField(_("name"), max_length=60)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """A partner tier; a higher rank is a higher tier (defaults: Open 10, Select 20)."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    rank = models.PositiveIntegerField(_("rank"), unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class TierBenefit(models.Model):
    """One benefit of a tier shown on the partner's portal home (staff edit them in the data console).

    ``value`` is the short answer ("25 licensed users", "Eligible"); ``description`` says how to use it.
    """

    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.CASCADE, related_name="benefits")
    label = models.CharField(_("benefit"), max_length=80, help_text=_('E.g. "NFR allowance".'))
    value = models.CharField(_("value"), max_length=120, help_text=_('E.g. "25 licensed users".'))
    description = models.TextField(_("description"), blank=True, max_length=1000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tier benefit")
        verbose_name_plural = _("tier benefits")
        ordering = ["tier__rank", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["tier", "label"], name="partners_tier_benefit_once")]

    def __str__(self) -> str:
        return f"{self.tier}: {self.label}"


class Program(models.Model):
    """A program a partner can belong to (reseller, MSP, certified service partner…)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RegionRouting(models.Model):
    """Routing table: the PHD specialist who serves a region (staff edit it)."""

    region = models.OneToOneField(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="routing"
    )
    phd_specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("PHD specialist"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="routed_regions",
        limit_choices_to={"is_staff": True},
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("region routing")
        verbose_name_plural = _("region routing")
        ordering = ["region__code"]

    def __str__(self) -> str:
        return f"{self.region} → {self.phd_specialist or '—'}"


class PartnerStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    TERMINATED = "terminated", _("Terminated")


PARTNER_TRANSITIONS: dict[str, set[str]] = {
    PartnerStatus.APPLIED: {PartnerStatus.ACTIVE, PartnerStatus.TERMINATED},
    PartnerStatus.ACTIVE: {PartnerStatus.SUSPENDED, PartnerStatus.TERMINATED},
    PartnerStatus.SUSPENDED: {PartnerStatus.ACTIVE, PartnerStatus.TERMINATED},
    PartnerStatus.TERMINATED: set(),
}


class Partner(models.Model):
    """A partner company in the program."""

    legal_name = models.CharField(_("legal name"), max_length=200)
    website = models.URLField(_("website"), max_length=300, blank=True)
    country = CountryField(_("country"), error_messages=COUNTRY_ERRORS)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="partners"
    )
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="partners")
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PartnerStatus.choices,
        default=PartnerStatus.APPLIED,
        db_index=True,
    )
    cam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("channel account manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cam_partners",
        limit_choices_to={"is_staff": True},
    )
    programs = models.ManyToManyField(
        Program, verbose_name=_("programs"), blank=True, related_name="partners"
    )
    phone = phone_field()
    description = models.TextField(_("description"), blank=True, max_length=5000)
    crm_account_id = models.CharField(_("CRM account id"), max_length=40, blank=True, db_index=True)
    last_phd_review = models.DateField(_("last PHD review"), null=True, blank=True)
    account_notes = models.TextField(_("account notes"), blank=True)
    engagement_score = models.PositiveIntegerField(_("engagement score"), default=0, db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[programs], excluded_fields=["engagement_score", "updated_at"])

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["legal_name"]
        indexes = [models.Index(fields=["legal_name"], name="partner_name_idx")]

    def __str__(self) -> str:
        return self.legal_name

    @property
    def phd_specialist(self):
        """The PHD specialist derived from the partner's region (routing table)."""
        routing = getattr(self.region, "routing", None)
        return routing.phd_specialist if routing else None


class PartnerStatusChange(models.Model):
    """One status transition of a partner (feeds the timeline and metrics)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, choices=PartnerStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=PartnerStatus.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("partner status change")
        verbose_name_plural = _("partner status changes")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.partner}: {self.from_status or '∅'} → {self.to_status}"


class Contact(models.Model):
    """A person at a partner: portal user, subscriber, license contact, practitioner…"""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="contacts"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), max_length=254)
    phone = phone_field()
    phone_legacy = models.CharField(
        _("phone as recorded before validation"),
        max_length=40,
        blank=True,
        editable=False,
        help_text=_(
            "A value the phone field held that is not a valid international number (migration 0004)."
        ),
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact",
    )
    crm_contact_id = models.CharField(_("CRM contact id"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords()

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "email"], name="contact_unique_email_per_partner")
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class MembershipRole(models.TextChoices):
    ADMIN = "admin", _("Partner admin")
    USER = "user", _("Partner user")


class PartnerMembership(models.Model):
    """Links a partner person to exactly one partner, as partner admin or partner user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="membership",
    )
    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.USER
    )
    can_submit_requests = models.BooleanField(
        _("may submit requests"), default=False, help_text=_("Partner users submit requests only if allowed.")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner membership")
        verbose_name_plural = _("partner memberships")
        ordering = ["partner", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"

    @property
    def is_admin(self) -> bool:
        return self.role == MembershipRole.ADMIN

    @property
    def may_submit(self) -> bool:
        return self.is_admin or self.can_submit_requests


class EngagementKind(models.TextChoices):
    SIGN_IN = "sign_in", _("Sign-in")
    PAGE_VIEW = "page_view", _("Key page view")
    REQUEST = "request", _("Request submitted")
    DOWNLOAD = "download", _("Download")
    TRAINING = "training", _("Training completed")
    NEWSLETTER_OPEN = "newsletter_open", _("Newsletter open")
    NEWSLETTER_CLICK = "newsletter_click", _("Newsletter click")
    QUESTION = "question", _("Question asked")
    USER_ADDED = "user_added", _("User added")


ENGAGEMENT_WEIGHTS: dict[str, int] = {
    EngagementKind.SIGN_IN: 2,
    EngagementKind.PAGE_VIEW: 1,
    EngagementKind.REQUEST: 5,
    EngagementKind.DOWNLOAD: 3,
    EngagementKind.TRAINING: 8,
    EngagementKind.NEWSLETTER_OPEN: 1,
    EngagementKind.NEWSLETTER_CLICK: 2,
    EngagementKind.QUESTION: 3,
    EngagementKind.USER_ADDED: 4,
}


class EngagementEvent(models.Model):
    """One meaningful partner action (append-only; rolled up daily)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="engagement_events")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    kind = models.CharField(_("kind"), max_length=20, choices=EngagementKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["partner", "at"], name="engagement_partner_at_idx"),
            models.Index(fields=["at"], name="engagement_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.kind} {self.at:%Y-%m-%d}"


class EngagementDaily(models.Model):
    """Per-partner, per-day rollup of engagement events (counts and points)."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="engagement_days")
    day = models.DateField(_("day"))
    events = models.PositiveIntegerField(_("events"), default=0)
    points = models.PositiveIntegerField(_("points"), default=0)
    sign_ins = models.PositiveIntegerField(_("sign-ins"), default=0)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)
    requests = models.PositiveIntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("daily engagement")
        verbose_name_plural = _("daily engagement")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["partner", "day"], name="engagement_daily_once")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.day}: {self.points}"


class ApplicationStatus(models.TextChoices):
    UNVERIFIED = "unverified", _("Waiting for e-mail verification")
    SUBMITTED = "submitted", _("Submitted, under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


APPLICATION_TRANSITIONS: dict[str, set[str]] = {
    ApplicationStatus.UNVERIFIED: {ApplicationStatus.SUBMITTED, ApplicationStatus.REJECTED},
    ApplicationStatus.SUBMITTED: {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED},
    ApplicationStatus.APPROVED: set(),
    ApplicationStatus.REJECTED: set(),
}

OPEN_APPLICATION_STATUSES = (ApplicationStatus.UNVERIFIED, ApplicationStatus.SUBMITTED)


class Application(models.Model):
    """A company's application to join the program (S3): verified by e-mail, then approved or rejected.

    ``company_domain`` is the applicant's company domain (from the website, or the
    contact's e-mail when that is not a free-mail address); a second open or approved
    application for the same domain or e-mail is refused.
    """

    company_name = models.CharField(_("company name"), max_length=200)
    website = models.URLField(_("website"), max_length=300)
    company_domain = models.CharField(_("company domain"), max_length=253, db_index=True)
    country = CountryField(_("country"), error_messages=COUNTRY_ERRORS)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="applications"
    )
    programs = models.ManyToManyField(
        Program, verbose_name=_("partner types"), blank=True, related_name="applications"
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), max_length=254, db_index=True)
    phone = phone_field()
    phone_legacy = models.CharField(
        _("phone as recorded before validation"),
        max_length=40,
        blank=True,
        editable=False,
        help_text=_(
            "A value the phone field held that is not a valid international number (migration 0004)."
        ),
    )
    title = models.CharField(_("job title"), max_length=120, blank=True)
    message = models.TextField(_("about the company"), blank=True, max_length=5000)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.UNVERIFIED,
        db_index=True,
    )
    token_hash = models.CharField(max_length=64, unique=True)
    submitted_ip = models.GenericIPAddressField(_("submitted from"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    verified_at = models.DateTimeField(_("e-mail verified"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications_decided",
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True, max_length=5000)
    partner = models.OneToOneField(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="application",
    )
    history = HistoricalRecords(m2m_fields=[programs], excluded_fields=["token_hash"])

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.get_status_display()})"

    @property
    def contact_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_APPLICATION_STATUSES
