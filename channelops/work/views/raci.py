"""Console RACI pages: the matrices, one matrix (edit cells and rows), routing work for a deliverable.

The matrix page posts to itself: ``action`` (cell, add, rename, delete) names the
``Action[StaffRequest]`` that runs; the route page's POST creates the work item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.models import StaffTeam
from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.exceptions import NotAllowed
from channelops.core.forms import DateInput
from channelops.core.pages import staff_required

from ..models import Deliverable, RaciMatrix
from ..raci import EDIT_PERM, TableView, matrices_overview, matrix_table, route_plan
from ..services.raci import deliverable_add, deliverable_delete, deliverable_rename, raci_cell_set, raci_route


class DeliverableForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Deliverable"), max_length=300)
    section = forms.CharField(
        label=gettext_lazy("Section"),
        max_length=150,
        required=False,
        help_text=gettext_lazy("Optional: rows of a section are shown under its heading."),
    )


class RouteForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    description = forms.CharField(
        label=gettext_lazy("Description (Markdown)"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    due_date = forms.DateField(label=gettext_lazy("Due date"), required=False, widget=DateInput())
    next_action = forms.CharField(label=gettext_lazy("Next best action"), max_length=300, required=False)
    next_action_date = forms.DateField(
        label=gettext_lazy("Next best action by"),
        required=False,
        widget=DateInput(),
    )


class CellForm(forms.Form):
    """A cell's letters and note as typed: the service reads and refuses them."""

    letters = forms.CharField(required=False, strip=False)
    note = forms.CharField(required=False, strip=False)


class RenameForm(forms.Form):
    """A row's new name and section as typed: the service reads and refuses them."""

    name = forms.CharField(required=False, strip=False)
    section = forms.CharField(required=False, strip=False)


NAV = "work"
NOT_EDITOR = gettext_lazy("Your role does not allow editing RACI matrices.")


def _matrices_crumb() -> dict[str, Any]:
    return {"label": _("RACI matrices"), "url": reverse("console:raci_matrices")}


@staff_required
@require_safe
def matrices(request: StaffRequest) -> HttpResponse:
    return render(
        request, "work/raci_matrices.html", {"rows": matrices_overview(), "nav": NAV, "subnav": "raci"}
    )


# --- one matrix ----------------------------------------------------------------------------------------


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _may_edit(request: StaffRequest, obj: Any = None) -> bool:
    return request.user.has_perm(EDIT_PERM)


def _form_errors(form: forms.Form) -> list[str]:
    """Every error of a refused edit, shown on top of the page (and beside a cell's form)."""
    return [str(e) for e in form.non_field_errors()] + [str(e) for field in form for e in field.errors]


def _matrix_page(
    request: StaffRequest,
    m: RaciMatrix,
    *,
    add_form: forms.Form | None = None,
    errors: list[str] | None = None,
    failed: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    can_edit = _may_edit(request)
    if add_form is None and can_edit:
        add_form = DeliverableForm(prefix="new")
    errors = errors or []
    failed = failed or {}
    table = matrix_table(m)
    _mark_failed(table, failed, errors)
    return render(
        request,
        "work/raci_matrix.html",
        {
            "matrix": m,
            "table": table,
            "can_edit": can_edit,
            "add_form": add_form,
            "errors": errors,
            "failed_row": failed.get("row"),
            "nav": NAV,
            "subnav": "raci",
            "breadcrumbs": [_matrices_crumb(), {"label": m.name}],
        },
        status=status,
    )


def _mark_failed(table: TableView, failed: dict[str, Any], errors: list[str]) -> None:
    """Reopen the edit form that failed, with what was typed and the error next to it."""
    if "cell" not in failed or not errors:
        return
    d_pk, team_pk = failed["cell"]
    for row in table.rows:
        if row.deliverable.pk != d_pk:
            continue
        for c in row.cells:
            if c.team.pk == team_pk:
                c.error = errors
                c.submitted = {"letters": failed["letters"], "note": failed["note"]}


def _row_url(matrix_id: int, deliverable: Deliverable) -> str:
    return f"{reverse('console:raci_matrix', args=[matrix_id])}#d{deliverable.pk}"


def _row(request: StaffRequest, m: RaciMatrix) -> Deliverable:
    """The posted ``deliverable``: a row of ``m`` (else 404)."""
    d = get_object_or_404(Deliverable, pk=_int(request.POST.get("deliverable")), matrix=m)
    d.matrix = m
    return d


@dataclass(frozen=True)
class Cell:
    """The posted cell: a row of the matrix and a team (else 404)."""

    deliverable: Deliverable
    team: StaffTeam

    @classmethod
    def load(cls, request: StaffRequest, m: RaciMatrix) -> Cell:
        d = _row(request, m)
        return cls(deliverable=d, team=get_object_or_404(StaffTeam, pk=_int(request.POST.get("team"))))


def _cell_refused(request: StaffRequest, cell: Cell, form: forms.Form) -> HttpResponse:
    failed = {
        "cell": (cell.deliverable.pk, cell.team.pk),
        "letters": form.data.get("letters", ""),
        "note": form.data.get("note", ""),
    }
    return _matrix_page(
        request, cell.deliverable.matrix, errors=_form_errors(form), failed=failed, status=400
    )


set_cell = Action[StaffRequest](
    load=Cell.load,
    allowed=_may_edit,
    not_allowed=NOT_EDITOR,
    form_class=CellForm,
    perform=lambda request, cell, data: raci_cell_set(
        deliverable=cell.deliverable,
        team=cell.team,
        letters=data["letters"],
        note=data["note"],
        by=request.user,
    ),
    success=lambda cell, result: (
        _("%(team)s for “%(d)s”: %(letters)s.")
        % {
            "team": cell.team.name,
            "d": cell.deliverable.name,
            "letters": result.letters and ", ".join(result.letters) or "—",
        }
    ),
    redirect_to=lambda request, cell, result: _row_url(cell.deliverable.matrix_id, cell.deliverable),
    on_invalid=_cell_refused,
)

add_deliverable = Action[StaffRequest](
    load=lambda request, m: m,
    allowed=_may_edit,
    not_allowed=NOT_EDITOR,
    form_class=DeliverableForm,
    form_kwargs=lambda request, m: {"prefix": "new"},
    perform=lambda request, m, data: deliverable_add(
        matrix=m, name=data["name"], section=data["section"], by=request.user
    ),
    success=lambda m, d: _("Deliverable “%(d)s” added.") % {"d": d.name},
    redirect_to=lambda request, m, d: _row_url(m.pk, d),
    on_invalid=lambda request, m, form: _matrix_page(
        request,
        m,
        add_form=form,
        errors=[_("The deliverable was not added: see the form below.")],
        status=400,
    ),
)

rename_deliverable = Action[StaffRequest](
    load=_row,
    allowed=_may_edit,
    not_allowed=NOT_EDITOR,
    form_class=RenameForm,
    perform=lambda request, d, data: deliverable_rename(
        deliverable=d, name=data["name"], section=data["section"], by=request.user
    ),
    success=gettext_lazy("Deliverable renamed."),
    redirect_to=lambda request, d, result: _row_url(d.matrix_id, d),
    on_invalid=lambda request, d, form: _matrix_page(
        request, d.matrix, errors=_form_errors(form), failed={"row": d.pk}, status=400
    ),
)

delete_deliverable = Action[StaffRequest](
    load=_row,
    allowed=_may_edit,
    not_allowed=NOT_EDITOR,
    perform=lambda request, d, data: deliverable_delete(deliverable=d, by=request.user),
    success=lambda d, result: _("Deliverable “%(d)s” deleted.") % {"d": d.name},
    redirect_to=lambda request, d, result: reverse("console:raci_matrix", args=[d.matrix_id]),
)

MATRIX_ACTIONS = {
    "cell": set_cell,
    "add": add_deliverable,
    "rename": rename_deliverable,
    "delete": delete_deliverable,
}


@staff_required
def matrix(request: StaffRequest, pk: int) -> HttpResponse:
    """The table; a POST runs the edit its ``action`` names (people without the permission: 403)."""
    m = get_object_or_404(RaciMatrix, pk=pk)
    if request.method != "POST":
        return _matrix_page(request, m)
    if not _may_edit(request):
        raise NotAllowed(NOT_EDITOR)
    action = MATRIX_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return _matrix_page(request, m, errors=[_("Unknown action.")], status=400)
    return action.view(request, m)


# --- routing work for a deliverable -------------------------------------------------------------------


def _deliverable(request: StaffRequest, pk: int) -> Deliverable:
    return get_object_or_404(Deliverable.objects.select_related("matrix"), pk=pk)


def _route_page(
    request: StaffRequest, d: Deliverable, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "work/raci_route.html",
        {
            "deliverable": d,
            "matrix": d.matrix,
            "plan": route_plan(d),
            "form": form or RouteForm(initial={"title": d.name}),
            "nav": NAV,
            "subnav": "raci",
            "breadcrumbs": [
                _matrices_crumb(),
                {"label": d.matrix.name, "url": reverse("console:raci_matrix", args=[d.matrix.pk])},
                {"label": d.name},
            ],
        },
        status=status,
    )


route_work = Action[StaffRequest](
    load=_deliverable,
    form_class=RouteForm,
    perform=lambda request, d, data: raci_route(
        deliverable=d,
        title=data["title"],
        description=data["description"],
        due_date=data["due_date"],
        next_action=data["next_action"],
        next_action_date=data["next_action_date"],
        by=request.user,
    ),
    success=lambda d, item: (
        _("Work item created for %(team)s; the Consulted and Informed teams were notified.")
        % {"team": item.team.name if item.team else ""}
    ),
    redirect_to=lambda request, d, item: reverse("console:work_item", args=[item.pk]),
    on_invalid=lambda request, d, form: _route_page(request, d, form, status=400),
)


@staff_required
def route(request: StaffRequest, pk: int) -> HttpResponse:
    """Who work for the deliverable goes to; the POST creates the work item."""
    if request.method == "POST":
        return route_work.view(request, pk)
    return _route_page(request, _deliverable(request, pk))
