"""Questions (S9, issue 16): partners' and CAMs' questions to the Partner Help Desk (tickets).

Imported by ``models.py`` (Django finds the models there); reads in ``question_querysets.py``,
writes in ``question_services.py``, e-mails in ``question_emails.py``. A question is routed on
creation to its partner's region: the region's PHD specialist (``partners.RegionRouting``) is the
assignee and the region's shared queue lists it; a question without a partner (an unknown e-mail
sender) waits in the triage queue. Its thread is a list of :class:`QuestionMessage`; internal
notes (``kind="note"``) are never shown to partner people nor e-mailed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.partners.models import Partner, Region

from .faq_models import FaqCategory
from .question_querysets import (
    MacroQuerySet,
    QuestionAttachmentQuerySet,
    QuestionMessageQuerySet,
    QuestionQuerySet,
)

ANSWER_QUESTION = "helpdesk.answer_question"


class QuestionStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on partner")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


#: Statuses of a question someone still works on (the queues list these).
ACTIVE_STATUSES = (QuestionStatus.NEW, QuestionStatus.OPEN, QuestionStatus.WAITING)


class QuestionPriority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class QuestionSource(models.TextChoices):
    PORTAL = "portal", _("Portal")
    API = "api", _("API")
    EMAIL = "email", _("E-mail")
    CONSOLE = "console", _("Console")


class QuestionRating(models.TextChoices):
    GOOD = "good", _("Good")
    BAD = "bad", _("Bad")


class MessageKind(models.TextChoices):
    PARTNER = "partner", _("Partner")
    STAFF = "staff", _("Help desk")
    NOTE = "note", _("Internal note")
    SYSTEM = "system", _("System")


QuestionCategory = FaqCategory  # the FAQ's categories


class Question(models.Model):
    """One question (ticket). ``number`` is the human reference ("Q-000123"); ``reply_token`` is
    random and, signed (``question_emails.reply_token_for``), identifies the question in reply
    addresses and subjects. ``partner`` is None for an unknown e-mail sender (triage)."""

    number = models.CharField(_("number"), max_length=12, unique=True)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="questions",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions_asked",
    )
    requester_email = models.EmailField(_("requester's e-mail"), blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=QuestionCategory.choices, default=QuestionCategory.OTHER
    )
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=10, choices=QuestionStatus.choices, default=QuestionStatus.NEW, db_index=True
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=QuestionPriority.choices, default=QuestionPriority.NORMAL
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questions",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="questions_assigned",
        limit_choices_to={"is_staff": True},
    )
    source = models.CharField(
        _("came in through"), max_length=10, choices=QuestionSource.choices, default=QuestionSource.PORTAL
    )
    reply_token = models.CharField(max_length=24, unique=True, editable=False)
    created_at = models.DateTimeField(_("asked"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_questions",
    )
    rating = models.CharField(_("rating"), max_length=4, choices=QuestionRating.choices, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created_at", "-pk"]
        permissions = [("answer_question", "Can answer, route and close help-desk questions")]
        indexes = [
            models.Index(fields=["partner", "status"], name="question_partner_status_idx"),
            models.Index(fields=["region", "status"], name="question_region_status_idx"),
            models.Index(fields=["assignee", "status"], name="question_assignee_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(rating="") | Q(rated_at__isnull=True), name="question_rated_has_rating"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_triage(self) -> bool:
        return self.partner_id is None

    def first_response_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(
            self.is_active
            and self.first_response_at is None
            and self.first_response_due is not None
            and self.first_response_due < now
        )

    def resolution_overdue(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(self.is_active and self.resolution_due is not None and self.resolution_due < now)

    def is_overdue(self, now=None) -> bool:
        return self.first_response_overdue(now) or self.resolution_overdue(now)


class QuestionMessage(models.Model):
    """One message of a question's thread: the partner's, the help desk's (e-mailed to the
    requester), an internal note (never shown to partner people nor e-mailed) or a system line.
    ``body`` is the text as written or received; ``body_display`` trims quoted text and
    signatures; ``body_html`` is sanitised (nh3) HTML of an e-mail, may be empty. ``message_id``
    is the RFC 5322 Message-ID the message came as or went out as (unique when set)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    author_email = models.EmailField(_("author's e-mail"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=MessageKind.choices)
    body = models.TextField(_("message"), max_length=100_000)
    body_display = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=300, blank=True, db_index=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=300, blank=True)
    via = models.CharField(_("via"), max_length=10, choices=QuestionSource.choices)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    objects = QuestionMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("question message")
        verbose_name_plural = _("question messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="question_message_id_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.NOTE

    @property
    def text(self) -> str:
        """What a reader sees: the trimmed text (or the whole body when nothing was trimmed)."""
        return self.body_display or self.body


def attachment_path(instance: QuestionAttachment, filename: str) -> str:
    """A generated name (the person's file name is kept in ``filename``, never used as a path)."""
    import secrets

    return f"helpdesk/questions/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class QuestionAttachment(models.Model):
    """A file attached to a message (its type checked by content on the way in)."""

    message = models.ForeignKey(QuestionMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))

    objects = QuestionAttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("question attachment")
        verbose_name_plural = _("question attachments")
        ordering = ["message", "pk"]

    def __str__(self) -> str:
        return self.filename


class Macro(models.Model):
    """A saved reply the help desk inserts into an answer."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=20_000)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords()

    objects = MacroQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved reply")
        verbose_name_plural = _("saved replies")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title
