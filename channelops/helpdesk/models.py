"""Help desk (S9): periodic account reviews by the PHD specialists, with their checklists."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.partners.models import Partner

from .querysets import AccountReviewQuerySet, ReviewItemQuerySet


class ReviewKind(models.TextChoices):
    WEEKLY_NEW_APPLICANT = "weekly_new_applicant", _("Weekly: new applicant")
    MONTHLY_NEW_PARTNER = "monthly_new_partner", _("Monthly: new partner's last month")
    QUARTERLY_SELECT = "quarterly_select", _("Quarterly: Select partner")
    QUARTERLY_OPEN = "quarterly_open", _("Quarterly: Open partner flagged by reporting")


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class ItemStatus(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    UNKNOWN = "unknown", _("Unknown")


class ChecklistItem(models.Model):
    """One question of a review kind's checklist (defaults from SPEC S9; staff edit them).

    ``key`` names the check that pre-fills the answer from data (see ``checks.py``); an item
    whose key has no check starts as "unknown". Reviews copy the text when they are created,
    so editing a question changes later reviews only.
    """

    kind = models.CharField(_("review kind"), max_length=30, choices=ReviewKind.choices)
    key = models.SlugField(
        _("check"), max_length=40, help_text=_("The automatic pre-fill (see docs/reviews.md).")
    )
    text = models.CharField(_("question"), max_length=300)
    reminder = models.TextField(
        _("reminder text"),
        blank=True,
        help_text=_("How and why, for the reminder e-mail to the partner's admins when this item fails."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review checklist item")
        verbose_name_plural = _("review checklist items")
        ordering = ["kind", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="checklist_item_key_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text}"


class AccountReview(models.Model):
    """A periodic account review of one partner, due on a cadence occurrence, for a PHD specialist.

    Unique per (partner, kind, occurrence): materialising reviews twice creates nothing twice.
    ``priority`` orders the reviews of a day (Open partners flagged by reporting come first);
    ``reason`` says why the partner was chosen.
    """

    partner = models.ForeignKey(
        Partner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="account_reviews"
    )
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("PHD specialist"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_reviews",
        limit_choices_to={"is_staff": True},
    )
    kind = models.CharField(_("kind"), max_length=30, choices=ReviewKind.choices)
    occurrence = models.ForeignKey(
        "work.Occurrence",
        verbose_name=_("occurrence"),
        on_delete=models.PROTECT,
        related_name="account_reviews",
    )
    due_date = models.DateField(_("due"), db_index=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=1000, help_text=_("Lower comes first.")
    )
    reason = models.CharField(_("why chosen"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True, max_length=20_000)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = AccountReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("account review")
        verbose_name_plural = _("account reviews")
        ordering = ["due_date", "priority", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "kind", "occurrence"], name="account_review_once")
        ]
        indexes = [
            models.Index(fields=["specialist", "due_date"], name="review_specialist_due_idx"),
            models.Index(fields=["status", "due_date"], name="review_status_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.partner} ({self.due_date:%Y-%m-%d})"

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_date < (today or timezone.localdate())

    @property
    def done_on_time(self) -> bool:
        return (
            self.status == ReviewStatus.DONE
            and self.completed_at is not None
            and timezone.localdate(self.completed_at) <= self.due_date
        )


class ReviewItem(models.Model):
    """One checklist item of a review: the state the system pre-filled, and the specialist's tick."""

    review = models.ForeignKey(AccountReview, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(_("check"), max_length=40)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)
    reminder = models.TextField(_("reminder text"), blank=True)
    status = models.CharField(
        _("pre-filled state"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.UNKNOWN
    )
    detail = models.CharField(_("what the system knows"), max_length=300, blank=True)
    checked = models.BooleanField(_("checked"), default=False)
    checked_at = models.DateTimeField(null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    reminder_sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ReviewItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["review", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["review", "key"], name="review_item_once")]

    def __str__(self) -> str:
        return self.text

    @property
    def can_remind(self) -> bool:
        return self.status == ItemStatus.FAILED and self.reminder_sent_at is None


from .faq_models import (  # noqa: E402  (the FAQ's models, kept in their own module)
    FaqArticle,
    FaqCategory,
    FaqDeflection,
    FaqFeedback,
    FaqStatus,
    FaqTranslation,
    FaqVisibility,
)
from .question_models import (  # noqa: E402  (the questions' models, kept in their own module)
    Macro,
    MessageKind,
    Question,
    QuestionAttachment,
    QuestionMessage,
    QuestionPriority,
    QuestionRating,
    QuestionSource,
    QuestionStatus,
)

__all__ = [
    "AccountReview",
    "ChecklistItem",
    "FaqArticle",
    "FaqCategory",
    "FaqDeflection",
    "FaqFeedback",
    "FaqStatus",
    "FaqTranslation",
    "FaqVisibility",
    "ItemStatus",
    "Macro",
    "MessageKind",
    "Question",
    "QuestionAttachment",
    "QuestionMessage",
    "QuestionPriority",
    "QuestionRating",
    "QuestionSource",
    "QuestionStatus",
    "ReviewItem",
    "ReviewKind",
    "ReviewStatus",
]
