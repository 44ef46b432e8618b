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
    deflected_count = models.PositiveIntegerField(
        _("deflected questions"),
        default=0,
        help_text=_("Questions not asked because this article, suggested while writing one, answered them."),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(
        excluded_fields=["helpful_count", "not_helpful_count", "deflected_count", "updated_at"]
    )

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

    def for_language(self, language: str | None) -> tuple[str, str, bool]:
        """The title and body a reader of ``language`` sees, and whether it is a translation: the
        article's version in that language when written (``translations`` prefetched or not), else
        the English one."""
        code = (language or "").split("-")[0]
        if code and code != settings.LANGUAGE_CODE:
            for t in self.translations.all():
                if t.language == code:
                    return t.title, t.body, True
        return self.title, self.body, False

    def title_for(self, language: str | None) -> str:
        """The title a reader of ``language`` sees (reads no deferred ``body``)."""
        code = (language or "").split("-")[0]
        if code and code != settings.LANGUAGE_CODE:
            for t in self.translations.all():
                if t.language == code:
                    return t.title
        return self.title


class FaqTranslation(models.Model):
    """An article's version in another language (German today): its own question and answer, written
    by FAQ writers on the console's article page. Readers of that language (their language, as for
    every page: docs/i18n.md) see it; without one they see the English article. Search covers both."""

    article = models.ForeignKey(
        FaqArticle, verbose_name=_("article"), on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(_("language"), max_length=10)
    title = models.CharField(_("question"), max_length=200)
    body = models.TextField(_("answer"), max_length=50_000)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("FAQ article translation")
        verbose_name_plural = _("FAQ article translations")
        ordering = ["article", "language"]
        constraints = [models.UniqueConstraint(fields=["article", "language"], name="faq_translation_once")]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    @property
    def body_html(self) -> str:
        from channelops.core.markup import markdown_html

        return markdown_html(self.body, heading_offset=1)


class FaqDeflection(models.Model):
    """A question not asked: a partner person writing a question followed a suggested article and
    said it answered the question. Once per person and article (``FaqArticle.deflected_count``)."""

    article = models.ForeignKey(FaqArticle, on_delete=models.CASCADE, related_name="deflections")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("FAQ deflection")
        verbose_name_plural = _("FAQ deflections")
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="faq_deflection_once")]

    def __str__(self) -> str:
        return f"{self.article_id} by {self.user_id}"


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
