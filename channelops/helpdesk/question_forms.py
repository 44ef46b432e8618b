"""Forms of the question pages: asking (portal), replying, the console's routing forms, saved
replies (macros) and the queue's filters."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from channelops.accounts.models import User
from channelops.partners.models import Partner, Region

from .question_models import (
    ACTIVE_STATUSES,
    Macro,
    Question,
    QuestionCategory,
    QuestionPriority,
    QuestionStatus,
)
from .question_querysets import ANSWER_PERM


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the service checks count, size and type by content)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


def _attachments_help() -> str:
    """What may be attached, with the limits of this deployment (settings)."""
    from django.conf import settings
    from django.utils.translation import gettext

    from channelops.core.files import upload_limit_mb

    return gettext(
        "Optional: PDF, images, office documents, ZIP or text; up to %(n)d files of %(mb)s MB each."
    ) % {
        "n": int(getattr(settings, "QUESTION_ATTACHMENTS_MAX", 10)),
        "mb": f"{upload_limit_mb('attachment'):g}",
    }


ATTACHMENTS_HELP = lazy(_attachments_help, str)()


class QuestionForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=QuestionCategory.choices)
    subject = forms.CharField(
        label=_("Subject"),
        max_length=200,
        help_text=_("In a few words: what is your question about? Matching help articles appear below."),
    )
    body = forms.CharField(
        label=_("Your question"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What you tried, what happened and what you expected."),
    )
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENTS_HELP)


class ConsoleQuestionForm(QuestionForm):
    """A question asked from the console for a partner: its CAM, or the help desk on its behalf."""

    field_order = ["partner", "category", "subject", "body", "attachments"]

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        from channelops.partners.forms import PartnerChoiceField

        super().__init__(*args, **kwargs)
        self.fields["partner"] = PartnerChoiceField(
            label=_("Partner"), queryset=partners, help_text=_("The partner the question is about.")
        )
        self.order_fields(self.field_order)


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 6}))
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENTS_HELP)


class StaffReplyForm(forms.Form):
    """The help desk's answer (e-mailed to the requester) or an internal note (the ``note`` button)."""

    body = forms.CharField(label=_("Message"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 8}))
    attachments = MultipleFileField(label=_("Attachments"), help_text=ATTACHMENTS_HELP)
    note = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _answerers() -> Any:
    return (
        User.objects.filter(is_active=True, is_staff=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__codename=ANSWER_PERM.split(".")[1])
            | Q(groups__permissions__codename=ANSWER_PERM.split(".")[1])
        )
        .distinct()
        .order_by("full_name", "email")
    )


class _PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class AssignForm(forms.Form):
    assignee = _PersonField(
        label=_("Assignee"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— the region's shared queue —"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = _answerers()  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=QuestionStatus.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=QuestionPriority.choices)


class MergeForm(forms.Form):
    into = forms.CharField(
        label=_("Merge into question"),
        max_length=12,
        help_text=_("The number of the question to keep, e.g. Q-000123. This one's messages move there."),
    )

    def __init__(
        self, *args: Any, question: Question | None = None, visible: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.question, self.visible = question, visible

    def clean_into(self) -> Question:
        number = self.cleaned_data["into"].strip().upper()
        if number.isdigit():
            number = f"Q-{int(number):06d}"
        found = (
            (self.visible if self.visible is not None else Question.objects.none())
            .filter(number=number)
            .first()
        )
        if found is None:
            raise forms.ValidationError(
                _("No question %(n)s. Give the number shown on the question, e.g. Q-000123.") % {"n": number}
            )
        return found


class TriageForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from channelops.partners.forms import PartnerChoiceField

        super().__init__(*args, **kwargs)
        self.fields["partner"] = PartnerChoiceField(
            label=_("Partner"),
            queryset=Partner.objects.all(),
            help_text=_(
                "The partner the sender belongs to: the question is routed to its region's specialist."
            ),
        )


class MacroForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(label=_("Text"), max_length=20_000, widget=forms.Textarea(attrs={"rows": 8}))
    active = forms.BooleanField(label=_("Offered when replying"), required=False, initial=True)


class MacroPickForm(forms.Form):
    macro = forms.ModelChoiceField(
        label=_("Saved reply"), queryset=Macro.objects.none(), empty_label=_("— choose —")
    )

    def __init__(self, *args: Any, macros: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["macro"].queryset = macros  # type: ignore[attr-defined]


VIEWS = [
    ("", _("All active")),
    ("mine", _("Mine")),
    ("region", _("My regions' queues")),
    ("triage", _("Triage (unknown senders)")),
    ("overdue", _("Overdue")),
    ("all", _("All, also resolved and closed")),
]


class QuestionQueueFilter(django_filters.FilterSet):
    queue = django_filters.ChoiceFilter(
        label=_("Show"), choices=VIEWS[1:], empty_label=VIEWS[0][1], method="by_view"
    )
    q = django_filters.CharFilter(label=_("Number or subject"), method="by_text")
    region = django_filters.ModelChoiceFilter(
        label=_("Region"), queryset=Region.objects.order_by("code"), empty_label=_("Any")
    )
    status = django_filters.ChoiceFilter(
        choices=QuestionStatus.choices, label=_("Status"), empty_label=_("Any")
    )
    priority = django_filters.ChoiceFilter(
        choices=QuestionPriority.choices, label=_("Priority"), empty_label=_("Any")
    )

    class Meta:
        model = Question
        fields: list[str] = []

    @property
    def qs(self) -> Any:
        qs = super().qs
        data = self.data or {}
        if data.get("queue") != "all" and not data.get("status"):
            qs = qs.filter(status__in=ACTIVE_STATUSES)  # by default the questions someone works on
        return qs

    def by_view(self, qs: Any, name: str, value: str) -> Any:
        user = self.request.user if self.request is not None else None
        if value == "mine":
            return qs.filter(assignee=user)
        if value == "region":
            return qs.active().worked_by(user)
        if value == "triage":
            return qs.triage()
        if value == "overdue":
            return qs.overdue(timezone.now())
        return qs

    def by_text(self, qs: Any, name: str, value: str) -> Any:
        value = value.strip()
        return qs.filter(Q(number__iexact=value) | Q(subject__icontains=value)) if value else qs
