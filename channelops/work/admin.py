from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline

from .models import (
    Cadence,
    CadenceOverride,
    Comment,
    Deliverable,
    Epic,
    Label,
    Milestone,
    Occurrence,
    Project,
    RaciCell,
    RaciColumn,
    RaciMatrix,
    Task,
    TemplateTask,
    Workflow,
    WorkGroup,
    WorkItem,
    WorkTemplate,
)


@admin.register(WorkGroup)
class WorkGroupAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "slug"]


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "group", "gitlab_project"]


@admin.register(Label)
class LabelAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "kind", "weight"]
    list_filter = ["kind"]


@admin.register(Milestone)
class MilestoneAdmin(ModelAdmin):
    list_display = ["title", "start", "end"]


@admin.register(Epic)
class EpicAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["title", "group", "is_okr", "closed_at"]


class TemplateTaskInline(TabularInline):
    model = TemplateTask
    extra = 0


@admin.register(WorkTemplate)
class WorkTemplateAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "kind", "project", "active"]
    inlines = [TemplateTaskInline]


class TaskInline(TabularInline):
    model = Task
    extra = 0
    fields = ["section", "role", "title", "assignee", "due_on", "done_at"]
    autocomplete_fields = ["assignee"]


class CommentInline(TabularInline):
    model = Comment
    extra = 0
    readonly_fields = ["author", "body", "created_at"]


@admin.register(WorkItem)
class WorkItemAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["title", "project", "status", "dri", "due_date", "partner"]
    list_filter = ["status", "project"]
    search_fields = ["title", "partner__legal_name"]
    autocomplete_fields = ["dri", "assignees", "partner"]
    inlines = [TaskInline, CommentInline]
    readonly_fields = ["gitlab_iid", "created_at", "closed_at"]


class RaciColumnInline(TabularInline):
    model = RaciColumn
    extra = 0


@admin.register(RaciMatrix)
class RaciMatrixAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "slug"]
    inlines = [RaciColumnInline]


class RaciCellInline(TabularInline):
    model = RaciCell
    extra = 0


@admin.register(Deliverable)
class DeliverableAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "matrix", "section", "position"]
    list_filter = ["matrix"]
    inlines = [RaciCellInline]


class WorkflowAdminForm(forms.ModelForm):
    """Checks the workflow with ``workflow_validate`` (e.g. a ``set_field`` value that is not valid)."""

    class Meta:
        model = Workflow
        fields = [
            "name",
            "trigger",
            "condition_field",
            "condition_value",
            "action",
            "team",
            "template",
            "field_name",
            "field_value",
            "active",
            "position",
        ]

    def clean(self):
        from .workflows import workflow_validate

        cleaned = super().clean()
        names = {f.name for f in Workflow._meta.concrete_fields} - {"id"}
        workflow = Workflow(**{k: v for k, v in cleaned.items() if k in names})
        try:
            workflow_validate(workflow)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field not in self.errors:  # already reported by the field itself
                    self.add_error(field if field in self.fields else None, messages)
        return cleaned


@admin.register(Workflow)
class WorkflowAdmin(SimpleHistoryAdmin, ModelAdmin):
    form = WorkflowAdminForm
    list_display = ["name", "trigger", "action", "active", "position"]
    list_filter = ["trigger", "action", "active"]


class CadenceOverrideInline(TabularInline):
    model = CadenceOverride
    extra = 0


@admin.register(Cadence)
class CadenceAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "kind", "rule", "region", "holiday_policy", "active"]
    inlines = [CadenceOverrideInline]


@admin.register(Occurrence)
class OccurrenceAdmin(ModelAdmin):
    list_display = ["cadence", "date", "scheduled_date"]
    list_filter = ["cadence"]
