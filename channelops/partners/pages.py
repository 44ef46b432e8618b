"""The partner side's page decorator and its typed request.

``@partner_required`` lets only partner people in (staff are sent to the console, people linked
to no partner get 404) and sets ``request.partner`` (with region, tier and CAM loaded) and
``request.membership``. Views annotate their argument as :class:`PartnerRequest`, so both are
typed without ``# type: ignore``::

    @partner_required
    def dashboard(request: PartnerRequest) -> HttpResponse:
        partner = request.partner
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from channelops.accounts.pages import SignedInRequest

from .models import Partner, PartnerMembership


class PartnerRequest(SignedInRequest):
    """A request to a partner page: ``partner_required`` has set these."""

    partner: Partner
    membership: PartnerMembership


def _membership_with_partner(user: Any) -> PartnerMembership | None:
    """The person's membership with its partner (region with its help-desk routing, tier and CAM loaded)
    in one query; the
    same partner ``Partner.objects.visible_to(user)`` gives (its only row), without a second query."""
    real = getattr(user, "_wrapped", user)  # request.user is a lazy object
    if "membership" in real._state.fields_cache:  # already read (middleware): reuse, load the partner
        membership = real._state.fields_cache["membership"]
        if membership is not None and "partner" not in membership._state.fields_cache:
            membership.partner = Partner.objects.select_related("region", "tier", "cam").get(
                pk=membership.partner_id
            )
        return membership
    membership = (
        PartnerMembership.objects.select_related(
            "partner__region__routing__phd_specialist", "partner__tier", "partner__cam"
        )
        .filter(user_id=real.pk)
        .first()
    )
    real._state.fields_cache["membership"] = membership  # user.partner_membership reads it from now on
    if membership is not None:
        membership._state.fields_cache["user"] = real
    return membership


def partner_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in as a partner person (``request.partner``, ``request.membership`` set); staff are
    sent to the console."""

    @login_required
    @wraps(view)
    def wrapper(request: Any, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if user.is_staff:
            return redirect("console:home")
        membership = _membership_with_partner(user)
        if membership is None:
            raise Http404(_("You are not linked to a partner."))
        request.partner = membership.partner
        request.membership = membership
        return view(request, *args, **kwargs)

    return wrapper
