"""NFR request pages: the partner's requests in the portal, the queue ("spreadsheet") and review in the console."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.forms import add_service_errors
from channelops.core.listing import Column, ListPage, render_filter_form
from channelops.core.pages import staff_required
from channelops.partners.pages import PartnerRequest, partner_required

from .delivery import delivery_status
from .eligibility import approvable, evaluate
from .filters import NfrQueueFilter
from .forms import (
    SORTS,
    AnswerForm,
    AskForm,
    ConsoleNfrRequestForm,
    MessageTemplateForm,
    NfrRequestForm,
    RejectForm,
)
from .messages import PLACEHOLDERS, message_template_reset, message_template_update, render_message
from .models import License, MessageTemplate, NfrRequest, RequestEvent, RequestStatus
from .services import (
    ADD_PERM,
    VIEW_PERM,
    DuplicateRequestError,
    may_download,
    may_issue,
    may_review,
    nfr_request_answer,
    nfr_request_approve,
    nfr_request_ask,
    nfr_request_reject,
    nfr_request_submit,
)

FORM_FIELDS = ("contact_name", "contact_email", "plan", "seats", "term_months", "purpose", "is_renewal")


def _submit(form: NfrRequestForm, *, partner: Any, by: Any, request: HttpRequest) -> tuple[Any, Any]:
    """Call the service with the form's data: (the new request or None, the duplicate or None)."""
    try:
        return nfr_request_submit(
            partner=partner, by=by, **{f: form.cleaned_data[f] for f in FORM_FIELDS}
        ), None
    except DuplicateRequestError as exc:
        add_service_errors(form, exc)
        existing = NfrRequest.objects.visible_to(request.user).filter(pk=exc.existing.pk).first()
        return None, existing
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, None


# The timeline's words and icons per event kind (unknown kinds show their name).
EVENT_KINDS: dict[str, tuple[Any, str, str]] = {
    "submitted": (gettext_lazy("Submitted"), "send", "blue"),
    "question": (gettext_lazy("Question"), "help", "orange"),
    "answer": (gettext_lazy("Answer"), "mail", "blue"),
    "rejected": (gettext_lazy("Rejected"), "x", "red"),
    "approved": (gettext_lazy("Approved"), "circle-check", "green"),
    "license_issued": (gettext_lazy("License signed"), "key", "green"),
    "license_emailed": (gettext_lazy("License e-mailed"), "mail", "green"),
    "crm_logged": (gettext_lazy("Logged in the CRM"), "database", "secondary"),
    "encouragement_sent": (gettext_lazy("Encouragement to certify sent"), "school", "secondary"),
    "requester_informed": (gettext_lazy("Requester informed"), "bell", "secondary"),
    "license_revoked": (gettext_lazy("License revoked"), "x", "red"),
    "reminder_sent": (gettext_lazy("Expiry reminder sent"), "clock", "orange"),
}


def _timeline(req: NfrRequest) -> list[RequestEvent]:
    """The request's events, oldest first, each with ``kind_label``, ``kind_icon`` and ``kind_color``."""
    events = list(RequestEvent.objects.filter(request=req).select_related("by").order_by("at", "pk"))
    for e in events:
        label, icon, color = EVENT_KINDS.get(e.kind, (e.kind, "info-circle", "secondary"))
        e.kind_label, e.kind_icon, e.kind_color = label, icon, color  # type: ignore[attr-defined]
    return events


def _license_of(req: NfrRequest) -> License | None:
    if req.status != RequestStatus.APPROVED:
        return None
    return License.objects.filter(request_id=req.pk).defer("file_text").first()


# === portal ======================================================================================


def _may_submit(request: HttpRequest) -> bool:
    return bool(request.membership.may_submit)  # type: ignore[attr-defined]


@method_decorator(partner_required, name="dispatch")
class PortalNfrRequests(ListPage):
    """The partner's NFR license requests, newest first."""

    title = gettext_lazy("NFR licenses")
    nav = "nfr"
    default_sort = "-created_at"
    empty_title = gettext_lazy("No NFR license requests yet.")
    noun_plural = gettext_lazy("requests")
    columns = [
        Column(
            "reference",
            gettext_lazy("Request"),
            link=lambda r: reverse("portal:nfr_request", args=[r.pk]),
            css="text-nowrap",
        ),
        Column(
            "submitted",
            gettext_lazy("Submitted"),
            value=lambda r: timezone.localtime(r.created_at).date(),
            sort="created_at",
        ),
        Column(
            "contact",
            gettext_lazy("License contact"),
            value=lambda r: f"{r.contact_name} <{r.contact_email}>",
        ),
        Column("plan", gettext_lazy("Plan"), value=lambda r: r.get_plan_display()),
        Column("seats", gettext_lazy("Seats"), numeric=True, sort="seats"),
        Column("status", gettext_lazy("Status"), status="nfr", sort="status"),
    ]

    def get_queryset(self) -> QuerySet:
        return NfrRequest.objects.visible_to(self.request.user)

    def ordering(self) -> list[str]:
        fields = super().ordering()
        return ["-created_at", "-pk"] if fields == ["-created_at", "pk"] else fields

    def get_actions(self) -> list[dict[str, Any]]:
        if not _may_submit(self.request):
            return []
        return [
            {"label": _("Request NFR licenses"), "url": reverse("portal:nfr_request_new"), "primary": True}
        ]

    def get_empty_action(self) -> tuple[str, str] | None:
        if not _may_submit(self.request):
            return None
        return reverse("portal:nfr_request_new"), _("Make your first request")

    def get_extra_context(self) -> dict[str, Any]:
        name = self.request.partner.legal_name  # type: ignore[attr-defined]
        intro = _("Not-for-resale licenses let %(name)s demo, train and test the product.") % {"name": name}
        if not _may_submit(self.request):
            intro += " " + _("Ask your company's partner admin to allow you to submit requests.")
        return {
            "intro": intro,
            "empty_text": _(
                "Request licenses for demos, training or a proof of concept; the partner help desk reviews each request."
            )
            if _may_submit(self.request)
            else _("Ask your company's partner admin to allow you to submit requests."),
        }


portal_nfr_requests = PortalNfrRequests.as_view()


@partner_required
def portal_nfr_request_new(request: HttpRequest) -> HttpResponse:
    if not _may_submit(request):
        raise Http404(_("Ask your company's partner admin to allow you to submit requests."))
    partner = request.partner  # type: ignore[attr-defined]
    form = NfrRequestForm(request.POST or None)
    duplicate = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            req, duplicate = _submit(form, partner=partner, by=request.user, request=request)
            if req is not None:
                messages.success(
                    request,
                    _("Your request %(ref)s was sent to the partner help desk.") % {"ref": req.reference},
                )
                return redirect("portal:nfr_request", req.pk)
    return render(
        request,
        "licensing/portal_request_new.html",
        {
            "partner": partner,
            "form": form,
            "duplicate": duplicate,
            "nav": "nfr",
            "breadcrumbs": [
                {"label": _("NFR licenses"), "url": reverse("portal:nfr_requests")},
                {"label": _("New request")},
            ],
        },
        status=status,
    )


def _portal_request(request: HttpRequest, pk: int) -> NfrRequest:
    return get_object_or_404(NfrRequest.objects.visible_to(request.user).select_related("partner"), pk=pk)


def _can_answer(request: HttpRequest, req: NfrRequest) -> bool:
    return req.status == RequestStatus.NEEDS_INFO and _may_submit(request)


def _portal_request_page(
    request: HttpRequest, req: NfrRequest, *, form: AnswerForm | None = None, status: int = 200
) -> HttpResponse:
    lic = _license_of(req)
    return render(
        request,
        "licensing/portal_request.html",
        {
            "partner": request.partner,  # type: ignore[attr-defined]
            "req": req,
            "lic": lic,
            "may_download": lic is not None and may_download(request.user, lic),
            "events": _timeline(req),
            "form": form or (AnswerForm() if _can_answer(request, req) else None),
            "nav": "nfr",
            "breadcrumbs": [
                {"label": _("NFR licenses"), "url": reverse("portal:nfr_requests")},
                {"label": req.reference},
            ],
        },
        status=status,
    )


def _portal_answerable(request: HttpRequest, pk: int) -> NfrRequest:
    """The request, when the partner person may answer its question now (404 otherwise, as before)."""
    req = _portal_request(request, pk)
    if not _can_answer(request, req):
        raise Http404
    return req


answer_action = Action[PartnerRequest](
    load=_portal_answerable,
    form_class=AnswerForm,
    perform=lambda request, req, d: nfr_request_answer(request=req, by=request.user, answer=d["answer"]),
    success=gettext_lazy("Thank you: your answer was sent to the partner help desk."),
    redirect_to=lambda request, req, result: reverse("portal:nfr_request", args=[req.pk]),
    on_invalid=lambda request, req, form: _portal_request_page(request, req, form=form, status=400),  # type: ignore[arg-type]
)


@partner_required
def portal_nfr_request(request: PartnerRequest, pk: int) -> HttpResponse:
    """The request, its license and timeline; a POST answers the help desk's question."""
    if request.method == "POST":
        return answer_action.view(request, pk)
    return _portal_request_page(request, _portal_request(request, pk))


# === console: the queue ("spreadsheet") ===========================================================


def _yes(value: bool) -> str:
    return _("yes") if value else ""


COLUMNS: list[Column] = [
    Column(
        "reference", gettext_lazy("Reference"), link=lambda r: reverse("console:nfr_request", args=[r.pk])
    ),
    Column("submitted", gettext_lazy("Submitted"), value=lambda r: r.created_at, sort="submitted"),
    Column("partner", gettext_lazy("Partner"), value=lambda r: r.partner.legal_name, sort="partner"),
    Column("region", gettext_lazy("Region"), value=lambda r: r.partner.region.code),
    Column("tier", gettext_lazy("Tier"), value=lambda r: r.partner.tier.name),
    Column("contact_name", gettext_lazy("License contact")),
    Column("contact_email", gettext_lazy("Contact e-mail")),
    Column("plan", gettext_lazy("Plan"), value=lambda r: r.get_plan_display()),
    Column("seats", gettext_lazy("Seats"), sort="seats", numeric=True),
    Column("term_months", gettext_lazy("Term (months)"), numeric=True),
    Column("renewal", gettext_lazy("Renewal"), value=lambda r: _yes(r.is_renewal)),
    Column(
        "status",
        gettext_lazy("Status"),
        status="nfr",
        sort="status",
        export_value=lambda r: r.get_status_display(),
    ),
    Column(
        "requested_by",
        gettext_lazy("Requested by"),
        value=lambda r: r.requested_by.email if r.requested_by else "",
    ),
    Column(
        "purpose",
        gettext_lazy("Purpose"),
        value=lambda r: Truncator(r.purpose).chars(120),
        export_value=lambda r: r.purpose,
    ),
    Column("updated", gettext_lazy("Updated"), value=lambda r: r.updated_at),
]
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}
DEFAULT_COLUMNS: tuple[str, ...] = ("reference", "status", "submitted", "partner", "region", "tier")
DEFAULT_COLUMNS += ("contact_name", "contact_email", "plan", "seats", "term_months")


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERM):
        raise PermissionDenied(_("Your role does not allow seeing NFR requests."))


@method_decorator(staff_required, name="dispatch")
class ConsoleNfrQueue(ListPage):
    """The queue ("spreadsheet"): filters, sorting by column, a column chooser (``?cols=a,b`` or the
    chooser's ``?col=a&col=b``, kept while filtering and sorting), CSV/XLSX of the chosen columns."""

    template_name = "licensing/console_queue.html"
    title = gettext_lazy("NFR requests")
    nav = "nfr"
    filterset_class = NfrQueueFilter
    export_name = "nfr-requests"
    empty_title = gettext_lazy("No NFR requests yet.")
    empty_text = gettext_lazy("Partners request NFR licenses in the portal; new requests appear here.")
    noun_plural = gettext_lazy("requests")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "fmt" in kwargs:  # the export's own URL, /console/nfr/export.csv?…
            return self.export(kwargs["fmt"])
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        return NfrRequest.objects.visible_to(self.request.user).select_related(
            "partner__region", "partner__tier", "requested_by"
        )

    def get_columns(self) -> list[Column]:
        keys = self.request.GET.getlist("col") or self.request.GET.get("cols", "").split(",")
        chosen = [COLUMNS_BY_KEY[k] for k in dict.fromkeys(keys) if k in COLUMNS_BY_KEY]
        return chosen or [COLUMNS_BY_KEY[k] for k in DEFAULT_COLUMNS]

    def ordering(self) -> list[str]:
        return list(SORTS.get(self.request.GET.get("sort", ""), SORTS["-submitted"]))

    def filtered(self) -> tuple[Any, Any]:
        self._filterset, qs = super().filtered()
        return self._filterset, qs

    def get_actions(self) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = []
        if self.request.user.has_perm("licensing.view_messagetemplate"):
            actions.append({"label": _("E-mail templates"), "url": reverse("console:nfr_message_templates")})
        if self.request.user.has_perm(ADD_PERM):
            actions.append(
                {
                    "label": _("Request NFR licenses for a partner"),
                    "url": reverse("console:nfr_request_new"),
                    "primary": True,
                }
            )
        return actions

    def get_extra_context(self) -> dict[str, Any]:
        columns = self.get_columns()
        cols = ",".join(c.key for c in columns)
        chosen = {c.key for c in columns}
        # The filter form keeps the chosen columns; the chooser keeps the filters and the sort.
        keep = [(k, v) for k, v in self.request.GET.items() if k not in ("cols", "col", "page", "export")]
        return {
            "filter_form": format_html(
                '{}<input type="hidden" name="cols" value="{}">',
                render_filter_form(self._filterset.form),
                cols,
            ),
            "all_columns": [(c, c.key in chosen) for c in COLUMNS],
            "keep": keep,
        }


console_nfr_requests = ConsoleNfrQueue.as_view()
console_nfr_requests_export = ConsoleNfrQueue.as_view()


# === console: request on a partner's behalf, review =================================================


@staff_required
def console_nfr_request_new(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(ADD_PERM):
        raise PermissionDenied(_("Your role does not allow requesting NFR licenses."))
    initial = {}
    if str(request.GET.get("partner", "")).isdigit():
        initial["partner"] = int(request.GET["partner"])
    form = ConsoleNfrRequestForm(request.POST or None, initial=initial)
    duplicate = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            req, duplicate = _submit(
                form, partner=form.cleaned_data["partner"], by=request.user, request=request
            )
            if req is not None:
                messages.success(request, _("Request %(ref)s is in the queue.") % {"ref": req.reference})
                return redirect("console:nfr_request", req.pk)
    return render(
        request,
        "licensing/console_request_new.html",
        {
            "form": form,
            "duplicate": duplicate,
            "nav": "nfr",
            "breadcrumbs": [
                {"label": _("NFR requests"), "url": reverse("console:nfr_requests")},
                {"label": _("New request")},
            ],
        },
        status=status,
    )


def _related_requests(request: HttpRequest, req: NfrRequest) -> list[NfrRequest]:
    """For spotting duplicates: the partner's other requests, and any for the same license contact."""
    return list(
        NfrRequest.objects.visible_to(request.user)
        .filter(Q(partner_id=req.partner_id) | Q(contact_email__iexact=req.contact_email))
        .exclude(pk=req.pk)
        .select_related("partner")
        .order_by("-created_at", "-pk")[:6]
    )


def _review_page(
    request: HttpRequest,
    req: NfrRequest,
    *,
    reject_form: RejectForm | None = None,
    ask_form: AskForm | None = None,
    status: int = 200,
) -> HttpResponse:
    criteria = evaluate(req) if req.status != RequestStatus.APPROVED else []
    can_review = req.is_open and may_review(request.user)
    lic = _license_of(req)
    related = _related_requests(request, req)
    return render(
        request,
        "licensing/console_request.html",
        {
            "req": req,
            "lic": lic,
            "deliveries": delivery_status(lic),
            "events": _timeline(req),
            "criteria": criteria,
            "approvable": approvable(criteria),
            "can_review": can_review,
            "can_approve": can_review and req.status == RequestStatus.SUBMITTED and may_issue(request.user),
            "reject_form": reject_form or (RejectForm() if can_review else None),
            "ask_form": ask_form
            or (AskForm() if can_review and req.status == RequestStatus.SUBMITTED else None),
            "related": related,
            "nav": "nfr",
            "breadcrumbs": [
                {"label": _("NFR requests"), "url": reverse("console:nfr_requests")},
                {"label": req.reference},
            ],
        },
        status=status,
    )


def _console_request(request: HttpRequest, pk: int) -> NfrRequest:
    _require_view(request)
    return get_object_or_404(
        NfrRequest.objects.visible_to(request.user).select_related(
            "partner__region__routing__phd_specialist",
            "partner__tier",
            "partner__cam",
            "requested_by",
            "decided_by",
        ),
        pk=pk,
    )


@staff_required
def console_nfr_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _console_request(request, pk))


def _may_review(request: HttpRequest, req: NfrRequest) -> bool:
    return may_review(request.user)


def _back_to_request(request: HttpRequest, req: NfrRequest, result: Any) -> str:
    return reverse("console:nfr_request", args=[req.pk])


reject_action = Action[StaffRequest](
    load=_console_request,
    allowed=_may_review,
    not_allowed=gettext_lazy("Your role does not allow reviewing NFR requests."),
    form_class=RejectForm,
    perform=lambda request, req, d: nfr_request_reject(request=req, by=request.user, reason=d["reason"]),
    success=lambda req, result: _("%(ref)s rejected; the requester is told why.") % {"ref": req.reference},
    redirect_to=_back_to_request,
    on_invalid=lambda request, req, form: _review_page(request, req, status=400, reject_form=form),  # type: ignore[arg-type]
)

ask_action = Action[StaffRequest](
    load=_console_request,
    allowed=_may_review,
    not_allowed=gettext_lazy("Your role does not allow reviewing NFR requests."),
    form_class=AskForm,
    perform=lambda request, req, d: nfr_request_ask(request=req, by=request.user, question=d["question"]),
    success=lambda req, result: (
        _("Question sent; %(ref)s waits for the partner's answer.") % {"ref": req.reference}
    ),
    redirect_to=_back_to_request,
    on_invalid=lambda request, req, form: _review_page(request, req, status=400, ask_form=form),  # type: ignore[arg-type]
)


def _approve_refused(request: HttpRequest, req: NfrRequest, form: Any) -> HttpResponse:
    """The service refused (e.g. a blocking criterion failed): say why on the page, as it is now."""
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return _review_page(request, _console_request(request, req.pk), status=400)


# The service checks the issuing privilege (NotAllowed: 403) and the criteria (ValidationError).
approve_action = Action[StaffRequest](
    load=_console_request,
    perform=lambda request, req, d: nfr_request_approve(request=req, by=request.user),
    success=lambda req, lic: (
        _("%(ref)s approved: license %(id)s signed; its e-mail to %(email)s is on its way.")
        % {"ref": req.reference, "id": lic.id, "email": lic.contact_email}
    ),
    redirect_to=_back_to_request,
    on_invalid=_approve_refused,
)

console_nfr_request_reject = staff_required(reject_action.view)
console_nfr_request_ask = staff_required(ask_action.view)
console_nfr_request_approve = staff_required(approve_action.view)


# === console: the editable e-mail templates ======================================================


def _require_template_view(request: HttpRequest) -> None:
    if not request.user.has_perm("licensing.view_messagetemplate"):
        raise PermissionDenied(_("Your role does not allow seeing e-mail templates."))


@method_decorator(staff_required, name="dispatch")
class ConsoleMessageTemplates(ListPage):
    """The e-mails licensing sends, each editable by staff with the privilege."""

    title = gettext_lazy("E-mail templates")
    nav = "nfr"
    intro = gettext_lazy(
        "The e-mails sent when NFR requests are decided and licenses are issued, renewed or revoked."
    )
    default_sort = "name"
    empty_title = gettext_lazy("No templates.")
    empty_text = gettext_lazy("The shipped templates are created when the database is migrated.")
    noun_plural = gettext_lazy("templates")
    columns = [
        Column(
            "name",
            gettext_lazy("Template"),
            link=lambda t: reverse("console:nfr_message_template", args=[t.key]),
            sort="name",
        ),
        Column("subject", gettext_lazy("Subject")),
        Column("updated_at", gettext_lazy("Updated"), sort="updated_at"),
        Column(
            "updated_by",
            gettext_lazy("Updated by"),
            value=lambda t: (t.updated_by.get_full_name() or t.updated_by.email) if t.updated_by else "",
        ),
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_template_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        return MessageTemplate.objects.select_related("updated_by")

    def get_breadcrumbs(self) -> list[dict[str, Any]]:
        return [
            {"label": _("NFR requests"), "url": reverse("console:nfr_requests")},
            {"label": _("E-mail templates")},
        ]


console_message_templates = ConsoleMessageTemplates.as_view()


@staff_required
def console_message_template(request: HttpRequest, key: str) -> HttpResponse:
    _require_template_view(request)
    tpl = get_object_or_404(MessageTemplate, key=key)
    can_edit = request.user.has_perm("licensing.change_messagetemplate")
    status = 200
    form = MessageTemplateForm(request.POST or None, initial={"subject": tpl.subject, "body": tpl.body})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied(_("Your role does not allow editing e-mail templates."))
        status = 400
        if "reset" in request.POST:
            message_template_reset(template=tpl, by=request.user)
            messages.success(request, _("The template is back to the shipped text."))
            return redirect("console:nfr_message_template", tpl.key)
        if form.is_valid():
            try:
                message_template_update(
                    template=tpl,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    by=request.user,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Template saved: the next e-mails use it."))
                return redirect("console:nfr_message_template", tpl.key)
    preview = render_message(tpl.subject, tpl.body, PLACEHOLDERS)
    return render(
        request,
        "licensing/console_template.html",
        {
            "tpl": tpl,
            "form": form if can_edit else None,
            "preview": preview,
            "history": tpl.history.select_related("history_user").order_by("-history_date")[:20],
            "nav": "nfr",
            "breadcrumbs": [
                {"label": _("NFR requests"), "url": reverse("console:nfr_requests")},
                {"label": _("E-mail templates"), "url": reverse("console:nfr_message_templates")},
                {"label": tpl.name},
            ],
        },
        status=status,
    )
