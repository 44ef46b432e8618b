"""Console RACI pages: the matrices, one matrix (edit cells and rows), routing work for a deliverable."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.models import StaffTeam
from channelops.core.exceptions import NotAllowed
from channelops.core.forms import DateInput, add_service_errors
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


@staff_required
@require_safe
def matrices(request: HttpRequest) -> HttpResponse:
    return render(
        request, "work/raci_matrices.html", {"rows": matrices_overview(), "nav": "work", "subnav": "raci"}
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


@staff_required
def matrix(request: HttpRequest, pk: int) -> HttpResponse:
    m = get_object_or_404(RaciMatrix, pk=pk)
    can_edit = request.user.has_perm(EDIT_PERM)
    add_form = DeliverableForm(prefix="new") if can_edit else None
    errors: list[str] = []
    failed: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        if not can_edit:
            raise NotAllowed(_("Your role does not allow editing RACI matrices."))
        action = request.POST.get("action", "")
        by = request.user
        try:
            if action == "cell":
                d = get_object_or_404(Deliverable, pk=_int(request.POST.get("deliverable")), matrix=m)
                team = get_object_or_404(StaffTeam, pk=_int(request.POST.get("team")))
                failed = {
                    "cell": (d.pk, team.pk),
                    "letters": request.POST.get("letters", ""),
                    "note": request.POST.get("note", ""),
                }
                cell = raci_cell_set(
                    deliverable=d,
                    team=team,
                    letters=failed["letters"],
                    note=failed["note"],
                    by=by,  # type: ignore[arg-type]
                )
                messages.success(
                    request,
                    _("%(team)s for “%(d)s”: %(letters)s.")
                    % {
                        "team": team.name,
                        "d": d.name,
                        "letters": cell.letters and ", ".join(cell.letters) or "—",
                    },
                )
                return redirect(f"{reverse('console:raci_matrix', args=[m.pk])}#d{d.pk}")
            if action == "add":
                add_form = DeliverableForm(request.POST, prefix="new")
                if add_form.is_valid():
                    try:
                        d = deliverable_add(
                            matrix=m,
                            name=add_form.cleaned_data["name"],
                            section=add_form.cleaned_data["section"],
                            by=by,  # type: ignore[arg-type]
                        )
                    except ValidationError as exc:
                        add_service_errors(add_form, exc)
                    else:
                        messages.success(request, _("Deliverable “%(d)s” added.") % {"d": d.name})
                        return redirect(f"{reverse('console:raci_matrix', args=[m.pk])}#d{d.pk}")
                errors = [_("The deliverable was not added: see the form below.")]
                status = 400
            elif action in ("rename", "delete"):
                d = get_object_or_404(Deliverable, pk=_int(request.POST.get("deliverable")), matrix=m)
                if action == "delete":
                    deliverable_delete(deliverable=d, by=by)  # type: ignore[arg-type]
                    messages.success(request, _("Deliverable “%(d)s” deleted.") % {"d": d.name})
                    return redirect("console:raci_matrix", m.pk)
                failed = {"row": d.pk}
                deliverable_rename(
                    deliverable=d,
                    name=request.POST.get("name", ""),
                    section=request.POST.get("section", ""),
                    by=by,  # type: ignore[arg-type]
                )
                messages.success(request, _("Deliverable renamed."))
                return redirect(f"{reverse('console:raci_matrix', args=[m.pk])}#d{d.pk}")
            elif action != "add":
                errors = [_("Unknown action.")]
                status = 400
        except ValidationError as exc:
            errors = _errors(exc)
            status = 400
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
            "nav": "work",
            "subnav": "raci",
            "breadcrumbs": [
                {"label": _("RACI matrices"), "url": reverse("console:raci_matrices")},
                {"label": m.name},
            ],
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


@staff_required
def route(request: HttpRequest, pk: int) -> HttpResponse:
    d = get_object_or_404(Deliverable.objects.select_related("matrix"), pk=pk)
    plan = route_plan(d)
    status = 200
    if request.method == "POST":
        form = RouteForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                item = raci_route(
                    deliverable=d,
                    title=data["title"],
                    description=data["description"],
                    due_date=data["due_date"],
                    next_action=data["next_action"],
                    next_action_date=data["next_action_date"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Work item created for %(team)s; the Consulted and Informed teams were notified.")
                    % {"team": item.team.name if item.team else ""},
                )
                return redirect("console:work_item", item.pk)
    else:
        form = RouteForm(initial={"title": d.name})
    return render(
        request,
        "work/raci_route.html",
        {
            "deliverable": d,
            "matrix": d.matrix,
            "plan": plan,
            "form": form,
            "nav": "work",
            "subnav": "raci",
            "breadcrumbs": [
                {"label": _("RACI matrices"), "url": reverse("console:raci_matrices")},
                {"label": d.matrix.name, "url": reverse("console:raci_matrix", args=[d.matrix.pk])},
                {"label": d.name},
            ],
        },
        status=status,
    )
