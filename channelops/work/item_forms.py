"""Forms of the work-item pages (console and portal). They only parse input: rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User
from channelops.partners.models import Partner

from .models import Label, Milestone, Project, WorkStatus, WorkTemplate

TEXTAREA = {"rows": 6, "cols": 60}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def staff_people() -> Any:
    return User.objects.filter(is_staff=True, is_active=True).order_by("full_name", "email")


def assignable_people(partner: Partner | int | None) -> Any:
    """Active staff, and the people of ``partner`` (the service refuses them on internal work)."""
    pid = partner.pk if isinstance(partner, Partner) else partner
    q = Q(is_staff=True)
    if pid:
        q |= Q(membership__partner_id=pid)
    return User.objects.filter(q, is_active=True).order_by("-is_staff", "full_name", "email")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email
        return name if obj.is_staff else _("%(name)s (partner person)") % {"name": name}


class PartnerIdField(forms.ModelChoiceField):
    """A partner given by its id (a select of every partner would be too long)."""

    widget = forms.NumberInput(attrs={"min": 1})
    default_error_messages = {"invalid_choice": _("No partner has this id.")}  # noqa: RUF012

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Partner (id)"))
        kwargs.setdefault("required", False)
        super().__init__(queryset=Partner.objects.all(), **kwargs)


def _dri_field(**kwargs: Any) -> PersonChoiceField:
    return PersonChoiceField(
        queryset=staff_people(),
        label=_("DRI (directly responsible individual)"),
        empty_label=_("— choose one person —"),
        error_messages={"required": _("State the DRI: one directly responsible person.")},
        help_text=_("One staff member who is responsible for this work."),
        **kwargs,
    )


class _ItemFields(forms.Form):
    """Fields shared by the create and edit forms."""

    title = forms.CharField(label=_("Title"), max_length=255)
    description = forms.CharField(
        label=_("Description (Markdown)"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs=TEXTAREA),
    )
    dri = _dri_field()
    assignees = PeopleChoiceField(
        queryset=User.objects.none(),
        label=_("Assignees"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Staff, or (on work shared with the partner) the partner's people."),
    )
    labels = forms.ModelMultipleChoiceField(
        queryset=Label.objects.all(), label=_("Labels"), required=False, widget=forms.CheckboxSelectMultiple
    )
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.order_by("-start"),
        label=_("Milestone"),
        required=False,
        empty_label=_("Computed from the date"),
        help_text=_("Empty: the fiscal two-week milestone of the due date (or the next best action's date)."),
    )
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DATE)
    next_action = forms.CharField(
        label=_("Next best action"),
        max_length=300,
        required=False,
        help_text=_("Without a due date: what happens next, and by when."),
    )
    next_action_date = forms.DateField(label=_("Next best action by"), required=False, widget=DATE)
    shared_with_partner = forms.BooleanField(
        label=_("Shared with the partner (shown in its collaboration space)"), required=False
    )

    def __init__(self, *args: Any, partner: Partner | int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignees"].queryset = assignable_people(partner)  # type: ignore[attr-defined]


class WorkItemForm(_ItemFields):
    project = forms.ModelChoiceField(queryset=Project.objects.all(), label=_("Project"), empty_label=None)
    partner = PartnerIdField(help_text=_("Optional: the partner this work is about."))

    field_order = [  # noqa: RUF012
        "project",
        "title",
        "description",
        "dri",
        "assignees",
        "labels",
        "milestone",
        "due_date",
        "next_action",
        "next_action_date",
        "partner",
        "shared_with_partner",
    ]


class WorkItemEditForm(_ItemFields):
    prefix = "edit"
    status = forms.ChoiceField(label=_("Status"), choices=WorkStatus.choices)

    field_order = [  # noqa: RUF012
        "status",
        "title",
        "description",
        "dri",
        "assignees",
        "labels",
        "milestone",
        "due_date",
        "next_action",
        "next_action_date",
        "shared_with_partner",
    ]

    def __init__(self, *args: Any, item: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "status": item.status,
                "title": item.title,
                "description": item.description,
                "dri": item.dri_id,
                "assignees": [u.pk for u in item.assignees.all()],
                "labels": [label.pk for label in item.labels.all()],
                "milestone": item.milestone_id,
                "due_date": item.due_date,
                "next_action": item.next_action,
                "next_action_date": item.next_action_date,
                "shared_with_partner": item.shared_with_partner,
            },
        )
        super().__init__(*args, partner=item.partner_id, **kwargs)
        if item.partner_id is None:
            del self.fields["shared_with_partner"]


class FromTemplateForm(forms.Form):
    prefix = "tpl"
    template = forms.ModelChoiceField(
        queryset=WorkTemplate.objects.filter(active=True).order_by("name"),
        to_field_name="slug",
        label=_("Template"),
        empty_label=_("— choose a template —"),
    )
    partner = PartnerIdField(help_text=_("Fills the template's placeholders; required for journeys."))
    dri = _dri_field(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dri"].help_text = _("Empty: the partner's CAM, else you.")


class BoardFilterForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.all(), label=_("Project"), required=False)
    label = forms.ModelChoiceField(queryset=Label.objects.all(), label=_("Label"), required=False)
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.order_by("-start"), label=_("Milestone"), required=False
    )
    partner = PartnerIdField()
    dri = PersonChoiceField(queryset=staff_people(), label=_("DRI"), required=False)
    overdue = forms.BooleanField(label=_("Only items with overdue tasks"), required=False)


class JourneyFilterForm(forms.Form):
    partner = PartnerIdField()
    overdue = forms.BooleanField(label=_("Only journeys with overdue tasks"), required=False)


class TaskToggleForm(forms.Form):
    done = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class CommentForm(forms.Form):
    prefix = "comment"
    body = forms.CharField(label=_("Comment"), max_length=20_000, widget=forms.Textarea(attrs=TEXTAREA))
