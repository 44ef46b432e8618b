"""Registration pages (S3): the public application form, e-mail verification and status page,
and the console's application list and decisions. Every write calls a service in registration.py.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.exceptions import NotAllowed
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.core.views import client_ip

from .filters import ApplicationFilter
from .forms import ApproveForm, RegistrationForm, RejectForm
from .models import Application, ApplicationStatus
from .registration import (
    APPROVE_PERM,
    application_approve,
    application_for_token,
    application_reject,
    application_submit,
    application_verify,
    verify_days,
)

# --- public: the application form ------------------------------------------------------------------


def _rate_key(request: HttpRequest) -> str:
    ip = client_ip(request) or "unknown"
    return "register:ip:" + hashlib.sha256(ip.encode()).hexdigest()[:32]


def _rate_limit() -> tuple[int, int]:
    """(submissions, seconds): how many applications one address may send per window."""
    return (
        int(getattr(settings, "REGISTRATION_RATE_LIMIT", 10)),
        int(getattr(settings, "REGISTRATION_RATE_WINDOW", 3600)),
    )


def _rate_exceeded(request: HttpRequest) -> bool:
    limit, _window = _rate_limit()
    return int(cache.get(_rate_key(request), 0)) >= limit


def _rate_count(request: HttpRequest) -> None:
    """Count one submission that reached the service (a fixed window per client address)."""
    _limit, window = _rate_limit()
    key = _rate_key(request)
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window)


def register(request: HttpRequest) -> HttpResponse:
    """The public application form; staff signed in use it like anyone else (``by=None``)."""
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _rate_exceeded(request):
            form.is_valid()  # keep what was typed, with the field errors if any
            form.add_error(
                None,
                _(
                    "Too many applications were sent from your network in the last hour. "
                    "Please try again later."
                ),
            )
            return render(request, "partners/register.html", {"form": form}, status=429)
        if form.is_valid():
            _rate_count(request)
            d = form.cleaned_data
            try:
                application_submit(
                    company_name=d["company_name"],
                    website=d["website"],
                    country=d["country"],
                    region=d["region"],
                    first_name=d["first_name"],
                    last_name=d["last_name"],
                    email=d["email"],
                    phone=d["phone"],
                    title=d["title"],
                    message=d["message"],
                    programs=list(d["programs"]),
                    ip=client_ip(request),
                    by=None,
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                return redirect("register_sent")
        status = 400
    return render(request, "partners/register.html", {"form": form}, status=status)


@require_safe
def register_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "partners/register_sent.html", {"days": verify_days()})


# --- public: the e-mailed link ------------------------------------------------------------------------


def _invalid(request: HttpRequest, *, expired: bool = False) -> HttpResponse:
    return render(
        request,
        "partners/register_invalid.html",
        {"expired": expired},
        status=400 if expired else 404,
    )


def _expired(app: Application) -> bool:
    return app.status == ApplicationStatus.UNVERIFIED and app.created_at < timezone.now() - timedelta(
        days=verify_days()
    )


@never_cache
def register_verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners prefetch links); POST confirms the e-mail address."""
    app = application_for_token(token)
    if app is None:
        return _invalid(request)
    if app.status != ApplicationStatus.UNVERIFIED:
        return redirect("register_status", token=token)  # a second click changes nothing
    if _expired(app):
        return _invalid(request, expired=True)
    if request.method == "POST":
        try:
            application_verify(application=app)
        except ValidationError:
            return _invalid(request, expired=True)
        messages.success(
            request, _("Thank you: your e-mail address is confirmed and your application is sent.")
        )
        return redirect("register_status", token=token)
    return render(request, "partners/register_verify.html", {"application": app})


@never_cache
@require_safe
def register_status(request: HttpRequest, token: str) -> HttpResponse:
    app = application_for_token(token)
    if app is None:
        return _invalid(request)
    return render(
        request,
        "partners/register_status.html",
        {"application": app, "token": token, "expired": _expired(app)},
    )


# --- console: the list of applications and the decisions -----------------------------------------


@method_decorator(staff_required, name="dispatch")
class Applications(ListPage):
    """Partner applications, the submitted ones (waiting for a decision) first of all."""

    title = gettext_lazy("Partner applications")
    nav = "applications"
    filterset_class = ApplicationFilter
    default_sort = "-created_at"
    noun_plural = gettext_lazy("applications")
    empty_title = gettext_lazy("No application waits for a decision.")
    empty_text = gettext_lazy(
        "Applications sent through the public form appear here once the applicant confirms the e-mail address."
    )

    def get_queryset(self) -> Any:
        return Application.objects.visible_to(self.request.user).select_related("region")

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "company_name",
                _("Company"),
                link=lambda a: reverse("console:application_detail", args=[a.pk]),
                sort="company_name",
            ),
            Column("company_domain", _("Domain")),
            Column(
                "contact_name",
                _("Contact"),
                html=lambda a: format_html(
                    '{}<div class="text-secondary small">{}</div>', a.contact_name, a.email
                ),
            ),
            Column("country", _("Country"), sort="country"),
            Column("region.code", _("Region"), sort="region__code"),
            Column("status", _("Status"), status="application", sort="status"),
            Column(
                "created_at",
                _("Received"),
                value=lambda a: timezone.localdate(a.created_at),
                sort="created_at",
            ),
        ]


console_applications = Applications.as_view()


@dataclass
class HistoryEntry:
    at: datetime
    text: str
    who: str


def _application_history(app: Application, *, limit: int = 50) -> list[HistoryEntry]:
    """The record's audit history, newest first: created, status changes, other changed fields."""
    records = list(
        app.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit]
    )
    labels = dict(ApplicationStatus.choices)
    entries = []
    for i, rec in enumerate(records):
        who = rec.history_user.email if rec.history_user else _("applicant or system")
        if rec.history_type == "+":
            entries.append(HistoryEntry(rec.history_date, _("Application received"), who))
            continue
        prev = records[i + 1] if i + 1 < len(records) else None
        if prev is None:
            entries.append(HistoryEntry(rec.history_date, _("Application changed"), who))
            continue
        parts = []
        for change in rec.diff_against(prev).changes:
            if change.field == "status":
                parts.append(
                    _("Status: %(a)s → %(b)s")
                    % {"a": labels.get(change.old, change.old), "b": labels.get(change.new, change.new)}
                )
            else:
                field = Application._meta.get_field(change.field)
                parts.append(str(getattr(field, "verbose_name", change.field)))
        text = "; ".join(parts) if parts else _("no visible field")
        entries.append(HistoryEntry(rec.history_date, _("Changed: %(what)s") % {"what": text}, who))
    return entries


def _application_or_404(request: HttpRequest, pk: int) -> Application:
    return get_object_or_404(
        Application.objects.visible_to(request.user).select_related("region", "decided_by", "partner"), pk=pk
    )


@staff_required
def console_application(request: HttpRequest, pk: int) -> HttpResponse:
    app = _application_or_404(request, pk)
    may_decide = request.user.has_perm(APPROVE_PERM)
    open_for_decision = may_decide and app.status == ApplicationStatus.SUBMITTED
    return render(
        request,
        "partners/console_application.html",
        {
            "application": app,
            "programs": list(app.programs.all()),
            "history": _application_history(app),
            "may_decide": may_decide,
            "approve_form": ApproveForm() if open_for_decision else None,
            "reject_form": RejectForm() if open_for_decision else None,
            "nav": "applications",
            "breadcrumbs": [
                {"label": _("Applications"), "url": reverse("console:applications")},
                {"label": app.company_name},
            ],
        },
    )


def _decidable(request: HttpRequest, pk: int) -> Application:
    """The application, for a staff member whose role decides applications (403 first, as before)."""
    if not request.user.has_perm(APPROVE_PERM):
        raise NotAllowed(_("Your role does not allow deciding on applications."))
    return _application_or_404(request, pk)


def _approved(app: Application, partner: Any) -> str:
    return format_html(
        '{} <a href="{}">{}</a>',
        _("Approved: %(company)s is a partner now, and %(email)s is invited as its partner admin.")
        % {"company": partner.legal_name, "email": app.email},
        reverse("console:partner_detail", args=[partner.pk]),
        _("Open the partner page"),
    )


def _back_to_application(request: HttpRequest, app: Application, result: Any) -> str:
    return reverse("console:application_detail", args=[app.pk])


console_application_approve = staff_required(
    Action[StaffRequest](
        load=_decidable,
        form_class=ApproveForm,
        perform=lambda request, app, data: application_approve(
            application=app,
            by=request.user,
            tier=data["tier"],
            cam=data["cam"],
        ),
        success=_approved,
        redirect_to=_back_to_application,
    ).view
)

console_application_reject = staff_required(
    Action[StaffRequest](
        load=_decidable,
        form_class=RejectForm,
        perform=lambda request, app, data: application_reject(
            application=app,
            by=request.user,
            reason=data["reason"],
        ),
        success=lambda app, result: (
            _("Rejected: the reason is e-mailed to %(email)s.") % {"email": app.email}
        ),
        redirect_to=_back_to_application,
    ).view
)
