"""The console's inbound e-mail pages (docs/inbound-email.md, "Dead letters"): the list of received
messages (dead letters first to look at), one message with its headers and raw source (shown as
escaped text, never rendered), and Retry / Discard for a dead letter."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from channelops.core.actions import Action
from channelops.core.exceptions import NotAllowed
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required

from .models import MANAGE_PERM, VIEW_PERM, InboundMessage, InboundStatus
from .parsing import ParseError, parse
from .services import inbound_discard, inbound_retry

NAV = "inbound"
RAW_SHOWN = 200_000  # characters of the raw source shown on the page


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERM):
        raise NotAllowed(_("Your role does not allow seeing inbound e-mail."))


class InboundFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=InboundStatus.choices, label=_("Status"), empty_label=_("Any")
    )
    q = django_filters.CharFilter(method="search", label=_("Sender or subject"))

    class Meta:
        model = InboundMessage
        fields: list[str] = []

    def search(self, qs: Any, name: str, value: str) -> Any:
        from django.db.models import Q

        return qs.filter(Q(sender__icontains=value) | Q(subject__icontains=value))


@method_decorator(staff_required, name="dispatch")
class InboundList(ListPage):
    title = _("Inbound e-mail")
    nav = NAV
    intro = _(
        "Every message received by the help-desk mailbox or a provider webhook. Dead letters could not "
        "be read or routed: open one to see why, then retry it or discard it."
    )
    filterset_class = InboundFilter
    default_sort = "-pk"
    empty_title = _("No message here.")
    empty_text = _(
        "Messages appear once the mailbox is polled (docs/inbound-email.md) or a webhook posts one."
    )
    noun_plural = _("messages")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_view(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return InboundMessage.objects.defer("raw")

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "received_at",
                _("Received"),
                link=lambda m: reverse("console:inbound_message", args=[m.pk]),
                sort="pk",
            ),
            Column("sender", _("Sender"), sort="sender"),
            Column("subject", _("Subject"), value=lambda m: Truncator(m.subject).chars(120)),
            Column("source", _("Source")),
            Column("status", _("Status"), status="inbound", sort="status"),
            Column("handler", _("Handler")),
            Column(
                "error",
                _("Reason"),
                value=lambda m: Truncator(m.error.splitlines()[0] if m.error else "").chars(160),
            ),
        ]


inbound_messages = InboundList.as_view()


@staff_required
def inbound_message(request: HttpRequest, pk: int) -> HttpResponse:
    _require_view(request)
    msg = get_object_or_404(InboundMessage, pk=pk)
    raw = bytes(msg.raw)
    parsed = None
    try:
        parsed = parse(raw)
    except ParseError:
        parsed = None
    text = raw[:RAW_SHOWN].decode("utf-8", "replace")
    return render(
        request,
        "inbound/message.html",
        {
            "msg": msg,
            "parsed": parsed,
            "raw_text": text,
            "raw_cut": len(raw) > RAW_SHOWN,
            "may_manage": request.user.has_perm(MANAGE_PERM),
            "nav": NAV,
            "breadcrumbs": [
                {"label": str(_("Inbound e-mail")), "url": reverse("console:inbound_messages")},
                {"label": str(msg)},
            ],
        },
    )


def _load(request: HttpRequest, pk: int) -> InboundMessage:
    if not (request.user.has_perm(VIEW_PERM) and request.user.has_perm(MANAGE_PERM)):
        raise NotAllowed(_("Your role does not allow retrying or discarding inbound e-mail."))
    return get_object_or_404(InboundMessage, pk=pk)


def _back(request: HttpRequest, msg: InboundMessage, result: Any) -> str:
    return reverse("console:inbound_message", args=[msg.pk])


retry = Action[HttpRequest](
    load=_load,
    perform=lambda request, msg, data: inbound_retry(message=msg),
    success=lambda msg, result: _("Routed again: %(status)s.") % {"status": result.get_status_display()},
    redirect_to=_back,
)
discard = Action[HttpRequest](
    load=_load,
    perform=lambda request, msg, data: inbound_discard(message=msg),
    success=_("Dead letter discarded; its raw source stays here."),
    redirect_to=_back,
)
