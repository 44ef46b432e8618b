"""Console pages of outgoing webhooks (docs/webhooks.md): endpoints, their deliveries, replay."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.events import EVENT_KINDS
from channelops.core.exceptions import NotAllowed
from channelops.core.listing import Column, ListPage, Table

from .forms import EndpointForm
from .models import WebhookDelivery, WebhookEndpoint
from .querysets import CHANGE_PERM, may_view
from .services import (
    delivery_replay,
    endpoint_create,
    endpoint_disable,
    endpoint_enable,
    endpoint_rotate_secret,
    endpoint_update,
)

NAV = "webhooks"
RECENT = 10


def _require_view(request: HttpRequest) -> None:
    if not may_view(request.user):
        raise NotAllowed(_("Your role does not allow seeing webhooks."))


def _may_change(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(CHANGE_PERM))


def _crumbs(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"label": _("Webhooks"), "url": reverse("console:webhooks")}, *extra]


class EndpointList(ListPage):
    """Every endpoint with its events, state and last delivery."""

    title = _l("Webhooks")
    nav = NAV
    intro = _l(
        "Endpoints receive the events they subscribe to as signed HTTP POSTs (Standard Webhooks). "
        "Failed deliveries are retried; an endpoint that keeps failing is disabled and its owner told."
    )
    default_sort = "url"
    noun_plural = _l("endpoints")
    empty_title = _l("No webhook endpoint yet.")
    empty_text = _l("Add one to send partner, agreement, license, badge and review events to your systems.")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return (
            WebhookEndpoint.objects.visible_to(self.request.user)
            .select_related("owner")
            .annotate(last_delivery=Max("deliveries__created_at"), delivery_count=Count("deliveries"))
        )

    def get_actions(self) -> list[dict[str, Any]]:
        if not _may_change(self.request):
            return []
        return [
            {
                "label": _("Add endpoint"),
                "url": reverse("console:webhook_new"),
                "icon": "plus",
                "primary": True,
            }
        ]

    def get_empty_action(self) -> tuple[str, Any] | None:
        return (reverse("console:webhook_new"), _l("Add endpoint")) if _may_change(self.request) else None

    def get_columns(self) -> list[Column]:
        return [
            Column("url", _l("URL"), link=lambda e: reverse("console:webhook", args=[e.pk]), sort="url"),
            Column("description", _l("Description")),
            Column("events", _l("Events"), value=lambda e: len(e.event_kinds), numeric=True),
            Column(
                "status",
                _l("State"),
                status="webhook_endpoint",
                display=lambda e: _("Active") if e.is_active else _("Disabled"),
            ),
            Column("consecutive_failures", _l("Failures in a row"), numeric=True),
            Column("last_delivery", _l("Last delivery"), sort="last_delivery"),
            Column("owner.email", _l("Owner")),
        ]


endpoints = EndpointList.as_view()


def _endpoint(request: HttpRequest, pk: int) -> WebhookEndpoint:
    _require_view(request)
    return get_object_or_404(WebhookEndpoint.objects.visible_to(request.user).select_related("owner"), pk=pk)


def _replay_button(request: HttpRequest, d: WebhookDelivery) -> SafeString:
    if not _may_change(request) or not d.endpoint.is_active:
        return format_html("")
    return format_html(
        '<form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit" class="btn btn-sm">{}</button></form>',
        reverse("console:webhook_replay", args=[d.endpoint_id, d.pk]),
        get_token(request),
        _("Replay"),
    )


def delivery_columns(request: HttpRequest) -> list[Column]:
    return [
        Column("created_at", _l("Created"), sort="created_at"),
        Column("kind", _l("Event")),
        Column("message_id", _l("Message id"), html=lambda d: format_html("<code>{}</code>", d.message_id)),
        Column("status", _l("Status"), status="webhook_delivery"),
        Column("attempts", _l("Attempts"), numeric=True),
        Column("response_code", _l("Response"), numeric=True),
        Column("last_error", _l("Last error"), value=lambda d: Truncator(d.last_error).chars(120)),
        Column("replay", _l("Replay"), html=lambda d: _replay_button(request, d), export=False),
    ]


def _endpoint_page(
    request: HttpRequest, endpoint: WebhookEndpoint, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    qs = endpoint.deliveries.select_related("endpoint").order_by("-created_at", "-pk")
    rows = list(qs[:RECENT])
    deliveries = Table(
        key="deliveries",
        title=_l("Recent deliveries"),
        columns=delivery_columns(request),
        rows=rows,
        total=endpoint.deliveries.count(),
        see_all_url=reverse("console:webhook_deliveries", args=[endpoint.pk]),
        empty_title=_l("Nothing sent yet."),
        empty_text=_l("Deliveries appear here when one of the subscribed events happens."),
    )
    may_change = _may_change(request)
    if may_change and form is None:
        form = EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "event_kinds": endpoint.event_kinds,
                "owner": endpoint.owner_id,
            }
        )
    return render(
        request,
        "webhooks/endpoint.html",
        {
            "endpoint": endpoint,
            "events": [EVENT_KINDS.get(k, k) for k in endpoint.event_kinds],
            "deliveries": deliveries,
            "form": form if may_change else None,
            "may_change": may_change,
            "nav": NAV,
            "breadcrumbs": _crumbs({"label": str(endpoint)}),
        },
        status=status,
    )


def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _endpoint_page(request, _endpoint(request, pk))


def _new_page(request: HttpRequest, form: forms.Form | None = None, status: int = 200) -> HttpResponse:
    _require_view(request)
    if not _may_change(request):
        raise NotAllowed(_("Your role does not allow managing webhooks."))
    return render(
        request,
        "webhooks/endpoint_new.html",
        {
            "form": form or EndpointForm(),
            "nav": NAV,
            "breadcrumbs": _crumbs({"label": _("Add endpoint")}),
        },
        status=status,
    )


def _allowed(request: StaffRequest, obj: Any) -> bool:
    return may_view(request.user) and _may_change(request)


NOT_ALLOWED = _l("Your role does not allow managing webhooks.")

create = Action[StaffRequest](
    load=lambda request: None,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=EndpointForm,
    perform=lambda request, obj, data: endpoint_create(
        url=data["url"],
        event_kinds=data["event_kinds"],
        description=data["description"],
        owner=data["owner"],
        by=request.user,
    ),
    success=lambda obj, result: _("Endpoint added. Give its signing secret to the receiver."),
    redirect_to=lambda request, obj, result: reverse("console:webhook", args=[result.pk]),
    on_invalid=lambda request, obj, form: _new_page(request, form, status=400),
)
endpoint_new = page_or_action(lambda request: _new_page(request), create)

change = Action[StaffRequest](
    load=_endpoint,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    form_class=EndpointForm,
    perform=lambda request, obj, data: endpoint_update(
        endpoint=obj,
        url=data["url"],
        event_kinds=data["event_kinds"],
        description=data["description"],
        owner=data["owner"] or request.user,  # "— you —"
        by=request.user,
    ),
    success=_l("Endpoint saved."),
    redirect_to=lambda request, obj, result: reverse("console:webhook", args=[obj.pk]),
    on_invalid=lambda request, obj, form: _endpoint_page(request, obj, form, status=400),
)


def _endpoint_action(service: Any, success: Any, confirm_template: str = "") -> Action[StaffRequest]:
    """A button on the endpoint's page: ``service(endpoint=…, by=…)``, then back to the page."""
    return Action[StaffRequest](
        load=_endpoint,
        allowed=_allowed,
        not_allowed=NOT_ALLOWED,
        perform=lambda request, obj, data: service(endpoint=obj, by=request.user),
        success=success,
        redirect_to=lambda request, obj, result: reverse("console:webhook", args=[obj.pk]),
        confirm_template=confirm_template,
    )


enable = _endpoint_action(endpoint_enable, _l("Endpoint enabled: new events are sent to it again."))
disable = _endpoint_action(
    endpoint_disable,
    _l("Endpoint disabled: nothing is sent to it until it is enabled again."),
    "webhooks/confirm_disable.html",
)
rotate = _endpoint_action(
    endpoint_rotate_secret,
    _l("New signing secret made: give it to the receiver; deliveries from now on use it."),
    "webhooks/confirm_rotate.html",
)


def _delivery(request: HttpRequest, pk: int, delivery_pk: int) -> WebhookDelivery:
    endpoint = _endpoint(request, pk)
    delivery = endpoint.deliveries.select_related("endpoint").filter(pk=delivery_pk).first()
    if delivery is None:
        raise Http404
    return delivery


replay = Action[StaffRequest](
    load=_delivery,
    allowed=_allowed,
    not_allowed=NOT_ALLOWED,
    perform=lambda request, obj, data: delivery_replay(delivery=obj, by=request.user),
    success=_l("Delivery queued again with the same message id."),
    redirect_to=lambda request, obj, result: reverse("console:webhook", args=[obj.endpoint_id]),
)


class DeliveryList(ListPage):
    """Every delivery of one endpoint."""

    title = _l("Deliveries")
    intro = _l("Every event sent to this endpoint, newest first; replay one to send it again.")
    nav = NAV
    default_sort = "-created_at"
    noun_plural = _l("deliveries")
    empty_title = _l("Nothing sent yet.")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        self.endpoint = _endpoint(request, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs(self) -> list[dict[str, Any]]:
        return _crumbs(
            {"label": str(self.endpoint), "url": reverse("console:webhook", args=[self.endpoint.pk])},
            {"label": _("Deliveries")},
        )

    def get_queryset(self) -> Any:
        return (
            WebhookDelivery.objects.visible_to(self.request.user)
            .filter(endpoint=self.endpoint)
            .select_related("endpoint")
        )

    def get_columns(self) -> list[Column]:
        return delivery_columns(self.request)


deliveries = DeliveryList.as_view()
