"""Work items, their checklist tasks and comments."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.accounts.models import StaffTeam
from channelops.partners.models import Partner

from ..querysets import TaskQuerySet, WorkItemQuerySet
from .projects import Epic, Label, Milestone, Project
from .work_templates import TaskRole, WorkTemplate, completes_when_field


class WorkStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    BLOCKED = "blocked", _("Blocked")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


CLOSED_STATUSES = (WorkStatus.DONE, WorkStatus.CANCELLED)


class WorkItem(models.Model):
    """A piece of staff work (the handbook's "issue"): a stated DRI, a due date or a next best action.

    ``partner`` links it to a partner; ``shared_with_partner`` shows it in that partner's
    collaboration space (otherwise partners never see it). ``subject`` is the record the
    work is about (an application, a certification…).
    """

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="items"
    )
    epic = models.ForeignKey(
        Epic, verbose_name=_("epic"), null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description (Markdown)"), blank=True, max_length=100_000)
    status = models.CharField(
        _("status"), max_length=12, choices=WorkStatus.choices, default=WorkStatus.OPEN, db_index=True
    )
    dri = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("DRI (directly responsible individual)"),
        on_delete=models.PROTECT,
        related_name="dri_items",
    )
    assignees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("assignees"), blank=True, related_name="assigned_items"
    )
    team = models.ForeignKey(
        StaffTeam,
        verbose_name=_("responsible team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    labels = models.ManyToManyField(Label, verbose_name=_("labels"), blank=True, related_name="items")
    milestone = models.ForeignKey(
        Milestone,
        verbose_name=_("milestone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    next_action = models.CharField(_("next best action"), max_length=300, blank=True)
    next_action_date = models.DateField(_("next best action by"), null=True, blank=True)
    partner = models.ForeignKey(
        Partner,
        verbose_name=_("partner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="work_items",
    )
    shared_with_partner = models.BooleanField(_("shared with the partner"), default=False)
    subject_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    template = models.ForeignKey(
        WorkTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    deliverable = models.ForeignKey(
        "Deliverable", null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    gitlab_iid = models.PositiveIntegerField(_("GitLab issue iid"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[assignees, labels], excluded_fields=["updated_at", "gitlab_iid"])

    objects = WorkItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="workitem_subject_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def description_html(self) -> str:
        from channelops.core.markup import markdown_html

        return markdown_html(self.description)


class Task(models.Model):
    """A checklist task of a work item: a role, an assignee (staff or a partner person), a due date."""

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="tasks")
    section = models.CharField(_("section"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=30, choices=TaskRole.choices, blank=True)
    title = models.CharField(_("task"), max_length=300)
    instructions = models.TextField(_("instructions"), blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="work_tasks",
    )
    due_on = models.DateField(_("due"), null=True, blank=True, db_index=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation"), default=0, help_text=_("0: none; 1: the DRI was told; 2: the team lead was told.")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    completes_when = completes_when_field()
    history = HistoricalRecords()

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["item", "position", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Comment(models.Model):
    """A comment on a work item (partner people comment on items shared with their partner)."""

    item = models.ForeignKey(WorkItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("comment"), max_length=20_000)
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.body[:40]}"
