"""Practitioner-record imports (S6): one row per uploaded file, with its progress and outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_STORED_ERRORS = 1000


class ImportMode(models.TextChoices):
    ALL_OR_NOTHING = "all", _("All rows or nothing")
    VALID_ROWS = "valid_rows", _("Import the valid rows")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    VALIDATING = "validating", _("Checking rows")
    WRITING = "writing", _("Writing records")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused: rows with errors")
    FAILED = "failed", _("Failed")


class ImportRun(models.Model):
    """One import of a practitioner-record file (console upload or CLI): who, what, how far, outcome.

    The console import runs as a background task that updates ``done``/``total`` (the progress page
    polls this row). ``content`` keeps the uploaded file until it is imported, so a refused run can be
    re-run with "import the valid rows"; it is emptied once the run is done.
    """

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    content = models.BinaryField(_("file content"), blank=True, default=b"", editable=False)
    partner_column = models.CharField(_("partner column"), max_length=60, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    mode = models.CharField(
        _("mode"), max_length=12, choices=ImportMode.choices, default=ImportMode.ALL_OR_NOTHING
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(_("errors (first 1000)"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    done = models.PositiveIntegerField(_("rows processed"), default=0)
    total = models.PositiveIntegerField(_("rows"), default=0)
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("practitioner import")
        verbose_name_plural = _("practitioner imports")
        ordering = ["-queued_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.finished else 0)
