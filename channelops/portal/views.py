"""Partner portal pages. Every page starts from the signed-in person's partner."""

from __future__ import annotations

from django import forms
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.communications.notices import notices_for
from channelops.core.actions import Action, page_or_action
from channelops.core.memo import read_memo
from channelops.core.navigation import PORTAL
from channelops.core.search_page import search_page
from channelops.partners.models import Partner, PartnerMembership
from channelops.partners.pages import PartnerRequest, partner_required
from channelops.partners.services import (
    partner_invitation_cancel,
    partner_invitation_resend,
    partner_person_add,
    partner_person_deactivate,
    partner_profile_update,
)

from . import home
from .attention import attention_for
from .forms import CompanyProfileForm, InviteColleagueForm


def _admin_only(request: PartnerRequest) -> None:
    if not request.membership.is_admin:
        raise Http404


@partner_required
def dashboard(request: PartnerRequest) -> HttpResponse:
    """The portal home: what needs attention, the tier's benefits and the next certification's
    missing requirements, what happened to the partner, whom to contact (constant queries)."""
    partner = request.partner
    # reads several cards share, once: the agreements not accepted (the agreements item and the
    # certification's compliance) and the current business plans (the returned-plan item and "on file")
    with read_memo():
        context = {
            "partner": partner,
            "attention": attention_for(partner, request.user),
            "programs": list(partner.programs.all()),
            "benefits": home.tier_benefits(partner),
            "next_step": home.next_step(partner),
            "recent": home.recent_activity(partner, request.user),
            "help_desk": home.help_desk_contact(partner),
            "notices": notices_for(request.user),
            "nav": "dashboard",
        }
    return render(request, "portal/dashboard.html", context)


@partner_required
@require_safe
def search(request: PartnerRequest) -> HttpResponse:
    """The global search, over the partner's own records (each kind's ``visible_to``)."""
    return search_page(request, area=PORTAL)


# --- the company profile --------------------------------------------------------------------------


def _company_page(
    request: PartnerRequest, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    partner = request.partner
    is_admin = request.membership.is_admin
    if form is None:
        form = CompanyProfileForm.for_partner(partner)
    return render(
        request,
        "portal/company.html",
        {"partner": partner, "form": form, "is_admin": is_admin, "nav": "company"},
        status=status,
    )


def _own_partner(request: PartnerRequest) -> Partner:
    """The partner, for its admins (others get 404, as for another partner's page)."""
    _admin_only(request)
    return request.partner


save_profile = Action[PartnerRequest](
    load=_own_partner,
    form_class=CompanyProfileForm,
    perform=lambda request, partner, data: partner_profile_update(
        partner=partner, by=request.user, data={f: data[f] for f in CompanyProfileForm.FIELDS}
    ),
    success=gettext_lazy("Company profile saved."),
    redirect_to=lambda request, partner, result: reverse("portal:company"),
    on_invalid=lambda request, partner, form: _company_page(request, form=form, status=400),
)
# The partner's profile; its admins edit the website, phone and description (a POST to this page).
company = partner_required(page_or_action(lambda request: _company_page(request), save_profile))


# --- the partner's people -----------------------------------------------------------------------------


def _users_page(
    request: PartnerRequest, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    memberships = list(
        PartnerMembership.objects.visible_to(request.user)
        .select_related("user")
        .annotate(
            invitation_expires=Max(
                "user__invitations__expires_at", filter=Q(user__invitations__accepted_at__isnull=True)
            ),
            invitations_accepted=Count(
                "user__invitations", filter=Q(user__invitations__accepted_at__isnull=False)
            ),
        )
        .order_by("user__email")
    )
    now = timezone.now()
    for m in memberships:
        # invited and not accepted: resend or cancel (an expired invitation too)
        m.invitation_pending = bool(
            m.user.is_active
            and not m.user.has_usable_password()
            and m.invitation_expires is not None
            and not m.invitations_accepted
        )
        m.invitation_expired = m.invitation_pending and m.invitation_expires <= now
    return render(
        request,
        "portal/users.html",
        {
            "memberships": memberships,
            "form": form or InviteColleagueForm(),
            "is_admin": request.membership.is_admin,
            "nav": "users",
        },
        status=status,
    )


@partner_required
def users(request: PartnerRequest) -> HttpResponse:
    return _users_page(request)


invite = Action[PartnerRequest](
    load=_own_partner,
    form_class=InviteColleagueForm,
    perform=lambda request, partner, data: partner_person_add(
        partner=partner,
        email=data["email"],
        full_name=data["full_name"],
        role=data["role"],
        can_submit_requests=data["can_submit_requests"],
        by=request.user,
    ),
    success=lambda partner, membership: _("Invitation sent to %(email)s.") % {"email": membership.user.email},
    redirect_to=lambda request, partner, result: reverse("portal:users"),
    on_invalid=lambda request, partner, form: _users_page(request, form=form, status=400),
)
user_invite = partner_required(invite.view)


def _membership(request: PartnerRequest, pk: int) -> PartnerMembership:
    """Partner admins only (others get 404, like a membership of another partner)."""
    _admin_only(request)
    return get_object_or_404(PartnerMembership.objects.visible_to(request.user).select_related("user"), pk=pk)


# The service refuses deactivating oneself or the last admin: a flash message on the users page. A GET
# shows the confirmation page (works without JavaScript).
deactivate = Action[PartnerRequest](
    load=_membership,
    confirm_template="portal/user_deactivate.html",
    perform=lambda request, m, data: partner_person_deactivate(membership=m, by=request.user),
    success=lambda m, result: _("%(email)s can no longer sign in.") % {"email": m.user.email},
    redirect_to=lambda request, m, result: reverse("portal:users"),
)
user_deactivate = partner_required(deactivate.view)

# A colleague who has not accepted their invitation: send a new one (the old link stops working) …
resend = Action[PartnerRequest](
    load=_membership,
    perform=lambda request, m, data: partner_invitation_resend(membership=m, by=request.user),
    success=lambda m, result: _("A new invitation was sent to %(email)s.") % {"email": m.user.email},
    redirect_to=lambda request, m, result: reverse("portal:users"),
)
user_invitation_resend = partner_required(resend.view)

# … or cancel it: the link stops working and the person is deactivated (a confirmation page on GET).
cancel_invitation = Action[PartnerRequest](
    load=_membership,
    confirm_template="portal/user_invitation_cancel.html",
    perform=lambda request, m, data: partner_invitation_cancel(membership=m, by=request.user),
    success=lambda m, result: _("The invitation of %(email)s was cancelled.") % {"email": m.user.email},
    redirect_to=lambda request, m, result: reverse("portal:users"),
)
user_invitation_cancel = partner_required(cancel_invitation.view)
