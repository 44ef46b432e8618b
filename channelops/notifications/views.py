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
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from channelops.core.forms import add_service_errors
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.partners.pages import partner_required

from .filters import NotificationFilter
from .forms import NotificationRuleForm
from .models import Notification, NotificationRule
from .services import (
    notification_mark_read,
    notification_rule_delete,
    notification_rule_save,
    notifications_mark_all_read,
)


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


class NotificationList(ListPage):
    """The person's notifications, newest first; unread ones in bold. Opening one marks it read."""

    template_name = "notifications/list.html"
    title = _l("Notifications")
    nav = "notifications"
    filterset_class = NotificationFilter
    default_sort = "-created_at"
    noun_plural = _l("notifications")
    empty_title = _l("No notifications yet.")
    empty_text = _l("Set up rules to be told of changes.")

    @property
    def shell(self) -> str:
        return str(self.kwargs["shell"])

    def get_queryset(self) -> Any:
        return Notification.objects.visible_to(self.request.user).select_related("actor")

    def ordering(self) -> list[str]:
        return ["-created_at", "-pk"]

    def get_columns(self) -> list[Column]:
        token = format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(self.request)
        )
        shell = self.shell

        def title(n: Notification) -> str:
            text = format_html("{}", n.title) if n.read_at else format_html("<strong>{}</strong>", n.title)
            return format_html(
                '<form method="post" action="{}">{}<input type="hidden" name="open" value="1">'
                '<button type="submit" class="btn btn-link p-0 text-start">{}</button></form>',
                reverse(f"{shell}:notification_read", args=[n.pk]),
                token,
                text,
            )

        def state(n: Notification) -> str:
            if n.read_at:
                return format_html('<span class="badge bg-secondary-lt">{}</span>', _("Read"))
            return format_html(
                '<form method="post" action="{}">{}<button type="submit" class="btn btn-sm">{}'
                '<span class="visually-hidden">: {}</span></button></form>',
                reverse(f"{shell}:notification_read", args=[n.pk]),
                token,
                _("Mark read"),
                n.title,
            )

        return [
            Column("title", _l("Change"), html=title),  # type: ignore[arg-type]
            Column("actor", _l("By"), value=lambda n: n.actor.get_full_name() if n.actor else None),
            Column("created_at", _l("When")),
            Column("read_at", _l("Status"), html=state),  # type: ignore[arg-type]
        ]

    def get_actions(self) -> list[dict[str, Any]]:
        return [
            {"label": _("Your notification rules"), "url": reverse(f"{self.shell}:notification_rules")},
            {
                "label": _("Mark all read"),
                "url": reverse(f"{self.shell}:notifications_read_all"),
                "post": True,
                "primary": True,
            },
        ]

    def get_empty_action(self) -> tuple[str, Any] | None:
        return reverse(f"{self.shell}:notification_rules"), _("Set up a rule")


notification_list = for_shell(NotificationList.as_view())  # type: ignore[arg-type]


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
        request,
        "notifications/rule_edit.html",
        _context(
            request,
            shell,
            rule=rule,
            form=form,
            breadcrumbs=[
                {"label": _("Notification rules"), "url": reverse(f"{shell}:notification_rules")},
                {"label": rule.watch_label},
            ],
        ),
        status=status,
    )


@for_shell
@require_POST
def notification_rule_remove(request: HttpRequest, pk: int, shell: str) -> HttpResponse:
    rule = get_object_or_404(NotificationRule.objects.visible_to(request.user), pk=pk)
    notification_rule_delete(rule=rule, by=request.user)  # type: ignore[arg-type]
    messages.success(request, _("Notification rule deleted."))
    return redirect(f"{shell}:notification_rules")
