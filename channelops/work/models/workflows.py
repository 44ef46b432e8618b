"""Workflows (S4): when a partner or partner user changes, do an action — data staff can edit."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.accounts.models import StaffTeam

from .work_templates import WorkTemplate


class WorkflowTrigger(models.TextChoices):
    PARTNER_CREATED = "partner_created", _("A partner is created")
    PARTNER_CHANGED = "partner_changed", _("A partner is changed")
    USER_CREATED = "user_created", _("A partner user is added")
    USER_CHANGED = "user_changed", _("A partner user is changed")


class WorkflowAction(models.TextChoices):
    NOTIFY_TEAM = "notify_team", _("E-mail a staff team")
    ASSIGN_JOURNEY = "assign_journey", _("Assign a journey")
    SET_FIELD = "set_field", _("Set a field")
    CREATE_WORK_ITEM = "create_work_item", _("Create a work item from a template")


class Workflow(models.Model):
    """When <trigger> (and the record's field equals a value), do <action> — data staff can edit (S4)."""

    name = models.CharField(_("name"), max_length=150)
    trigger = models.CharField(_("when"), max_length=20, choices=WorkflowTrigger.choices)
    condition_field = models.CharField(_("only if field"), max_length=60, blank=True)
    condition_value = models.CharField(_("equals"), max_length=200, blank=True)
    action = models.CharField(_("do"), max_length=20, choices=WorkflowAction.choices)
    team = models.ForeignKey(StaffTeam, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template = models.ForeignKey(
        WorkTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    field_name = models.CharField(_("field to set"), max_length=60, blank=True)
    field_value = models.CharField(_("value"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("workflow")
        verbose_name_plural = _("workflows")
        ordering = ["trigger", "position", "pk"]

    def __str__(self) -> str:
        return self.name
