"""NFR request pages: the partner's requests in the portal, the queue ("spreadsheet") and review in the console."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from channelops.core.forms import add_service_errors
from channelops.core.pages import Echo as _Echo
from channelops.core.pages import partner_required, staff_required
from channelops.core.pages import safe_cell as _safe_cell

from .delivery import delivery_status
from .eligibility import approvable, evaluate
from .forms import (
    SORTS,
    AnswerForm,
    AskForm,
    ConsoleNfrRequestForm,
    MessageTemplateForm,
    NfrRequestForm,
    QueueFilterForm,
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

PAGE_SIZE = 50

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


def _timeline(req: NfrRequest) -> QuerySet:
    return RequestEvent.objects.filter(request=req).select_related("by").order_by("at", "pk")


# === portal ======================================================================================


def _may_submit(request: HttpRequest) -> bool:
    return bool(request.membership.may_submit)  # type: ignore[attr-defined]


@partner_required
def portal_nfr_requests(request: HttpRequest) -> HttpResponse:
    rows = (
        NfrRequest.objects.visible_to(request.user)
        .select_related("requested_by")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "licensing/portal_requests.html",
        {
            "partner": request.partner,  # type: ignore[attr-defined]
            "page": page,
            "querystring": "",
            "may_submit": _may_submit(request),
            "nav": "nfr",
        },
    )


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
        {"partner": partner, "form": form, "duplicate": duplicate, "nav": "nfr"},
        status=status,
    )


@partner_required
def portal_nfr_request(request: HttpRequest, pk: int) -> HttpResponse:
    req = get_object_or_404(NfrRequest.objects.visible_to(request.user).select_related("partner"), pk=pk)
    can_answer = req.status == RequestStatus.NEEDS_INFO and _may_submit(request)
    form = AnswerForm(request.POST or None) if can_answer else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise Http404
        status = 400
        if form.is_valid():
            try:
                nfr_request_answer(request=req, by=request.user, answer=form.cleaned_data["answer"])  # type: ignore[arg-type]
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Thank you: your answer was sent to the partner help desk."))
                return redirect("portal:nfr_request", req.pk)
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
            "form": form,
            "nav": "nfr",
        },
        status=status,
    )


def _license_of(req: NfrRequest) -> License | None:
    if req.status != RequestStatus.APPROVED:
        return None
    return License.objects.filter(request_id=req.pk).defer("file_text").first()


# === console: the queue ("spreadsheet") ===========================================================


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    value: Callable[[NfrRequest], Any]  # for the page and the exports
    default: bool = True
    sort: str = ""  # the sort key of SORTS, if sortable


def _date(v: Any) -> str:
    return timezone.localtime(v).strftime("%Y-%m-%d %H:%M") if v else ""


COLUMNS: list[Column] = [
    Column("reference", gettext_lazy("Reference"), lambda r: r.reference),
    Column("submitted", gettext_lazy("Submitted"), lambda r: _date(r.created_at), sort="submitted"),
    Column("partner", gettext_lazy("Partner"), lambda r: r.partner.legal_name, sort="partner"),
    Column("region", gettext_lazy("Region"), lambda r: r.partner.region.code),
    Column("tier", gettext_lazy("Tier"), lambda r: r.partner.tier.name),
    Column("contact_name", gettext_lazy("License contact"), lambda r: r.contact_name),
    Column("contact_email", gettext_lazy("Contact e-mail"), lambda r: r.contact_email),
    Column("plan", gettext_lazy("Plan"), lambda r: r.get_plan_display()),
    Column("seats", gettext_lazy("Seats"), lambda r: r.seats, sort="seats"),
    Column("term_months", gettext_lazy("Term (months)"), lambda r: r.term_months),
    Column("renewal", gettext_lazy("Renewal"), lambda r: _("yes") if r.is_renewal else "", default=False),
    Column("status", gettext_lazy("Status"), lambda r: r.get_status_display(), sort="status"),
    Column(
        "requested_by",
        gettext_lazy("Requested by"),
        lambda r: r.requested_by.email if r.requested_by else "",
        default=False,
    ),
    Column("purpose", gettext_lazy("Purpose"), lambda r: r.purpose, default=False),
    Column("updated", gettext_lazy("Updated"), lambda r: _date(r.updated_at), default=False),
]
COLUMNS_BY_KEY = {c.key: c for c in COLUMNS}


def _columns(request: HttpRequest) -> list[Column]:
    """The chosen columns (``?cols=reference,partner,seats`` in that order, or the chooser's ``?col=…&col=…``)."""
    keys = request.GET.getlist("col") or request.GET.get("cols", "").split(",")
    chosen = [COLUMNS_BY_KEY[k] for k in dict.fromkeys(keys) if k in COLUMNS_BY_KEY]
    return chosen or [c for c in COLUMNS if c.default]


def _queue(request: HttpRequest) -> tuple[QueueFilterForm, QuerySet, str]:
    form = QueueFilterForm(request.GET or None)
    qs = NfrRequest.objects.visible_to(request.user).select_related(
        "partner__region", "partner__tier", "requested_by"
    )
    sort = "-submitted"
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d["status"] == "open":
            qs = qs.open()
        elif d["status"]:
            qs = qs.filter(status=d["status"])
        if d["region"]:
            qs = qs.filter(partner__region__code=d["region"])
        if d["plan"]:
            qs = qs.filter(plan=d["plan"])
        q = (d["q"] or "").strip()
        if q:
            ref = q.upper().removeprefix("NFR-")
            cond = Q(partner__legal_name__icontains=q) | Q(contact_email__icontains=q)
            if ref.isdigit():
                cond |= Q(pk=int(ref))
            qs = qs.filter(cond)
        sort = d["sort"] or sort
    return form, qs.order_by(*SORTS[sort]), sort


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERM):
        raise PermissionDenied(_("Your role does not allow seeing NFR requests."))


@staff_required
def console_nfr_requests(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form, qs, sort = _queue(request)
    columns = _columns(request)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, [(c.key, c.value(r)) for c in columns]) for r in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    params.pop("col", None)
    params["cols"] = ",".join(c.key for c in columns)
    sort_params = params.copy()
    sort_params.pop("sort", None)
    headers = []
    for c in columns:
        next_sort = ""
        if c.sort:
            next_sort = f"-{c.sort}" if sort == c.sort else c.sort
        headers.append(
            {
                "column": c,
                "sort": next_sort,
                "current": "ascending" if sort == c.sort else "descending" if sort == f"-{c.sort}" else "",
            }
        )
    chosen = {c.key for c in columns}
    return render(
        request,
        "licensing/console_queue.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "headers": headers,
            "all_columns": [(c, c.key in chosen) for c in COLUMNS],
            "cols": ",".join(c.key for c in columns),
            "querystring": params.urlencode(),
            "sort_querystring": sort_params.urlencode(),
            "may_request": request.user.has_perm(ADD_PERM),
            "nav": "nfr",
        },
    )


def _export_rows(qs: QuerySet, columns: list[Column]) -> Iterator[list[Any]]:
    for r in qs.iterator(chunk_size=2000):
        yield [_safe_cell(c.value(r)) for c in columns]


@staff_required
def console_nfr_requests_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    _require_view(request)
    _form, qs, _sort = _queue(request)
    columns = _columns(request)
    header = [str(c.label) for c in columns]
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def stream() -> Iterator[str]:
            yield writer.writerow(header)
            for row in _export_rows(qs, columns):
                yield writer.writerow(row)

        resp = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="nfr-requests-{stamp}.csv"'
        return resp
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(_("NFR requests"))
        ws.append(header)
        for row in _export_rows(qs, columns):
            ws.append(row)
        buf = BytesIO()
        wb.save(buf)
        xlsx = HttpResponse(
            buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        xlsx["Content-Disposition"] = f'attachment; filename="nfr-requests-{stamp}.xlsx"'
        return xlsx
    raise Http404


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
        {"form": form, "duplicate": duplicate, "nav": "nfr"},
        status=status,
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
            "nav": "nfr",
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


def _review_action(
    request: HttpRequest,
    pk: int,
    form_class: Any,
    form_key: str,
    act: Callable[[NfrRequest, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """A reviewer's form on the review page (reject, ask): the service, then back to the page."""
    req = _console_request(request, pk)
    if not may_review(request.user):
        raise PermissionDenied(_("Your role does not allow reviewing NFR requests."))
    form = form_class(request.POST)
    if form.is_valid():
        try:
            act(req, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done % {"ref": req.reference})
            return redirect("console:nfr_request", req.pk)
    return _review_page(request, req, status=400, **{form_key: form})


@staff_required
@require_POST
def console_nfr_request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    by: Any = request.user
    return _review_action(
        request,
        pk,
        RejectForm,
        "reject_form",
        lambda req, d: nfr_request_reject(request=req, by=by, reason=d["reason"]),
        _("%(ref)s rejected; the requester is told why."),
    )


@staff_required
@require_POST
def console_nfr_request_ask(request: HttpRequest, pk: int) -> HttpResponse:
    by: Any = request.user
    return _review_action(
        request,
        pk,
        AskForm,
        "ask_form",
        lambda req, d: nfr_request_ask(request=req, by=by, question=d["question"]),
        _("Question sent; %(ref)s waits for the partner's answer."),
    )


@staff_required
@require_POST
def console_nfr_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    req = _console_request(request, pk)
    try:
        lic = nfr_request_approve(request=req, by=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _review_page(request, _console_request(request, pk), status=400)
    messages.success(
        request,
        _("%(ref)s approved: license %(id)s signed; its e-mail to %(email)s is on its way.")
        % {"ref": req.reference, "id": lic.id, "email": lic.contact_email},
    )
    return redirect("console:nfr_request", req.pk)


# === console: the editable e-mail templates ======================================================


def _require_template_view(request: HttpRequest) -> None:
    if not request.user.has_perm("licensing.view_messagetemplate"):
        raise PermissionDenied(_("Your role does not allow seeing e-mail templates."))


@staff_required
def console_message_templates(request: HttpRequest) -> HttpResponse:
    _require_template_view(request)
    return render(
        request,
        "licensing/console_templates.html",
        {"templates": MessageTemplate.objects.select_related("updated_by").order_by("name"), "nav": "nfr"},
    )


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
        },
        status=status,
    )
