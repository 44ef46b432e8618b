"""Badge pages: public verification (no sign-in), the partner's badges in the portal, staff console."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.partners.pages import partner_required

from . import keys
from .filters import BadgeFilter
from .forms import RevokeForm
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


def _state_column(*, key: str = "state") -> Column:
    return Column(
        key,
        _l("Status"),
        value=lambda b: b.state(),
        display=lambda b: STATE_LABELS[b.state()],
        status="badge",
        export_value=lambda b: str(STATE_LABELS[b.state()]),
    )


@method_decorator(partner_required, name="dispatch")
class PortalBadges(ListPage):
    title = _l("Badges")
    nav = "badges"
    default_sort = "-created_at"
    empty_title = _l("No badges yet")
    empty_text = _l("A badge is issued when one of your people completes a certification that grants one.")
    noun_plural = _l("badges")
    columns = [
        Column("holder_name", _l("Holder"), sort="holder_name"),
        Column("certification.name", _l("Certification"), sort="certification__name"),
        _state_column(),
        Column("valid_until", _l("Valid until"), sort="valid_until"),
        Column(
            "public",
            _l("Public page"),
            html=lambda b: format_html(
                '<a href="{}" aria-label="{}">{}</a>',
                reverse("badges:badge", args=[b.pk]),
                _("The public page of %(name)s's badge") % {"name": b.holder_name},
                _("View"),
            ),
            export=False,
        ),
    ]

    def get_queryset(self) -> Any:
        return Badge.objects.visible_to(self.request.user).select_related("certification")

    def get_extra_context(self) -> dict[str, Any]:
        return {
            "intro": _(
                "The Open Badges earned by the people of %(name)s. Each badge has a public page its "
                "holder can share."
            )
            % {"name": self.request.partner.legal_name}  # type: ignore[attr-defined]
        }


# --- console ----------------------------------------------------------------------------------


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm("badges.view_badge"):
        raise PermissionDenied


@method_decorator(staff_required, name="dispatch")
class ConsoleBadges(ListPage):
    title = _l("Badges")
    nav = "badges"
    filterset_class = BadgeFilter
    default_sort = "-created_at"
    empty_title = _l("No badges yet")
    empty_text = _l("Badges are created when practitioner records complete a certification that grants one.")
    noun_plural = _l("badges")
    columns = [
        Column(
            "holder_name",
            _l("Holder"),
            link=lambda b: reverse("console:badge", args=[b.pk]),
            sort="holder_name",
        ),
        Column(
            "partner.legal_name",
            _l("Partner"),
            link=lambda b: reverse("console:partner_detail", args=[b.partner_id]),
            sort="partner__legal_name",
        ),
        Column("certification.name", _l("Certification"), sort="certification__name"),
        _state_column(),
        Column("valid_until", _l("Valid until"), sort="valid_until"),
        Column("created_at", _l("Created"), value=lambda b: b.created_at.date(), sort="created_at"),
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return Badge.objects.visible_to(self.request.user).for_list()


def _console_badge(request: HttpRequest, pk: UUID) -> Badge:
    _require_view(request)
    return get_object_or_404(Badge.objects.visible_to(request.user).for_list(), pk=pk)


def _badge_page(
    request: HttpRequest, badge: Badge, *, revoke_form: Any = None, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        "badges/console_badge.html",
        {
            "badge": badge,
            "state": badge.state(),
            "state_label": STATE_LABELS[badge.state()],
            "revoke_form": revoke_form or RevokeForm(),
            "may_approve": user.has_perm(APPROVE_PERM) and badge.status == BadgeStatus.PENDING,
            "may_revoke": user.has_perm(REVOKE_PERM) and badge.status != BadgeStatus.REVOKED,
            "share_url": public_url(badge),
            "breadcrumbs": [
                {"label": _("Badges"), "url": reverse("console:badges")},
                {"label": badge.holder_name},
            ],
            "nav": "badges",
        },
        status=status,
    )


def _service(fn: Any, **kwargs: Any) -> Any:
    """The badge services refuse with ValueError; the action shows it on the form."""
    try:
        return fn(**kwargs)
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


approve = Action[StaffRequest](
    load=_console_badge,
    allowed=lambda request, badge: request.user.has_perm(APPROVE_PERM),
    not_allowed=_l("Approving badges needs the channel program manager's role."),
    perform=lambda request, badge, data: _service(badge_approve, badge=badge, by=request.user),
    success=_l("Approved: the badge is being signed and its holder e-mailed."),
    redirect_to=lambda request, badge, result: reverse("console:badge", args=[badge.pk]),
    on_invalid=lambda request, badge, form: _badge_page(request, badge, status=400),
)

revoke = Action[StaffRequest](
    load=_console_badge,
    allowed=lambda request, badge: request.user.has_perm(REVOKE_PERM),
    not_allowed=_l("Revoking badges needs the channel program manager's role."),
    form_class=RevokeForm,
    perform=lambda request, badge, data: _service(
        badge_revoke, badge=badge, by=request.user, reason=data["reason"]
    ),
    success=_l("Revoked: the status list now says so."),
    redirect_to=lambda request, badge, result: reverse("console:badge", args=[badge.pk]),
    on_invalid=lambda request, badge, form: _badge_page(request, badge, revoke_form=form, status=400),
)


# The badge's page; its approve and revoke buttons post here, naming their ``action``.
console_badge = staff_required(
    page_or_action(
        lambda request, pk: _badge_page(request, _console_badge(request, pk)),
        lambda request: {"approve": approve, "revoke": revoke}.get(request.POST.get("action", "")),
    )
)
