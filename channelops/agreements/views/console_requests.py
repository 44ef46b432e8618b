"""Console pages: region exceptions and legal requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from channelops.core.forms import add_service_errors
from channelops.core.pages import staff_required

from ..forms import (
    LEGAL_STATUS_CHOICES,
    REGION_STATUS_CHOICES,
    CommentForm,
    DecideForm,
    OfferForm,
    StatusFilterForm,
    WithdrawForm,
)
from ..models import (
    ExceptionStatus,
    LegalRequest,
    RegionException,
)
from ..querysets import covered_region_codes
from ..services import (
    DECIDE_REGION_PERM,
    LEGAL_PERM,
    legal_comment_add,
    legal_custom_version_offer,
    legal_request_withdraw,
    region_exception_decide,
)
from ._common import PAGE_SIZE, require_perm


@staff_required
@require_safe
def console_region_exceptions(request: HttpRequest) -> HttpResponse:
    form = StatusFilterForm(request.GET or None, choices=REGION_STATUS_CHOICES)
    qs = (
        RegionException.objects.visible_to(request.user)
        .select_related("partner__region", "requested_by", "decided_by")
        .prefetch_related("regions")
        .order_by("-requested_at", "-pk")
    )
    if form.is_bound and form.is_valid() and form.cleaned_data["status"]:
        qs = qs.filter(status=form.cleaned_data["status"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "agreements/console_region_exceptions.html",
        {"form": form, "page": page, "querystring": params.urlencode(), "nav": "agreements"},
    )


@staff_required
def console_region_exception(request: HttpRequest, pk: int) -> HttpResponse:
    exc_obj = get_object_or_404(
        RegionException.objects.visible_to(request.user)
        .select_related("partner__region", "requested_by", "decided_by")
        .prefetch_related("regions"),
        pk=pk,
    )
    can_decide = request.user.has_perm(DECIDE_REGION_PERM)
    form = DecideForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require_perm(request, DECIDE_REGION_PERM)
        status = 400
        if form.is_valid():
            try:
                region_exception_decide(
                    exception=exc_obj,
                    approve=form.cleaned_data["decision"] == "approve",
                    note=form.cleaned_data["note"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Decision recorded; the partner's admins are told."))
                return redirect("console:region_exception", exc_obj.pk)
    return render(
        request,
        "agreements/console_region_exception.html",
        {
            "exc": exc_obj,
            "partner": exc_obj.partner,
            "covered": covered_region_codes(exc_obj.partner),
            "form": form if can_decide and exc_obj.status == ExceptionStatus.PENDING else None,
            "nav": "agreements",
        },
        status=status,
    )


# === console: legal requests =====================================================================


@staff_required
@require_safe
def console_legal_requests(request: HttpRequest) -> HttpResponse:
    form = StatusFilterForm(request.GET or None, choices=LEGAL_STATUS_CHOICES)
    qs = (
        LegalRequest.objects.visible_to(request.user)
        .select_related("partner", "template", "version", "opened_by")
        .order_by("-opened_at", "-pk")
    )
    if form.is_bound and form.is_valid() and form.cleaned_data["status"]:
        wanted = form.cleaned_data["status"]
        qs = qs.open() if wanted == "open" else qs.filter(status=wanted)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "agreements/console_legal_requests.html",
        {"form": form, "page": page, "querystring": params.urlencode(), "nav": "legal"},
    )


def _console_legal_request(request: HttpRequest, pk: int) -> LegalRequest:
    return get_object_or_404(
        LegalRequest.objects.visible_to(request.user).select_related(
            "partner", "template", "version", "opened_by", "closed_by"
        ),
        pk=pk,
    )


def _legal_page(
    request: HttpRequest,
    lr: LegalRequest,
    *,
    comment_form: CommentForm | None = None,
    offer_form: OfferForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_act = lr.is_open and request.user.has_perm(LEGAL_PERM)
    return render(
        request,
        "agreements/console_legal_request.html",
        {
            "lr": lr,
            "partner": lr.partner,
            "comments": lr.comments.select_related("author"),
            "offered": lr.custom_versions.defer("body"),
            "comment_form": (comment_form or CommentForm()) if can_act else None,
            "offer_form": (offer_form or OfferForm(initial={"body": lr.version.body})) if can_act else None,
            "withdraw_form": WithdrawForm() if can_act else None,
            "nav": "legal",
        },
        status=status,
    )


@staff_required
def console_legal_request(request: HttpRequest, pk: int) -> HttpResponse:
    lr = _console_legal_request(request, pk)
    if request.method != "POST":
        return _legal_page(request, lr)
    require_perm(request, LEGAL_PERM)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            legal_comment_add(request=lr, body=form.cleaned_data["body"], by=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Comment sent to the partner's admins."))
            return redirect("console:legal_request", lr.pk)
    if not lr.is_open:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _legal_page(request, lr, comment_form=form, status=400)


@staff_required
@require_POST
def console_legal_offer(request: HttpRequest, pk: int) -> HttpResponse:
    lr = _console_legal_request(request, pk)
    require_perm(request, LEGAL_PERM)
    form = OfferForm(request.POST)
    if form.is_valid():
        try:
            version = legal_custom_version_offer(
                request=lr,
                body=form.cleaned_data["body"],
                note=form.cleaned_data["note"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Custom %(v)s offered to %(partner)s; its admins are told.")
                % {"v": version.label, "partner": lr.partner.legal_name},
            )
            return redirect("console:legal_request", lr.pk)
    if not lr.is_open:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return _legal_page(request, lr, offer_form=form, status=400)


@staff_required
@require_POST
def console_legal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    lr = _console_legal_request(request, pk)
    require_perm(request, LEGAL_PERM)
    form = WithdrawForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        legal_request_withdraw(request=lr, by=request.user, note=note)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The legal request is closed (withdrawn)."))
    return redirect("console:legal_request", lr.pk)
