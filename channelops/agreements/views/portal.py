"""Portal pages (partner people): the partner's agreements, acceptance, region and legal requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from channelops.core.forms import add_service_errors
from channelops.core.pages import partner_required
from channelops.core.views import client_ip

from ..forms import (
    AcceptForm,
    CommentForm,
    LegalRequestForm,
    RegionRequestForm,
    WithdrawForm,
)
from ..models import (
    Acceptance,
    AgreementVersion,
    ExceptionStatus,
    LegalRequest,
    RegionException,
    VersionStatus,
)
from ..querysets import covered_region_codes, partner_agreement_rows
from ..services import (
    agreement_accept,
    legal_comment_add,
    legal_request_open,
    legal_request_withdraw,
    region_exception_request,
)
from ._common import require_partner_admin


def _portal_agreements_page(
    request: HttpRequest, *, region_form: RegionRequestForm | None = None, status: int = 200
) -> HttpResponse:
    partner = request.partner  # type: ignore[attr-defined]
    is_admin = request.membership.is_admin  # type: ignore[attr-defined]
    rows = partner_agreement_rows(partner)
    covered = covered_region_codes(partner)
    exceptions = list(
        RegionException.objects.visible_to(request.user)
        .prefetch_related("regions")
        .order_by("-requested_at")[:20]
    )
    pending = any(e.status == ExceptionStatus.PENDING for e in exceptions)
    if is_admin and not pending and region_form is None:
        region_form = RegionRequestForm(covered=covered)
    return render(
        request,
        "agreements/portal_agreements.html",
        {
            "partner": partner,
            "rows": rows,
            "covered": covered,
            "exceptions": exceptions,
            "pending": pending,
            "region_form": region_form if is_admin else None,
            "is_admin": is_admin,
            "nav": "agreements",
        },
        status=status,
    )


@partner_required
@require_safe
def portal_agreements(request: HttpRequest) -> HttpResponse:
    return _portal_agreements_page(request)


@partner_required
@require_POST
def portal_region_request(request: HttpRequest) -> HttpResponse:
    require_partner_admin(request)
    partner = request.partner  # type: ignore[attr-defined]
    form = RegionRequestForm(request.POST, covered=covered_region_codes(partner))
    if form.is_valid():
        try:
            region_exception_request(
                partner=partner,
                regions=list(form.cleaned_data["regions"]),
                justification=form.cleaned_data["justification"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your request was sent to channel leadership for a decision."))
            return redirect("portal:agreements")
    return _portal_agreements_page(request, region_form=form, status=400)


@partner_required
def portal_version(request: HttpRequest, pk: int) -> HttpResponse:
    partner = request.partner  # type: ignore[attr-defined]
    is_admin = request.membership.is_admin  # type: ignore[attr-defined]
    version = get_object_or_404(
        AgreementVersion.objects.visible_to(request.user).select_related("template"), pk=pk
    )
    status = 200
    form = None
    if request.method == "POST":
        require_partner_admin(request)
        form = AcceptForm(request.POST, version=version, partner=partner)
        status = 400
        if form.is_valid():
            if form.cleaned_data["version"] != version.pk:
                messages.error(request, _("The form does not belong to the text shown. Reload the page."))
                form = None
            else:
                try:
                    agreement_accept(
                        partner=partner,
                        version=form.cleaned_data["version"],
                        submitted_hash=form.cleaned_data["content_hash"],
                        by=request.user,  # type: ignore[arg-type]
                        ip=client_ip(request),
                        user_agent=request.META.get("HTTP_USER_AGENT", ""),
                    )
                except ValidationError as exc:
                    messages.error(request, " ".join(exc.messages))
                    form = None
                else:
                    messages.success(
                        request,
                        _("Thank you: %(partner)s accepted the %(agreement)s (%(version)s).")
                        % {
                            "partner": partner.legal_name,
                            "agreement": version.template.name,
                            "version": version.label,
                        },
                    )
                    return redirect("portal:agreements")
        elif form.errors.keys() - {"confirm"}:
            messages.error(request, _("The form was changed or is incomplete. Reload the page."))
            form = None
    row = next((r for r in partner_agreement_rows(partner) if r.template.pk == version.template_id), None)
    is_current = row is not None and row.current is not None and row.current.pk == version.pk
    acceptance = (
        Acceptance.objects.visible_to(request.user)
        .filter(version=version)
        .select_related("accepted_by")
        .first()
    )
    can_accept = is_admin and is_current and acceptance is None
    if status == 400 and form is not None and not can_accept:
        messages.error(request, _("This version is not the one your company is asked to accept."))
    if can_accept and form is None:
        form = AcceptForm(version=version, partner=partner)
    negotiate_form = None
    if is_admin and is_current and row is not None and row.legal_request is None:
        negotiate_form = LegalRequestForm(
            templates=[version.template], initial={"template": version.template_id}
        )
    return render(
        request,
        "agreements/portal_version.html",
        {
            "partner": partner,
            "version": version,
            "row": row,
            "is_current": is_current,
            "acceptance": acceptance,
            "form": form if can_accept else None,
            "negotiate_form": negotiate_form,
            "is_admin": is_admin,
            "nav": "agreements",
        },
        status=status,
    )


@partner_required
def portal_legal_requests(request: HttpRequest) -> HttpResponse:
    partner = request.partner  # type: ignore[attr-defined]
    is_admin = request.membership.is_admin  # type: ignore[attr-defined]
    templates = [r.template for r in partner_agreement_rows(partner) if r.current is not None]
    form = LegalRequestForm(request.POST or None, templates=templates) if is_admin else None
    status = 200
    if request.method == "POST":
        require_partner_admin(request)
        assert form is not None
        status = 400
        if form.is_valid():
            template = next(t for t in templates if t.pk == form.cleaned_data["template"])
            try:
                lr = legal_request_open(
                    partner=partner,
                    template=template,
                    proposed_changes=form.cleaned_data["proposed_changes"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your legal request was sent to the vendor's legal team."))
                return redirect("portal:legal_request", lr.pk)
    legal_requests = (
        LegalRequest.objects.visible_to(request.user)
        .select_related("template", "version", "opened_by")
        .order_by("-opened_at")
    )
    return render(
        request,
        "agreements/portal_legal_requests.html",
        {
            "partner": partner,
            "legal_requests": legal_requests,
            "form": form,
            "is_admin": is_admin,
            "nav": "agreements",
        },
        status=status,
    )


@partner_required
def portal_legal_request(request: HttpRequest, pk: int) -> HttpResponse:
    partner = request.partner  # type: ignore[attr-defined]
    lr = get_object_or_404(
        LegalRequest.objects.visible_to(request.user).select_related("template", "version", "opened_by"),
        pk=pk,
    )
    form = CommentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                legal_comment_add(request=lr, body=form.cleaned_data["body"], by=request.user)  # type: ignore[arg-type]
            except ValidationError as exc:
                if not lr.is_open:
                    messages.error(request, " ".join(exc.messages))
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your comment was sent."))
                return redirect("portal:legal_request", lr.pk)
    return render(
        request,
        "agreements/portal_legal_request.html",
        {
            "partner": partner,
            "lr": lr,
            "comments": lr.comments.select_related("author"),
            "offered": lr.custom_versions.filter(status=VersionStatus.PUBLISHED).defer("body"),
            "form": form if lr.is_open else None,
            "withdraw_form": WithdrawForm() if lr.is_open and request.membership.is_admin else None,  # type: ignore[attr-defined]
            "nav": "agreements",
        },
        status=status,
    )


@partner_required
@require_POST
def portal_legal_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    lr = get_object_or_404(LegalRequest.objects.visible_to(request.user).select_related("partner"), pk=pk)
    require_partner_admin(request)
    form = WithdrawForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        legal_request_withdraw(request=lr, by=request.user, note=note)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your legal request was withdrawn."))
    return redirect("portal:legal_request", lr.pk)
