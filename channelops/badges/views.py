"""Badge pages: public verification (no sign-in), the partner's badges in the portal, staff console."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from channelops.core.pages import partner_required, staff_required
from channelops.enablement.models import Certification

from . import keys
from .models import Badge, BadgeStatus, StatusList
from .services import (
    APPROVE_PERM,
    REVOKE_PERM,
    badge_approve,
    badge_revoke,
    issuer_profile,
    public_url,
)
from .statuslist import status_list_credential

PAGE_SIZE = 50
STATE_LABELS = {
    "valid": gettext_lazy("Valid"),
    "expired": gettext_lazy("Expired"),
    "revoked": gettext_lazy("Revoked"),
    "pending": gettext_lazy("Not yet approved"),
    "signing": gettext_lazy("Approved — being signed, ready in a moment"),
}


# --- public -----------------------------------------------------------------------------------


@require_safe
@cache_control(public=True, max_age=300)
def issuer(request: HttpRequest) -> JsonResponse:
    """``/badges/issuer``: the issuer Profile with its public keys (Multikey verification methods)."""
    return JsonResponse(issuer_profile(with_keys=True), content_type="application/ld+json")


@require_safe
@cache_control(public=True, max_age=300)
def issuer_keys(request: HttpRequest) -> JsonResponse:
    """``/badges/keys.json``: the badge keys as a JWKS (public halves only)."""
    return JsonResponse(keys.BADGE_KEYS.public_jwks(), content_type="application/jwk-set+json")


@require_safe
@cache_control(public=True, max_age=60)
def status_list(request: HttpRequest, list_id: int) -> JsonResponse:
    """``/badges/status/<n>``: the signed BitstringStatusListCredential."""
    if not StatusList.objects.filter(pk=list_id).exists():
        raise Http404
    return JsonResponse(status_list_credential(list_id), content_type="application/vc+ld+json")


def _public_badge(pk: UUID) -> Badge:
    return get_object_or_404(Badge.objects.select_related("certification"), pk=pk)


@require_safe
def badge_page(request: HttpRequest, pk: UUID) -> HttpResponse:
    """``/badges/<id>/``: who holds what, issued by whom, and whether it is valid now."""
    badge = _public_badge(pk)
    state = badge.state()
    return render(
        request,
        "badges/public_badge.html",
        {
            "badge": badge,
            "state": state,
            "state_label": STATE_LABELS[state],
            "issuer_name": issuer_profile()["name"],
            "issuer_url": keys.issuer_id(),
            "share_url": public_url(badge),
        },
    )


@require_safe
def badge_json(request: HttpRequest, pk: UUID) -> HttpResponse:
    """``/badges/<id>.json``: the signed credential (404 until it is signed)."""
    badge = _public_badge(pk)
    if badge.credential is None:
        raise Http404
    body = json.dumps(badge.credential, indent=2, ensure_ascii=False)
    resp = HttpResponse(body, content_type="application/vc+ld+json")
    resp["Content-Disposition"] = f'attachment; filename="badge-{badge.pk}.json"'
    return resp


# --- portal -----------------------------------------------------------------------------------


@partner_required
def portal_badges(request: HttpRequest) -> HttpResponse:
    rows = (
        Badge.objects.visible_to(request.user).select_related("certification").order_by("-created_at", "id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "badges/portal_badges.html",
        {
            "partner": request.partner,  # type: ignore[attr-defined]
            "page": page,
            "rows": [(b, STATE_LABELS[b.state()]) for b in page],
            "querystring": "",
            "nav": "badges",
        },
    )


# --- console ----------------------------------------------------------------------------------


class BadgeFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Holder"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *BadgeStatus.choices]
    )
    certification = forms.ModelChoiceField(
        label=gettext_lazy("Certification"), required=False, queryset=Certification.objects.all()
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


@staff_required
def console_badges(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("badges.view_badge"):
        raise PermissionDenied
    form = BadgeFilterForm(request.GET or None)
    rows = Badge.objects.visible_to(request.user).for_list().order_by("-created_at", "id")
    if form.is_valid():
        if form.cleaned_data["q"]:
            rows = rows.filter(holder_name__icontains=form.cleaned_data["q"])
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["certification"]:
            rows = rows.filter(certification=form.cleaned_data["certification"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "badges/console_badges.html",
        {
            "form": form,
            "page": page,
            "rows": [(b, STATE_LABELS[b.state()]) for b in page],
            "querystring": query.urlencode(),
            "nav": "badges",
        },
    )


@staff_required
def console_badge(request: HttpRequest, pk: UUID) -> HttpResponse:
    user: Any = request.user
    if not user.has_perm("badges.view_badge"):
        raise PermissionDenied
    badge = get_object_or_404(Badge.objects.visible_to(user).for_list(), pk=pk)
    revoke_form = RevokeForm(request.POST if request.POST.get("action") == "revoke" else None)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "approve":
                badge_approve(badge=badge, by=user)
                messages.success(request, _("Approved: the badge is being signed and its holder e-mailed."))
                return redirect("console:badge", badge.pk)
            if action == "revoke" and revoke_form.is_valid():
                badge_revoke(badge=badge, by=user, reason=revoke_form.cleaned_data["reason"])
                messages.success(request, _("Revoked: the status list now says so."))
                return redirect("console:badge", badge.pk)
        except ValueError as exc:
            messages.error(request, str(exc))
        status = 400
    return render(
        request,
        "badges/console_badge.html",
        {
            "badge": badge,
            "state_label": STATE_LABELS[badge.state()],
            "revoke_form": revoke_form,
            "may_approve": user.has_perm(APPROVE_PERM) and badge.status == BadgeStatus.PENDING,
            "may_revoke": user.has_perm(REVOKE_PERM) and badge.status != BadgeStatus.REVOKED,
            "share_url": public_url(badge),
            "nav": "badges",
        },
        status=status,
    )
