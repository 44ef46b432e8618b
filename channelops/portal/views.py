"""Partner portal pages. Every page starts from the signed-in person's partner."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from channelops.core.actions import Action
from channelops.core.navigation import PORTAL
from channelops.core.search_page import search_page
from channelops.partners.models import EngagementEvent, Partner, PartnerMembership
from channelops.partners.pages import PartnerRequest, partner_required
from channelops.partners.services import partner_person_add, partner_person_deactivate, partner_profile_update

from .attention import attention_for
from .forms import CompanyProfileForm, InviteColleagueForm


def _admin_only(request: HttpRequest) -> None:
    if not request.membership.is_admin:  # type: ignore[attr-defined]
        raise Http404


@partner_required
def dashboard(request: HttpRequest) -> HttpResponse:
    partner = request.partner  # type: ignore[attr-defined]
    recent = EngagementEvent.objects.visible_to(request.user).select_related("user")[:5]
    return render(
        request,
        "portal/dashboard.html",
        {
            "partner": partner,
            "attention": attention_for(partner, request.user),
            "programs": list(partner.programs.all()),
            "recent": recent,
            "nav": "dashboard",
        },
    )


@partner_required
@require_safe
def search(request: PartnerRequest) -> HttpResponse:
    """The global search, over the partner's own records (each kind's ``visible_to``)."""
    return search_page(request, area=PORTAL)


@partner_required
def company(request: HttpRequest) -> HttpResponse:
    partner = request.partner  # type: ignore[attr-defined]
    is_admin = request.membership.is_admin  # type: ignore[attr-defined]
    form = CompanyProfileForm(request.POST or None, instance=Partner.objects.get(pk=partner.pk))
    if request.method == "POST":
        if not is_admin:
            raise Http404
        if form.is_valid():
            try:
                partner_profile_update(
                    partner=partner,
                    by=request.user,  # type: ignore[arg-type]
                    data={f: form.cleaned_data[f] for f in form.Meta.fields},
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Company profile saved."))
                return redirect("portal:company")
    return render(
        request,
        "portal/company.html",
        {"partner": partner, "form": form, "is_admin": is_admin, "nav": "company"},
    )


@partner_required
def users(request: HttpRequest) -> HttpResponse:
    memberships = (
        PartnerMembership.objects.visible_to(request.user).select_related("user").order_by("user__email")
    )
    form = InviteColleagueForm()
    return render(
        request,
        "portal/users.html",
        {
            "memberships": memberships,
            "form": form,
            "is_admin": request.membership.is_admin,  # type: ignore[attr-defined]
            "nav": "users",
        },
    )


@partner_required
@require_POST
def user_invite(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    form = InviteColleagueForm(request.POST)
    if form.is_valid():
        try:
            partner_person_add(
                partner=request.partner,  # type: ignore[attr-defined]
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                can_submit_requests=form.cleaned_data["can_submit_requests"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("portal:users")
    memberships = (
        PartnerMembership.objects.visible_to(request.user).select_related("user").order_by("user__email")
    )
    return render(
        request,
        "portal/users.html",
        {"memberships": memberships, "form": form, "is_admin": True, "nav": "users"},
        status=400,
    )


def _membership(request: HttpRequest, pk: int) -> PartnerMembership:
    """Partner admins only (others get 404, like a membership of another partner)."""
    _admin_only(request)
    return get_object_or_404(PartnerMembership.objects.visible_to(request.user).select_related("user"), pk=pk)


# The service refuses deactivating oneself or the last admin: a flash message on the users page.
deactivate = Action[PartnerRequest](
    load=_membership,
    perform=lambda request, m, data: partner_person_deactivate(membership=m, by=request.user),
    success=lambda m, result: _("%(email)s can no longer sign in.") % {"email": m.user.email},
    redirect_to=lambda request, m, result: reverse("portal:users"),
)
user_deactivate = partner_required(deactivate.view)
