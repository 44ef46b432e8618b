"""The asset library (S10, issue 17): logos, decks, templates, videos and papers partners download.

An :class:`Asset` is seen by the partners its tiers and programs allow (empty: all), once
published and until it expires; its file is an :class:`AssetVersion` (the current one plus
history) kept through the storage API (channelops/core/files.py). A logo may carry usage
guidelines that a partner accepts once (:class:`GuidelineAcceptance`, per text) before its first
download; every partner download is an :class:`AssetDownload` and an engagement event.
Reads in ``querysets.py``, writes in ``services.py``.
"""

from __future__ import annotations

import hashlib
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.agreements.models import ImmutableEvidenceError

from .querysets import AssetQuerySet

MANAGE_PERM = "assets.manage_asset"
VIEW_PERM = "assets.view_asset"


class AssetKind(models.TextChoices):
    LOGO = "logo", _("Logo")
    DECK = "deck", _("Presentation")
    TEMPLATE = "template", _("Template")
    VIDEO = "video", _("Video")
    PAPER = "paper", _("Paper")
    OTHER = "other", _("Other")


class AssetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


#: The languages an asset can be in ("" = any language: a logo, a video without speech).
ASSET_LANGUAGES = [
    ("", _("Any language")),
    ("en", _("English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("it", _("Italian")),
    ("nl", _("Dutch")),
    ("pt", _("Portuguese")),
    ("ja", _("Japanese")),
]


def guidelines_hash(text: str) -> str:
    return hashlib.sha256((text or "").strip().encode("utf-8")).hexdigest()


class Tag(models.Model):
    """A tag of assets ("brand", "security"…), to filter the library by."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Asset(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AssetKind.choices, db_index=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="assets")
    language = models.CharField(_("language"), max_length=5, choices=ASSET_LANGUAGES, blank=True)
    programs = models.ManyToManyField(
        "partners.Program",
        verbose_name=_("programs"),
        blank=True,
        related_name="assets",
        help_text=_("Only partners in one of these programs see the asset; none: every program."),
    )
    tiers = models.ManyToManyField(
        "partners.Tier",
        verbose_name=_("tiers"),
        blank=True,
        related_name="assets",
        help_text=_("Only partners of these tiers see the asset; none: every tier."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_assets",
        limit_choices_to={"is_staff": True},
    )
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AssetStatus.choices, default=AssetStatus.DRAFT, db_index=True
    )
    guidelines = models.TextField(
        _("usage guidelines"),
        max_length=20_000,
        blank=True,
        help_text=_("Markdown. Partners accept them once before their first download."),
    )
    current_version = models.ForeignKey(
        "AssetVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)
    history = HistoricalRecords(m2m_fields=[programs, tiers], excluded_fields=["updated_at"])

    objects = AssetQuerySet.as_manager()

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["title", "pk"]
        permissions = [("manage_asset", "Can create, edit, publish and upload assets")]
        indexes = [
            models.Index(fields=["status", "expires_on"], name="asset_status_expiry_idx"),
            # The library's default order (title) read from an index: a page of 50 stops after 50
            # visible rows instead of sorting every published asset (bench/assets.py).
            models.Index(fields=["status", "title", "id"], name="asset_status_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_guidelines(self) -> bool:
        return bool(self.guidelines.strip())

    @property
    def guidelines_sha256(self) -> str:
        return guidelines_hash(self.guidelines)

    @property
    def guidelines_html(self) -> str:
        from channelops.core.markup import markdown_html

        return markdown_html(self.guidelines, heading_offset=2)

    def is_expired(self, today: date | None = None) -> bool:
        return self.expires_on is not None and self.expires_on < (today or timezone.localdate())


class AssetVersion(models.Model):
    """One uploaded file of an asset; the asset's ``current_version`` is the one partners get."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    file = models.CharField(_("stored file"), max_length=300)  # the storage's generated name
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("asset version")
        verbose_name_plural = _("asset versions")
        ordering = ["asset", "-number"]
        constraints = [models.UniqueConstraint(fields=["asset", "number"], name="asset_version_number_once")]

    def __str__(self) -> str:
        return f"{self.asset_id} v{self.number}"


class AssetDownload(models.Model):
    """One download of an asset by a partner person (an engagement event as well)."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="downloads"
    )
    version = models.ForeignKey(
        AssetVersion, verbose_name=_("version"), on_delete=models.CASCADE, related_name="downloads"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="asset_downloads",
    )
    at = models.DateTimeField(_("downloaded"), default=timezone.now)

    class Meta:
        verbose_name = _("asset download")
        verbose_name_plural = _("asset downloads")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["asset", "at"], name="asset_download_asset_at_idx"),
            models.Index(fields=["partner", "at"], name="asset_download_partner_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} by {self.partner_id}"


class GuidelineAcceptance(models.Model):
    """Evidence that a partner accepted an asset's usage guidelines: who, when, from where, and the
    SHA-256 of the exact text (changed guidelines need a new acceptance). Written once."""

    asset = models.ForeignKey(
        Asset, verbose_name=_("asset"), on_delete=models.CASCADE, related_name="guideline_acceptances"
    )
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), on_delete=models.PROTECT, related_name="+"
    )
    accepted_by_email = models.EmailField(_("e-mail"), max_length=254)
    accepted_at = models.DateTimeField(_("accepted at"), default=timezone.now)
    guidelines_sha256 = models.CharField(_("SHA-256 of the accepted guidelines"), max_length=64)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("guideline acceptance")
        verbose_name_plural = _("guideline acceptances")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "partner", "guidelines_sha256"], name="asset_guidelines_accepted_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset_id} accepted by {self.partner_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableEvidenceError("Guideline acceptance evidence cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEvidenceError("Guideline acceptance evidence cannot be deleted.")
