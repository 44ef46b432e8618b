"""Console MDF proposal pages: the queue ("Waiting for me" and all proposals, with filters) and a
proposal with the CAM's alignment, comments and the routed decision."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.partners.models import Region

from . import services
from .forms import ApproveForm, ChangesForm, CommentForm, RejectForm
from .models import VIEW_PERM, ApprovalLevel, Budget, Claim, Event, EventKind, Proposal, ProposalStatus
from .money import amount_text

EVENT_STYLE: dict[str, tuple[str, str]] = {
    EventKind.CREATED: ("plus", "secondary"),
    EventKind.EDITED: ("pencil", "secondary"),
    EventKind.SENT_TO_CAM: ("send", "yellow"),
    EventKind.CAM_ALIGNED: ("user-check", "green"),
    EventKind.CAM_RETURNED: ("arrow-left", "orange"),
    EventKind.SUBMITTED: ("send", "blue"),
    EventKind.COMMENT: ("mail", "secondary"),
    EventKind.CHANGES_REQUESTED: ("arrow-left", "orange"),
    EventKind.APPROVED: ("check", "green"),
    EventKind.REJECTED: ("x", "red"),
    EventKind.WITHDRAWN: ("arrow-left", "secondary"),
}


def proposal_timeline(proposal: Proposal, *, staff: bool) -> list[Event]:
    """The proposal's events, oldest first (internal ones only for staff), with ``icon``/``color``."""
    qs = Event.objects.filter(proposal=proposal).select_related("actor", "claim").order_by("at", "pk")
    if not staff:
        qs = qs.filter(internal=False)
    events = list(qs)
    for e in events:
        e.icon, e.color = EVENT_STYLE.get(e.kind, ("info-circle", "secondary"))  # type: ignore[attr-defined]
    return events


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERM):
        raise PermissionDenied(_("Your role does not allow seeing MDF proposals."))


def waiting_for(user: Any) -> Q:
    """Proposals waiting for ``user``: alignment of their partners' proposals (as CAM), and approvals
    at their level (a CAM for their partners; channel marketing; channel leadership; administrators any)."""
    mine = Q(status=ProposalStatus.AWAITING_CAM) & (Q(cam=user) | Q(partner__cam=user))
    if not user.has_perm(services.DECIDE_PERM):
        return mine
    submitted = Q(status=ProposalStatus.SUBMITTED)
    if services._is_admin(user):
        return mine | submitted | Q(status=ProposalStatus.AWAITING_CAM)
    levels = Q(pk__in=[])
    roles = user.staff_roles
    if "cam" in roles:
        levels |= Q(approval_level=ApprovalLevel.CAM, partner__cam=user)
    if "channel_marketing" in roles:
        levels |= Q(approval_level=ApprovalLevel.MARKETING)
    if "channel_leadership" in roles:
        levels |= Q(approval_level=ApprovalLevel.LEADERSHIP)
    return mine | (submitted & levels)


class ProposalQueueFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=gettext_lazy("Search"),
        method="search",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Partner, title or MDF-…")}),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=ProposalStatus.choices, empty_label=gettext_lazy("Any")
    )
    region = django_filters.ChoiceFilter(
        label=gettext_lazy("Region"),
        field_name="partner__region__code",
        empty_label=gettext_lazy("Any"),
        choices=[],
    )
    quarter = django_filters.ChoiceFilter(
        label=gettext_lazy("Quarter"), method="by_quarter", empty_label=gettext_lazy("Any"), choices=[]
    )

    class Meta:
        model = Proposal
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["region"].extra["choices"] = [(r.code, r.name) for r in Region.objects.order_by("code")]
        periods = (
            Budget.objects.order_by("-fiscal_year", "-quarter")
            .values_list("fiscal_year", "quarter")
            .distinct()
        )
        self.filters["quarter"].extra["choices"] = [
            (f"{y}-{q}", f"FY{y % 100:02d} Q{q}") for y, q in dict.fromkeys(periods)
        ]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(
            Q(number__iexact=value) | Q(partner__legal_name__icontains=value) | Q(title__icontains=value)
        )

    def by_quarter(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        year, _sep, quarter = (value or "").partition("-")
        if not (year.isdigit() and quarter.isdigit()):
            return qs
        return qs.filter(budget__fiscal_year=int(year), budget__quarter=int(quarter))


def _waiting_label(p: Proposal) -> str:
    if p.status == ProposalStatus.AWAITING_CAM:
        cam = p.cam or p.partner.cam
        return _("CAM %(name)s") % {"name": cam.get_full_name() if cam else "—"}
    if p.status == ProposalStatus.SUBMITTED:
        return str(p.get_approval_level_display())
    return ""


COLUMNS = [
    Column(
        "number",
        gettext_lazy("Proposal"),
        link=lambda p: reverse("console:mdf_proposal", args=[p.pk]),
        css="text-nowrap",
        sort="number",
    ),
    Column(
        "partner", gettext_lazy("Partner"), value=lambda p: p.partner.legal_name, sort="partner__legal_name"
    ),
    Column("region", gettext_lazy("Region"), value=lambda p: p.partner.region.code),
    Column("title", gettext_lazy("Activity"), sort="title"),
    Column("starts_on", gettext_lazy("Starts"), sort="starts_on"),
    Column("status", gettext_lazy("Status"), status="mdf_proposal", sort="status"),
    Column("waiting", gettext_lazy("Waiting for"), value=_waiting_label),
    Column(
        "requested",
        gettext_lazy("Requested"),
        value=lambda p: amount_text(p.requested_amount),
        numeric=True,
        sort="requested_amount",
        export_value=lambda p: p.requested_amount,
    ),
    Column(
        "approved",
        gettext_lazy("Approved"),
        value=lambda p: amount_text(p.approved_amount) if p.approved_amount else None,
        numeric=True,
        export_value=lambda p: p.approved_amount,
    ),
    Column("claim_deadline", gettext_lazy("Claim by"), sort="claim_deadline"),
]


@method_decorator(staff_required, name="dispatch")
class ConsoleProposals(ListPage):
    template_name = "mdf/console_queue.html"
    title = gettext_lazy("Marketing funds")
    nav = "mdf"
    filterset_class = ProposalQueueFilter
    columns = COLUMNS
    default_sort = "-created_at"
    export_name = "mdf-proposals"
    empty_title = gettext_lazy("No MDF proposals yet.")
    empty_text = gettext_lazy("Partners propose marketing activities in the portal; they appear here.")
    noun_plural = gettext_lazy("proposals")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def mine(self) -> bool:
        return self.request.GET.get("view") == "mine"

    def get_queryset(self) -> QuerySet:
        qs = Proposal.objects.visible_to(self.request.user).select_related(
            "partner__region", "partner__cam", "cam"
        )
        if self.mine():
            qs = qs.filter(waiting_for(self.request.user))
        return qs

    def ordering(self) -> list[str]:
        fields = super().ordering()
        return ["-created_at", "-pk"] if fields == ["-created_at", "pk"] else fields

    def get_extra_context(self) -> dict[str, Any]:
        waiting = (
            Proposal.objects.visible_to(self.request.user).filter(waiting_for(self.request.user)).count()
        )
        return {
            "mine": self.mine(),
            "waiting_count": waiting,
            "empty_title": _("Nothing is waiting for you.") if self.mine() else self.empty_title,
            "empty_text": _("Proposals waiting for your alignment or decision appear here.")
            if self.mine()
            else self.empty_text,
        }


console_proposals = ConsoleProposals.as_view()


# --- the proposal -------------------------------------------------------------------------------------------


def _console_proposal(request: StaffRequest, pk: int) -> Proposal:
    _require_view(request)
    return get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related(
            "partner__region", "partner__tier", "partner__cam", "cam", "budget", "created_by", "decided_by"
        ),
        pk=pk,
    )


def console_proposal_page(
    request: StaffRequest, proposal: Proposal, *, status: int = 200, **forms_: forms.Form
) -> HttpResponse:
    user = request.user
    budget = (
        Budget.objects.with_balances().select_related("region").get(pk=proposal.budget_id)
        if proposal.budget_id
        else None
    )
    allocation = None
    if budget is not None:
        allocation = budget.allocations.filter(partner_id=proposal.partner_id).first()
    may_decide = services.may_decide(user, proposal)
    may_align = services.may_align(user, proposal)
    context = {
        "proposal": proposal,
        "partner": proposal.partner,
        "budget": budget,
        "allocation": allocation,
        "allocation_used": services.partner_committed(budget, proposal.partner_id)
        if budget is not None and allocation is not None
        else None,
        "events": proposal_timeline(proposal, staff=True),
        "claims": list(Claim.objects.filter(proposal=proposal).order_by("submitted_at", "pk")),
        "currency": services.program_currency(),
        "may_align": may_align,
        "may_decide": may_decide,
        "may_comment": services.may_comment(user, proposal),
        "comment_form": forms_.get("comment_form") or CommentForm(),
        "cam_changes_form": forms_.get("cam_changes_form") or ChangesForm(),
        "changes_form": forms_.get("changes_form") or ChangesForm(),
        "approve_form": forms_.get("approve_form") or ApproveForm(),
        "reject_form": forms_.get("reject_form") or RejectForm(),
        "nav": "mdf",
        "staff_view": True,
        "breadcrumbs": [
            {"label": _("Marketing funds"), "url": reverse("console:mdf")},
            {"label": proposal.number},
        ],
    }
    return render(request, "mdf/console_proposal.html", context, status=status)


console_proposal = staff_required(
    lambda request, pk: console_proposal_page(request, _console_proposal(request, pk))
)


def _back(request: StaffRequest, proposal: Proposal, result: Any) -> str:
    return reverse("console:mdf_proposal", args=[proposal.pk])


def _invalid(name: str) -> Any:
    return lambda request, proposal, form: console_proposal_page(
        request, proposal, status=400, **{name: form}
    )


align_action = Action[StaffRequest](
    load=_console_proposal,
    allowed=lambda request, p: services.may_align(request.user, p),
    not_allowed=gettext_lazy("Only the partner's channel account manager confirms alignment."),
    perform=lambda request, p, d: services.proposal_align(proposal=p, by=request.user),
    success=lambda p, result: (
        _("%(number)s is aligned and waits for approval by %(level)s.")
        % {"number": p.number, "level": result.get_approval_level_display().lower()}
    ),
    redirect_to=_back,
)
cam_return_action = Action[StaffRequest](
    load=_console_proposal,
    allowed=lambda request, p: services.may_align(request.user, p),
    not_allowed=gettext_lazy("Only the partner's channel account manager reviews this proposal."),
    form_class=ChangesForm,
    perform=lambda request, p, d: services.proposal_cam_return(
        proposal=p, by=request.user, comment=d["comment"]
    ),
    success=lambda p, result: _("%(number)s went back to the partner for changes.") % {"number": p.number},
    redirect_to=_back,
    on_invalid=_invalid("cam_changes_form"),
)
comment_action = Action[StaffRequest](
    load=_console_proposal,
    allowed=lambda request, p: services.may_comment(request.user, p),
    not_allowed=gettext_lazy("You may not comment on MDF proposals."),
    form_class=CommentForm,
    perform=lambda request, p, d: services.proposal_comment(
        proposal=p, by=request.user, comment=d["comment"], internal=d["internal"]
    ),
    success=gettext_lazy("Your comment was added."),
    redirect_to=_back,
    on_invalid=_invalid("comment_form"),
)
_NOT_DECIDER = gettext_lazy("Your role may not decide this proposal.")
changes_action = Action[StaffRequest](
    load=_console_proposal,
    allowed=lambda request, p: services.may_decide(request.user, p),
    not_allowed=_NOT_DECIDER,
    form_class=ChangesForm,
    perform=lambda request, p, d: services.proposal_request_changes(
        proposal=p, by=request.user, comment=d["comment"]
    ),
    success=lambda p, result: _("%(number)s went back to the partner for changes.") % {"number": p.number},
    redirect_to=_back,
    on_invalid=_invalid("changes_form"),
)
approve_action = Action[StaffRequest](
    load=_console_proposal,
    allowed=lambda request, p: services.may_decide(request.user, p),
    not_allowed=_NOT_DECIDER,
    form_class=ApproveForm,
    perform=lambda request, p, d: services.proposal_approve(
        proposal=p, by=request.user, amount=d.get("amount"), comment=d.get("comment", "")
    ),
    success=lambda p, result: (
        _("%(number)s is approved: %(amount)s are reserved.")
        % {"number": p.number, "amount": f"{result.approved_amount:,.2f} {services.program_currency()}"}
    ),
    redirect_to=_back,
    on_invalid=_invalid("approve_form"),
)
reject_action = Action[StaffRequest](
    load=_console_proposal,
    allowed=lambda request, p: services.may_decide(request.user, p),
    not_allowed=_NOT_DECIDER,
    form_class=RejectForm,
    perform=lambda request, p, d: services.proposal_reject(proposal=p, by=request.user, reason=d["reason"]),
    success=lambda p, result: _("%(number)s was rejected; the partner is told why.") % {"number": p.number},
    redirect_to=_back,
    on_invalid=_invalid("reject_form"),
)
console_proposal_align = staff_required(align_action.view)
console_proposal_cam_return = staff_required(cam_return_action.view)
console_proposal_comment = staff_required(comment_action.view)
console_proposal_changes = staff_required(changes_action.view)
console_proposal_approve = staff_required(approve_action.view)
console_proposal_reject = staff_required(reject_action.view)

__all__ = ["console_proposal", "console_proposals", "proposal_timeline"]
