"""Templates that create work items (and journeys): a body with placeholders and a task checklist."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .projects import Label, Project


class TemplateKind(models.TextChoices):
    WORK_ITEM = "work_item", _("Work item")
    JOURNEY = "journey", _("Journey (tasks for a partner or partner user)")


class WorkTemplate(models.Model):
    """Creates work items: a Markdown body with {{ placeholders }} and a checklist of tasks per role."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(
        _("kind"), max_length=12, choices=TemplateKind.choices, default=TemplateKind.WORK_ITEM
    )
    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="templates"
    )
    title = models.CharField(_("title"), max_length=200, help_text=_("May use {{ placeholders }}."))
    body = models.TextField(
        _("description (Markdown)"), blank=True, help_text=_("May use {{ placeholders }}.")
    )
    labels = models.ManyToManyField(Label, verbose_name=_("labels"), blank=True, related_name="templates")
    due_days = models.PositiveSmallIntegerField(
        _("due (days after creation)"), null=True, blank=True, help_text=_("Empty: no due date.")
    )
    shared_with_partner = models.BooleanField(
        _("shared with the partner"),
        default=False,
        help_text=_("Shown in the partner's collaboration space."),
    )
    assign_to_new_users = models.BooleanField(
        _("assign to every new partner user"), default=False, help_text=_("Journeys only.")
    )
    active = models.BooleanField(_("active"), default=True)
    #: The title and body in other languages than English (docs/i18n.md, "Content that is data"):
    #: ``{"de": {"title": …, "body": …}}``; each task holds its own (``TemplateTask.translations``).
    translations = models.JSONField(_("translations"), default=dict, blank=True)
    history = HistoricalRecords(m2m_fields=[labels])

    class Meta:
        verbose_name = _("work template")
        verbose_name_plural = _("work templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def translated_to(self, language: str, tasks: list[TemplateTask]) -> bool:
        """Whether the template and every one of ``tasks`` have a version in ``language``."""
        code = (language or "").split("-")[0]
        own = (self.translations or {}).get(code) or {}
        return bool(own.get("title")) and all(
            ((t.translations or {}).get(code) or {}).get("title") for t in tasks
        )


class TaskRole(models.TextChoices):
    CAM = "cam", _("CAM")
    HELP_DESK = "help_desk", _("Partner Help Desk")
    EDUCATION = "education_services", _("Education Services")
    PROFESSIONAL_SERVICES = "professional_services", _("Professional Services")
    PROGRAM_MANAGER = "channel_program_manager", _("Channel program manager")
    MARKETING = "channel_marketing", _("Channel marketing")
    PARTNER_ADMIN = "partner_admin", _("Partner admin")
    PARTNER_USER = "partner_user", _("Partner user")
    DRI = "dri", _("DRI")


class DueBasis(models.TextChoices):
    CALENDAR = "calendar", _("calendar days")
    BUSINESS = "business", _("business days (Monday–Friday)")


class CompletesWhen(models.TextChoices):
    """What the data answers: a task with one of these ticks itself when it holds (work/auto_tasks.py)."""

    AGREEMENTS_ACCEPTED = "agreements_accepted", _("The partner's agreements are accepted")
    COMPANY_PROFILE = "company_profile", _("The company profile is complete")
    INVITATION_ACCEPTED = "invitation_accepted", _("The person accepted their invitation and signed in")


def completes_when_field() -> models.CharField:
    return models.CharField(
        _("ticks itself when"),
        max_length=30,
        choices=CompletesWhen.choices,
        blank=True,
        help_text=_("Empty: the assignee ticks it. Otherwise the task is done as soon as the data says so."),
    )


class TemplateTask(models.Model):
    """One checklist task of a template, for a role, with its own due rule."""

    template = models.ForeignKey(WorkTemplate, on_delete=models.CASCADE, related_name="tasks")
    section = models.CharField(_("section"), max_length=120, blank=True)
    role = models.CharField(_("role"), max_length=30, choices=TaskRole.choices)
    title = models.CharField(_("task"), max_length=300)
    instructions = models.TextField(_("instructions and links (Markdown)"), blank=True)
    due_days = models.PositiveSmallIntegerField(_("due after assignment (days)"), null=True, blank=True)
    due_basis = models.CharField(
        _("counted in"), max_length=10, choices=DueBasis.choices, default=DueBasis.CALENDAR
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    completes_when = completes_when_field()
    #: ``{"de": {"section": …, "title": …, "instructions": …}}`` (see ``WorkTemplate.translations``).
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        verbose_name = _("template task")
        verbose_name_plural = _("template tasks")
        ordering = ["template", "position", "pk"]

    def __str__(self) -> str:
        return self.title
