"""Console pages of access requests for privileged permissions (``/console/access/``).

Reads start from ``visible_to(user)``; every write calls a service, which decides who may act
(a refused role is a 403 page). See docs/access-requests.md.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.listing import export_response, render_filter_form
from channelops.core.pages import safe_cell, staff_required

from .forms import (
    AccessApproveForm,
    AccessEventFilterForm,
    AccessRejectForm,
    AccessRequestForm,
    AccessRevokeForm,
)
from .models import AccessEvent, AccessRequest
from .privileges import privileges
from .services import (
    access_may_decide,
    access_may_revoke,
    access_request_approve,
    access_request_create,
    access_request_reject,
    access_request_revoke,
    access_request_withdraw,
)

LIST_LIMIT = 200
EXPORT_COLUMNS = ["at", "kind", "person", "privilege", "by", "request", "detail"]


def _events(request: HttpRequest) -> tuple[AccessEventFilterForm, Any]:
    form = AccessEventFilterForm(request.GET or None)
    qs = AccessEvent.objects.visible_to(request.user).select_related("user", "by")
    if form.is_valid():
        d = form.cleaned_data
        if d.get("user"):
            qs = qs.filter(user__email__icontains=d["user"].strip())
        if d.get("perm"):
            qs = qs.filter(perm=d["perm"].strip())
        if d.get("kind"):
            qs = qs.filter(kind=d["kind"])
    return form, qs.order_by("-at", "-pk")


def _render_home(request: HttpRequest, form: Form, status: int = 200) -> HttpResponse:
    user: Any = request.user
    visible = AccessRequest.objects.visible_to(user)
    mine = list(
        AccessRequest.objects.filter(user=user)
        .select_related("decided_by")
        .order_by("-requested_at", "-pk")[:LIST_LIMIT]
    )
    awaiting = list(
        AccessRequest.objects.awaiting(user)
        .select_related("user")
        .order_by("requested_at", "pk")[:LIST_LIMIT]
    )
    grants = list(
        visible.active_grants()
        .select_related("user", "decided_by")
        .order_by("granted_until", "pk")[:LIST_LIMIT]
    )
    filters, events = _events(request)
    labels = {p.perm: p.label for p in privileges().values()}
    return render(
        request,
        "accounts/access.html",
        {
            "nav": "access",
            "form": form,
            "mine": mine,
            "awaiting": awaiting,
            "grants": grants,
            "filters": filters,
            "filter_fields": render_filter_form(filters),
            "events": list(events[:LIST_LIMIT]),
            "limit": LIST_LIMIT,
            "labels": labels,
            "export_query": request.GET.urlencode(),
        },
        status=status,
    )


@staff_required
@require_safe
def access_home(request: HttpRequest) -> HttpResponse:
    return _render_home(request, AccessRequestForm())


request_access = Action[StaffRequest](
    load=lambda request: None,
    form_class=AccessRequestForm,
    perform=lambda request, nothing, d: access_request_create(
        perm=d["perm"], justification=d["justification"], by=request.user
    ),
    success=_l("Your request is sent to your manager."),
    redirect_to=lambda request, nothing, req: reverse("console:access_detail", args=[req.pk]),
    on_invalid=lambda request, nothing, form: _render_home(request, form, status=400),
)
access_request_new = staff_required(request_access.view)


def _detail_or_404(request: HttpRequest, pk: int) -> AccessRequest:
    return get_object_or_404(
        AccessRequest.objects.visible_to(request.user).select_related(
            "user", "approver", "decided_by", "revoked_by"
        ),
        pk=pk,
    )


def _render_detail(
    request: HttpRequest, req: AccessRequest, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    events = list(req.events.select_related("by").order_by("-at", "-pk")[:LIST_LIMIT])
    forms = forms or {}
    return render(
        request,
        "accounts/access_detail.html",
        {
            "nav": "access",
            "req": req,
            "privilege": privileges().get(req.perm),
            "events": events,
            "breadcrumbs": [
                {"label": _("Access"), "url": reverse("console:access")},
                {"label": req.perm},
            ],
            "may_decide": req.is_open and access_may_decide(req, user),
            "may_revoke": req.status == "approved" and access_may_revoke(req, user),
            "may_withdraw": req.is_open and req.user_id == user.pk,
            "approve_form": forms.get("approve") or AccessApproveForm(),
            "reject_form": forms.get("reject") or AccessRejectForm(),
            "revoke_form": forms.get("revoke") or AccessRevokeForm(),
            "today": timezone.localdate(),
        },
        status=status,
    )


@staff_required
@require_safe
def access_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _detail_or_404(request, pk))


def _for_action(pk: int) -> AccessRequest:
    """Actions look the request up among all (staff-only pages); the service decides who may act,
    so a refused person gets a 403 page rather than a 404."""
    return get_object_or_404(AccessRequest.objects.select_related("user"), pk=pk)


def _invalid(name: str) -> Any:
    """Invalid input: show the page again with the errors (only to those who may see it)."""

    def show(request: HttpRequest, req: AccessRequest, form: Any) -> HttpResponse:
        if not AccessRequest.objects.visible_to(request.user).filter(pk=req.pk).exists():
            raise PermissionDenied(_("You cannot act on this access request."))
        return _render_detail(request, _detail_or_404(request, req.pk), {name: form}, status=400)

    return show


def _back(request: HttpRequest, req: AccessRequest, result: Any) -> str:
    return reverse("console:access_detail", args=[req.pk])


def _load(request: HttpRequest, pk: int) -> AccessRequest:
    return _for_action(pk)


# The services decide who may act (NotAllowed: a 403 page); the actions only parse and report.
approve = Action[StaffRequest](
    load=_load,
    form_class=AccessApproveForm,
    perform=lambda request, req, d: access_request_approve(
        request=req,
        by=request.user,
        note=d.get("note") or "",
        granted_until=d.get("granted_until"),
    ),
    success=_l("Approved: the permission is granted."),
    redirect_to=_back,
    on_invalid=_invalid("approve"),
)
reject = Action[StaffRequest](
    load=_load,
    form_class=AccessRejectForm,
    perform=lambda request, req, d: access_request_reject(request=req, by=request.user, note=d["note"]),
    success=_l("Rejected; the requester is told why."),
    redirect_to=_back,
    on_invalid=_invalid("reject"),
)
revoke = Action[StaffRequest](
    load=_load,
    form_class=AccessRevokeForm,
    perform=lambda request, req, d: access_request_revoke(request=req, by=request.user, reason=d["reason"]),
    success=_l("Revoked: the permission is removed."),
    redirect_to=_back,
    on_invalid=_invalid("revoke"),
)
# No input: a refusal by the service is a flash message on the request's page.
withdraw = Action[StaffRequest](
    load=_load,
    perform=lambda request, req, d: access_request_withdraw(request=req, by=request.user),
    success=_l("Your request is withdrawn."),
    redirect_to=_back,
)

access_approve = staff_required(approve.view)
access_reject = staff_required(reject.view)
access_revoke = staff_required(revoke.view)
access_withdraw = staff_required(withdraw.view)


@staff_required
@require_safe
def access_events_export(request: HttpRequest) -> HttpResponse:
    """The audit log as CSV, with the page's filters (the one export implementation)."""
    _form, qs = _events(request)
    rows = (
        [
            e.at.isoformat(),
            e.kind,
            e.user.email,
            e.perm,
            e.by.email if e.by else "",
            e.request_id or "",
            safe_cell(e.detail),
        ]
        for e in qs.iterator(chunk_size=2000)
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return export_response(fmt="csv", name=f"access-events-{stamp}", header=EXPORT_COLUMNS, rows=rows)
