"""Portal MDF pages ("Marketing funds"): why the partner may not submit, or its proposals; a new
proposal, editing a draft, sending it to the CAM, withdrawing; a proposal with its timeline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.core.actions import Action, page_or_action
from channelops.core.listing import Column, ListPage
from channelops.partners.pages import PartnerRequest, partner_required

from . import eligibility, services
from .forms import ProposalForm, proposal_initial
from .models import Claim, Proposal, ProposalStatus
from .money import amount_text
from .views_console import proposal_timeline


@method_decorator(partner_required, name="dispatch")
class PortalProposals(ListPage):
    """The partner's MDF proposals, newest first, with why it may not submit when it may not."""

    request: PartnerRequest
    template_name = "mdf/portal_list.html"
    title = gettext_lazy("Marketing funds")
    nav = "mdf"
    default_sort = "-created_at"
    empty_title = gettext_lazy("No proposals yet.")
    noun_plural = gettext_lazy("proposals")
    columns = [
        Column(
            "number",
            gettext_lazy("Proposal"),
            link=lambda p: reverse("portal:mdf_proposal", args=[p.pk]),
            css="text-nowrap",
        ),
        Column("title", gettext_lazy("Activity"), sort="title"),
        Column("starts_on", gettext_lazy("Starts"), sort="starts_on"),
        Column("status", gettext_lazy("Status"), status="mdf_proposal", sort="status"),
        Column(
            "requested",
            gettext_lazy("Requested"),
            value=lambda p: amount_text(p.requested_amount),
            numeric=True,
            sort="requested_amount",
        ),
        Column(
            "approved",
            gettext_lazy("Approved"),
            value=lambda p: amount_text(p.approved_amount) if p.approved_amount else None,
            numeric=True,
        ),
        Column("claim_deadline", gettext_lazy("Claim by"), sort="claim_deadline"),
    ]

    def reasons(self) -> list[eligibility.Reason]:
        if not hasattr(self, "_reasons"):
            self._reasons = eligibility.reasons(self.request.partner, self.request.user)
        return self._reasons

    def get_queryset(self) -> QuerySet:
        return Proposal.objects.visible_to(self.request.user)

    def ordering(self) -> list[str]:
        fields = super().ordering()
        return ["-created_at", "-pk"] if fields == ["-created_at", "pk"] else fields

    def get_actions(self) -> list[dict[str, Any]]:
        if self.reasons():
            return []
        return [
            {
                "label": _("New proposal"),
                "url": reverse("portal:mdf_proposal_new"),
                "primary": True,
                "icon": "plus",
            }
        ]

    def get_empty_action(self) -> tuple[str, str] | None:
        if self.reasons():
            return None
        return reverse("portal:mdf_proposal_new"), _("Propose your first activity")

    def get_extra_context(self) -> dict[str, Any]:
        return {
            "reasons": self.reasons(),
            "currency": services.program_currency(),
            "intro": _(
                "Market development funds pay for marketing activities with us: events, webinars, "
                "campaigns. Review your plan with your channel account manager, propose it here, "
                "and claim the approved funds with proof once it is done."
            ),
            "empty_text": _("Propose an activity; your CAM confirms it, then it goes for approval.")
            if not self.reasons()
            else _("Once the points above are solved you can propose activities here."),
        }


portal_proposals = PortalProposals.as_view()


# --- new and edit ---------------------------------------------------------------------------------------


def _submitter(request: PartnerRequest) -> Any:
    """The partner, when the person may submit proposals for it now (404 otherwise)."""
    if eligibility.reasons(request.partner, request.user):
        raise Http404(_("Your company may not submit MDF proposals now; the Marketing funds page says why."))
    return request.partner


def _form_page(
    request: PartnerRequest,
    *,
    proposal: Proposal | None,
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    crumbs = [{"label": _("Marketing funds"), "url": reverse("portal:mdf")}]
    if proposal is not None:
        crumbs.append({"label": proposal.number, "url": reverse("portal:mdf_proposal", args=[proposal.pk])})
    crumbs.append({"label": _("Edit") if proposal else _("New proposal")})
    cam = request.partner.cam
    return render(
        request,
        "mdf/portal_proposal_form.html",
        {
            "partner": request.partner,
            "proposal": proposal,
            "form": form or ProposalForm(initial=proposal_initial(proposal) if proposal else None),
            "cam": cam if cam is not None and cam.is_active else None,
            "currency": services.program_currency(),
            "nav": "mdf",
            "breadcrumbs": crumbs,
        },
        status=status,
    )


def _wants_send(request: HttpRequest) -> bool:
    return "send" in request.POST


@transaction.atomic
def _save_new(request: PartnerRequest, partner: Any, data: dict[str, Any]) -> Proposal:
    """Save the draft, and send it when the person pressed "Send to our CAM" (both or neither)."""
    proposal = services.proposal_create(partner=partner, by=request.user, data=data)
    if _wants_send(request):
        services.proposal_send_to_cam(proposal=proposal, by=request.user)
    return proposal


def _saved_message(proposal: Proposal) -> str:
    proposal.refresh_from_db()
    if proposal.status == ProposalStatus.AWAITING_CAM:
        return _("%(number)s was sent to %(cam)s, your channel account manager.") % {
            "number": proposal.number,
            "cam": proposal.cam.get_full_name() if proposal.cam else "",
        }
    return _("%(number)s was saved as a draft.") % {"number": proposal.number}


new_action = Action[PartnerRequest](
    load=_submitter,
    form_class=ProposalForm,
    perform=_save_new,
    success=lambda partner, proposal: _saved_message(proposal),
    redirect_to=lambda request, partner, proposal: reverse("portal:mdf_proposal", args=[proposal.pk]),
    on_invalid=lambda request, partner, form: _form_page(request, proposal=None, form=form, status=400),
)
portal_proposal_new = partner_required(
    page_or_action(lambda request: _form_page(request, proposal=(_submitter(request) and None)), new_action)
)


def _portal_proposal(request: PartnerRequest, pk: int) -> Proposal:
    return get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related(
            "partner__cam", "cam", "budget", "created_by"
        ),
        pk=pk,
    )


def _editable(request: PartnerRequest, pk: int) -> Proposal:
    proposal = _portal_proposal(request, pk)
    if not (proposal.is_editable and services.may_submit(request.user, proposal.partner)):
        raise Http404
    return proposal


@transaction.atomic
def _save_edit(request: PartnerRequest, proposal: Proposal, data: dict[str, Any]) -> Proposal:
    services.proposal_update(proposal=proposal, by=request.user, data=data)
    if _wants_send(request):
        services.proposal_send_to_cam(proposal=proposal, by=request.user)
    return proposal


edit_action = Action[PartnerRequest](
    load=_editable,
    form_class=ProposalForm,
    perform=_save_edit,
    success=lambda proposal, result: _saved_message(result),
    redirect_to=lambda request, proposal, result: reverse("portal:mdf_proposal", args=[proposal.pk]),
    on_invalid=lambda request, proposal, form: _form_page(request, proposal=proposal, form=form, status=400),
)
portal_proposal_edit = partner_required(
    page_or_action(lambda request, pk: _form_page(request, proposal=_editable(request, pk)), edit_action)
)


# --- the proposal ---------------------------------------------------------------------------------------


def _may_act(request: PartnerRequest, proposal: Proposal) -> bool:
    return services.may_submit(request.user, proposal.partner)


def portal_proposal_page(request: PartnerRequest, proposal: Proposal, *, status: int = 200) -> HttpResponse:
    may_act = _may_act(request, proposal)
    blocked = eligibility.partner_reasons(proposal.partner) if may_act and proposal.is_editable else []
    cam = proposal.partner.cam
    return render(
        request,
        "mdf/portal_proposal.html",
        {
            "partner": request.partner,
            "proposal": proposal,
            "events": proposal_timeline(proposal, staff=False),
            "claims": list(Claim.objects.filter(proposal=proposal).order_by("submitted_at", "pk")),
            "may_edit": may_act and proposal.is_editable and not blocked,
            "may_send": may_act and proposal.is_editable and not blocked,
            "may_withdraw": services.may_withdraw(request.user, proposal),
            "blocked": blocked,
            "has_cam": cam is not None and cam.is_active,
            "currency": services.program_currency(),
            "nav": "mdf",
            "breadcrumbs": [
                {"label": _("Marketing funds"), "url": reverse("portal:mdf")},
                {"label": proposal.number},
            ],
        },
        status=status,
    )


portal_proposal = partner_required(
    lambda request, pk: portal_proposal_page(request, _portal_proposal(request, pk))
)


send_action = Action[PartnerRequest](
    load=_portal_proposal,
    allowed=_may_act,
    not_allowed=gettext_lazy("Ask your company's partner admin to send this proposal."),
    perform=lambda request, proposal, d: services.proposal_send_to_cam(proposal=proposal, by=request.user),
    success=lambda proposal, result: _saved_message(result),
    redirect_to=lambda request, proposal, result: reverse("portal:mdf_proposal", args=[proposal.pk]),
)
portal_proposal_send = partner_required(send_action.view)

withdraw_action = Action[PartnerRequest](
    load=_portal_proposal,
    allowed=_may_act,
    not_allowed=gettext_lazy("Ask your company's partner admin to withdraw this proposal."),
    confirm_template="mdf/portal_proposal_withdraw.html",
    perform=lambda request, proposal, d: services.proposal_withdraw(proposal=proposal, by=request.user),
    success=lambda proposal, result: _("%(number)s was withdrawn.") % {"number": proposal.number},
    redirect_to=lambda request, proposal, result: reverse("portal:mdf_proposal", args=[proposal.pk]),
)
portal_proposal_withdraw = partner_required(withdraw_action.view)
