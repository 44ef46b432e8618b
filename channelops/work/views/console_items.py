"""Console work item pages: a new item (directly or from a template), an item's page (edit, tasks,
comments, history)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from channelops.accounts.models import User
from channelops.core.forms import add_service_errors
from channelops.core.pages import staff_required
from channelops.partners.models import Partner

from ..item_forms import (
    CommentForm,
    FromTemplateForm,
    TaskToggleForm,
    WorkItemEditForm,
    WorkItemForm,
    partner_id_in,
)
from ..models import Label, Task, TemplateKind, WorkItem, WorkStatus
from ..services.items import comment_add, milestone_for, task_set_done, work_item_create, work_item_update
from ..services.templates import journey_assign, work_item_from_template

NAV = "work"


# --- new item --------------------------------------------------------------------------------------


def _partner_param(request: HttpRequest) -> int | None:
    """The partner id named by ``?partner=`` or the posted partner field ("Name (#id)" or an id),
    to offer its people as assignees."""
    raw = (request.POST if request.method == "POST" else request.GET).get("partner", "")
    return partner_id_in(raw)


@staff_required
def item_new(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    status = 200
    is_template = request.method == "POST" and request.POST.get("form") == "template"
    pid = _partner_param(request)
    partner = Partner.objects.filter(pk=pid).first() if pid else None
    asked = partner if partner is not None and "partner" in request.GET else request.GET.get("partner", "")
    template_form = FromTemplateForm(
        request.POST if is_template else None,
        initial={"template": request.GET.get("template", ""), "partner": asked},
    )
    form = WorkItemForm(
        request.POST if request.method == "POST" and not is_template else None,
        partner=pid,
        initial={"partner": asked},
    )
    if request.method == "POST":
        status = 400
        item = _create_from_template(request, template_form) if is_template else _create_item(request, form)
        if item is not None:
            return redirect("console:work_item", item.pk)
    chosen = None
    slug = request.GET.get("template") or (
        request.POST.get("tpl-template") if template_form.is_bound else None
    )
    if slug:
        chosen = template_form.fields["template"].queryset.filter(slug=slug).first()  # type: ignore[attr-defined]
    return render(
        request,
        "work/item_new.html",
        {
            "form": form,
            "template_form": template_form,
            "chosen": chosen,
            "chosen_tasks": list(chosen.tasks.all()) if chosen else [],
            "partner": partner,
            "user": user,
            "nav": NAV,
            "subnav": "new",
        },
        status=status,
    )


def _create_item(request: HttpRequest, form: WorkItemForm) -> WorkItem | None:
    if not form.is_valid():
        return None
    d = form.cleaned_data
    try:
        item = work_item_create(
            project=d["project"],
            title=d["title"],
            description=d["description"],
            dri=d["dri"],
            by=request.user,  # type: ignore[arg-type]
            assignees=d["assignees"],
            labels=d["labels"],
            milestone=d["milestone"],
            epic=d["epic"],
            due_date=d["due_date"],
            next_action=d["next_action"],
            next_action_date=d["next_action_date"],
            partner=d["partner"],
            shared_with_partner=d["shared_with_partner"],
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(request, _("Work item created; %(dri)s is its DRI.") % {"dri": item.dri.get_full_name()})
    return item


def _create_from_template(request: HttpRequest, form: FromTemplateForm) -> WorkItem | None:
    if not form.is_valid():
        return None
    d = form.cleaned_data
    template, partner = d["template"], d["partner"]
    try:
        if template.kind == TemplateKind.JOURNEY:
            if partner is None:
                raise ValidationError(
                    {"partner": _("A journey is assigned to a partner: give its name or id.")}
                )
            item = journey_assign(template=template, partner=partner, by=request.user)  # type: ignore[arg-type]
            if d["dri"] is not None:
                item = work_item_update(item=item, by=request.user, data={"dri": d["dri"]})  # type: ignore[arg-type]
        else:
            item = work_item_from_template(
                template=template,
                by=request.user,  # type: ignore[arg-type]
                dri=d["dri"],  # empty: the partner's CAM, else the person creating it
                partner=partner,
            )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    messages.success(
        request,
        _("Work item created from the template “%(t)s” with %(n)d tasks.")
        % {"t": template.name, "n": item.tasks.count()},
    )
    return item


# --- an item's page -----------------------------------------------------------------------------------


HISTORY_FIELDS = (
    ("status", _("Status")),
    ("title", _("Title")),
    ("dri_id", _("DRI")),
    ("milestone_id", _("Milestone")),
    ("due_date", _("Due date")),
    ("next_action", _("Next best action")),
    ("next_action_date", _("Next best action by")),
    ("shared_with_partner", _("Shared with the partner")),
    ("description", _("Description")),
)


def _m2m_snapshots(records: list[Any], name: str, column: str) -> dict[int, set[int]]:
    """{history_id: set of related ids} of a tracked many-to-many field, in one query."""
    through = WorkItem.history.model._meta.get_field(f"historicalworkitem_{name}").related_model
    snaps: dict[int, set[int]] = {r.history_id: set() for r in records}
    for hid, rid in through.objects.filter(history__in=[r.history_id for r in records]).values_list(
        "history_id", column
    ):
        snaps[hid].add(rid)
    return snaps


def _history(item: WorkItem) -> list[dict[str, Any]]:
    """The item's recorded changes, newest first, each with its changed fields in words."""
    records = list(item.history.select_related("history_user").order_by("-history_date", "-history_id")[:31])
    assignees = _m2m_snapshots(records, "assignees", "user_id")
    labels = _m2m_snapshots(records, "labels", "label_id")
    people = User.objects.in_bulk({r.dri_id for r in records} | set().union(*assignees.values()))
    label_names = dict(Label.objects.filter(pk__in=set().union(*labels.values())).values_list("pk", "name"))
    statuses = dict(WorkStatus.choices)
    rows = []
    for i, rec in enumerate(records[:30]):
        prev = records[i + 1] if i + 1 < len(records) else None
        if prev is None:
            text = _("Created") if rec.history_type == "+" else _("Changed")
            rows.append({"at": rec.history_date, "who": rec.history_user, "text": text})
            continue
        changes = []
        for name, label in HISTORY_FIELDS:
            old, new = getattr(prev, name), getattr(rec, name)
            if old == new:
                continue
            if name in ("description", "milestone_id"):
                changes.append(_("%(field)s changed") % {"field": label})
                continue
            if name == "status":
                old, new = statuses.get(old, old), statuses.get(new, new)
            elif name == "dri_id":
                old, new = people.get(old), people.get(new)
            elif name == "shared_with_partner":
                old, new = (_("yes") if old else _("no")), (_("yes") if new else _("no"))
            changes.append(f"{label}: {old or '—'} → {new or '—'}")
        for title, snaps, names in (
            (_("Assignees"), assignees, people),
            (_("Labels"), labels, label_names),
        ):
            added = snaps[rec.history_id] - snaps[prev.history_id]
            removed = snaps[prev.history_id] - snaps[rec.history_id]
            if added or removed:
                parts = [f"+{names.get(x, x)}" for x in sorted(added)] + [
                    f"−{names.get(x, x)}" for x in sorted(removed)
                ]
                changes.append(f"{title}: {', '.join(str(p) for p in parts)}")
        if changes:
            rows.append(
                {"at": rec.history_date, "who": rec.history_user, "text": "; ".join(str(c) for c in changes)}
            )
    return rows


def _sections(tasks: list[Task]) -> list[tuple[str, list[Task]]]:
    sections: dict[str, list[Task]] = {}
    for t in tasks:
        sections.setdefault(t.section, []).append(t)
    return list(sections.items())


def _item(request: HttpRequest, pk: int) -> WorkItem:
    return get_object_or_404(
        WorkItem.objects.visible_to(request.user)
        .select_related("project", "partner", "dri", "milestone", "epic", "team", "template", "created_by")
        .prefetch_related("labels", "assignees"),
        pk=pk,
    )


def _item_page(
    request: HttpRequest,
    item: WorkItem,
    *,
    edit_form: WorkItemEditForm | None = None,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    tasks = list(item.tasks.select_related("assignee", "done_by"))
    done = sum(1 for t in tasks if t.done_at)
    subject = None
    if item.subject_type_id and item.subject_id:
        try:
            subject = item.subject
        except Exception:  # the subject's model is gone
            subject = None
    return render(
        request,
        "work/item.html",
        {
            "item": item,
            "sections": _sections(tasks),
            "tasks_done": done,
            "tasks_total": len(tasks),
            "subject": subject,
            "subject_kind": item.subject_type.name if subject is not None and item.subject_type else "",
            "comments": item.comments.select_related("author"),
            "history": _history(item),
            "edit_form": edit_form or WorkItemEditForm(item=item),
            "comment_form": comment_form or CommentForm(),
            "today": timezone.localdate(),
            "nav": NAV,
            "breadcrumbs": [
                {"label": _("My work"), "url": reverse("console:my_work")},
                {"label": item.title},
            ],
        },
        status=status,
    )


@staff_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    if request.method != "POST":
        return _item_page(request, item)
    form = WorkItemEditForm(request.POST, item=item)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if data["milestone"] is None:
            day = data["due_date"] or data["next_action_date"] or timezone.localdate()
            data["milestone"] = milestone_for(day)
        try:
            work_item_update(item=item, by=request.user, data=data)  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Work item saved."))
            return redirect("console:work_item", item.pk)
    return _item_page(request, item, edit_form=form, status=400)


@staff_required
@require_POST
def task_toggle(request: HttpRequest, pk: int, task_pk: int) -> HttpResponse:
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=task_pk, item_id=pk)
    form = TaskToggleForm(request.POST)
    done = form.cleaned_data["done"] if form.is_valid() else not task.is_done
    try:
        task_set_done(task=task, done=done, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            (_("Task done: %(t)s") if done else _("Task reopened: %(t)s")) % {"t": task.title},
        )
    return redirect(reverse("console:work_item", args=[pk]) + f"#task-{task.pk}")


@staff_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment_add(item=item, body=form.cleaned_data["body"], by=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Comment added."))
            return redirect(reverse("console:work_item", args=[pk]) + "#comments-h")
    return _item_page(request, item, comment_form=form, status=400)
