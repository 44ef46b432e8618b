"""Console audience pages (/console/communications/…): subscribers (list with filters, a
subscriber's consents, suppression and mailings), the suppression list (add, remove with a reason).
Reading needs ``communications.view_subscriber``; changing the list ``manage_subscriber``."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.partners.models import Partner

from . import consent as svc
from .forms_audience import SuppressionAddForm, SuppressionRemoveForm
from .models import (
    Recipient,
    Subscriber,
    SubscriberSource,
    SubscriberStatus,
    Suppression,
    SuppressionReason,
    Topic,
)
from .querysets import MANAGE_SUBSCRIBER, VIEW_SUBSCRIBER

NAV = "comms_subscribers"


def _require(request: HttpRequest, perm: str = VIEW_SUBSCRIBER) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(_("Your role does not allow seeing the newsletter's subscribers."))


class SubscriberFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=gettext_lazy("Search"),
        method="search",
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Address, name or company")}),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=SubscriberStatus.choices, empty_label=gettext_lazy("Any")
    )
    source = django_filters.ChoiceFilter(
        label=gettext_lazy("Source"), choices=SubscriberSource.choices, empty_label=gettext_lazy("Any")
    )
    topic = django_filters.ChoiceFilter(
        label=gettext_lazy("Topic"), choices=Topic.choices, empty_label=gettext_lazy("Any"), method="by_topic"
    )
    partner = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Partner"), queryset=Partner.objects.none(), empty_label=gettext_lazy("Any")
    )

    class Meta:
        model = Subscriber
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["partner"].queryset = (
            Partner.objects.filter(subscribers__isnull=False).distinct().order_by("legal_name")
        )

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(Q(email__icontains=value) | Q(name__icontains=value) | Q(company__icontains=value))

    def by_topic(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if value not in Topic.values:
            return qs
        # an empty list means every topic
        return qs.filter(Q(topics=[]) | Q(topics__icontains=f'"{value}"'))


def _topics_text(s: Subscriber) -> str:
    return ", ".join(svc.topic_labels(s.topics)) if s.topics else _("Every topic")


SUBSCRIBER_COLUMNS = [
    Column(
        "email",
        gettext_lazy("E-mail"),
        link=lambda s: reverse("console:comms_subscriber", args=[s.pk]),
        sort="email",
    ),
    Column("name", gettext_lazy("Name"), sort="name"),
    Column(
        "company", gettext_lazy("Company"), value=lambda s: s.partner.legal_name if s.partner else s.company
    ),
    Column("status", gettext_lazy("Status"), status="subscriber", sort="status"),
    Column("source", gettext_lazy("Source"), value=lambda s: s.get_source_display(), sort="source"),
    Column("topics", gettext_lazy("Topics"), value=_topics_text),
    Column("created_at", gettext_lazy("Since"), sort="created_at"),
]


@method_decorator(staff_required, name="dispatch")
class ConsoleSubscribers(ListPage):
    title = gettext_lazy("Subscribers")
    nav = NAV
    intro = gettext_lazy(
        "Everyone who may receive partner communications: portal users (once mailed or after changing "
        "their preferences) and people who signed up through the public form."
    )
    filterset_class = SubscriberFilter
    columns = SUBSCRIBER_COLUMNS
    default_sort = "email"
    export_name = "subscribers"
    empty_title = gettext_lazy("No subscribers yet.")
    empty_text = gettext_lazy(
        "People sign up on the public newsletter page; portal users appear once mailed."
    )
    noun_plural = gettext_lazy("subscribers")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        return Subscriber.objects.visible_to(self.request.user).select_related("partner")

    def get_actions(self) -> list[dict[str, Any]]:
        return [{"label": _("Suppression list"), "url": reverse("console:comms_suppressions")}]


console_subscribers = ConsoleSubscribers.as_view()


@staff_required
@require_http_methods(["GET", "HEAD"])
def console_subscriber(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    sub = get_object_or_404(
        Subscriber.objects.visible_to(request.user).select_related("partner", "user"), pk=pk
    )
    recipients = (
        Recipient.objects.filter(Q(subscriber=sub) | Q(email=sub.email))
        .select_related("mailing")
        .order_by("-mailing__sent_at", "-id")[:200]
    )
    return render(
        request,
        "communications/audience/console_subscriber.html",
        {
            "subscriber": sub,
            "topics": _topics_text(sub),
            "consents": list(sub.consents.select_related("by", "mailing")),
            "suppression": svc.suppression_of(sub.email),
            "recipients": list(recipients),
            "may_manage": request.user.has_perm(MANAGE_SUBSCRIBER),
            "nav": NAV,
            "breadcrumbs": [
                {"label": _("Subscribers"), "url": reverse("console:comms_subscribers")},
                {"label": sub.email},
            ],
        },
    )


# --- the suppression list ------------------------------------------------------------------------------


class SuppressionFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=gettext_lazy("Search"), field_name="email", lookup_expr="icontains", max_length=200
    )
    reason = django_filters.ChoiceFilter(
        label=gettext_lazy("Reason"), choices=SuppressionReason.choices, empty_label=gettext_lazy("Any")
    )

    class Meta:
        model = Suppression
        fields: list[str] = []


SUPPRESSION_COLUMNS = [
    Column("email", gettext_lazy("E-mail"), sort="email"),
    Column("reason", gettext_lazy("Reason"), value=lambda s: s.get_reason_display(), sort="reason"),
    Column("detail", gettext_lazy("Detail"), value=lambda s: (s.detail or "")[:120]),
    Column("created_at", gettext_lazy("Since"), sort="created_at"),
    Column(
        "remove",
        gettext_lazy("Remove"),
        value=lambda s: _("Remove"),
        link=lambda s: reverse("console:comms_suppression_remove", args=[s.pk]),
        export=False,
    ),
]


@method_decorator(staff_required, name="dispatch")
class ConsoleSuppressions(ListPage):
    title = gettext_lazy("Suppression list")
    nav = NAV
    intro = gettext_lazy(
        "No mailing is ever sent to these addresses. People who unsubscribed leave the list by subscribing "
        "again; hard bounces, complaints and addresses added here stay until staff remove them."
    )
    filterset_class = SuppressionFilter
    columns = SUPPRESSION_COLUMNS
    default_sort = "-created_at"
    export_name = "suppression-list"
    empty_title = gettext_lazy("No suppressed addresses.")
    noun_plural = gettext_lazy("addresses")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet:
        return Suppression.objects.all()

    def get_columns(self) -> list[Column]:
        cols = list(self.columns)
        if not self.request.user.has_perm(MANAGE_SUBSCRIBER):
            cols = [c for c in cols if c.key != "remove"]
        return cols

    def get_actions(self) -> list[dict[str, Any]]:
        if not self.request.user.has_perm(MANAGE_SUBSCRIBER):
            return []
        return [
            {"label": _("Add an address"), "url": reverse("console:comms_suppression_add"), "primary": True}
        ]

    def get_breadcrumbs(self) -> list[dict[str, Any]] | None:
        return [
            {"label": _("Subscribers"), "url": reverse("console:comms_subscribers")},
            {"label": _("Suppression list")},
        ]


console_suppressions = ConsoleSuppressions.as_view()


def _crumbs(last: str) -> list[dict[str, Any]]:
    return [
        {"label": _("Subscribers"), "url": reverse("console:comms_subscribers")},
        {"label": _("Suppression list"), "url": reverse("console:comms_suppressions")},
        {"label": last},
    ]


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def console_suppression_add(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_SUBSCRIBER)
    form = SuppressionAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            s = svc.suppression_add(email=d["email"], reason=d["reason"], detail=d["detail"], by=request.user)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("%(email)s is on the suppression list.") % {"email": s.email})
            return redirect("console:comms_suppressions")
    return render(
        request,
        "communications/audience/console_suppression_form.html",
        {"form": form, "nav": NAV, "breadcrumbs": _crumbs(_("Add an address"))},
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def console_suppression_remove(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_SUBSCRIBER)
    suppression = get_object_or_404(Suppression, pk=pk)
    form = SuppressionRemoveForm(request.POST or None)
    bounce = suppression.reason in (SuppressionReason.HARD_BOUNCE, SuppressionReason.COMPLAINT)
    if request.method == "POST" and form.is_valid():
        try:
            svc.suppression_remove(
                suppression=suppression,
                why=form.cleaned_data["why"],
                by=request.user,
                confirm_bounce=form.cleaned_data["confirm_bounce"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("%(email)s may be mailed again.") % {"email": suppression.email})
            return redirect("console:comms_suppressions")
    return render(
        request,
        "communications/audience/console_suppression_form.html",
        {
            "form": form,
            "suppression": suppression,
            "bounce": bounce,
            "nav": NAV,
            "breadcrumbs": _crumbs(suppression.email),
        },
        status=400 if request.method == "POST" else 200,
    )
