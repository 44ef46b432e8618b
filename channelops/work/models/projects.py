"""Where work lives and how it is sorted: groups, projects, labels, milestones, epics."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class WorkGroup(models.Model):
    """A group of projects (e.g. the channel team's group); epics may span its projects."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(models.Model):
    """A project inside a group: work items live in one (defaults: Channels, Partner Communication)."""

    group = models.ForeignKey(
        WorkGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="projects"
    )
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)
    description = models.TextField(_("description"), blank=True)
    gitlab_project = models.CharField(
        _("GitLab project"),
        max_length=200,
        blank=True,
        help_text=_("Path or id of the GitLab project this project's work items are mirrored to (optional)."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["group__name", "name"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="project_name_per_group")]

    def __str__(self) -> str:
        return self.name


class LabelKind(models.TextChoices):
    TEAM = "team", _("Team")
    PRIORITY = "priority", _("Priority")
    OTHER = "other", _("Other")


class Label(models.Model):
    """A label on work items: team labels, priority weights 1–5 (S5), or any other."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=LabelKind.choices, default=LabelKind.OTHER)
    weight = models.PositiveSmallIntegerField(
        _("priority weight"), null=True, blank=True, help_text=_("1 (urgent and important) to 5 (backlog).")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    color = models.CharField(_("colour"), max_length=7, default="#6b7280")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("label")
        verbose_name_plural = _("labels")
        ordering = ["kind", "weight", "name"]

    def __str__(self) -> str:
        return self.name


class Milestone(models.Model):
    """A two-week window of the fiscal calendar, named like "Channel - FY21Q2 3a" (S5)."""

    title = models.CharField(_("title"), max_length=60, unique=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["start"]

    def __str__(self) -> str:
        return self.title


class Epic(models.Model):
    """A parent of work items across a group's projects (OKRs are epics)."""

    group = models.ForeignKey(
        WorkGroup, verbose_name=_("group"), on_delete=models.PROTECT, related_name="epics"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_okr = models.BooleanField(_("OKR"), default=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("epic")
        verbose_name_plural = _("epics")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title
