"""Claim pages (docs/mdf.md, "Claims, payments and deadlines").

Portal (partner people; ``visible_to`` keeps them to their own partner, anything else is 404):
the partner's claims, a new claim on an approved proposal, a claim with its files and timeline
(no internal comments), "add proof" when more was asked for, a proof file's download.

Console (staff with ``mdf.view_proposal``): the review queue (waiting, more proof, approved and
not yet paid), a claim with the review buttons the person may use (``mdf.review_claim``,
``mdf.record_payment``), a proof file's download.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.core.actions import Action, page_or_action
from channelops.core.files import private_file_response
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.partners.pages import PartnerRequest, partner_required

from . import claim_services as svc
from .claim_forms import (
    PROOF_HELP,
    AddProofForm,
    ApproveForm,
    ClaimForm,
    MoreProofForm,
    PaymentForm,
    RejectForm,
)
from .models import Claim, ClaimStatus, Event, ProofFile, Proposal, ProposalStatus
from .money import amount_text
from .querysets import may_view_mdf

PORTAL_NAV = "mdf"
CONSOLE_NAV = "mdf_claims"
QUEUE_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.MORE_PROOF, ClaimStatus.APPROVED)


def _claims(user: Any) -> QuerySet[Claim]:
    return Claim.objects.visible_to(user).select_related("proposal__partner", "submitted_by")


def _claim(user: Any, number: str) -> Claim:
    claim = get_object_or_404(
        _claims(user).prefetch_related(Prefetch("proof_files", queryset=ProofFile.objects.order_by("pk"))),
        number=number,
    )
    return claim


def _timeline(claim: Claim, *, staff: bool) -> list[Event]:
    events = Event.objects.filter(claim=claim).select_related("actor").order_by("at", "pk")
    if not staff:
        events = events.filter(internal=False)
    return list(events)


def _proposal_url(proposal: Proposal, *, staff: bool) -> str:
    from django.urls import NoReverseMatch

    try:
        return reverse("console:mdf_proposal" if staff else "portal:mdf_proposal", args=[proposal.number])
    except NoReverseMatch:
        return ""


# --- portal -------------------------------------------------------------------------------------


@partner_required
def _portal_claims_page(request: PartnerRequest) -> HttpResponse:
    claims = list(_claims(request.user).order_by("-submitted_at", "-pk")[:200])
    return render(
        request,
        "mdf/claim_portal_list.html",
        {
            "claims": claims,
            "nav": PORTAL_NAV,
            "currency": settings.MDF_CURRENCY,
            "breadcrumbs": [{"label": _("Marketing funds")}, {"label": _("Claims")}],
        },
    )


portal_claims = require_safe(_portal_claims_page)


def _claimable_proposal(request: PartnerRequest, number: str) -> Proposal:
    proposal = get_object_or_404(
        Proposal.objects.visible_to(request.user).select_related("partner"), number=number
    )
    if not svc.may_submit_claims(request.user, proposal.partner_id):
        raise Http404(_("Ask your company's partner admin to allow you to submit requests."))
    return proposal


def _new_claim_page(
    request: PartnerRequest, proposal: Proposal, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    left = svc.claimable(proposal)
    closed_reason = ""
    if proposal.status != ProposalStatus.APPROVED:
        closed_reason = _("Claims can be made on approved proposals; this one is %(s)s.") % {
            "s": proposal.get_status_display().lower()
        }
    elif svc.deadline_passed(proposal):
        closed_reason = _("The claim deadline was %(date)s; claims are no longer accepted.") % {
            "date": proposal.claim_deadline
        }
    elif left <= 0:
        closed_reason = _("Nothing is left to claim on this proposal.")
    return render(
        request,
        "mdf/claim_new.html",
        {
            "proposal": proposal,
            "form": form or ClaimForm(initial={"amount": left if left > 0 else None}),
            "left": left,
            "closed_reason": closed_reason,
            "proof_help": PROOF_HELP,
            "currency": settings.MDF_CURRENCY,
            "proposal_url": _proposal_url(proposal, staff=False),
            "nav": PORTAL_NAV,
            "breadcrumbs": [
                {"label": _("Marketing funds"), "url": reverse("portal:mdf_claims")},
                {"label": proposal.number, "url": _proposal_url(proposal, staff=False) or None},
                {"label": _("New claim")},
            ],
        },
        status=status,
    )


def _with_files(request: HttpRequest, obj: Any) -> dict[str, Any]:
    return {"files": request.FILES}


submit_claim = Action[PartnerRequest](
    load=_claimable_proposal,
    form_class=ClaimForm,
    form_kwargs=_with_files,
    perform=lambda request, proposal, data: svc.claim_submit(
        proposal=proposal,
        by=request.user,
        amount=data["amount"],
        currency=data["currency"],
        is_final=data["is_final"],
        note=data["note"],
        files=proof_files_of(data),
    ),
    success=lambda proposal, claim: (
        _("Claim %(n)s is sent. Channel marketing reviews it; you get an e-mail with the decision.")
        % {"n": claim.number}
    ),
    redirect_to=lambda request, proposal, claim: reverse("portal:mdf_claim", args=[claim.number]),
    on_invalid=lambda request, proposal, form: _new_claim_page(request, proposal, form=form, status=400),
)


def proof_files_of(data: dict[str, Any]) -> list[tuple[str, Any]]:
    from .claim_forms import PROOF_FIELDS

    return [(kind, f) for name, kind in PROOF_FIELDS.items() for f in data.get(name) or []]


portal_claim_new = partner_required(
    page_or_action(
        lambda request, number: _new_claim_page(request, _claimable_proposal(request, number)), submit_claim
    )
)


def _portal_claim_page(
    request: PartnerRequest, claim: Claim, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    may_add = claim.status == ClaimStatus.MORE_PROOF and svc.may_submit_claims(
        request.user, claim.proposal.partner_id
    )
    return render(
        request,
        "mdf/claim_portal.html",
        {
            "claim": claim,
            "proposal": claim.proposal,
            "files": list(claim.proof_files.all()),
            "events": _timeline(claim, staff=False),
            "form": (form or AddProofForm()) if may_add else None,
            "proof_help": PROOF_HELP,
            "currency": settings.MDF_CURRENCY,
            "proposal_url": _proposal_url(claim.proposal, staff=False),
            "nav": PORTAL_NAV,
            "breadcrumbs": [
                {"label": _("Marketing funds"), "url": reverse("portal:mdf_claims")},
                {"label": claim.proposal.number, "url": _proposal_url(claim.proposal, staff=False) or None},
                {"label": claim.number},
            ],
        },
        status=status,
    )


add_proof = Action[PartnerRequest](
    load=lambda request, number: _claim(request.user, number),
    allowed=lambda request, claim: svc.may_submit_claims(request.user, claim.proposal.partner_id),
    not_allowed=gettext_lazy("Ask your company's partner admin to allow you to submit requests."),
    form_class=AddProofForm,
    form_kwargs=_with_files,
    perform=lambda request, claim, data: svc.claim_add_proof(
        claim=claim, by=request.user, files=proof_files_of(data), note=data["note"]
    ),
    success=lambda claim, result: (
        _("The proof is added and claim %(n)s is sent for review again.") % {"n": claim.number}
    ),
    redirect_to=lambda request, claim, result: reverse("portal:mdf_claim", args=[claim.number]),
    on_invalid=lambda request, claim, form: _portal_claim_page(request, claim, form=form, status=400),
)

portal_claim = partner_required(
    page_or_action(
        lambda request, number: _portal_claim_page(request, _claim(request.user, number)), add_proof
    )
)


def _file(request: HttpRequest, number: str, file_id: int) -> HttpResponseBase:
    claim = _claim(request.user, number)
    if not svc.may_see_claim(request.user, claim):
        raise Http404
    f = get_object_or_404(ProofFile, pk=file_id, claim=claim)
    return private_file_response(f.file, filename=f.filename, content_type=f.content_type)


portal_claim_file = partner_required(require_safe(_file))


# --- console ------------------------------------------------------------------------------------


def _require_view(request: HttpRequest) -> None:
    if not may_view_mdf(request.user):
        raise PermissionDenied(_("You may not see MDF claims."))


class QueueFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=[(s.value, s.label) for s in ClaimStatus],
        empty_label=gettext_lazy("To do (waiting, more proof, awaiting payment)"),
    )

    class Meta:
        model = Claim
        fields = ["status"]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ConsoleClaimQueue(ListPage):
    """Claims to act on: waiting for review, waiting for more proof, approved and not yet paid."""

    title = gettext_lazy("MDF claims")
    nav = CONSOLE_NAV
    filterset_class = QueueFilter
    default_sort = "submitted_at"
    empty_title = gettext_lazy("No claims to act on.")
    noun_plural = gettext_lazy("claims")
    columns = [
        Column("number", gettext_lazy("Claim"), link=lambda c: reverse("console:mdf_claim", args=[c.number])),
        Column("partner", gettext_lazy("Partner"), value=lambda c: c.proposal.partner.legal_name),
        Column(
            "proposal", gettext_lazy("Proposal"), value=lambda c: f"{c.proposal.number} {c.proposal.title}"
        ),
        Column(
            "submitted", gettext_lazy("Submitted"), value=lambda c: c.submitted_at.date(), sort="submitted_at"
        ),
        Column(
            "amount",
            gettext_lazy("Amount"),
            value=lambda c: amount_text(c.amount),
            numeric=True,
            sort="amount",
        ),
        Column("final", gettext_lazy("Final"), value=lambda c: _("yes") if c.is_final else ""),
        Column("status", gettext_lazy("Status"), status="mdf_claim", sort="status"),
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        qs = Claim.objects.visible_to(self.request.user).select_related("proposal__partner")
        if not self.request.GET.get("status"):
            qs = qs.filter(status__in=QUEUE_STATUSES)
        return qs

    def get_extra_context(self) -> dict[str, Any]:
        return {
            "intro": _(
                "Review the proof of claims waiting for review; record the payment of approved claims. "
                "Amounts are in %(currency)s."
            )
            % {"currency": settings.MDF_CURRENCY}
        }


console_claims = staff_required(ConsoleClaimQueue.as_view())


def _console_claim_page(
    request: HttpRequest, claim: Claim, *, status: int = 200, **forms_: Any
) -> HttpResponse:
    may_review = svc.may_review_claims(request.user)
    may_pay = svc.may_record_payment(request.user)
    ctx: dict[str, Any] = {
        "claim": claim,
        "proposal": claim.proposal,
        "files": list(claim.proof_files.all()),
        "events": _timeline(claim, staff=True),
        "left": svc.claimable(claim.proposal),
        "currency": settings.MDF_CURRENCY,
        "proposal_url": _proposal_url(claim.proposal, staff=True),
        "nav": CONSOLE_NAV,
        "breadcrumbs": [
            {"label": _("MDF claims"), "url": reverse("console:mdf_claims")},
            {"label": claim.number},
        ],
    }
    if may_review and claim.status == ClaimStatus.SUBMITTED:
        ctx["approve_form"] = forms_.get("approve_form") or ApproveForm()
        ctx["more_proof_form"] = forms_.get("more_proof_form") or MoreProofForm()
    if may_review and claim.status in (ClaimStatus.SUBMITTED, ClaimStatus.MORE_PROOF):
        ctx["reject_form"] = forms_.get("reject_form") or RejectForm()
    if may_pay and claim.status == ClaimStatus.APPROVED:
        ctx["payment_form"] = forms_.get("payment_form") or PaymentForm()
    return render(request, "mdf/claim_console.html", ctx, status=status)


def _console_load(request: HttpRequest, number: str) -> Claim:
    _require_view(request)
    return _claim(request.user, number)


def _redirect(request: HttpRequest, claim: Claim, result: Any) -> str:
    return reverse("console:mdf_claim", args=[claim.number])


def _step(form_class: type[forms.Form], key: str, perform: Any, success: Any, allowed: Any) -> Action[Any]:
    return Action[Any](
        load=_console_load,
        allowed=lambda request, claim: allowed(request.user),
        not_allowed=gettext_lazy("You may not do this."),
        form_class=form_class,
        perform=perform,
        success=success,
        redirect_to=_redirect,
        on_invalid=lambda request, claim, form: _console_claim_page(
            request, claim, status=400, **{key: form}
        ),
    )


approve = _step(
    ApproveForm,
    "approve_form",
    lambda request, claim, data: svc.claim_approve(
        claim=claim, by=request.user, amount=data["amount"], comment=data["comment"]
    ),
    lambda claim, result: (
        _("Claim %(n)s approved for %(amount)s; the partner is told.")
        % {"n": claim.number, "amount": amount_text(result.amount)}
    ),
    svc.may_review_claims,
)
more_proof = _step(
    MoreProofForm,
    "more_proof_form",
    lambda request, claim, data: svc.claim_request_proof(
        claim=claim, by=request.user, comment=data["comment"]
    ),
    lambda claim, result: _("The partner is asked for more proof on claim %(n)s.") % {"n": claim.number},
    svc.may_review_claims,
)
reject = _step(
    RejectForm,
    "reject_form",
    lambda request, claim, data: svc.claim_reject(claim=claim, by=request.user, reason=data["reason"]),
    lambda claim, result: _("Claim %(n)s rejected; the partner is told why.") % {"n": claim.number},
    svc.may_review_claims,
)
payment = _step(
    PaymentForm,
    "payment_form",
    lambda request, claim, data: svc.claim_record_payment(
        claim=claim, by=request.user, paid_on=data["paid_on"], reference=data["reference"]
    ),
    lambda claim, result: (
        _("The payment of claim %(n)s is recorded; the partner is told.") % {"n": claim.number}
    ),
    svc.may_record_payment,
)


@require_safe
def _console_claim(request: HttpRequest, number: str) -> HttpResponse:
    return _console_claim_page(request, _console_load(request, number))


console_claim = staff_required(_console_claim)
console_claim_approve = staff_required(approve.view)
console_claim_more_proof = staff_required(more_proof.view)
console_claim_reject = staff_required(reject.view)
console_claim_payment = staff_required(payment.view)


def _console_file(request: HttpRequest, number: str, file_id: int) -> HttpResponseBase:
    _require_view(request)
    return _file(request, number, file_id)


console_claim_file = staff_required(require_safe(_console_file))
