"""Partner certification pages: the partner's certifications in the portal (what it has, what it still
needs; Certified Training Partner invitation, application and trainer candidates) and, in the console,
partners by certification state, one partner's certifications, invitations and reviews."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.listing import Column
from channelops.core.pages import staff_required
from channelops.partners.models import Partner
from channelops.partners.pages import PartnerRequest, partner_required

from ..filters import PartnerCertificationStatusFilter
from ..forms import CandidateForm, PartnerCertReviewForm
from ..models import Admission, CertState, PartnerCertification, PartnerCertificationStatus
from ..services.awards import next_certification, partner_certification_review_resolve, partner_progress
from ..services.training_partners import ctp_invite, ctp_join, trainer_candidate_add, trainer_candidates
from ..standing import training_partner_standing
from ._common import OrderedListPage, flash_refusal, one_refusal

# === portal ======================================================================================


def _rows(
    progress: list[Any], *, candidate_form: bool = False, review_form: bool = False
) -> list[dict[str, Any]]:
    """Each certification's progress (``p``) with its trainer candidates while its onboarding is open,
    and the forms shown beside it (ids unique per certification)."""
    rows = []
    for p in progress:
        row: dict[str, Any] = {
            "p": p,
            "candidates": [],
            "standing": training_partner_standing(p, is_admin=candidate_form),
        }
        onboarding = p.status is not None and p.status.state == CertState.ONBOARDING
        if onboarding:
            row["candidates"] = list(trainer_candidates(p.status).only("pk", "title", "status"))
        if candidate_form and onboarding:
            row["candidate_form"] = CandidateForm(auto_id=f"id_{p.certification.slug}_%s")
        if review_form and p.state == CertState.UNDER_REVIEW:
            row["review_form"] = PartnerCertReviewForm(auto_id=f"id_review{p.status.pk}_%s")
        rows.append(row)
    return rows


@partner_required
def portal_partner_certifications(request: PartnerRequest) -> HttpResponse:
    partner = request.partner
    progress = partner_progress(partner)
    return render(
        request,
        "enablement/partner_cert_portal.html",
        {
            "partner": partner,
            "rows": _rows(progress, candidate_form=request.membership.is_admin),
            "next": next_certification(progress),
            "is_admin": request.membership.is_admin,
            "nav": "enablement",
            "breadcrumbs": [
                {"label": _("Enablement"), "url": reverse("portal:enablement_home")},
                {"label": _("Partner certifications")},
            ],
        },
    )


def _portal_certification(request: PartnerRequest, slug: str) -> PartnerCertification:
    """An onboarding certification, for the partner's admins (404 for its other people, as before)."""
    if not request.membership.is_admin:
        raise Http404
    return get_object_or_404(PartnerCertification, slug=slug, active=True, admission=Admission.ONBOARDING)


def _back_to_portal(request: PartnerRequest, obj: Any, result: Any = None) -> str:
    return reverse("portal:partner_certifications")


# The partner admin accepts the invitation (or applies, once applications are open).
join = Action[PartnerRequest](
    load=_portal_certification,
    perform=lambda request, pc, data: one_refusal(
        lambda: ctp_join(partner=request.partner, certification=pc, by=request.user)
    ),
    success=lambda pc, status: (
        _("Welcome to the %(name)s onboarding: the requirements are tracked in your collaboration space.")
        % {"name": pc.name}
    ),
    redirect_to=_back_to_portal,
    on_invalid=flash_refusal(_back_to_portal),
)
portal_partner_certification_join = partner_required(join.view)


def _onboarding_status(request: PartnerRequest, slug: str) -> PartnerCertificationStatus:
    pc = _portal_certification(request, slug)
    return get_object_or_404(
        PartnerCertificationStatus.objects.visible_to(request.user),
        certification=pc,
        state=CertState.ONBOARDING,
    )


def _add_candidate(request: PartnerRequest, status: PartnerCertificationStatus, data: dict[str, Any]) -> str:
    one_refusal(lambda: trainer_candidate_add(status=status, by=request.user, **data))
    return str(data["full_name"])


add_candidate = Action[PartnerRequest](
    load=_onboarding_status,
    form_class=CandidateForm,
    perform=_add_candidate,
    success=lambda status, name: _("%(name)s is enrolled as a trainer candidate.") % {"name": name},
    redirect_to=_back_to_portal,
    on_invalid=flash_refusal(_back_to_portal, _l("Give the candidate's name and e-mail address.")),
)
portal_trainer_candidate_add = partner_required(add_candidate.view)


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

    request: StaffRequest

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
def console_partner_certifications_partner(request: StaffRequest, partner_id: int) -> HttpResponse:
    partner = get_object_or_404(Partner.objects.visible_to(request.user).select_related("cam"), pk=partner_id)
    progress = partner_progress(partner)
    return render(
        request,
        "enablement/partner_cert_console_partner.html",
        {
            "partner": partner,
            "rows": _rows(progress, review_form=True),
            "next": next_certification(progress),
            "nav": "partner_certifications",
            "breadcrumbs": [
                {"label": _("Partner certifications"), "url": reverse("console:partner_certifications")},
                {"label": partner.legal_name},
            ],
        },
    )


def _invitation(request: StaffRequest, partner_id: int, slug: str) -> tuple[Partner, PartnerCertification]:
    partner = get_object_or_404(Partner.objects.visible_to(request.user), pk=partner_id)
    return partner, get_object_or_404(PartnerCertification, slug=slug, active=True)


def _back_to_partner(request: StaffRequest, obj: Any, result: Any = None) -> str:
    partner_id = obj[0].pk if isinstance(obj, tuple) else obj.partner_id
    return reverse("console:partner_certifications_partner", args=[partner_id])


invite = Action[StaffRequest](
    load=_invitation,
    perform=lambda request, obj, data: one_refusal(
        lambda: ctp_invite(partner=obj[0], certification=obj[1], by=request.user)
    ),
    success=lambda obj, status: (
        _("%(partner)s is invited to %(name)s; its admins were e-mailed.")
        % {"partner": obj[0].legal_name, "name": obj[1].name}
    ),
    redirect_to=_back_to_partner,
    on_invalid=flash_refusal(_back_to_partner),
)
console_partner_certification_invite = staff_required(invite.view)


review = Action[StaffRequest](
    load=lambda request, pk: get_object_or_404(
        PartnerCertificationStatus.objects.visible_to(request.user), pk=pk
    ),
    form_class=PartnerCertReviewForm,
    perform=lambda request, status, data: one_refusal(
        lambda: partner_certification_review_resolve(
            status=status, keep=data["decision"] == "keep", by=request.user, note=data["note"]
        )
    ),
    success=_l("Review resolved."),
    redirect_to=_back_to_partner,
    on_invalid=flash_refusal(_back_to_partner, _l("Choose whether to keep or withdraw the certification.")),
)
console_partner_certification_review = staff_required(review.view)
