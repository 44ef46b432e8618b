"""Console NFR request pages: the queue ("spreadsheet"), a request on a partner's behalf, the review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.listing import Column, ListPage, render_filter_form
from channelops.core.pages import staff_required

from ..delivery import delivery_status
from ..eligibility import approvable, evaluate
from ..filters import NfrQueueFilter
from ..forms import SORTS, AskForm, ConsoleNfrRequestForm, CorrectForm, RejectForm, amend_initial
from ..models import NfrRequest, RequestStatus
from ..services import (
    ADD_PERM,
    AMENDABLE,
    VIEW_PERM,
    may_issue,
    may_review,
    nfr_request_approve,
    nfr_request_ask,
    nfr_request_correct,
    nfr_request_reject,
)
from ._common import _license_of, _timeline, duplicate_of, submit


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


def _require_add(request: StaffRequest) -> None:
    if not request.user.has_perm(ADD_PERM):
        raise PermissionDenied(_("Your role does not allow requesting NFR licenses."))


def _new_request_page(
    request: StaffRequest, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    if form is None:
        initial = {}
        if str(request.GET.get("partner", "")).isdigit():
            initial["partner"] = int(request.GET["partner"])
        form = ConsoleNfrRequestForm(initial=initial)
    return render(
        request,
        "licensing/console_request_new.html",
        {
            "form": form,
            "duplicate": duplicate_of(request),
            "nav": "nfr",
            "breadcrumbs": [
                {"label": _("NFR requests"), "url": reverse("console:nfr_requests")},
                {"label": _("New request")},
            ],
        },
        status=status,
    )


def _new_request(request: StaffRequest) -> HttpResponse:
    _require_add(request)
    return _new_request_page(request)


submit_action = Action[StaffRequest](
    load=_require_add,
    form_class=ConsoleNfrRequestForm,
    perform=lambda request, nothing, data: submit(request, data["partner"], data),
    success=lambda nothing, req: _("Request %(ref)s is in the queue.") % {"ref": req.reference},
    redirect_to=lambda request, nothing, req: reverse("console:nfr_request", args=[req.pk]),
    on_invalid=lambda request, nothing, form: _new_request_page(request, form=form, status=400),
)
console_nfr_request_new = staff_required(page_or_action(_new_request, submit_action))


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
    correct_form: CorrectForm | None = None,
    status: int = 200,
) -> HttpResponse:
    criteria = evaluate(req) if req.status not in (RequestStatus.APPROVED, RequestStatus.WITHDRAWN) else []
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
            "correct_form": correct_form or (CorrectForm(initial=amend_initial(req)) if can_review else None),
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

correct_action = Action[StaffRequest](
    load=_console_request,
    allowed=_may_review,
    not_allowed=gettext_lazy("Your role does not allow reviewing NFR requests."),
    form_class=CorrectForm,
    perform=lambda request, req, d: nfr_request_correct(
        request=req, by=request.user, reason=d["reason"], amend={f: d.get(f) for f in AMENDABLE}
    ),
    success=lambda req, result: (
        _("%(ref)s corrected; the change and its reason are on the timeline.") % {"ref": req.reference}
    ),
    redirect_to=_back_to_request,
    on_invalid=lambda request, req, form: _review_page(request, req, status=400, correct_form=form),  # type: ignore[arg-type]
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
console_nfr_request_correct = staff_required(correct_action.view)
