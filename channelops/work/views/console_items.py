"""Console work item pages: a new item (directly or from a template), an item's page (edit, tasks,
comments, history). Every form posts to an ``Action[StaffRequest]``; the new-item and item pages
post to themselves (GET shows, POST acts)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.accounts.models import User
from channelops.accounts.pages import SignedInRequest, StaffRequest
from channelops.core.actions import Action
from channelops.core.pages import staff_required
from channelops.partners.models import Partner

from ..forms import (
    CommentForm,
    FromTemplateForm,
    TaskToggleForm,
    WorkItemEditForm,
    WorkItemForm,
    partner_id_in,
)
from ..models import Label, Task, TemplateKind, WorkItem, WorkStatus, WorkTemplate
from ..services.items import comment_add, milestone_for, work_item_create, work_item_update
from ..services.templates import journey_assign, work_item_from_template
from ._common import load_task, task_ticked, tick_task

NAV = "work"


# --- new item --------------------------------------------------------------------------------------


def _partner_param(request: StaffRequest) -> int | None:
    """The partner id named by ``?partner=`` or the posted partner field ("Name (#id)" or an id),
    to offer its people as assignees."""
    raw = (request.POST if request.method == "POST" else request.GET).get("partner", "")
    return partner_id_in(raw)


def _asked_partner(request: StaffRequest, partner: Partner | None) -> Partner | str:
    """The partner field's initial value: the partner named by ``?partner=``, else what was asked."""
    return partner if partner is not None and "partner" in request.GET else request.GET.get("partner", "")


def _new_page(
    request: StaffRequest,
    *,
    form: forms.Form | None = None,
    template_form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    """Both forms of the new-item page; the one that was posted comes back bound, with its errors."""
    pid = _partner_param(request)
    partner = Partner.objects.filter(pk=pid).first() if pid else None
    asked = _asked_partner(request, partner)
    if template_form is None:
        template_form = FromTemplateForm(
            initial={"template": request.GET.get("template", ""), "partner": asked}
        )
    if form is None:
        form = WorkItemForm(partner=pid, initial={"partner": asked})
    chosen = None
    slug = request.GET.get("template") or (
        request.POST.get("tpl-template") if template_form.is_bound else None
    )
    if slug:  # one of the templates the form offers
        chosen = WorkTemplate.objects.filter(active=True, slug=slug).first()
    return render(
        request,
        "work/item_new.html",
        {
            "form": form,
            "template_form": template_form,
            "chosen": chosen,
            "chosen_tasks": list(chosen.tasks.all()) if chosen else [],
            "partner": partner,
            "user": request.user,
            "nav": NAV,
            "subnav": "new",
        },
        status=status,
    )


def _create(request: StaffRequest, obj: None, d: dict[str, Any]) -> WorkItem:
    return work_item_create(
        project=d["project"],
        title=d["title"],
        description=d["description"],
        dri=d["dri"],
        by=request.user,
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


create_item = Action[StaffRequest](
    load=lambda request: None,
    form_class=WorkItemForm,
    form_kwargs=lambda request, obj: {"partner": _partner_param(request)},
    perform=_create,
    success=lambda obj, item: _("Work item created; %(dri)s is its DRI.") % {"dri": item.dri.get_full_name()},
    redirect_to=lambda request, obj, item: reverse("console:work_item", args=[item.pk]),
    on_invalid=lambda request, obj, form: _new_page(request, form=form, status=400),
)


def _create_from_template(request: StaffRequest, obj: None, d: dict[str, Any]) -> WorkItem:
    template, partner = d["template"], d["partner"]
    if template.kind != TemplateKind.JOURNEY:
        return work_item_from_template(
            template=template,
            by=request.user,
            dri=d["dri"],  # empty: the partner's CAM, else the person creating it
            partner=partner,
        )
    if partner is None:
        raise ValidationError({"partner": _("A journey is assigned to a partner: give its name or id.")})
    item = journey_assign(template=template, partner=partner, by=request.user)
    if d["dri"] is not None:
        item = work_item_update(item=item, by=request.user, data={"dri": d["dri"]})
    return item


create_from_template = Action[StaffRequest](
    load=lambda request: None,
    form_class=FromTemplateForm,
    perform=_create_from_template,
    success=lambda obj, item: (
        _("Work item created from the template “%(t)s” with %(n)d tasks.")
        % {"t": item.template.name, "n": item.tasks.count()}
    ),
    redirect_to=lambda request, obj, item: reverse("console:work_item", args=[item.pk]),
    on_invalid=lambda request, obj, form: _new_page(request, template_form=form, status=400),
)


@staff_required
def item_new(request: StaffRequest) -> HttpResponse:
    """The new-item page; its POST creates the item (``form=template``: from the chosen template)."""
    if request.method == "POST":
        action = create_from_template if request.POST.get("form") == "template" else create_item
        return action.view(request)
    return _new_page(request)


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


def _item(request: SignedInRequest, pk: int) -> WorkItem:
    return get_object_or_404(
        WorkItem.objects.visible_to(request.user)
        .select_related("project", "partner", "dri", "milestone", "epic", "team", "template", "created_by")
        .prefetch_related("labels", "assignees"),
        pk=pk,
    )


def _item_page(
    request: StaffRequest,
    item: WorkItem,
    *,
    edit_form: forms.Form | None = None,
    comment_form: forms.Form | None = None,
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


def _item_url(item_id: int, anchor: str = "") -> str:
    return reverse("console:work_item", args=[item_id]) + anchor


def _save(request: StaffRequest, item: WorkItem, data: dict[str, Any]) -> WorkItem:
    data = dict(data)
    if data["milestone"] is None:
        day = data["due_date"] or data["next_action_date"] or timezone.localdate()
        data["milestone"] = milestone_for(day)
    return work_item_update(item=item, by=request.user, data=data)


edit_item = Action[StaffRequest](
    load=_item,
    form_class=WorkItemEditForm,
    form_kwargs=lambda request, item: {"item": item},
    perform=_save,
    success=_l("Work item saved."),
    redirect_to=lambda request, item, result: _item_url(item.pk),
    on_invalid=lambda request, item, form: _item_page(request, item, edit_form=form, status=400),
)


@staff_required
def item_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The item's page; its POST saves the edit form."""
    if request.method == "POST":
        return edit_item.view(request, pk)
    return _item_page(request, _item(request, pk))


toggle_task = Action[StaffRequest](
    load=load_task,
    form_class=TaskToggleForm,
    perform=tick_task,
    success=task_ticked,
    redirect_to=lambda request, task, result: _item_url(task.item_id, f"#task-{task.pk}"),
)

add_comment = Action[StaffRequest](
    load=_item,
    form_class=CommentForm,
    perform=lambda request, item, data: comment_add(item=item, body=data["body"], by=request.user),
    success=_l("Comment added."),
    redirect_to=lambda request, item, result: _item_url(item.pk, "#comments-h"),
    on_invalid=lambda request, item, form: _item_page(request, item, comment_form=form, status=400),
)

task_toggle = staff_required(toggle_task.view)
comment = staff_required(add_comment.view)
