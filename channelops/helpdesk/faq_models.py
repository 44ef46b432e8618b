"""The FAQ (S9, issue 16): articles in Markdown by category, the first stop of the help desk.

Imported by ``models.py`` (Django finds the models there); reads in ``faq_querysets.py``, writes in
``faq_services.py``, search in ``faq_search.py``.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .faq_querysets import FaqArticleQuerySet

MANAGE_FAQ = "helpdesk.manage_faq"


class FaqCategory(models.TextChoices):
    PORTAL = "portal", _("Portal")
    APPLICATION = "application", _("Application")
    DATA = "data", _("Data")
    LICENSING = "licensing", _("Licensing")
    CERTIFICATIONS = "certifications", _("Certifications")
    MDF = "mdf", _("MDF")
    OTHER = "other", _("Other")


class FaqStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class FaqVisibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    PARTNERS = "partners", _("Partners only")


def review_days() -> int:
    return int(getattr(settings, "FAQ_REVIEW_DAYS", 180))


class FaqArticle(models.Model):
    """One FAQ article: a question (``title``) and its answer (``body``, Markdown, sanitised when
    shown). Drafts are seen by staff who manage the FAQ only; a published article is seen by
    everyone (``public``) or by partner people and staff (``partners``). ``last_reviewed`` older
    than ``CHANNELOPS_FAQ_REVIEW_DAYS`` marks the article stale. The helpful/not-helpful counters
    count :class:`FaqFeedback` rows (kept in step by ``faq_feedback_give``)."""

    title = models.CharField(_("question"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    category = models.CharField(_("category"), max_length=20, choices=FaqCategory.choices)
    body = models.TextField(_("answer"), max_length=50_000, help_text=_("Markdown."))
    status = models.CharField(
        _("status"), max_length=10, choices=FaqStatus.choices, default=FaqStatus.DRAFT, db_index=True
    )
    visibility = models.CharField(
        _("visible to"), max_length=10, choices=FaqVisibility.choices, default=FaqVisibility.PARTNERS
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="faq_articles",
        limit_choices_to={"is_staff": True},
    )
    last_reviewed = models.DateField(_("last reviewed"), default=timezone.localdate)
    related = models.ManyToManyField(
        "self", verbose_name=_("related articles"), blank=True, symmetrical=False
    )
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["helpful_count", "not_helpful_count", "updated_at"])

    objects = FaqArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("FAQ article")
        verbose_name_plural = _("FAQ articles")
        ordering = ["category", "title", "pk"]
        permissions = [("manage_faq", "Can write, publish and review FAQ articles")]
        indexes = [models.Index(fields=["status", "visibility", "category"], name="faq_status_vis_cat_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == FaqStatus.PUBLISHED

    @property
    def is_public(self) -> bool:
        return self.visibility == FaqVisibility.PUBLIC

    def review_due(self) -> date:
        return self.last_reviewed + timedelta(days=review_days())

    def is_stale(self, today: date | None = None) -> bool:
        return self.review_due() < (today or timezone.localdate())

    @property
    def body_html(self) -> str:
        from channelops.core.markup import markdown_html

        return markdown_html(self.body, heading_offset=1)


class FaqFeedback(models.Model):
    """One "did this answer your question?" answer: once per person (``user``) or, for anonymous
    visitors, once per browser session (``session_key``); answering again changes the answer."""

    article = models.ForeignKey(FaqArticle, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField(_("helpful"))
    created_at = models.DateTimeField(_("given"), default=timezone.now)

    class Meta:
        verbose_name = _("FAQ feedback")
        verbose_name_plural = _("FAQ feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"], condition=Q(user__isnull=False), name="faq_feedback_once_per_user"
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True),
                name="faq_feedback_once_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""), name="faq_feedback_has_giver"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"
