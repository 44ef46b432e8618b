"""Agreements (S3): versioned templates, click-through acceptances, region exceptions, legal requests."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.partners.models import Partner, Program, Region

from .querysets import (
    AcceptanceQuerySet,
    AgreementEventQuerySet,
    AgreementVersionQuerySet,
    LegalRequestQuerySet,
    RegionExceptionQuerySet,
)


def content_hash(body: str) -> str:
    """SHA-256 of the exact text (UTF-8, line endings normalised to LF)."""
    return hashlib.sha256(body.replace("\r\n", "\n").encode("utf-8")).hexdigest()


class AgreementKind(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement")
    ADDENDUM = "addendum", _("Addendum")


class AgreementTemplate(models.Model):
    """An agreement or addendum partners accept; its text lives in numbered versions.

    It applies to a partner when ``required_for_all`` is set or the partner belongs
    to one of ``programs``, and — when ``regions`` is not empty — the partner's
    region is one of them.
    """

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=AgreementKind.choices)
    summary = models.TextField(_("summary"), blank=True, max_length=2000)
    required_for_all = models.BooleanField(_("required for every partner"), default=False)
    programs = models.ManyToManyField(
        Program,
        verbose_name=_("required for partner types"),
        blank=True,
        related_name="agreement_templates",
    )
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("applicable regions"),
        blank=True,
        related_name="agreement_templates",
        help_text=_("Empty: every region."),
    )
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords(m2m_fields=[programs, regions])

    class Meta:
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class AgreementVersion(models.Model):
    """One numbered text of a template (Markdown). Published versions never change.

    A version with ``partner`` set is a custom version negotiated in a legal request;
    only that partner sees and accepts it.
    """

    template = models.ForeignKey(
        AgreementTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("text (Markdown)"), max_length=200_000)
    content_hash = models.CharField(_("SHA-256 of the text"), max_length=64, editable=False)
    change_summary = models.CharField(_("what changed"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT, db_index=True
    )
    reaccept_by = models.DateField(_("re-accept by"), null=True, blank=True)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("custom version for"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="custom_agreement_versions",
    )
    legal_request = models.ForeignKey(
        "LegalRequest",
        verbose_name=_("legal request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="custom_versions",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    history = HistoricalRecords()

    objects = AgreementVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="agreement_version_number_once")
        ]

    def __str__(self) -> str:
        custom = f" ({self.partner})" if self.partner_id else ""
        return f"{self.template} v{self.number}{custom}"

    def save(self, *args, **kwargs):
        if self.pk and self.status == VersionStatus.PUBLISHED:
            stored = AgreementVersion.objects.filter(pk=self.pk).values_list("body", "status").first()
            if stored and stored[1] == VersionStatus.PUBLISHED and stored[0] != self.body:
                raise ValueError("A published agreement version cannot be changed: publish a new version.")
        self.content_hash = content_hash(self.body)
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"v{self.number}"

    @property
    def body_html(self) -> str:
        from channelops.core.markup import markdown_html

        # The page has its own <h1> and a "Text" <h2>: the text's headings start at <h3>.
        return markdown_html(self.body, heading_offset=2)


class AgreementTranslation(models.Model):
    """A non-binding convenience translation of one version's text into another language (issue 14).

    The binding text is the version's own (English) ``body``: partners accept it and the acceptance
    records its hash. A translation is shown to readers of its language beside a notice saying so;
    staff with the translation permission (legal) add and change it on drafts and published versions
    alike (it is not evidence), every change kept in the history. ``content_hash`` records which
    translated text was shown.
    """

    version = models.ForeignKey(
        AgreementVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=10)
    body = models.TextField(_("translated text (Markdown)"), max_length=200_000)
    content_hash = models.CharField(_("SHA-256 of the translation"), max_length=64, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("agreement translation")
        verbose_name_plural = _("agreement translations")
        ordering = ["version", "language"]
        constraints = [
            models.UniqueConstraint(fields=["version", "language"], name="agreement_translation_once")
        ]

    def __str__(self) -> str:
        return f"{self.version} [{self.language}]"

    def save(self, *args, **kwargs):
        self.content_hash = content_hash(self.body)
        super().save(*args, **kwargs)

    @property
    def body_html(self) -> str:
        from channelops.core.markup import markdown_html

        return markdown_html(self.body, heading_offset=2)


class ImmutableEvidenceError(Exception):
    """Raised on any attempt to change or delete acceptance evidence."""


class AcceptanceManager(models.Manager.from_queryset(AcceptanceQuerySet)):  # type: ignore[misc]
    pass


class Acceptance(models.Model):
    """Evidence of a click-through acceptance: who, when, from where, which exact text (and its hash).

    Rows are written once and never changed or deleted: the model refuses it, the
    database refuses UPDATE (a trigger), and the admin shows them read-only and records
    any attempt as an agreement event.
    """

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.PROTECT, related_name="acceptances"
    )
    template = models.ForeignKey(
        AgreementTemplate, verbose_name=_("template"), on_delete=models.PROTECT, related_name="acceptances"
    )
    version = models.ForeignKey(
        AgreementVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="acceptances"
    )
    content_hash = models.CharField(_("SHA-256 of the accepted text"), max_length=64)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        related_name="agreement_acceptances",
    )
    accepted_by_name = models.CharField(_("name"), max_length=150)
    accepted_by_email = models.EmailField(_("e-mail"), max_length=254)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    regions = models.CharField(
        _("regions covered"), max_length=100, help_text=_("Region codes, comma-separated.")
    )
    history = HistoricalRecords()

    objects = AcceptanceManager()

    class Meta:
        verbose_name = _("acceptance")
        verbose_name_plural = _("acceptances")
        ordering = ["-accepted_at"]
        constraints = [models.UniqueConstraint(fields=["partner", "version"], name="acceptance_once")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.version_id} by {self.accepted_by_email}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableEvidenceError("Acceptance evidence cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEvidenceError("Acceptance evidence cannot be deleted.")


class ExceptionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class RegionException(models.Model):
    """A partner's request to have its agreement cover more than its one region (leadership decides)."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="region_exceptions"
    )
    regions = models.ManyToManyField(
        Region, verbose_name=_("additional regions"), related_name="region_exceptions"
    )
    justification = models.TextField(_("justification"), max_length=5000)
    status = models.CharField(
        _("status"), max_length=10, choices=ExceptionStatus.choices, default=ExceptionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=5000)
    history = HistoricalRecords(m2m_fields=[regions])

    objects = RegionExceptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region exception")
        verbose_name_plural = _("region exceptions")
        ordering = ["-requested_at"]
        permissions = [("decide_regionexception", "Can approve or deny region exceptions")]

    def __str__(self) -> str:
        return f"{self.partner}: {self.get_status_display()}"


class LegalStatus(models.TextChoices):
    OPEN = "open", _("Open")
    OFFERED = "offered", _("Custom version offered")
    ACCEPTED = "accepted", _("Custom version accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_LEGAL_STATUSES = (LegalStatus.OPEN, LegalStatus.OFFERED)


class LegalRequest(models.Model):
    """A partner's request to negotiate an agreement's terms (proposed changes, discussion, outcome)."""

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="legal_requests"
    )
    template = models.ForeignKey(
        AgreementTemplate,
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="legal_requests",
    )
    version = models.ForeignKey(
        AgreementVersion,
        verbose_name=_("version discussed"),
        on_delete=models.PROTECT,
        related_name="legal_requests",
    )
    proposed_changes = models.TextField(_("proposed changes"), max_length=20_000)
    status = models.CharField(
        _("status"), max_length=10, choices=LegalStatus.choices, default=LegalStatus.OPEN, db_index=True
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome_note = models.TextField(_("outcome"), blank=True, max_length=5000)
    history = HistoricalRecords()

    objects = LegalRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal request")
        verbose_name_plural = _("legal requests")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.partner}: {self.template} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LEGAL_STATUSES


class LegalComment(models.Model):
    """One message in a legal request's discussion (partner people and staff)."""

    request = models.ForeignKey(LegalRequest, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=20_000)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("legal request comment")
        verbose_name_plural = _("legal request comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.body[:40]}"


class EventKind(models.TextChoices):
    PUBLISHED = "published", _("Version published")
    PROMPTED = "prompted", _("Partner asked to re-accept")
    REMINDED = "reminded", _("Re-acceptance reminder sent")
    ACCEPTED = "accepted", _("Accepted")
    EDIT_REFUSED = "edit_refused", _("Attempt to change acceptance evidence refused")
    REGION_REQUESTED = "region_requested", _("Region exception requested")
    REGION_DECIDED = "region_decided", _("Region exception decided")
    LEGAL_OPENED = "legal_opened", _("Legal request opened")
    LEGAL_COMMENT = "legal_comment", _("Legal request comment")
    LEGAL_OFFERED = "legal_offered", _("Custom version offered")
    LEGAL_CLOSED = "legal_closed", _("Legal request closed")


class AgreementEvent(models.Model):
    """Append-only log of what happened to a partner's agreements (feeds the timeline and audits)."""

    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.CASCADE, related_name="agreement_events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices, db_index=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    version = models.ForeignKey(
        AgreementVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    objects = AgreementEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("agreement event")
        verbose_name_plural = _("agreement events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d})"


class AgreementCompliance(models.Model):
    """One active partner's applicable agreement that is not accepted in its current version: the
    maintained answer of "who has not (re-)accepted" (``compliance.py``), kept current by the
    agreement and partner services and rebuilt nightly. Whether a due re-acceptance is overdue is
    decided when it is read (``reaccept_by`` against today), so the rows do not age."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    template = models.ForeignKey(AgreementTemplate, on_delete=models.CASCADE, related_name="+")
    current = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="+")
    accepted_version = models.PositiveIntegerField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    negotiating = models.BooleanField(default=False)
    reaccept_by = models.DateField(null=True, blank=True)
    # Copied for sorting and filtering without joins (refreshed with the row).
    partner_name = models.CharField(max_length=200)
    region = models.CharField(max_length=10)

    class Meta:
        verbose_name = _("agreement not accepted")
        verbose_name_plural = _("agreements not accepted")
        constraints = [
            models.UniqueConstraint(fields=["partner", "template"], name="agreements_compliance_unique")
        ]
        indexes = [models.Index(fields=["partner_name", "partner"], name="agreements_compliance_name")]

    def __str__(self) -> str:
        return f"{self.partner_name}: {self.template_id}"
