"""Console epic pages: the list, a new epic, an epic's page (its work items; change it). Everyday
staff edits through services, not the data console (issue 12)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.exceptions import NotAllowed
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required

from ..models import CLOSED_STATUSES, Epic, WorkGroup
from ..querysets import by_when, with_progress
from ..services.epics import EPIC_ADD_PERM, EPIC_EDIT_PERM, epic_create, epic_update

NAV = "work"
NOT_EPIC_EDITOR = _l("Your role does not allow editing epics.")


class EpicForm(forms.Form):
    title = forms.CharField(label=_l("Title"), max_length=200)
    group = forms.ModelChoiceField(
        queryset=WorkGroup.objects.all(),
        label=_l("Group"),
        empty_label=None,
        help_text=_l("The epic may hold work items of this group's projects."),
    )
    description = forms.CharField(
        label=_l("Description"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 4})
    )
    is_okr = forms.BooleanField(label=_l("This epic is an OKR"), required=False)


class EpicEditForm(EpicForm):
    closed = forms.BooleanField(label=_l("Closed"), required=False)


def _status(epic: Epic) -> str:
    return "closed" if epic.closed_at else "open"


@method_decorator(staff_required, name="dispatch")
class EpicList(ListPage):
    template_name = "work/epics.html"
    title = _l("Epics")
    nav = NAV
    intro = _l("Epics group work items across a group's projects; OKRs are epics.")
    default_sort = "title"
    empty_title = _l("No epic yet.")
    noun_plural = _l("epics")
    request: StaffRequest

    def get_queryset(self) -> Any:
        return Epic.objects.select_related("group").annotate(
            open_items=Count("items", filter=~Q(items__status__in=CLOSED_STATUSES)),
            all_items=Count("items"),
        )

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "title", _l("Epic"), link=lambda e: reverse("console:work_epic", args=[e.pk]), sort="title"
            ),
            Column("group.name", _l("Group"), sort="group__name"),
            Column("is_okr", _l("OKR")),
            Column("open_items", _l("Open work items"), numeric=True, sort="open_items"),
            Column("all_items", _l("All work items"), numeric=True),
            Column(
                "state",
                _l("Status"),
                value=_status,
                status="epic",
                display=lambda e: _("Closed") if e.closed_at else _("Open"),
            ),
        ]

    def get_actions(self) -> list[dict[str, Any]]:
        if self.request.user.has_perm(EPIC_ADD_PERM):
            return [{"label": _("New epic"), "url": reverse("console:work_epic_new"), "primary": True}]
        return []

    def get_empty_action(self) -> tuple[str, Any] | None:
        if self.request.user.has_perm(EPIC_ADD_PERM):
            return reverse("console:work_epic_new"), _("Create the first epic")
        return None

    def get_extra_context(self) -> dict[str, Any]:
        return {"subnav": "epics"}


epics = EpicList.as_view()


def _new_page(request: StaffRequest, form: forms.Form | None = None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "work/epic_new.html",
        {
            "form": form or EpicForm(initial={"group": WorkGroup.objects.first()}),
            "nav": NAV,
            "subnav": "epics",
            "breadcrumbs": [
                {"label": _("Epics"), "url": reverse("console:work_epics")},
                {"label": _("New epic")},
            ],
        },
        status=status,
    )


def _may_add(request: StaffRequest, obj: Any = None) -> bool:
    return request.user.has_perm(EPIC_ADD_PERM)


create_epic = Action[StaffRequest](
    load=lambda request: None,
    allowed=_may_add,
    not_allowed=NOT_EPIC_EDITOR,
    form_class=EpicForm,
    form_kwargs=lambda request, obj: {"initial": {"group": WorkGroup.objects.first()}},
    perform=lambda request, obj, data: epic_create(by=request.user, **data),
    success=lambda obj, epic: _("Epic “%(t)s” created.") % {"t": epic.title},
    redirect_to=lambda request, obj, epic: reverse("console:work_epic", args=[epic.pk]),
    on_invalid=lambda request, obj, form: _new_page(request, form, status=400),
)


@staff_required
def epic_new(request: StaffRequest) -> HttpResponse:
    """The new-epic page; its POST creates the epic."""
    if request.method == "POST":
        return create_epic.view(request)
    if not _may_add(request):
        raise NotAllowed(NOT_EPIC_EDITOR)
    return _new_page(request)


def _epic(request: StaffRequest, pk: int) -> Epic:
    return get_object_or_404(Epic.objects.select_related("group"), pk=pk)


def _edit_form(epic: Epic, data: Any = None) -> EpicEditForm:
    return EpicEditForm(
        data,
        initial={
            "title": epic.title,
            "group": epic.group_id,
            "description": epic.description,
            "is_okr": epic.is_okr,
            "closed": epic.closed_at is not None,
        },
    )


def _epic_page(
    request: StaffRequest, epic: Epic, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    items = list(
        with_progress(epic.items.select_related("project", "partner", "dri")).order_by(*by_when())[:100]
    )
    can_edit = request.user.has_perm(EPIC_EDIT_PERM)
    return render(
        request,
        "work/epic.html",
        {
            "epic": epic,
            "items": items,
            "form": (form or _edit_form(epic)) if can_edit else None,
            "nav": NAV,
            "subnav": "epics",
            "breadcrumbs": [
                {"label": _("Epics"), "url": reverse("console:work_epics")},
                {"label": epic.title},
            ],
        },
        status=status,
    )


@staff_required
def epic_detail(request: StaffRequest, pk: int) -> HttpResponse:
    return _epic_page(request, _epic(request, pk))


epic_change = Action[StaffRequest](
    load=_epic,
    allowed=lambda request, epic: request.user.has_perm(EPIC_EDIT_PERM),
    not_allowed=NOT_EPIC_EDITOR,
    form_class=EpicEditForm,
    form_kwargs=lambda request, epic: {"initial": _edit_form(epic).initial},
    perform=lambda request, epic, data: epic_update(epic=epic, by=request.user, **data),
    success=_l("Epic saved."),
    redirect_to=lambda request, epic, result: reverse("console:work_epic", args=[epic.pk]),
    on_invalid=lambda request, epic, form: _epic_page(request, epic, form, status=400),
)
