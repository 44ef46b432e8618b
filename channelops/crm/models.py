"""CRM sync (SPEC S13, docs/crm.md): the field mapping staff read, the sync's cursors, runs,
per-record errors, the last values synced per record (to see conflicts) and the conflicts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SyncObject(models.TextChoices):
    PARTNER = "partner", _("Partner ↔ Account")
    CONTACT = "contact", _("Contact ↔ Contact")
    PROPOSAL = "proposal", _("MDF proposal ↔ Campaign")
    CLAIM = "claim", _("MDF claim ↔ MDF claim record")


class Direction(models.TextChoices):
    OUT = "out", _("channelops → CRM")
    IN = "in", _("CRM → channelops")
    BOTH = "both", _("Both ways")


class SystemOfRecord(models.TextChoices):
    CHANNELOPS = "channelops", _("channelops wins")
    CRM = "crm", _("CRM wins")


class FieldMapping(models.Model):
    """One mapped field: which local field goes to which CRM field, in which direction, and which
    side wins when both changed since the last sync. Defaults are created by migration 0002."""

    object = models.CharField(max_length=10, choices=SyncObject.choices)
    local_field = models.CharField(max_length=60)
    remote_field = models.CharField(max_length=80)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.OUT)
    system_of_record = models.CharField(
        max_length=10, choices=SystemOfRecord.choices, default=SystemOfRecord.CHANNELOPS
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["object", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["object", "local_field"], name="crm_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.object}.{self.local_field} → {self.remote_field}"


class SyncCursor(models.Model):
    """Where a direction of an object's sync got to: ``out:partner`` (local changes up to ``value``
    were sent), ``in:partner`` (CRM changes up to ``value`` were read)."""

    key = models.CharField(max_length=40, unique=True)
    value = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.key} @ {self.value}"


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Done")
    PARTIAL = "partial", _("Done with errors")
    PAUSED = "paused", _("Paused: daily API budget reached")
    FAILED = "failed", _("Failed")


class SyncRun(models.Model):
    """One run of the sync: what it sent and read, the API calls it used, how it ended."""

    direction = models.CharField(max_length=4, choices=Direction.choices)
    full = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    records_out = models.PositiveIntegerField(default=0)
    records_in = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"sync {self.direction} {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


class SyncState(models.Model):
    """The values of one record as last synced (both sides agreed then): a side whose value differs
    from these has changed since."""

    object = models.CharField(max_length=10, choices=SyncObject.choices)
    local_id = models.PositiveBigIntegerField()
    remote_id = models.CharField(max_length=18, blank=True, db_index=True)
    values = models.JSONField(default=dict)
    synced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["object", "local_id"], name="crm_state_unique")]

    def __str__(self) -> str:
        return f"{self.object} {self.local_id} ↔ {self.remote_id}"


class SyncError(models.Model):
    """A record the CRM refused (validation rule, locked row, missing field…) or a CRM change that
    could not be applied. Retried with backoff by the next runs; resolved when one succeeds."""

    object = models.CharField(max_length=10, choices=SyncObject.choices)
    direction = models.CharField(max_length=4, choices=Direction.choices)
    local_id = models.PositiveBigIntegerField(null=True, blank=True)
    remote_id = models.CharField(max_length=18, blank=True)
    code = models.CharField(max_length=80)
    message = models.CharField(max_length=500)
    attempts = models.PositiveIntegerField(default=1)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)
    next_retry_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-last_seen", "-pk"]

    def __str__(self) -> str:
        return f"{self.object} {self.local_id or self.remote_id}: {self.code}"


class SyncConflict(models.Model):
    """A field both sides changed since the last sync: both values, when each changed, which side the
    mapping's rule kept, and (once staff chose) the resolution."""

    object = models.CharField(max_length=10, choices=SyncObject.choices)
    local_id = models.PositiveBigIntegerField()
    remote_id = models.CharField(max_length=18, blank=True)
    local_field = models.CharField(max_length=60)
    remote_field = models.CharField(max_length=80)
    local_value = models.TextField(blank=True)
    remote_value = models.TextField(blank=True)
    synced_value = models.TextField(blank=True)
    local_changed_at = models.DateTimeField(null=True, blank=True)
    remote_changed_at = models.DateTimeField(null=True, blank=True)
    kept = models.CharField(max_length=10, choices=SystemOfRecord.choices)
    detected_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    resolution = models.CharField(max_length=10, choices=SystemOfRecord.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-detected_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.object} {self.local_id}.{self.local_field}"
