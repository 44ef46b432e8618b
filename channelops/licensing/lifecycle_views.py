"""License pages: the partner's licenses in the portal, all licenses in the console (file, renewal, revocation)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from channelops.core.forms import add_service_errors
from channelops.core.pages import partner_required, staff_required

from .lifecycle import (
    REVOCATION_REASON_MAX,
    VIEW_PERM,
    filter_status,
    license_renewal_request,
    license_revoke,
    license_status,
    may_request_renewal,
    may_revoke,
    pending_renewal,
    reminder_days,
)
from .models import License, LicenseReminder, NfrRequest
from .services import DuplicateRequestError

PAGE_SIZE = 50

STATUS_CHOICES = [
    ("", gettext_lazy("Any status")),
    ("active", gettext_lazy("Active")),
    ("expiring", gettext_lazy("Expiring soon")),
    ("expired", gettext_lazy("Expired")),
    ("revoked", gettext_lazy("Revoked")),
]


class LicenseFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUS_CHOICES, required=False)
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Partner name, contact e-mail or license id"),
    )
    within = forms.IntegerField(
        label=gettext_lazy("Expiring within (days)"), required=False, min_value=0, max_value=3650
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revocation"),
        max_length=REVOCATION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("E-mailed to the license contact and the partner's admins; not published."),
    )


def _rows(licenses: Any) -> list[tuple[License, Any]]:
    today = timezone.localdate()
    return [(lic, license_status(lic, today=today)) for lic in licenses]


def _file_response(lic: License) -> HttpResponse:
    resp = HttpResponse(lic.file_text, content_type="text/plain; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{lic.filename}"'
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    return resp


def _reminders(lic: License) -> QuerySet[LicenseReminder]:
    return LicenseReminder.objects.filter(license_id=lic.pk).order_by("sent_at", "pk")


# === portal ======================================================================================


@partner_required
def portal_licenses(request: HttpRequest) -> HttpResponse:
    qs = License.objects.visible_to(request.user).order_by("expires", "id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "licensing/license_portal_list.html",
        {
            "partner": request.partner,  # type: ignore[attr-defined]
            "page": page,
            "rows": _rows(page.object_list),
            "querystring": "",
            "may_download": request.membership.may_submit,  # type: ignore[attr-defined]
            "nav": "licenses",
        },
    )


def _portal_license(request: HttpRequest, pk: uuid.UUID) -> License:
    return get_object_or_404(
        License.objects.visible_to(request.user).select_related("partner", "request"), pk=pk
    )


@partner_required
def portal_license(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The license, its reminders and the "Request renewal" button (a POST to this page)."""
    lic = _portal_license(request, pk)
    may_renew = may_request_renewal(request.user, lic)
    error = ""
    duplicate = None
    status = 200
    if request.method == "POST":
        if not may_renew:
            raise PermissionDenied(_("Ask your company's partner admin to allow you to submit requests."))
        status = 400
        try:
            req = license_renewal_request(license=lic, by=request.user)  # type: ignore[arg-type]
        except DuplicateRequestError as exc:
            error = " ".join(exc.messages)
            duplicate = NfrRequest.objects.visible_to(request.user).filter(pk=exc.existing.pk).first()
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("Your renewal request %(ref)s was sent to the partner help desk.") % {"ref": req.reference},
            )
            return redirect("portal:nfr_request", req.pk)
    return render(
        request,
        "licensing/license_portal_detail.html",
        {
            "partner": request.partner,  # type: ignore[attr-defined]
            "license": lic,
            "state": license_status(lic),
            "reminders": _reminders(lic),
            "renewal": pending_renewal(lic),
            "may_renew": may_renew and not lic.is_revoked,
            "may_download": request.membership.may_submit,  # type: ignore[attr-defined]
            "error": error,
            "duplicate": duplicate,
            "nav": "licenses",
        },
        status=status,
    )


@partner_required
def portal_license_file(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    lic = _portal_license(request, pk)
    if not request.membership.may_submit:  # type: ignore[attr-defined]
        raise PermissionDenied(_("Ask your company's partner admin for the license file."))
    return _file_response(lic)


# === console =====================================================================================


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERM):
        raise PermissionDenied(_("Your role does not allow seeing licenses."))


@staff_required
def console_licenses(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = LicenseFilterForm(request.GET or None)
    qs = License.objects.visible_to(request.user).select_related("partner", "request")
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        qs = filter_status(qs, d["status"] or "")
        q = (d["q"] or "").strip()
        if q:
            cond = Q(partner__legal_name__icontains=q) | Q(contact_email__icontains=q)
            try:
                cond |= Q(pk=uuid.UUID(q))
            except ValueError:
                pass
            qs = qs.filter(cond)
        if d["within"] is not None:
            today = timezone.localdate()
            qs = qs.filter(
                revoked_at__isnull=True,
                expires__gt=today,
                expires__lte=today + timedelta(days=d["within"]),
            )
    page = Paginator(qs.order_by("expires", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "licensing/license_console_list.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(page.object_list),
            "querystring": params.urlencode(),
            "lead": max(reminder_days()),
            "nav": "licenses",
        },
    )


def _console_license(request: HttpRequest, pk: uuid.UUID) -> License:
    _require_view(request)
    return get_object_or_404(
        License.objects.visible_to(request.user).select_related(
            "partner", "request__requested_by", "issued_by", "revoked_by"
        ),
        pk=pk,
    )


def _console_page(
    request: HttpRequest,
    lic: License,
    *,
    form: RevokeForm | None = None,
    status: int = 200,
    renewal_error: str = "",
) -> HttpResponse:
    can_revoke = may_revoke(request.user) and not lic.is_revoked
    return render(
        request,
        "licensing/license_console_detail.html",
        {
            "license": lic,
            "state": license_status(lic),
            "payload": sorted((lic.payload or {}).items()),
            "reminders": _reminders(lic),
            "renewal": pending_renewal(lic),
            "may_renew": may_request_renewal(request.user, lic) and not lic.is_revoked,
            "renewal_error": renewal_error,
            "revoke_form": form or (RevokeForm() if can_revoke else None),
            "nav": "licenses",
        },
        status=status,
    )


@staff_required
def console_license(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The license; a POST requests its renewal on the partner's behalf (staff who may request NFR licenses)."""
    lic = _console_license(request, pk)
    if request.method == "POST":
        if not may_request_renewal(request.user, lic):
            raise PermissionDenied(_("Your role does not allow requesting NFR licenses."))
        try:
            req = license_renewal_request(license=lic, by=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            return _console_page(request, lic, status=400, renewal_error=" ".join(exc.messages))
        messages.success(request, _("Renewal request %(ref)s is in the queue.") % {"ref": req.reference})
        return redirect("console:nfr_request", req.pk)
    return _console_page(request, lic)


@staff_required
def console_license_file(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _file_response(_console_license(request, pk))


@staff_required
@require_POST
def console_license_revoke(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    lic = _console_license(request, pk)
    if not may_revoke(request.user):
        raise PermissionDenied(_("Your role does not allow revoking licenses."))
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            license_revoke(license=lic, by=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "License revoked: it is published as revoked, and the contact and partner admins are told."
                ),
            )
            return redirect("console:license", lic.pk)
    return _console_page(request, lic, form=form, status=400)
