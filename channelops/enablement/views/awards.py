"""Partner certification pages: the partner's certifications in the portal (what it has, what it still
needs; Certified Training Partner invitation, application and trainer candidates) and, in the console,
partners by certification state, one partner's certifications, invitations and reviews."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from channelops.core.exceptions import NotAllowed
from channelops.core.listing import Column
from channelops.core.pages import staff_required
from channelops.partners.models import Partner
from channelops.partners.pages import partner_required

from ..filters import PartnerCertificationStatusFilter
from ..forms import CandidateForm, PartnerCertReviewForm
from ..models import Admission, CertState, PartnerCertification, PartnerCertificationStatus
from ..services.awards import next_certification, partner_certification_review_resolve, partner_progress
from ..services.training_partners import ctp_invite, ctp_join, trainer_candidate_add, trainer_candidates
from ._common import OrderedListPage


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# === portal ======================================================================================


def _candidates_by_status(progress: list[Any]) -> dict[int, list[Any]]:
    out = {}
    for p in progress:
        if p.status is not None and p.status.state == CertState.ONBOARDING:
            out[p.certification.pk] = list(trainer_candidates(p.status).only("pk", "title", "status"))
    return out


@partner_required
def portal_partner_certifications(request: HttpRequest) -> HttpResponse:
    partner = request.partner  # type: ignore[attr-defined]
    progress = partner_progress(partner)
    candidates = _candidates_by_status(progress)
    for p in progress:
        p.candidates = candidates.get(p.certification.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "enablement/partner_cert_portal.html",
        {
            "partner": partner,
            "progress": progress,
            "next": next_certification(progress),
            "is_admin": request.membership.is_admin,  # type: ignore[attr-defined]
            "candidate_form": CandidateForm(),
            "nav": "enablement",
        },
    )


def _portal_certification(slug: str) -> PartnerCertification:
    return get_object_or_404(PartnerCertification, slug=slug, active=True, admission=Admission.ONBOARDING)


@partner_required
@require_POST
def portal_partner_certification_join(request: HttpRequest, slug: str) -> HttpResponse:
    """The partner admin accepts the invitation (or applies, once applications are open)."""
    if not request.membership.is_admin:  # type: ignore[attr-defined]
        raise Http404
    pc = _portal_certification(slug)
    try:
        ctp_join(partner=request.partner, certification=pc, by=request.user)  # type: ignore[attr-defined]
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    else:
        messages.success(
            request,
            _("Welcome to the %(name)s onboarding: the requirements are tracked in your collaboration space.")
            % {"name": pc.name},
        )
    return redirect("portal:partner_certifications")


@partner_required
@require_POST
def portal_trainer_candidate_add(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.membership.is_admin:  # type: ignore[attr-defined]
        raise Http404
    pc = _portal_certification(slug)
    status = get_object_or_404(
        PartnerCertificationStatus.objects.visible_to(request.user),
        certification=pc,
        state=CertState.ONBOARDING,
    )
    form = CandidateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the candidate's name and e-mail address."))
        return redirect("portal:partner_certifications")
    try:
        trainer_candidate_add(status=status, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("%(name)s is enrolled as a trainer candidate.") % {"name": form.cleaned_data["full_name"]},
        )
    return redirect("portal:partner_certifications")


# === console =====================================================================================


def _status_note(s: PartnerCertificationStatus) -> str:
    if s.state == CertState.UNDER_REVIEW:
        return s.flag_reason
    if s.state == CertState.ONBOARDING and s.deadline:
        return _("deadline %(d)s") % {"d": s.deadline.isoformat()}
    return ""


@method_decorator(staff_required, name="dispatch")
class ConsolePartnerCertifications(OrderedListPage):
    """Partners by certification state, filtered (constant number of queries)."""

    title = _l("Partner certifications")
    nav = "partner_certifications"
    filterset_class = PartnerCertificationStatusFilter
    default_ordering = ("partner__legal_name", "certification__position", "pk")
    noun_plural = _l("partner certifications")
    empty_title = _l("No partner holds or works towards a partner certification yet")
    empty_text = _l("Invite a partner from its certifications page, or choose another state.")
    columns = [
        Column(
            "partner.legal_name",
            _l("Partner"),
            link=lambda s: reverse("console:partner_certifications_partner", args=[s.partner_id]),
            sort="partner__legal_name",
        ),
        Column("certification.name", _l("Certification"), sort="certification__position"),
        Column("state", _l("State"), status="partner_certification", sort="state"),
        Column(
            "partner.cam", _l("CAM"), value=lambda s: s.partner.cam.get_full_name() if s.partner.cam else None
        ),
        Column("updated_at", _l("Since"), value=lambda s: s.updated_at.date(), sort="updated_at"),
        Column("note", _l("Note"), value=_status_note),
    ]

    def get_queryset(self) -> Any:
        qs = PartnerCertificationStatus.objects.visible_to(self.request.user).select_related(
            "partner", "partner__cam", "certification"
        )
        if self.request.GET.get("state") not in CertState.values:  # no (valid) state: the held and pending
            qs = qs.exclude(state=CertState.NONE)
        return qs


@staff_required
def console_partner_certifications_partner(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = get_object_or_404(Partner.objects.visible_to(request.user).select_related("cam"), pk=partner_id)
    progress = partner_progress(partner)
    candidates = _candidates_by_status(progress)
    for p in progress:
        p.candidates = candidates.get(p.certification.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "enablement/partner_cert_console_partner.html",
        {"partner": partner, "progress": progress, "next": next_certification(progress)},
    )


@staff_required
@require_POST
def console_partner_certification_invite(request: HttpRequest, partner_id: int, slug: str) -> HttpResponse:
    partner = get_object_or_404(Partner.objects.visible_to(request.user), pk=partner_id)
    pc = get_object_or_404(PartnerCertification, slug=slug, active=True)
    try:
        ctp_invite(partner=partner, certification=pc, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("%(partner)s is invited to %(name)s; its admins were e-mailed.")
            % {"partner": partner.legal_name, "name": pc.name},
        )
    return redirect("console:partner_certifications_partner", partner.pk)


@staff_required
@require_POST
def console_partner_certification_review(request: HttpRequest, pk: int) -> HttpResponse:
    status = get_object_or_404(PartnerCertificationStatus.objects.visible_to(request.user), pk=pk)
    form = PartnerCertReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to keep or withdraw the certification."))
    else:
        try:
            partner_certification_review_resolve(
                status=status,
                keep=form.cleaned_data["decision"] == "keep",
                by=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Review resolved."))
    return redirect("console:partner_certifications_partner", status.partner_id)
