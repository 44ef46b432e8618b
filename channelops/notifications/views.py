"""Notification pages, the same in the console (staff) and the portal (partner people).

Each view gets ``shell`` ("console" or "portal") from the URL pattern: it picks the
access check, the layout and the URL namespace. Everyone sees only their own
notifications and rules (``visible_to``). Every POST is an ``Action[SignedInRequest]`` (staff and
partner people use the same ones); the rule pages post to themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.accounts.pages import SignedInRequest
from channelops.core.actions import Action
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.partners.pages import partner_required

from .filters import NotificationFilter
from .forms import NotificationRuleForm
from .models import Notification, NotificationRule, Scope
from .services import (
    notification_mark_read,
    notification_rule_delete,
    notification_rule_save,
    notifications_mark_all_read,
)


def for_shell(view: Callable[..., Any]) -> Callable[..., Any]:
    """Staff only under /console/, partner people only under /portal/."""
    console_view = staff_required(view)
    portal_view = partner_required(view)

    @wraps(view)
    def dispatch(request: HttpRequest, *args: Any, shell: str, **kwargs: Any) -> HttpResponse:
        chosen = console_view if shell == "console" else portal_view
        return chosen(request, *args, shell=shell, **kwargs)

    return dispatch


def _shell(request: SignedInRequest) -> str:
    """The shell the request came through: ``for_shell`` lets only staff into the console and only
    partner people into the portal."""
    return "console" if request.user.is_staff else "portal"


def _context(request: SignedInRequest, shell: str, **extra: Any) -> dict[str, Any]:
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
    request: SignedInRequest

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

        def title(n: Notification) -> SafeString:
            text = format_html("{}", n.title) if n.read_at else format_html("<strong>{}</strong>", n.title)
            return format_html(
                '<form method="post" action="{}">{}<input type="hidden" name="open" value="1">'
                '<button type="submit" class="btn btn-link p-0 text-start text-wrap">{}</button></form>',
                reverse(f"{shell}:notification_read", args=[n.pk]),
                token,
                text,
            )

        def state(n: Notification) -> SafeString:
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
            Column("title", _l("Change"), html=title),
            Column("actor", _l("By"), value=lambda n: n.actor.get_full_name() if n.actor else None),
            Column("created_at", _l("When")),
            Column("read_at", _l("Status"), html=state),
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


notification_list = for_shell(NotificationList.as_view())


def _notifications_url(request: SignedInRequest, *args: Any) -> str:
    return reverse(f"{_shell(request)}:notifications")


def _rules_url(request: SignedInRequest, *args: Any) -> str:
    return reverse(f"{_shell(request)}:notification_rules")


def _notification(request: SignedInRequest, pk: int, shell: str) -> Notification:
    return get_object_or_404(Notification.objects.visible_to(request.user), pk=pk)


def _after_read(request: SignedInRequest, n: Notification, result: Any) -> str:
    """With ``open``, the page the notification links to (on this site only); else the list."""
    if request.POST.get("open") and url_has_allowed_host_and_scheme(
        n.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return n.url
    return _notifications_url(request)


mark_read = Action[SignedInRequest](
    load=_notification,
    perform=lambda request, n, data: notification_mark_read(notification=n, by=request.user),
    success="",  # no message: the list shows it read, or its page opens
    redirect_to=_after_read,
)

mark_all_read = Action[SignedInRequest](
    load=lambda request, shell: None,
    perform=lambda request, obj, data: notifications_mark_all_read(by=request.user),
    success=lambda obj, count: _("%(n)s notifications marked read.") % {"n": count},
    redirect_to=_notifications_url,
)

notification_read = for_shell(mark_read.view)
notifications_read_all = for_shell(mark_all_read.view)


# --- rules -------------------------------------------------------------------------------------


def _rule(request: SignedInRequest, pk: int, shell: str) -> NotificationRule:
    return get_object_or_404(NotificationRule.objects.visible_to(request.user), pk=pk)


def _save(request: SignedInRequest, rule: NotificationRule | None, data: dict[str, Any]) -> NotificationRule:
    return notification_rule_save(
        user=request.user,
        watch=data["watch"],
        when=data["when"],
        how=data["how"],
        scope=data.get("scope") or Scope.ALL,
        rule=rule,
        by=request.user,
    )


def _rules_page(
    request: SignedInRequest, shell: str, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    rules = list(NotificationRule.objects.visible_to(request.user))
    if form is None:  # offer only the queues the person has no rule for yet (one rule per queue)
        form = NotificationRuleForm(user=request.user, exclude={r.watch for r in rules})
    watch = form.fields["watch"]
    offered = isinstance(watch, forms.ChoiceField) and bool(watch.choices)
    regions: list[str] = []
    if any(r.scope == Scope.MY_REGIONS for r in rules):
        from channelops.partners.models import RegionRouting

        regions = list(
            RegionRouting.objects.filter(phd_specialist=request.user)
            .order_by("region__code")
            .values_list("region__code", flat=True)
        )
    return render(
        request,
        "notifications/rules.html",
        _context(
            request,
            shell,
            rules=rules,
            suggested=any(r.is_suggested for r in rules),
            my_regions=", ".join(regions),
            form=form if offered else None,
            watches_all=bool(rules) and not offered,
        ),
        status=status,
    )


add_rule = Action[SignedInRequest](
    load=lambda request, shell: None,
    form_class=NotificationRuleForm,
    form_kwargs=lambda request, obj: {"user": request.user},
    perform=_save,
    success=_l("Notification rule saved."),
    redirect_to=_rules_url,
    on_invalid=lambda request, obj, form: _rules_page(request, _shell(request), form, status=400),
)


@for_shell
def notification_rules(request: SignedInRequest, shell: str) -> HttpResponse:
    """The person's rules and a form to add one (its POST adds it)."""
    if request.method == "POST":
        return add_rule.view(request, shell=shell)
    return _rules_page(request, shell)


def _rule_initial(rule: NotificationRule) -> dict[str, Any]:
    return {"watch": rule.watch, "when": rule.when, "how": rule.how, "scope": rule.scope}


def _rule_page(
    request: SignedInRequest,
    shell: str,
    rule: NotificationRule,
    form: forms.Form | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "notifications/rule_edit.html",
        _context(
            request,
            shell,
            rule=rule,
            form=form or NotificationRuleForm(user=request.user, initial=_rule_initial(rule)),
            breadcrumbs=[
                {"label": _("Notification rules"), "url": reverse(f"{shell}:notification_rules")},
                {"label": rule.watch_label},
            ],
        ),
        status=status,
    )


change_rule = Action[SignedInRequest](
    load=_rule,
    form_class=NotificationRuleForm,
    form_kwargs=lambda request, rule: {"user": request.user, "initial": _rule_initial(rule)},
    perform=_save,
    success=_l("Notification rule saved."),
    redirect_to=_rules_url,
    on_invalid=lambda request, rule, form: _rule_page(request, _shell(request), rule, form, status=400),
)


@for_shell
def notification_rule(request: SignedInRequest, pk: int, shell: str) -> HttpResponse:
    """One rule's form (its POST saves it)."""
    if request.method == "POST":
        return change_rule.view(request, pk, shell=shell)
    return _rule_page(request, shell, _rule(request, pk, shell))


delete_rule = Action[SignedInRequest](
    load=_rule,
    perform=lambda request, rule, data: notification_rule_delete(rule=rule, by=request.user),
    success=_l("Notification rule deleted."),
    redirect_to=_rules_url,
)

notification_rule_remove = for_shell(delete_rule.view)
