"""Portal NFR request pages: the partner's requests, a new request, a request with its timeline."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.core.actions import Action, page_or_action
from channelops.core.listing import Column, ListPage
from channelops.partners.models import Partner
from channelops.partners.pages import PartnerRequest, partner_required

from ..forms import AnswerAmendForm, NfrRequestForm, amend_initial
from ..models import NfrRequest, RequestStatus
from ..services import AMENDABLE, may_download, may_withdraw, nfr_request_answer, nfr_request_withdraw
from ..standing import nfr_standing
from ._common import _license_of, _timeline, duplicate_of, submit


def _may_submit(request: PartnerRequest) -> bool:
    return bool(request.membership.may_submit)


@method_decorator(partner_required, name="dispatch")
class PortalNfrRequests(ListPage):
    """The partner's NFR license requests, newest first."""

    request: PartnerRequest
    title = gettext_lazy("NFR licenses")
    nav = "nfr"
    default_sort = "-created_at"
    empty_title = gettext_lazy("No NFR license requests yet.")
    noun_plural = gettext_lazy("requests")
    columns = [
        Column(
            "reference",
            gettext_lazy("Request"),
            link=lambda r: reverse("portal:nfr_request", args=[r.pk]),
            css="text-nowrap",
        ),
        Column(
            "submitted",
            gettext_lazy("Submitted"),
            value=lambda r: timezone.localtime(r.created_at).date(),
            sort="created_at",
        ),
        Column(
            "contact",
            gettext_lazy("License contact"),
            value=lambda r: f"{r.contact_name} <{r.contact_email}>",
        ),
        Column("plan", gettext_lazy("Plan"), value=lambda r: r.get_plan_display()),
        Column("seats", gettext_lazy("Seats"), numeric=True, sort="seats"),
        Column("status", gettext_lazy("Status"), status="nfr", sort="status"),
    ]

    def get_queryset(self) -> QuerySet:
        return NfrRequest.objects.visible_to(self.request.user)

    def ordering(self) -> list[str]:
        fields = super().ordering()
        return ["-created_at", "-pk"] if fields == ["-created_at", "pk"] else fields

    def get_actions(self) -> list[dict[str, Any]]:
        if not _may_submit(self.request):
            return []
        return [
            {"label": _("Request NFR licenses"), "url": reverse("portal:nfr_request_new"), "primary": True}
        ]

    def get_empty_action(self) -> tuple[str, str] | None:
        if not _may_submit(self.request):
            return None
        return reverse("portal:nfr_request_new"), _("Make your first request")

    def get_extra_context(self) -> dict[str, Any]:
        name = self.request.partner.legal_name
        intro = _("Not-for-resale licenses let %(name)s demo, train and test the product.") % {"name": name}
        if not _may_submit(self.request):
            intro += " " + _("Ask your company's partner admin to allow you to submit requests.")
        return {
            "intro": intro,
            "empty_text": _(
                "Request licenses for demos, training or a proof of concept; the partner help desk reviews each request."
            )
            if _may_submit(self.request)
            else _("Ask your company's partner admin to allow you to submit requests."),
        }


portal_nfr_requests = PortalNfrRequests.as_view()


def _submitter(request: PartnerRequest) -> Partner:
    """The partner, when the person may submit requests for it (404 otherwise)."""
    if not _may_submit(request):
        raise Http404(_("Ask your company's partner admin to allow you to submit requests."))
    return request.partner


def _new_request_page(
    request: PartnerRequest, partner: Partner, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "licensing/portal_request_new.html",
        {
            "partner": partner,
            "form": form or NfrRequestForm(),
            "duplicate": duplicate_of(request),
            "nav": "nfr",
            "breadcrumbs": [
                {"label": _("NFR licenses"), "url": reverse("portal:nfr_requests")},
                {"label": _("New request")},
            ],
        },
        status=status,
    )


submit_action = Action[PartnerRequest](
    load=_submitter,
    form_class=NfrRequestForm,
    perform=lambda request, partner, data: submit(request, partner, data),
    success=lambda partner, req: (
        _("Your request %(ref)s was sent to the partner help desk.") % {"ref": req.reference}
    ),
    redirect_to=lambda request, partner, req: reverse("portal:nfr_request", args=[req.pk]),
    on_invalid=lambda request, partner, form: _new_request_page(request, partner, form=form, status=400),
)
portal_nfr_request_new = partner_required(
    page_or_action(lambda request: _new_request_page(request, _submitter(request)), submit_action)
)


def _portal_request(request: PartnerRequest, pk: int) -> NfrRequest:
    return get_object_or_404(NfrRequest.objects.visible_to(request.user).select_related("partner"), pk=pk)


def _can_answer(request: PartnerRequest, req: NfrRequest) -> bool:
    return req.status == RequestStatus.NEEDS_INFO and _may_submit(request)


def _portal_request_page(
    request: PartnerRequest, req: NfrRequest, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    lic = _license_of(req)
    return render(
        request,
        "licensing/portal_request.html",
        {
            "partner": request.partner,
            "req": req,
            "lic": lic,
            "may_download": lic is not None and may_download(request.user, lic),
            "events": _timeline(req),
            "form": form
            or (AnswerAmendForm(initial=amend_initial(req)) if _can_answer(request, req) else None),
            "may_withdraw": may_withdraw(request.user, req),
            "standing": nfr_standing(req, may_act=_may_submit(request), license_id=lic.pk if lic else None),
            "nav": "nfr",
            "breadcrumbs": [
                {"label": _("NFR licenses"), "url": reverse("portal:nfr_requests")},
                {"label": req.reference},
            ],
        },
        status=status,
    )


def _portal_answerable(request: PartnerRequest, pk: int) -> NfrRequest:
    """The request, when the partner person may answer its question now (404 otherwise, as before)."""
    req = _portal_request(request, pk)
    if not _can_answer(request, req):
        raise Http404
    return req


answer_action = Action[PartnerRequest](
    load=_portal_answerable,
    form_class=AnswerAmendForm,
    perform=lambda request, req, d: nfr_request_answer(
        request=req, by=request.user, answer=d["answer"], amend={f: d.get(f) for f in AMENDABLE}
    ),
    success=gettext_lazy("Thank you: your answer was sent to the partner help desk."),
    redirect_to=lambda request, req, result: reverse("portal:nfr_request", args=[req.pk]),
    on_invalid=lambda request, req, form: _portal_request_page(request, req, form=form, status=400),
)
# The request, its license and timeline; a POST answers the help desk's question.
portal_nfr_request = partner_required(
    page_or_action(
        lambda request, pk: _portal_request_page(request, _portal_request(request, pk)), answer_action
    )
)


def _may_withdraw_for(request: PartnerRequest, req: NfrRequest) -> bool:
    """Who may answer may withdraw (the service refuses a request already decided, with a message)."""
    return _may_submit(request)


# Withdraw an undecided request; a GET shows the confirmation page (works without JavaScript).
withdraw_action = Action[PartnerRequest](
    load=_portal_request,
    allowed=_may_withdraw_for,
    not_allowed=gettext_lazy("Ask your company's partner admin to withdraw this request."),
    confirm_template="licensing/portal_request_withdraw.html",
    perform=lambda request, req, d: nfr_request_withdraw(request=req, by=request.user),
    success=lambda req, result: (
        _("%(ref)s was withdrawn; the partner help desk sees it on the request.") % {"ref": req.reference}
    ),
    redirect_to=lambda request, req, result: reverse("portal:nfr_request", args=[req.pk]),
)
portal_nfr_request_withdraw = partner_required(withdraw_action.view)
