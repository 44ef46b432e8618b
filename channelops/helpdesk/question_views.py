"""Question pages (issue 16).

Portal (``/portal/help/questions/…``, partner people): ask a question (with FAQ suggestions while
typing: htmx on the FAQ's own search, a plain "Find answers" button without JavaScript), *My
questions*, a question's thread (partner-visible messages only, attachments, reply, mark
resolved). Console (``/console/questions/…``): the queue with filters, a question's page (thread
with internal notes, reply with saved replies, note, reassign, status, priority, merge, triage)
and the saved replies. Every read starts from ``visible_to(user)``; every write is a service.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, Max, Prefetch, Q
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.partners.pages import PartnerRequest, partner_required

from .faq_search import faq_suggest
from .faq_views import FROM_QUESTION
from .question_forms import (
    AssignForm,
    ConsoleQuestionForm,
    MacroForm,
    MacroPickForm,
    MergeForm,
    PriorityForm,
    QuestionForm,
    QuestionQueueFilter,
    ReplyForm,
    StaffReplyForm,
    StatusForm,
    TriageForm,
)
from .question_models import Macro, Question, QuestionAttachment, QuestionMessage
from .question_portal_services import question_partner_resolve
from .question_querysets import may_answer_questions
from .question_services import (
    macro_save,
    may_reply_as_partner,
    question_assign,
    question_merge,
    question_partner_reply,
    question_reply,
    question_set_partner,
    question_set_priority,
    question_set_status,
    question_submit,
)

HELP_NAV = "help"
NAV = "questions"
SUGGESTIONS = 5
NOT_HELP_DESK = gettext_lazy("Only the Partner Help Desk, channel leadership and administrators do this.")


def _last_reply_annotations(qs: Any, *, public: bool) -> Any:
    messages = Q(messages__kind__in=["partner", "staff"]) if public else Q()
    return qs.annotate(
        last_message_at=Max("messages__created_at", filter=messages),
        message_count=Count("messages", filter=messages),
    )


# --- portal --------------------------------------------------------------------------------------


def _portal_questions_url() -> str:
    return reverse("portal:questions")


def _when(value: Any) -> Any:
    return timezone.localtime(value) if value else None


def _partner_status(q: Question) -> str:
    """The status as the partner reads it: "waiting on partner" is waiting for *them*."""
    return str(_("Waiting for your reply")) if q.status == "waiting" else q.get_status_display()


@method_decorator(partner_required, name="dispatch")
class PortalQuestions(ListPage):
    """My questions: the partner's questions, newest activity first."""

    request: PartnerRequest
    title = gettext_lazy("My questions")
    nav = HELP_NAV
    default_sort = "-created_at"
    noun_plural = gettext_lazy("questions")
    empty_title = gettext_lazy("No questions yet.")
    empty_text = gettext_lazy(
        "Search the help articles first: most answers are there. If yours is not, ask the Partner Help Desk."
    )

    def get_queryset(self) -> Any:
        return _last_reply_annotations(
            Question.objects.visible_to(self.request.user).select_related("requester"), public=True
        )

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "number",
                gettext_lazy("Number"),
                link=lambda q: reverse("portal:question", args=[q.pk]),
                sort="number",
                css="text-nowrap",
            ),
            Column("subject", gettext_lazy("Subject"), sort="subject"),
            Column(
                "status", gettext_lazy("Status"), status="question", display=_partner_status, sort="status"
            ),
            Column(
                "requester",
                gettext_lazy("Asked by"),
                value=lambda q: (
                    (q.requester.full_name or q.requester.email) if q.requester else q.requester_email
                ),
            ),
            Column(
                "created_at", gettext_lazy("Asked"), value=lambda q: _when(q.created_at), sort="created_at"
            ),
            Column(
                "last_message_at",
                gettext_lazy("Last reply"),
                value=lambda q: _when(q.last_message_at),
                sort="last_message_at",
            ),
        ]

    def get_actions(self) -> list[dict[str, Any]]:
        return [
            {
                "label": _("Ask a question"),
                "url": reverse("portal:question_new"),
                "icon": "plus",
                "primary": True,
            }
        ]

    def get_empty_action(self) -> tuple[str, Any] | None:
        return reverse("portal:question_new"), _("Ask a question")

    def get_breadcrumbs(self) -> list[dict[str, Any]] | None:
        return [{"label": _("Help"), "url": reverse("portal:help")}, {"label": _("My questions")}]


portal_questions = PortalQuestions.as_view()


def _suggestions(request: HttpRequest, text: str) -> list[Any]:
    hits = faq_suggest(request.user, text, limit=SUGGESTIONS)
    for hit in hits:
        hit.article.url = reverse("portal:help_article", args=[hit.article.slug]) + "?from=" + FROM_QUESTION  # type: ignore[attr-defined]
    return hits


def _ask_page(
    request: PartnerRequest,
    form: forms.Form | None = None,
    status: int = 200,
    suggestions: list[Any] | None = None,
) -> HttpResponse:
    form = form or QuestionForm()
    return render(
        request,
        "helpdesk/question_new.html",
        {
            "form": form,
            "suggestions": suggestions,
            "suggest_url": reverse("portal:help"),
            "nav": HELP_NAV,
            "breadcrumbs": [
                {"label": _("Help"), "url": reverse("portal:help")},
                {"label": _("My questions"), "url": _portal_questions_url()},
                {"label": _("Ask a question")},
            ],
        },
        status=status,
    )


def _with_files(request: HttpRequest, obj: Any) -> dict[str, Any]:
    return {"files": request.FILES}


ask = Action[PartnerRequest](
    load=lambda request: request.partner,
    form_class=QuestionForm,
    form_kwargs=_with_files,
    perform=lambda request, partner, data: question_submit(
        by=request.user,
        partner=partner,
        category=data["category"],
        subject=data["subject"],
        body=data["body"],
        attachments=data["attachments"],
    ),
    success=lambda partner, q: (
        _("Question %(n)s is sent. The Partner Help Desk answers by e-mail and here.") % {"n": q.number}
    ),
    redirect_to=lambda request, partner, q: reverse("portal:question", args=[q.pk]),
    on_invalid=lambda request, partner, form: _ask_page(request, form, status=400),
)


@partner_required
def portal_question_new(request: PartnerRequest) -> HttpResponse:
    """``/portal/help/questions/ask/``: the form. "Find answers" (without JavaScript) shows the
    suggestions for what was typed and keeps the draft; "Send" asks."""
    if request.method == "POST" and "suggest" in request.POST:
        text = request.POST.get("subject", "").strip() or request.POST.get("body", "")[:100]
        draft = QuestionForm(initial={k: request.POST.get(k, "") for k in ("category", "subject", "body")})
        return _ask_page(request, draft, suggestions=_suggestions(request, text))
    if request.method == "POST":
        return ask.view(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    return _ask_page(request)


def _portal_question(request: PartnerRequest, pk: int) -> Question:
    return get_object_or_404(
        Question.objects.visible_to(request.user).select_related("partner", "requester"), pk=pk
    )


def _thread(question: Question, *, internal: bool) -> list[QuestionMessage]:
    qs = QuestionMessage.objects.filter(question=question)
    if not internal:
        qs = qs.public()
    return list(
        qs.select_related("author").prefetch_related(
            Prefetch("attachments", queryset=QuestionAttachment.objects.order_by("pk"))
        )
    )


def _portal_question_page(
    request: PartnerRequest, question: Question, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    may_reply = (
        may_reply_as_partner(request.user, question)
        and question.status != "closed"
        and not question.merged_into_id
    )
    return render(
        request,
        "helpdesk/question_portal.html",
        {
            "question": question,
            "status_label": _partner_status(question),
            "thread": _thread(question, internal=False),
            "form": (form or ReplyForm()) if may_reply else None,
            "may_resolve": may_reply and question.status not in ("resolved", "closed"),
            "nav": HELP_NAV,
            "breadcrumbs": [
                {"label": _("Help"), "url": reverse("portal:help")},
                {"label": _("My questions"), "url": _portal_questions_url()},
                {"label": question.number},
            ],
        },
        status=status,
    )


portal_reply = Action[PartnerRequest](
    load=_portal_question,
    form_class=ReplyForm,
    form_kwargs=_with_files,
    perform=lambda request, q, data: question_partner_reply(
        question=q, by=request.user, body=data["body"], attachments=data["attachments"]
    ),
    success=gettext_lazy("Reply sent. The Partner Help Desk is told."),
    redirect_to=lambda request, q, result: reverse("portal:question", args=[q.pk]) + "#reply",
    on_invalid=lambda request, q, form: _portal_question_page(request, q, form, status=400),
)
portal_question = partner_required(
    page_or_action(
        lambda request, pk: _portal_question_page(request, _portal_question(request, pk)), portal_reply
    )
)
resolve = Action[PartnerRequest](
    load=_portal_question,
    perform=lambda request, q, data: question_partner_resolve(question=q, by=request.user),
    success=gettext_lazy("Marked resolved. Reply if you need more help: the question opens again."),
    redirect_to=lambda request, q, result: reverse("portal:question", args=[q.pk]),
)
portal_question_resolve = partner_required(resolve.view)


def _attachment(request: HttpRequest, pk: int, att: int) -> FileResponse:
    visible = QuestionAttachment.objects.visible_to(request.user).select_related("message")
    attachment = get_object_or_404(visible, pk=att, message__question_id=pk)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


portal_attachment = partner_required(require_safe(_attachment))
console_attachment = staff_required(require_safe(_attachment))


# --- console -------------------------------------------------------------------------------------


def _overdue_cell(q: Question) -> Any:
    if q.is_overdue():
        return format_html('<span class="badge bg-red-lt">{}</span>', _("overdue"))
    due = q.first_response_due if q.first_response_at is None else q.resolution_due
    if due is None or not q.is_active:
        return "—"
    local = timezone.localtime(due)
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), date_format(local, "SHORT_DATETIME_FORMAT")
    )


@method_decorator(staff_required, name="dispatch")
class ConsoleQuestions(ListPage):
    """The help desk's queue: by default every active question the person may see."""

    request: StaffRequest
    title = gettext_lazy("Questions")
    nav = NAV
    intro = gettext_lazy(
        "Partners' questions from the portal, the API and e-mail, routed to the PHD specialist of the partner's "
        "region. Triage holds the questions of unknown senders."
    )
    filterset_class = QuestionQueueFilter
    default_sort = "created_at"
    noun_plural = gettext_lazy("questions")
    empty_title = gettext_lazy("No questions here.")
    empty_text = gettext_lazy(
        "Nothing waits for an answer with these filters. Choose “All, also resolved and closed” to see older ones."
    )
    export_name = "questions"

    def get_queryset(self) -> Any:
        return _last_reply_annotations(
            Question.objects.visible_to(self.request.user).for_list(), public=False
        )

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "number",
                gettext_lazy("Number"),
                link=lambda q: reverse("console:question", args=[q.pk]),
                sort="number",
                css="text-nowrap",
            ),
            Column("subject", gettext_lazy("Subject"), sort="subject"),
            Column(
                "partner",
                gettext_lazy("Partner"),
                value=lambda q: q.partner.legal_name if q.partner else _("Triage"),
                sort="partner__legal_name",
            ),
            Column("region", gettext_lazy("Region"), value=lambda q: q.region.code if q.region else "—"),
            Column("status", gettext_lazy("Status"), status="question", sort="status"),
            Column(
                "priority",
                gettext_lazy("Priority"),
                value=lambda q: q.get_priority_display(),
                sort="priority",
            ),
            Column(
                "assignee",
                gettext_lazy("Assignee"),
                value=lambda q: (
                    (q.assignee.full_name or q.assignee.email) if q.assignee else _("Shared queue")
                ),
            ),
            Column(
                "created_at", gettext_lazy("Asked"), value=lambda q: _when(q.created_at), sort="created_at"
            ),
            Column(
                "last_message_at",
                gettext_lazy("Last message"),
                value=lambda q: _when(q.last_message_at),
                sort="last_message_at",
            ),
            Column("due", gettext_lazy("Due"), html=_overdue_cell, export_value=lambda q: q.is_overdue()),
        ]

    def get_actions(self) -> list[dict[str, Any]]:
        if not may_answer_questions(self.request.user):
            return []
        return [{"label": _("Saved replies"), "url": reverse("console:question_macros"), "icon": "message"}]


console_questions = ConsoleQuestions.as_view()


def _console_question(request: HttpRequest, pk: int) -> Question:
    return get_object_or_404(
        Question.objects.visible_to(request.user).select_related(
            "partner", "region", "assignee", "requester", "merged_into"
        ),
        pk=pk,
    )


def _answerer(request: HttpRequest, obj: Any) -> bool:
    return may_answer_questions(request.user)


def _console_question_page(
    request: HttpRequest, question: Question, *, status: int = 200, **forms_in: forms.Form
) -> HttpResponse:
    answerer = may_answer_questions(request.user)
    macros = Macro.objects.visible_to(request.user).active()
    picked = None
    if answerer and request.GET.get("macro"):
        pick = MacroPickForm(request.GET, macros=macros)
        if pick.is_valid():
            picked = pick.cleaned_data["macro"]
    else:
        pick = MacroPickForm(macros=macros)
    context: dict[str, Any] = {
        "question": question,
        "thread": _thread(question, internal=True),
        "answerer": answerer,
        "side_form": (forms_in.get("side_form") or ReplyForm())
        if not answerer and may_reply_as_partner(request.user, question) and question.status != "closed"
        else None,
        "nav": NAV,
        "breadcrumbs": [
            {"label": _("Questions"), "url": reverse("console:questions")},
            {"label": question.number},
        ],
    }
    if answerer:
        context |= {
            "reply_form": forms_in.get("reply_form")
            or StaffReplyForm(initial={"body": picked.body if picked else ""}),
            "macro_form": pick,
            "has_macros": macros.exists(),
            "assign_form": forms_in.get("assign_form")
            or AssignForm(initial={"assignee": question.assignee_id}),
            "status_form": forms_in.get("status_form") or StatusForm(initial={"status": question.status}),
            "priority_form": forms_in.get("priority_form")
            or PriorityForm(initial={"priority": question.priority}),
            "merge_form": forms_in.get("merge_form") or MergeForm(),
            "triage_form": (forms_in.get("triage_form") or TriageForm()) if question.is_triage else None,
        }
    return render(request, "helpdesk/question_console.html", context, status=status)


def _to_question(request: HttpRequest, q: Question, result: Any) -> str:
    return reverse("console:question", args=[q.pk])


def _console_action(
    form_class: type[forms.Form], name: str, perform: Any, success: Any, **extra: Any
) -> Action[StaffRequest]:
    return Action[StaffRequest](
        load=_console_question,
        allowed=_answerer,
        not_allowed=NOT_HELP_DESK,
        form_class=form_class,
        perform=perform,
        success=success,
        redirect_to=extra.pop("redirect_to", _to_question),
        on_invalid=lambda request, q, form: _console_question_page(request, q, status=400, **{name: form}),
        **extra,
    )


def _reply_success(q: Question, message: QuestionMessage) -> str:
    if message.is_internal:
        return _("Internal note added: partners never see it.")
    return _("Reply sent to %(who)s by e-mail; it shows in the portal too.") % {
        "who": q.requester_email or _("the requester")
    }


console_reply = _console_action(
    StaffReplyForm,
    "reply_form",
    lambda request, q, data: question_reply(
        question=q,
        by=request.user,
        body=data["body"],
        attachments=data["attachments"],
        internal="note" in request.POST,
    ),
    _reply_success,
    redirect_to=lambda request, q, result: reverse("console:question", args=[q.pk]) + "#thread",
    form_kwargs=_with_files,
)
console_assign = _console_action(
    AssignForm,
    "assign_form",
    lambda request, q, data: question_assign(question=q, to=data["assignee"], by=request.user),
    lambda q, result: (
        _("Assigned to %(who)s.") % {"who": result.assignee.full_name or result.assignee.email}
        if result.assignee
        else _("Back in the region's shared queue.")
    ),
)
console_status = _console_action(
    StatusForm,
    "status_form",
    lambda request, q, data: question_set_status(question=q, status=data["status"], by=request.user),
    lambda q, result: _("Status: %(s)s.") % {"s": result.get_status_display()},
)
console_priority = _console_action(
    PriorityForm,
    "priority_form",
    lambda request, q, data: question_set_priority(question=q, priority=data["priority"], by=request.user),
    lambda q, result: _("Priority: %(p)s; the targets follow it.") % {"p": result.get_priority_display()},
)
console_merge = _console_action(
    MergeForm,
    "merge_form",
    lambda request, q, data: question_merge(source=q, into=data["into"], by=request.user),
    lambda q, result: _("%(src)s is merged into %(dst)s.") % {"src": q.number, "dst": result.number},
    redirect_to=lambda request, q, result: reverse("console:question", args=[result.pk]),
    form_kwargs=lambda request, q: {"question": q, "visible": Question.objects.visible_to(request.user)},
)
console_triage = _console_action(
    TriageForm,
    "triage_form",
    lambda request, q, data: question_set_partner(question=q, partner=data["partner"], by=request.user),
    lambda q, result: _("Sorted to %(p)s and routed to its region.") % {"p": result.partner.legal_name},
)

console_question = staff_required(
    page_or_action(
        lambda request, pk: _console_question_page(request, _console_question(request, pk)), console_reply
    )
)
console_question_assign = staff_required(console_assign.view)
console_question_status = staff_required(console_status.view)
console_question_priority = staff_required(console_priority.view)
console_question_merge = staff_required(console_merge.view)
console_question_triage = staff_required(console_triage.view)


# --- asking from the console (a partner's CAM, or the help desk on a partner's behalf) -------------


def _askable_partners(user: Any) -> Any:
    from channelops.partners.models import Partner

    if may_answer_questions(user):
        return Partner.objects.all()
    return Partner.objects.filter(cam=user)


def _console_ask_page(
    request: HttpRequest, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    partners = _askable_partners(request.user)
    return render(
        request,
        "helpdesk/question_console_new.html",
        {
            "form": form or ConsoleQuestionForm(partners=partners),
            "may_ask": partners.exists(),
            "nav": NAV,
            "breadcrumbs": [
                {"label": _("Questions"), "url": reverse("console:questions")},
                {"label": _("Ask for a partner")},
            ],
        },
        status=status,
    )


console_ask = Action[StaffRequest](
    load=lambda request: None,
    form_class=ConsoleQuestionForm,
    form_kwargs=lambda request, obj: {"files": request.FILES, "partners": _askable_partners(request.user)},
    perform=lambda request, obj, data: question_submit(
        by=request.user,
        partner=data["partner"],
        category=data["category"],
        subject=data["subject"],
        body=data["body"],
        attachments=data["attachments"],
        via="console",
    ),
    success=lambda obj, q: (
        _("Question %(n)s is asked for %(p)s and routed to its region.")
        % {"n": q.number, "p": q.partner.legal_name}
    ),
    redirect_to=lambda request, obj, q: reverse("console:question", args=[q.pk]),
    on_invalid=lambda request, obj, form: _console_ask_page(request, form, status=400),
)
console_question_new = staff_required(page_or_action(lambda request: _console_ask_page(request), console_ask))


def _partner_side_reply_page(request: HttpRequest, q: Question, form: forms.Form) -> HttpResponse:
    return _console_question_page(request, q, status=400, side_form=form)


console_side_reply = Action[StaffRequest](
    load=_console_question,
    allowed=lambda request, q: (
        may_reply_as_partner(request.user, q) and not may_answer_questions(request.user)
    ),
    not_allowed=gettext_lazy("Only the partner's side (its people and its CAM) replies here."),
    form_class=ReplyForm,
    form_kwargs=_with_files,
    perform=lambda request, q, data: question_partner_reply(
        question=q, by=request.user, body=data["body"], attachments=data["attachments"], via="console"
    ),
    success=gettext_lazy("Reply added on the partner's side; the help desk is told."),
    redirect_to=lambda request, q, result: reverse("console:question", args=[q.pk]) + "#thread",
    on_invalid=_partner_side_reply_page,
)
console_question_side_reply = staff_required(console_side_reply.view)


# --- saved replies -------------------------------------------------------------------------------


def _macros_page(
    request: HttpRequest, *, form: forms.Form | None = None, edit: Macro | None = None, status: int = 200
) -> HttpResponse:
    if not may_answer_questions(request.user):
        from channelops.core.exceptions import NotAllowed

        raise NotAllowed(NOT_HELP_DESK)
    macros = list(Macro.objects.visible_to(request.user).select_related("created_by"))
    return render(
        request,
        "helpdesk/question_macros.html",
        {
            "macros": macros,
            "form": form or MacroForm(),
            "edit": edit,
            "nav": NAV,
            "breadcrumbs": [
                {"label": _("Questions"), "url": reverse("console:questions")},
                {"label": _("Saved replies")},
            ],
        },
        status=status,
    )


def _macro(request: HttpRequest, pk: int) -> Macro:
    return get_object_or_404(Macro.objects.visible_to(request.user), pk=pk)


macro_create = Action[StaffRequest](
    load=lambda request: None,
    allowed=_answerer,
    not_allowed=NOT_HELP_DESK,
    form_class=MacroForm,
    perform=lambda request, obj, data: macro_save(
        by=request.user, title=data["title"], body=data["body"], active=data["active"]
    ),
    success=gettext_lazy("Saved reply added."),
    redirect_to=lambda request, obj, result: reverse("console:question_macros"),
    on_invalid=lambda request, obj, form: _macros_page(request, form=form, status=400),
)
macro_change = Action[StaffRequest](
    load=_macro,
    allowed=_answerer,
    not_allowed=NOT_HELP_DESK,
    form_class=MacroForm,
    perform=lambda request, obj, data: macro_save(
        by=request.user, title=data["title"], body=data["body"], active=data["active"], macro=obj
    ),
    success=gettext_lazy("Saved reply changed."),
    redirect_to=lambda request, obj, result: reverse("console:question_macros"),
    on_invalid=lambda request, obj, form: _macros_page(request, form=form, edit=obj, status=400),
)
console_macros = staff_required(page_or_action(lambda request: _macros_page(request), macro_create))


def _macro_page(request: HttpRequest, pk: int) -> HttpResponse:
    macro = _macro(request, pk)
    return _macros_page(
        request,
        edit=macro,
        form=MacroForm(initial={"title": macro.title, "body": macro.body, "active": macro.active}),
    )


console_macro = staff_required(page_or_action(_macro_page, macro_change))
