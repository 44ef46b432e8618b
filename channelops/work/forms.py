"""Forms of the work-item pages (console and portal). They only parse input: rules live in services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Q, When
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User
from channelops.core.forms import DateInput
from channelops.partners.models import Partner

from .models import Epic, Label, Milestone, Project, WorkStatus, WorkTemplate

TEXTAREA = {"rows": 6, "cols": 60}
DATE = DateInput()


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


PARTNER_REF = re.compile(r"^(?:.*\(\s*#?\s*(\d+)\s*\)|\s*#?\s*(\d+))\s*$")


def partner_label(partner: Partner) -> str:
    """How a chosen partner is written back into the field: "Name (#id)"."""
    return f"{partner.legal_name} (#{partner.pk})"


def partner_id_in(text: str) -> int | None:
    """The id in "Name (#12)", "#12" or "12"; None when the text names no id."""
    m = PARTNER_REF.match(text or "")
    return int(m.group(1) or m.group(2)) if m else None


class PartnerLookupField(forms.CharField):
    """A partner typed as "Name (#id)", as its id, or as a unique part of its name.

    A text input rather than a select of every partner. One query whatever the input. This is the
    work app's stand-in for ``channelops.partners.forms.PartnerChoiceField`` (being written on
    another branch): when it lands, swap the class in :func:`partner_field` and
    ``filters.PartnerFilter.field_class``; nothing else names it.
    """

    default_error_messages = {  # noqa: RUF012
        "invalid_choice": _("No partner has this id."),
        "no_match": _("No partner matches “%(text)s”."),
        "ambiguous": _("Several partners match “%(text)s”: type more of the name, or its id."),
    }

    def __init__(self, *, queryset: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Partner"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("Its name, a unique part of the name, or its id."))
        super().__init__(**kwargs)
        self.queryset = Partner.objects.all() if queryset is None else queryset
        self.widget.attrs.setdefault("placeholder", _("Name or id"))
        self.widget.attrs.setdefault("autocomplete", "off")
        self.widget.attrs.setdefault("maxlength", "250")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Partner):
            return partner_label(value)
        found = getattr(self, "_found", None)  # the form was cleaned: echo the partner it found
        if found is not None and found[0] == value:
            return partner_label(found[1])
        return value

    def to_python(self, value: Any) -> Partner | None:  # type: ignore[override]
        partner = self._lookup(str(super().to_python(value) or "").strip()[:250])
        if partner is not None:
            self._found = (value, partner)
        return partner

    def _lookup(self, text: str) -> Partner | None:
        if not text:
            return None
        pid = partner_id_in(text)
        if pid is not None:
            found = self.queryset.filter(pk=pid).first()
            if found is None:
                raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
            return found
        matches = list(
            self.queryset.filter(legal_name__icontains=text)
            .annotate(exact=Case(When(legal_name__iexact=text, then=1), default=0))
            .order_by("-exact", "legal_name")[:2]
        )
        if not matches:
            raise ValidationError(self.error_messages["no_match"], code="no_match", params={"text": text})
        if len(matches) > 1 and not matches[0].exact:
            raise ValidationError(self.error_messages["ambiguous"], code="ambiguous", params={"text": text})
        return matches[0]


def partner_field(**kwargs: Any) -> forms.Field:
    """The partner picker of the work forms and filters (see :class:`PartnerLookupField`)."""
    return PartnerLookupField(**kwargs)


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
        queryset=Label.objects.all(),
        label=_("Labels"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Hold Ctrl (or ⌘) to choose several."),
    )
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.order_by("-start"),
        label=_("Milestone"),
        required=False,
        empty_label=_("Computed from the date"),
        help_text=_("Empty: the fiscal two-week milestone of the due date (or the next best action's date)."),
    )
    epic = forms.ModelChoiceField(
        queryset=Epic.objects.filter(closed_at__isnull=True),
        label=_("Epic"),
        required=False,
        empty_label=_("— none —"),
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
    partner = partner_field(help_text=_("Optional: the partner this work is about (its name or id)."))

    field_order = [  # noqa: RUF012
        "project",
        "title",
        "description",
        "dri",
        "assignees",
        "labels",
        "milestone",
        "epic",
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
        "epic",
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
                "epic": item.epic_id,
                "due_date": item.due_date,
                "next_action": item.next_action,
                "next_action_date": item.next_action_date,
                "shared_with_partner": item.shared_with_partner,
            },
        )
        super().__init__(*args, partner=item.partner_id, **kwargs)
        if item.epic_id:  # a closed epic stays choosable on its own items
            self.fields["epic"].queryset = Epic.objects.filter(  # type: ignore[attr-defined]
                Q(closed_at__isnull=True) | Q(pk=item.epic_id)
            )
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
    partner = partner_field(
        help_text=_("Its name or id: fills the template's placeholders; required for journeys.")
    )
    dri = _dri_field(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dri"].help_text = _("Empty: the partner's CAM, else you.")


class TaskToggleForm(forms.Form):
    """``done``: "1" ticks the task, "0" unticks it; anything else (or nothing) toggles it (None)."""

    done = forms.CharField(required=False, strip=False)

    def clean_done(self) -> bool | None:
        return {"1": True, "0": False}.get(self.cleaned_data["done"])


class CommentForm(forms.Form):
    prefix = "comment"
    body = forms.CharField(label=_("Comment"), max_length=20_000, widget=forms.Textarea(attrs=TEXTAREA))
