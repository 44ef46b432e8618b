"""Console pages: region exceptions and legal requests."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required

from ..filters import LegalRequestFilter, RegionExceptionFilter
from ..forms import CommentForm, DecideForm, OfferForm, WithdrawForm
from ..models import ExceptionStatus, LegalRequest, RegionException
from ..querysets import covered_region_codes
from ..services import (
    DECIDE_REGION_PERM,
    LEGAL_PERM,
    legal_comment_add,
    legal_custom_version_offer,
    legal_request_withdraw,
    region_exception_decide,
)
from ._common import NOT_YOUR_ROLE, has_perm

# === region exceptions ===========================================================================


class ConsoleRegionExceptions(ListPage):
    """Partners' requests to have their agreements cover more regions (leadership decides)."""

    title = gettext_lazy("Region exceptions")
    nav = "agreements"
    filterset_class = RegionExceptionFilter
    default_sort = "-requested_at"
    noun_plural = gettext_lazy("region exceptions")
    empty_title = gettext_lazy("No region exception requests yet.")
    empty_text = gettext_lazy("Partner admins request additional regions on their agreements page.")
    columns = [
        Column(
            "partner.legal_name",
            gettext_lazy("Partner"),
            link=lambda e: reverse("console:region_exception", args=[e.pk]),
            sort="partner__legal_name",
        ),
        Column("partner.region.code", gettext_lazy("Own region")),
        Column(
            "regions",
            gettext_lazy("Additional regions"),
            value=lambda e: ", ".join(r.code for r in e.regions.all()),
        ),
        Column("requested_at", gettext_lazy("Requested"), sort="requested_at"),
        Column("status", gettext_lazy("Status"), status="region_exception", sort="status"),
        Column("decided_by.email", gettext_lazy("Decided by")),
    ]

    def get_queryset(self) -> Any:
        return (
            RegionException.objects.visible_to(self.request.user)
            .select_related("partner__region", "requested_by", "decided_by")
            .prefetch_related("regions")
        )

    def get_breadcrumbs(self) -> list[dict[str, Any]]:
        return [{"label": _("Agreements"), "url": reverse("console:agreements")}, {"label": self.title}]


console_region_exceptions = staff_required(ConsoleRegionExceptions.as_view())


def _console_region_exception(request: HttpRequest, pk: int) -> RegionException:
    return get_object_or_404(
        RegionException.objects.visible_to(request.user)
        .select_related("partner__region", "requested_by", "decided_by")
        .prefetch_related("regions"),
        pk=pk,
    )


def _region_exception_page(
    request: HttpRequest, exc: RegionException, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    can_decide = request.user.has_perm(DECIDE_REGION_PERM) and exc.status == ExceptionStatus.PENDING
    return render(
        request,
        "agreements/console_region_exception.html",
        {
            "exc": exc,
            "partner": exc.partner,
            "covered": covered_region_codes(exc.partner),
            "form": (form or DecideForm()) if can_decide else None,
            "nav": "agreements",
            "breadcrumbs": [
                {"label": _("Region exceptions"), "url": reverse("console:region_exceptions")},
                {"label": exc.partner.legal_name},
            ],
        },
        status=status,
    )


decide = Action[StaffRequest](
    load=_console_region_exception,
    allowed=has_perm(DECIDE_REGION_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=DecideForm,
    perform=lambda request, exc, data: region_exception_decide(
        exception=exc,
        approve=data["decision"] == "approve",
        note=data["note"],
        by=request.user,
    ),
    success=gettext_lazy("Decision recorded; the partner's admins are told."),
    redirect_to=lambda request, exc, result: reverse("console:region_exception", args=[exc.pk]),
    on_invalid=lambda request, exc, form: _region_exception_page(request, exc, form=form, status=400),
)
console_region_exception = staff_required(
    page_or_action(
        lambda request, pk: _region_exception_page(request, _console_region_exception(request, pk)), decide
    )
)


# === legal requests ==============================================================================


class ConsoleLegalRequests(ListPage):
    """Partners' proposals to change an agreement's terms (the legal team answers)."""

    title = gettext_lazy("Legal requests")
    nav = "legal"
    filterset_class = LegalRequestFilter
    default_sort = "-opened_at"
    noun_plural = gettext_lazy("legal requests")
    empty_title = gettext_lazy("No legal requests yet.")
    empty_text = gettext_lazy("Partner admins open a legal request when they want to negotiate an agreement.")
    columns = [
        Column(
            "partner.legal_name",
            gettext_lazy("Partner"),
            link=lambda lr: reverse("console:legal_request", args=[lr.pk]),
            sort="partner__legal_name",
        ),
        Column("template.name", gettext_lazy("Agreement"), sort="template__name"),
        Column("version.label", gettext_lazy("Version discussed")),
        Column("opened_at", gettext_lazy("Opened"), sort="opened_at"),
        Column("opened_by.email", gettext_lazy("Opened by")),
        Column("status", gettext_lazy("Status"), status="legal_request", sort="status"),
    ]

    def get_queryset(self) -> Any:
        return LegalRequest.objects.visible_to(self.request.user).select_related(
            "partner", "template", "version", "opened_by"
        )


console_legal_requests = staff_required(ConsoleLegalRequests.as_view())


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
    comment_form: forms.Form | None = None,
    offer_form: forms.Form | None = None,
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
            "breadcrumbs": [
                {"label": _("Legal requests"), "url": reverse("console:legal_requests")},
                {"label": f"{lr.partner.legal_name} · {lr.template.name}"},
            ],
        },
        status=status,
    )


def _legal_refused(form_name: str) -> Any:
    """A refused comment or offer: on a closed request (no form any more) the reason goes on top."""

    def on_invalid(request: HttpRequest, lr: LegalRequest, form: forms.Form) -> HttpResponse:
        if not lr.is_open:
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return _legal_page(request, lr, status=400, **{form_name: form})

    return on_invalid


comment = Action[StaffRequest](
    load=_console_legal_request,
    allowed=has_perm(LEGAL_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=CommentForm,
    perform=lambda request, lr, data: legal_comment_add(request=lr, body=data["body"], by=request.user),
    success=gettext_lazy("Comment sent to the partner's admins."),
    redirect_to=lambda request, lr, result: reverse("console:legal_request", args=[lr.pk]),
    on_invalid=_legal_refused("comment_form"),
)
console_legal_request = staff_required(
    page_or_action(lambda request, pk: _legal_page(request, _console_legal_request(request, pk)), comment)
)

offer = Action[StaffRequest](
    load=_console_legal_request,
    allowed=has_perm(LEGAL_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=OfferForm,
    perform=lambda request, lr, data: legal_custom_version_offer(
        request=lr,
        body=data["body"],
        note=data["note"],
        by=request.user,
    ),
    success=lambda lr, version: (
        _("Custom %(v)s offered to %(partner)s; its admins are told.")
        % {"v": version.label, "partner": lr.partner.legal_name}
    ),
    redirect_to=lambda request, lr, result: reverse("console:legal_request", args=[lr.pk]),
    on_invalid=_legal_refused("offer_form"),
)
console_legal_offer = staff_required(offer.view)

withdraw = Action[StaffRequest](
    load=_console_legal_request,
    allowed=has_perm(LEGAL_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=WithdrawForm,
    perform=lambda request, lr, data: legal_request_withdraw(request=lr, by=request.user, note=data["note"]),
    success=gettext_lazy("The legal request is closed (withdrawn)."),
    redirect_to=lambda request, lr, result: reverse("console:legal_request", args=[lr.pk]),
)
console_legal_withdraw = staff_required(withdraw.view)
