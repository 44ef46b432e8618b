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
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from channelops.core.exceptions import NotAllowed
from channelops.core.pages import staff_required
from channelops.core.views import client_ip

from .forms import APPLICATION_STATUS_FILTER, ApplicationFilterForm, ApproveForm, RegistrationForm, RejectForm
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

PAGE_SIZE = 50


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


@staff_required
def console_applications(request: HttpRequest) -> HttpResponse:
    form = ApplicationFilterForm(request.GET or None)
    status = form.status_value()
    q = form.query()
    qs = Application.objects.visible_to(request.user).select_related("region")
    if status != "all":
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(Q(company_name__icontains=q) | Q(company_domain__icontains=q) | Q(email__icontains=q))
    page = Paginator(qs.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "partners/console_applications.html",
        {
            "form": form,
            "status": status,
            "status_options": [
                (str(v), str(label), str(v) == status) for v, label in APPLICATION_STATUS_FILTER
            ],
            "q": q,
            "page": page,
            "querystring": params.urlencode(),
            "nav": "applications",
        },
    )


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
        },
    )


def _require_decider(request: HttpRequest) -> None:
    if not request.user.has_perm(APPROVE_PERM):
        raise PermissionDenied(_("Your role does not allow deciding on applications."))


def _error_text(exc: ValidationError | NotAllowed) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not do this.")


def _form_error_text(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@staff_required
@require_POST
def console_application_approve(request: HttpRequest, pk: int) -> HttpResponse:
    _require_decider(request)
    app = _application_or_404(request, pk)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_text(form))
        return redirect("console:application_detail", pk=app.pk)
    try:
        partner = application_approve(
            application=app,
            by=request.user,  # type: ignore[arg-type]
            tier=form.cleaned_data["tier"],
            cam=form.cleaned_data["cam"],
        )
    except (ValidationError, NotAllowed) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Approved: %(company)s is a partner now, and %(email)s is invited as its partner admin.")
                % {"company": partner.legal_name, "email": app.email},
                reverse("console:partner_detail", args=[partner.pk]),
                _("Open the partner page"),
            ),
        )
    return redirect("console:application_detail", pk=app.pk)


@staff_required
@require_POST
def console_application_reject(request: HttpRequest, pk: int) -> HttpResponse:
    _require_decider(request)
    app = _application_or_404(request, pk)
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_error_text(form))
        return redirect("console:application_detail", pk=app.pk)
    try:
        application_reject(application=app, by=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
    except (ValidationError, NotAllowed) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(
            request,
            _("Rejected: the reason is e-mailed to %(email)s.") % {"email": app.email},
        )
    return redirect("console:application_detail", pk=app.pk)
