"""Work (S5): groups, projects, labels, milestones, epics, work items with tasks and comments,
templates, RACI matrices, workflows, and recurring cadences (S9)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from channelops.accounts.models import StaffTeam
from channelops.partners.models import Partner, Region

from .querysets import TaskQuerySet, WorkItemQuerySet


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
    history = HistoricalRecords(m2m_fields=[labels])

    class Meta:
        verbose_name = _("work template")
        verbose_name_plural = _("work templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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

    class Meta:
        verbose_name = _("template task")
        verbose_name_plural = _("template tasks")
        ordering = ["template", "position", "pk"]

    def __str__(self) -> str:
        return self.title


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


# --- RACI ------------------------------------------------------------------------------------------


class RaciMatrix(models.Model):
    """Deliverables × teams → any of R, A, C, I (S5); routes work for a deliverable."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    teams = models.ManyToManyField(StaffTeam, through="RaciColumn", related_name="raci_matrices")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("RACI matrix")
        verbose_name_plural = _("RACI matrices")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RaciColumn(models.Model):
    """A team column of a matrix, in order."""

    matrix = models.ForeignKey(RaciMatrix, on_delete=models.CASCADE, related_name="columns")
    team = models.ForeignKey(StaffTeam, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["matrix", "position"]
        constraints = [models.UniqueConstraint(fields=["matrix", "team"], name="raci_column_once")]

    def __str__(self) -> str:
        return f"{self.matrix}: {self.team}"


class Deliverable(models.Model):
    """A row of a RACI matrix."""

    matrix = models.ForeignKey(RaciMatrix, on_delete=models.CASCADE, related_name="deliverables")
    section = models.CharField(_("section"), max_length=150, blank=True)
    name = models.CharField(_("deliverable"), max_length=300)
    position = models.PositiveIntegerField(_("position"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        ordering = ["matrix", "position", "pk"]

    def __str__(self) -> str:
        return self.name


class RaciCell(models.Model):
    """The letters a team holds for a deliverable, stored in R, A, C, I order (e.g. "RA")."""

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="cells")
    team = models.ForeignKey(StaffTeam, on_delete=models.PROTECT, related_name="+")
    letters = models.CharField(_("R, A, C, I"), max_length=4, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True, help_text=_('E.g. "prelim vetting".'))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("RACI cell")
        verbose_name_plural = _("RACI cells")
        constraints = [models.UniqueConstraint(fields=["deliverable", "team"], name="raci_cell_once")]

    def __str__(self) -> str:
        return f"{self.deliverable} / {self.team}: {self.letters}"


# --- workflows ---------------------------------------------------------------------------------------


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


# --- cadences (S9) -------------------------------------------------------------------------------------


class HolidayPolicy(models.TextChoices):
    IGNORE = "ignore", _("Keep the date")
    SKIP = "skip", _("Skip the occurrence")
    BEFORE = "before", _("Move to the previous working day")
    AFTER = "after", _("Move to the next working day")


class Cadence(models.Model):
    """A recurring schedule as an RFC 5545 rule, with holiday handling and one-off overrides.

    Occurrences are materialised as rows (unique per cadence and date), so running the
    materialiser twice, or on two machines, creates nothing twice.
    """

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(
        _("kind"), max_length=40, help_text=_("What an occurrence creates, e.g. phd_review_weekly.")
    )
    rule = models.CharField(_("rule (RFC 5545 RRULE)"), max_length=500)
    start = models.DateField(_("starts"))
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.CASCADE, related_name="cadences"
    )
    holiday_policy = models.CharField(
        _("on a public holiday"), max_length=10, choices=HolidayPolicy.choices, default=HolidayPolicy.BEFORE
    )
    holiday_country = models.CharField(
        _("holidays of country"), max_length=2, blank=True, help_text=_("ISO code; empty: no holidays.")
    )
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("cadence")
        verbose_name_plural = _("cadences")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from .cadences import cadence_validate

        cadence_validate(self)


class CadenceOverride(models.Model):
    """A one-off change: the occurrence of ``date`` moves to ``new_date``, or is cancelled (empty)."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField(_("scheduled date"))
    new_date = models.DateField(_("new date"), null=True, blank=True, help_text=_("Empty: cancelled."))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("cadence override")
        verbose_name_plural = _("cadence overrides")
        constraints = [models.UniqueConstraint(fields=["cadence", "date"], name="cadence_override_once")]

    def __str__(self) -> str:
        return f"{self.cadence}: {self.date} → {self.new_date or 'cancelled'}"


class Occurrence(models.Model):
    """One materialised date of a cadence (the unique constraint makes materialising idempotent)."""

    cadence = models.ForeignKey(Cadence, on_delete=models.CASCADE, related_name="occurrences")
    date = models.DateField(_("date"), db_index=True)
    scheduled_date = models.DateField(_("date by the rule"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["cadence", "scheduled_date"], name="occurrence_once")]

    def __str__(self) -> str:
        return f"{self.cadence} {self.date}"
