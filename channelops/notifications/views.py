"""Notification pages, the same in the console (staff) and the portal (partner people).

Each view gets ``shell`` ("console" or "portal") from the URL pattern: it picks the
access check, the layout and the URL namespace. Everyone sees only their own
notifications and rules (``visible_to``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from channelops.core.forms import add_service_errors
from channelops.core.pages import partner_required, staff_required

from .forms import NotificationRuleForm
from .models import Notification, NotificationRule
from .services import (
    notification_mark_read,
    notification_rule_delete,
    notification_rule_save,
    notifications_mark_all_read,
)

PAGE_SIZE = 50


def for_shell(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Staff only under /console/, partner people only under /portal/."""
    console_view = staff_required(view)
    portal_view = partner_required(view)

    @wraps(view)
    def dispatch(request: HttpRequest, *args: Any, shell: str, **kwargs: Any) -> HttpResponse:
        chosen = console_view if shell == "console" else portal_view
        return chosen(request, *args, shell=shell, **kwargs)

    return dispatch


def _context(request: HttpRequest, shell: str, **extra: Any) -> dict[str, Any]:
    return {
        "base_template": f"{shell}/base.html",
        "shell": shell,
        "partner": getattr(request, "partner", None),
        "nav": "notifications",
        **extra,
    }


# --- the list --------------------------------------------------------------------------------------


@for_shell
@require_safe
def notification_list(request: HttpRequest, shell: str) -> HttpResponse:
    unread_only = request.GET.get("show") == "unread"
    qs = Notification.objects.visible_to(request.user).select_related("actor")
    if unread_only:
        qs = qs.unread()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        _context(
            request,
            shell,
            page=page,
            unread_only=unread_only,
            querystring="show=unread" if unread_only else "",
        ),
    )


@for_shell
@require_POST
def notification_read(request: HttpRequest, pk: int, shell: str) -> HttpResponse:
    """Mark one notification read; with ``open``, go on to the page it links to."""
    n = get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)
    notification_mark_read(notification=n, by=request.user)
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        n.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(n.url)
    return redirect(f"{shell}:notifications")


@for_shell
@require_POST
def notifications_read_all(request: HttpRequest, shell: str) -> HttpResponse:
    count = notifications_mark_all_read(by=request.user)
    messages.success(request, _("%(n)s notifications marked read.") % {"n": count})
    return redirect(f"{shell}:notifications")


# --- rules -------------------------------------------------------------------------------------


def _save(request: HttpRequest, form: NotificationRuleForm, rule: NotificationRule | None) -> bool:
    if not form.is_valid():
        return False
    try:
        notification_rule_save(
            user=request.user,  # type: ignore[arg-type]
            watch=form.cleaned_data["watch"],
            when=form.cleaned_data["when"],
            how=form.cleaned_data["how"],
            rule=rule,
            by=request.user,  # type: ignore[arg-type]
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return False
    return True


@for_shell
def notification_rules(request: HttpRequest, shell: str) -> HttpResponse:
    form = NotificationRuleForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if _save(request, form, None):
            messages.success(request, _("Notification rule saved."))
            return redirect(f"{shell}:notification_rules")
        status = 400
    rules = list(NotificationRule.objects.visible_to(request.user))
    return render(
        request,
        "notifications/rules.html",
        _context(request, shell, rules=rules, form=form if form.fields["watch"].choices else None),  # type: ignore[attr-defined]
        status=status,
    )


@for_shell
def notification_rule(request: HttpRequest, pk: int, shell: str) -> HttpResponse:
    rule = get_object_or_404(NotificationRule.objects.visible_to(request.user), pk=pk)
    initial = {"watch": rule.watch, "when": rule.when, "how": rule.how}
    form = NotificationRuleForm(request.POST or None, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        if _save(request, form, rule):
            messages.success(request, _("Notification rule saved."))
            return redirect(f"{shell}:notification_rules")
        status = 400
    return render(
        request, "notifications/rule_edit.html", _context(request, shell, rule=rule, form=form), status=status
    )


@for_shell
@require_POST
def notification_rule_remove(request: HttpRequest, pk: int, shell: str) -> HttpResponse:
    rule = get_object_or_404(NotificationRule.objects.visible_to(request.user), pk=pk)
    notification_rule_delete(rule=rule, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Notification rule deleted."))
    return redirect(f"{shell}:notification_rules")
