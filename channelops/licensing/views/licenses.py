"""License pages: the partner's licenses in the portal, all licenses in the console (file, renewal, revocation)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.partners.pages import PartnerRequest, partner_required

from ..filters import LicenseFilter
from ..lifecycle import (
    REVOCATION_REASON_MAX,
    VIEW_PERM,
    license_renewal_request,
    license_revoke,
    license_status,
    may_request_renewal,
    may_revoke,
    pending_renewal,
    reminder_days,
)
from ..models import License, LicenseReminder, NfrRequest
from ..services import DuplicateRequestError
from ._common import duplicate_of, keep_duplicate


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for revocation"),
        max_length=REVOCATION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("E-mailed to the license contact and the partner's admins; not published."),
    )


def _file_response(lic: License) -> HttpResponse:
    resp = HttpResponse(lic.file_text, content_type="text/plain; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="{lic.filename}"'
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    return resp


def _reminders(lic: License) -> QuerySet[LicenseReminder]:
    return LicenseReminder.objects.filter(license_id=lic.pk).order_by("sent_at", "pk")


def _short_id(lic: License) -> str:
    return str(lic.pk)[:8] + "…"


def _download_link(url: str, lic: License) -> SafeString:
    # aria-label rather than a visually-hidden span: an absolutely positioned span inside the
    # scrolling table would widen the page on a phone.
    return format_html(
        '<a href="{}" download aria-label="{}">{}</a>',
        url,
        _("Download %(file)s") % {"file": lic.filename},
        _("Download"),
    )


def _status_columns() -> list[Column]:
    """The license and its status (computed from the dates, as :func:`license_status` says)."""
    return [
        Column(
            "status",
            gettext_lazy("Status"),
            value=lambda lic: license_status(lic).key,
            display=lambda lic: license_status(lic).label,
            status="license",
            export_value=lambda lic: license_status(lic).label,
        ),
        Column("expires", gettext_lazy("Expires"), sort="expires"),
        Column("users", gettext_lazy("Users"), numeric=True, sort="users"),
        Column("plan", gettext_lazy("Plan"), value=lambda lic: lic.get_plan_display()),
        Column("contact_email", gettext_lazy("License contact")),
    ]


# === portal ======================================================================================


@method_decorator(partner_required, name="dispatch")
class PortalLicenses(ListPage):
    """The partner's NFR licenses, the soonest to expire first."""

    request: PartnerRequest

    title = gettext_lazy("Licenses")
    nav = "licenses"
    default_sort = "expires"
    empty_title = gettext_lazy("No licenses yet.")
    empty_text = gettext_lazy("Licenses are issued when an NFR request is approved.")
    noun_plural = gettext_lazy("licenses")

    def get_queryset(self) -> QuerySet:
        return License.objects.visible_to(self.request.user).defer("file_text")

    def get_columns(self) -> list[Column]:
        columns = [
            Column(
                "id",
                gettext_lazy("License"),
                value=_short_id,
                css="text-nowrap",
                link=lambda lic: reverse("portal:license", args=[lic.pk]),
            ),
            *_status_columns(),
        ]
        if self.request.membership.may_submit:
            columns.append(
                Column(
                    "file",
                    gettext_lazy("File"),
                    html=lambda lic: _download_link(reverse("portal:license_file", args=[lic.pk]), lic),
                    export=False,
                )
            )
        return columns

    def get_empty_action(self) -> tuple[str, str] | None:
        return reverse("portal:nfr_requests"), _("See your NFR requests")

    def get_extra_context(self) -> dict[str, Any]:
        return {
            "intro": _(
                "The NFR licenses issued to %(name)s. Renew a license from its page before it expires."
            )
            % {"name": self.request.partner.legal_name}
        }


portal_licenses = PortalLicenses.as_view()


def _portal_license(request: PartnerRequest, pk: uuid.UUID) -> License:
    return get_object_or_404(
        License.objects.visible_to(request.user).select_related("partner", "request"), pk=pk
    )


def _portal_license_page(
    request: PartnerRequest, lic: License, *, error: str = "", duplicate: Any = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "licensing/license_portal_detail.html",
        {
            "partner": request.partner,
            "license": lic,
            "state": license_status(lic),
            "reminders": _reminders(lic),
            "renewal": pending_renewal(lic),
            "may_renew": may_request_renewal(request.user, lic) and not lic.is_revoked,
            "may_download": request.membership.may_submit,
            "error": error,
            "duplicate": duplicate,
            "nav": "licenses",
            "breadcrumbs": [
                {"label": _("Licenses"), "url": reverse("portal:licenses")},
                {"label": _short_id(lic)},
            ],
        },
        status=status,
    )


def _renew(request: PartnerRequest, lic: License, data: dict[str, Any]) -> NfrRequest:
    try:
        return license_renewal_request(license=lic, by=request.user)
    except DuplicateRequestError as exc:
        keep_duplicate(request, exc)  # shown by the page as a link, when the person may see it
        raise


def _errors(form: forms.Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


portal_renew_action = Action[PartnerRequest](
    load=lambda request, pk: _portal_license(request, pk),
    allowed=lambda request, lic: may_request_renewal(request.user, lic),
    not_allowed=gettext_lazy("Ask your company's partner admin to allow you to submit requests."),
    perform=_renew,
    success=lambda lic, req: (
        _("Your renewal request %(ref)s was sent to the partner help desk.") % {"ref": req.reference}
    ),
    redirect_to=lambda request, lic, req: reverse("portal:nfr_request", args=[req.pk]),
    on_invalid=lambda request, lic, form: _portal_license_page(
        request,
        lic,
        error=_errors(form),
        duplicate=duplicate_of(request),
        status=400,
    ),
)


# The license, its reminders and the "Request renewal" button (a POST to this page).
portal_license = partner_required(
    page_or_action(
        lambda request, pk: _portal_license_page(request, _portal_license(request, pk)), portal_renew_action
    )
)


@partner_required
def portal_license_file(request: PartnerRequest, pk: uuid.UUID) -> HttpResponse:
    lic = _portal_license(request, pk)
    if not request.membership.may_submit:
        raise PermissionDenied(_("Ask your company's partner admin for the license file."))
    return _file_response(lic)


# === console =====================================================================================


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERM):
        raise PermissionDenied(_("Your role does not allow seeing licenses."))


@method_decorator(staff_required, name="dispatch")
class ConsoleLicenses(ListPage):
    """Every license the person may see, the soonest to expire first: filter by status, search,
    "expiring within N days"; each row links to the license, its partner, its request and its file."""

    title = gettext_lazy("Licenses")
    nav = "licenses"
    filterset_class = LicenseFilter
    default_sort = "expires"
    empty_title = gettext_lazy("No licenses yet.")
    empty_text = gettext_lazy("Licenses are issued when an NFR request is approved.")
    noun_plural = gettext_lazy("licenses")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        return (
            License.objects.visible_to(self.request.user)
            .select_related("partner", "request")
            .defer("file_text")
        )

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "id",
                gettext_lazy("License"),
                value=_short_id,
                css="text-nowrap",
                link=lambda lic: reverse("console:license", args=[lic.pk]),
            ),
            Column(
                "partner",
                gettext_lazy("Partner"),
                value=lambda lic: lic.partner.legal_name,
                link=lambda lic: reverse("console:partner_detail", args=[lic.partner_id]),
                sort="partner__legal_name",
            ),
            *_status_columns(),
            Column(
                "request",
                gettext_lazy("Request"),
                value=lambda lic: lic.request.reference,
                link=lambda lic: reverse("console:nfr_request", args=[lic.request_id]),
            ),
            Column(
                "file",
                gettext_lazy("File"),
                html=lambda lic: _download_link(reverse("console:license_file", args=[lic.pk]), lic),
                export=False,
            ),
        ]

    def get_extra_context(self) -> dict[str, Any]:
        return {"intro": _("“Expiring soon”: within %(n)s days.") % {"n": max(reminder_days())}}


console_licenses = ConsoleLicenses.as_view()


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
            "breadcrumbs": [
                {"label": _("Licenses"), "url": reverse("console:licenses")},
                {"label": _short_id(lic)},
            ],
        },
        status=status,
    )


console_renew_action = Action[StaffRequest](
    load=lambda request, pk: _console_license(request, pk),
    allowed=lambda request, lic: may_request_renewal(request.user, lic),
    not_allowed=gettext_lazy("Your role does not allow requesting NFR licenses."),
    perform=lambda request, lic, data: license_renewal_request(license=lic, by=request.user),
    success=lambda lic, req: _("Renewal request %(ref)s is in the queue.") % {"ref": req.reference},
    redirect_to=lambda request, lic, req: reverse("console:nfr_request", args=[req.pk]),
    on_invalid=lambda request, lic, form: _console_page(
        request, lic, status=400, renewal_error=_errors(form)
    ),
)

revoke_action = Action[StaffRequest](
    load=lambda request, pk: _console_license(request, pk),
    allowed=lambda request, lic: may_revoke(request.user),
    not_allowed=gettext_lazy("Your role does not allow revoking licenses."),
    form_class=RevokeForm,
    perform=lambda request, lic, data: license_revoke(license=lic, by=request.user, reason=data["reason"]),
    success=gettext_lazy(
        "License revoked: it is published as revoked, and the contact and partner admins are told."
    ),
    redirect_to=lambda request, lic, result: reverse("console:license", args=[lic.pk]),
    on_invalid=lambda request, lic, form: _console_page(request, lic, form=form, status=400),  # type: ignore[arg-type]
)


# The license; a POST requests its renewal on the partner's behalf (staff who may request NFR licenses).
console_license = staff_required(
    page_or_action(
        lambda request, pk: _console_page(request, _console_license(request, pk)), console_renew_action
    )
)


@staff_required
def console_license_file(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return _file_response(_console_license(request, pk))


console_license_revoke = staff_required(revoke_action.view)
