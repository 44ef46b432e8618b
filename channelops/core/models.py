"""Platform models: the outbox of side effects and the scheduler's run ledger."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base: creation and last-change timestamps."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Dead letter")


class OutboxMessage(models.Model):
    """One side effect (an e-mail, a CRM write, a webhook…) to deliver exactly once.

    Rows are written in the same transaction as the business change that causes
    them; the worker claims a row (lease), performs it, and records the outcome.
    ``idempotency_key`` is unique: writing the same effect twice is a no-op, and
    remote systems receive the key (e-mail Message-ID, CRM external ids) so that a
    retry after a crash is recognised there too.
    """

    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    topic = models.CharField(
        _("topic"), max_length=200, blank=True, help_text=_("What the effect is about, e.g. partner:12.")
    )
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(
        _("status"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.idempotency_key} ({self.status})"


class ScheduleRun(models.Model):
    """A periodic job's occurrence that has been enqueued (one row per job and slot).

    The unique constraint makes the scheduler idempotent: two scheduler processes,
    or one restarted, never enqueue the same occurrence twice.
    """

    name = models.CharField(_("job"), max_length=100)
    slot = models.DateTimeField(_("occurrence"))
    enqueued_at = models.DateTimeField(_("enqueued"), default=timezone.now)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [models.UniqueConstraint(fields=["name", "slot"], name="schedule_run_once")]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"


class SearchDocument(models.Model):
    """The words one record is found by in the global search (``channelops/core/search.py``).

    One row per registered search kind and record, written when the record is saved (and removed
    when it is deleted); ``channelops search_index`` rebuilds them. The database does the full-text
    matching: on SQLite an FTS5 table that triggers keep in step with ``words``, on PostgreSQL a
    GIN index on ``to_tsvector('simple', words)`` (migration 0002). Who may see a record is never
    decided here: a search starts from the kind's ``visible_to(user)`` rows.
    """

    kind = models.CharField(_("kind"), max_length=40)
    object_key = models.CharField(_("record"), max_length=64)
    words = models.TextField(_("words"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [models.UniqueConstraint(fields=["kind", "object_key"], name="search_document_once")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_key}"
