"""Portal pages (partner people): the partner's agreements, acceptance, region and legal requests."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.core.actions import Action, page_or_action
from channelops.core.listing import Column, ListPage
from channelops.core.views import client_ip
from channelops.partners.pages import PartnerRequest, partner_required

from ..forms import (
    AcceptForm,
    CommentForm,
    LegalRequestForm,
    RegionRequestForm,
    WithdrawForm,
)
from ..models import (
    Acceptance,
    AgreementTranslation,
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
from ..standing import legal_request_standing, region_exception_standing
from ._common import NOT_PARTNER_ADMIN, is_partner_admin


def _agreements_crumb() -> dict[str, Any]:
    return {"label": _("Agreements"), "url": reverse("portal:agreements")}


# === the partner's agreements and regions ========================================================


def _portal_agreements_page(
    request: PartnerRequest, *, region_form: RegionRequestForm | None = None, status: int = 200
) -> HttpResponse:
    partner = request.partner
    is_admin = request.membership.is_admin
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
            "standing": region_exception_standing(exceptions[0] if exceptions else None, is_admin=is_admin),
            "region_form": region_form if is_admin else None,
            "is_admin": is_admin,
            "nav": "agreements",
        },
        status=status,
    )


@partner_required
@require_safe
def portal_agreements(request: PartnerRequest) -> HttpResponse:
    return _portal_agreements_page(request)


region_request = Action[PartnerRequest](
    load=lambda request: request.partner,
    allowed=is_partner_admin,
    not_allowed=NOT_PARTNER_ADMIN,
    form_class=RegionRequestForm,
    form_kwargs=lambda request, partner: {"covered": covered_region_codes(partner)},
    perform=lambda request, partner, data: region_exception_request(
        partner=partner,
        regions=list(data["regions"]),
        justification=data["justification"],
        by=request.user,
    ),
    success=gettext_lazy("Your request was sent to channel leadership for a decision."),
    redirect_to=lambda request, partner, result: reverse("portal:agreements"),
    on_invalid=lambda request, partner, form: _portal_agreements_page(request, region_form=form, status=400),  # type: ignore[arg-type]
)
portal_region_request = partner_required(region_request.view)


# === one version: read and accept ================================================================


def _portal_version(request: PartnerRequest, pk: int) -> AgreementVersion:
    return get_object_or_404(
        AgreementVersion.objects.visible_to(request.user).select_related("template"), pk=pk
    )


def _reader_text(request: PartnerRequest, version: AgreementVersion) -> dict[str, Any]:
    """Which text the reader sees: the binding English text, or — for a reader of another language —
    the version's convenience translation into it (``?text=binding`` shows the English one), else the
    English text marked as available in English only. Acceptance always concerns the English text."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language == settings.LANGUAGE_CODE:
        return {"translated": None, "english_only": False, "binding_url": "", "translation_url": ""}
    translated = AgreementTranslation.objects.filter(version=version, language=language).first()
    url = request.path
    if translated is not None and request.GET.get("text") == "binding":
        return {"translated": None, "english_only": False, "binding_url": "", "translation_url": url}
    return {
        "translated": translated,
        "english_only": translated is None,
        "binding_url": f"{url}?text=binding#text-h" if translated is not None else "",
        "translation_url": "",
    }


def _version_page(
    request: PartnerRequest, version: AgreementVersion, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    partner = request.partner
    is_admin = request.membership.is_admin
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
    text = _reader_text(request, version)
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
            "text": text,
            "nav": "agreements",
            "breadcrumbs": [_agreements_crumb(), {"label": f"{version.template.name} {version.label}"}],
        },
        status=status,
    )


def _accept(request: PartnerRequest, version: AgreementVersion, data: dict[str, Any]) -> Any:
    """Accept the text shown; every refusal becomes one message on top of the page."""
    if data["version"] != version.pk:
        raise ValidationError(_("The form does not belong to the text shown. Reload the page."))
    try:
        return agreement_accept(
            partner=request.partner,
            version=data["version"],
            submitted_hash=data["content_hash"],
            by=request.user,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except ValidationError as exc:
        raise ValidationError(" ".join(exc.messages)) from exc


def _accept_refused(request: PartnerRequest, version: AgreementVersion, form: forms.Form) -> HttpResponse:
    """A refused acceptance: the service's reason, or a changed form, as a message; an unticked box
    stays on the form."""
    shown: forms.Form | None = form
    if form.non_field_errors():
        for error in form.non_field_errors():
            messages.error(request, str(error))
        shown = None
    elif form.errors.keys() - {"confirm"}:
        messages.error(request, _("The form was changed or is incomplete. Reload the page."))
        shown = None
    return _version_page(request, version, form=shown, status=400)


accept = Action[PartnerRequest](
    load=_portal_version,
    allowed=is_partner_admin,
    not_allowed=NOT_PARTNER_ADMIN,
    form_class=AcceptForm,
    form_kwargs=lambda request, version: {"version": version, "partner": request.partner},
    perform=_accept,
    success=lambda version, acceptance: (
        _("Thank you: %(partner)s accepted the %(agreement)s (%(version)s).")
        % {
            "partner": acceptance.partner.legal_name,
            "agreement": version.template.name,
            "version": version.label,
        }
    ),
    redirect_to=lambda request, version, result: reverse("portal:agreements"),
    on_invalid=_accept_refused,
)
portal_version = partner_required(
    page_or_action(lambda request, pk: _version_page(request, _portal_version(request, pk)), accept)
)


# === legal requests ==============================================================================


def _open_templates(request: PartnerRequest) -> list[Any]:
    """The agreements a legal request may be opened about: those with a current version."""
    return [r.template for r in partner_agreement_rows(request.partner) if r.current is not None]


class PortalLegalRequests(ListPage):
    """The partner's legal requests, and (for its admins) the form to open one."""

    request: PartnerRequest
    template_name = "agreements/portal_legal_requests.html"
    title = gettext_lazy("Legal requests")
    nav = "agreements"
    default_sort = "-opened_at"
    empty_title = gettext_lazy("Your company has no legal requests.")
    noun_plural = gettext_lazy("legal requests")
    columns = [
        Column(
            "template.name",
            gettext_lazy("Agreement"),
            link=lambda lr: reverse("portal:legal_request", args=[lr.pk]),
            sort="template__name",
        ),
        Column("version.label", gettext_lazy("Version discussed")),
        Column("opened_at", gettext_lazy("Opened"), sort="opened_at"),
        Column(
            "opened_by",
            gettext_lazy("Opened by"),
            value=lambda lr: (lr.opened_by.get_full_name() or lr.opened_by.email) if lr.opened_by else None,
        ),
        Column("status", gettext_lazy("Status"), status="legal_request", sort="status"),
    ]
    open_form: LegalRequestForm | None = None

    def get_queryset(self) -> Any:
        return LegalRequest.objects.visible_to(self.request.user).select_related(
            "template", "version", "opened_by"
        )

    def get_empty_text(self) -> str:
        if is_partner_admin(self.request):
            return _("If your company does not agree to an agreement's terms, open a legal request below.")
        return ""

    def get_breadcrumbs(self) -> list[dict[str, Any]]:
        return [_agreements_crumb(), {"label": _("Legal requests")}]

    def get_extra_context(self) -> dict[str, Any]:
        form = self.open_form
        if form is None and is_partner_admin(self.request):
            form = LegalRequestForm(templates=_open_templates(self.request))
        partner = self.request.partner
        return {
            "page_title": _("Legal requests of %(name)s") % {"name": partner.legal_name},
            "empty_text": self.get_empty_text(),
            "open_form": form,
        }


def _legal_list_with_form(request: PartnerRequest, form: forms.Form, status: int) -> HttpResponse:
    page = PortalLegalRequests(open_form=form)
    page.setup(request)
    response = page.get(request)
    response.status_code = status
    return response


open_legal_request = Action[PartnerRequest](
    load=_open_templates,
    allowed=is_partner_admin,
    not_allowed=NOT_PARTNER_ADMIN,
    form_class=LegalRequestForm,
    form_kwargs=lambda request, templates: {"templates": templates},
    perform=lambda request, templates, data: legal_request_open(
        partner=request.partner,
        template=next(t for t in templates if t.pk == data["template"]),
        proposed_changes=data["proposed_changes"],
        by=request.user,
    ),
    success=gettext_lazy("Your legal request was sent to the vendor's legal team."),
    redirect_to=lambda request, templates, lr: reverse("portal:legal_request", args=[lr.pk]),
    on_invalid=lambda request, templates, form: _legal_list_with_form(request, form, 400),
)
portal_legal_requests = partner_required(page_or_action(PortalLegalRequests.as_view(), open_legal_request))


def _portal_legal_request(request: PartnerRequest, pk: int) -> LegalRequest:
    return get_object_or_404(
        LegalRequest.objects.visible_to(request.user).select_related("template", "version", "opened_by"),
        pk=pk,
    )


def _legal_page(
    request: PartnerRequest, lr: LegalRequest, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    offered = list(lr.custom_versions.filter(status=VersionStatus.PUBLISHED).defer("body"))
    return render(
        request,
        "agreements/portal_legal_request.html",
        {
            "partner": request.partner,
            "lr": lr,
            "comments": lr.comments.select_related("author"),
            "offered": offered,
            "standing": legal_request_standing(lr, is_admin=is_partner_admin(request), offered=offered),
            "form": (form or CommentForm()) if lr.is_open else None,
            "withdraw_form": WithdrawForm() if lr.is_open and is_partner_admin(request) else None,
            "nav": "agreements",
            "breadcrumbs": [
                _agreements_crumb(),
                {"label": _("Legal requests"), "url": reverse("portal:legal_requests")},
                {"label": lr.template.name},
            ],
        },
        status=status,
    )


def _comment_refused(request: PartnerRequest, lr: LegalRequest, form: forms.Form) -> HttpResponse:
    if not lr.is_open:  # the form is no longer shown: say why on top
        for error in form.non_field_errors():
            messages.error(request, str(error))
    return _legal_page(request, lr, form=form, status=400)


portal_comment = Action[PartnerRequest](
    load=_portal_legal_request,
    form_class=CommentForm,
    perform=lambda request, lr, data: legal_comment_add(request=lr, body=data["body"], by=request.user),
    success=gettext_lazy("Your comment was sent."),
    redirect_to=lambda request, lr, result: reverse("portal:legal_request", args=[lr.pk]),
    on_invalid=_comment_refused,
)
portal_legal_request = partner_required(
    page_or_action(
        lambda request, pk: _legal_page(request, _portal_legal_request(request, pk)), portal_comment
    )
)


portal_withdraw = Action[PartnerRequest](
    load=lambda request, pk: get_object_or_404(
        LegalRequest.objects.visible_to(request.user).select_related("partner"), pk=pk
    ),
    allowed=is_partner_admin,
    not_allowed=NOT_PARTNER_ADMIN,
    form_class=WithdrawForm,
    perform=lambda request, lr, data: legal_request_withdraw(request=lr, by=request.user, note=data["note"]),
    success=gettext_lazy("Your legal request was withdrawn."),
    redirect_to=lambda request, lr, result: reverse("portal:legal_request", args=[lr.pk]),
)
portal_legal_withdraw = partner_required(portal_withdraw.view)
