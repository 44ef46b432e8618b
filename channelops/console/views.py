"""Staff console pages: home, partner directory (+ export), partner page, work queues, dead letters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action, page_or_action
from channelops.core.exceptions import NotAllowed
from channelops.core.listing import Column, ListPage
from channelops.core.models import OutboxMessage, OutboxStatus
from channelops.core.navigation import CONSOLE
from channelops.core.outbox import outbox_retry
from channelops.core.pages import staff_required
from channelops.core.queues import get_queue, queues_for
from channelops.core.search_page import search_page
from channelops.partners.forms import PartnerClassificationForm, partner_label
from channelops.partners.forms import partner_search as search_partners
from channelops.partners.models import Partner, PartnerStatus
from channelops.partners.services import may_classify_partner, partner_update_classification

from .filters import DirectoryFilter
from .partner360 import SECTIONS_BY_KEY, sections_for


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    """Channel leadership and the program manager start on the program overview; everyone else on
    their work queues (the overview is in everyone's navigation)."""
    user: Any = request.user
    if user.has_role("channel_leadership") or user.has_role("channel_program_manager"):
        return redirect("console:overview")
    return redirect("console:queues")


_STATUS_LABELS = dict(PartnerStatus.choices)


def _partner_url(base: str) -> Any:
    return lambda r: f"{base}{r['pk']}/"


@method_decorator(staff_required, name="dispatch")
class Directory(ListPage):
    """The partner directory: search, filters, sorting, CSV/XLSX export.

    Rows are ``values()`` dicts (one query joined with region, tier and CAM) rendered in Python:
    the template engine cost ~0.15 ms per row (docs/performance.md)."""

    title = _("Partner directory")
    nav = "directory"
    filterset_class = DirectoryFilter
    default_sort = "legal_name"
    export_name = "partners"
    export_sheet = _("Partners")
    noun_plural = _("partners")
    empty_title = _("No partner yet.")
    empty_text = _("Partners appear here once an application is approved.")
    exporting = False

    DISPLAY_FIELDS = (
        "pk",
        "legal_name",
        "country",
        "region__code",
        "tier__name",
        "status",
        "cam__full_name",
        "cam__email",
        "engagement_score",
    )
    EXPORT_FIELDS = (
        *DISPLAY_FIELDS,
        "website",
        "crm_account_id",
        "last_phd_review",
        "created_at",
    )
    # Sort keys that have no column of their own (the directory's "Newest").
    EXTRA_SORTS = {"created_at": "created_at"}

    def get_queryset(self) -> Any:
        fields = self.EXPORT_FIELDS if self.exporting else self.DISPLAY_FIELDS
        return Partner.objects.visible_to(self.request.user).values(*fields)

    def get_columns(self) -> list[Column]:
        if self.exporting:
            return [
                Column("pk", _("ID")),
                Column("legal_name", _("Legal name")),
                Column("website", _("Website")),
                Column("country", _("Country")),
                Column("region__code", _("Region")),
                Column("tier__name", _("Tier")),
                Column("status", _("Status")),
                Column("cam__email", _("CAM")),
                Column("engagement_score", _("Engagement score")),
                Column("crm_account_id", _("CRM account id")),
                Column("last_phd_review", _("Last PHD review")),
                Column("created_at", _("Created")),
            ]
        base = reverse("console:partner_detail", args=[0])[:-2]  # "/console/partners/"
        return [
            Column("legal_name", _("Partner"), link=_partner_url(base), sort="legal_name"),
            Column("country", _("Country"), sort="country"),
            Column("region__code", _("Region"), sort="region__code"),
            Column("tier__name", _("Tier"), sort="tier__rank"),
            Column(
                "status",
                _("Status"),
                status="partner",
                display=lambda r: _STATUS_LABELS.get(r["status"], r["status"]),
                sort="status",
            ),
            Column("cam", _("CAM"), value=lambda r: r["cam__full_name"] or r["cam__email"]),
            Column(
                "engagement_score",
                _("Engagement"),
                value=lambda r: int(r["engagement_score"]),
                numeric=True,
                sort="engagement_score",
            ),
        ]

    def ordering(self) -> list[str]:
        wanted = self.request.GET.get("sort", "")
        if wanted.lstrip("-") in self.EXTRA_SORTS:
            field = self.EXTRA_SORTS[wanted.lstrip("-")]
            return ["-" + field if wanted.startswith("-") else field, "pk"]
        return super().ordering()

    def export(self, fmt: str) -> HttpResponse:
        self.exporting = True
        return super().export(fmt)


directory = Directory.as_view()


@staff_required
def directory_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The old export address (``/console/partners/export.csv``): the directory's own export."""
    page = Directory()
    page.setup(request)
    return page.export(fmt)


def _partner_or_404(request: HttpRequest, pk: int) -> Partner:
    return get_object_or_404(
        Partner.objects.visible_to(request.user).select_related(
            "region__routing__phd_specialist", "tier", "cam"
        ),
        pk=pk,
    )


@staff_required
@require_safe
def partner_detail(request: StaffRequest, pk: int) -> HttpResponse:
    """The partner page ("Partner 360", channelops/console/partner360/): a header with the
    partner's classification and one tab per kind of record (``?tab=<key>``, overview by default).
    A tab the staff member's role may not see answers 403 and is not offered."""
    user: Any = request.user
    partner = _partner_or_404(request, pk)
    tabs = sections_for(user)
    key = request.GET.get("tab") or "overview"
    section = SECTIONS_BY_KEY.get(key)
    if section is None:
        raise Http404
    if section not in tabs:
        raise PermissionDenied(_("Your staff role does not include this part of the partner page."))
    base = reverse("console:partner_detail", args=[partner.pk])
    return render(
        request,
        "console/partner_detail.html",
        {
            "partner": partner,
            "tabs": [
                {"key": s.key, "label": s.label, "icon": s.icon, "url": f"{base}?tab={s.key}"} for s in tabs
            ],
            "tab": section,
            **section.build(user, partner),
            "today": timezone.localdate(),
            "may_classify": may_classify_partner(user),
            "may_use_data_console": bool(user.is_superuser or user.has_role("administrator")),
            "nav": "directory",
            "breadcrumbs": [
                {"label": _("Partners"), "url": reverse("console:directory")},
                {"label": partner.legal_name, "url": base},
                *([{"label": section.label}] if section.key != "overview" else []),
            ],
        },
    )


def _classification_page(
    request: HttpRequest, partner: Partner, form: forms.Form, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "console/partner_edit.html",
        {
            "partner": partner,
            "form": form,
            "nav": "directory",
            "breadcrumbs": [
                {"label": _("Partners"), "url": reverse("console:directory")},
                {"label": partner.legal_name, "url": reverse("console:partner_detail", args=[partner.pk])},
                {"label": _("Change classification")},
            ],
        },
        status=status,
    )


_classify = Action[StaffRequest](
    load=_partner_or_404,
    allowed=lambda request, partner: may_classify_partner(request.user),
    not_allowed=_("Your staff role does not allow changing partners."),
    form_class=PartnerClassificationForm,
    form_kwargs=lambda request, partner: {"partner": partner},
    perform=lambda request, partner, data: partner_update_classification(
        partner=partner,
        by=request.user,
        tier=data["tier"],
        cam=data["cam"],
        region=data["region"],
        status=data["status"],
        reason=data["reason"],
    ),
    success=_("%(obj)s is updated."),
    redirect_to=lambda request, partner, result: reverse("console:partner_detail", args=[partner.pk]),
    on_invalid=lambda request, partner, form: _classification_page(
        request,
        partner,
        form,
        status=400,
    ),
)


def _classification_form(request: StaffRequest, pk: int) -> HttpResponse:
    partner = _partner_or_404(request, pk)
    if not may_classify_partner(request.user):
        raise NotAllowed(_("Your staff role does not allow changing partners."))
    return _classification_page(request, partner, PartnerClassificationForm(partner=partner))


# Change a partner's tier, CAM, region and status (through the partners service): a POST to the page.
partner_edit = staff_required(page_or_action(_classification_form, _classify))


@staff_required
@require_safe
def partner_search(request: HttpRequest) -> HttpResponse:
    """The partner picker's suggestions (``PartnerChoiceField``): ``<option>``s for its datalist,
    at most 20, from the partners the person may see. ``field`` names the query parameter when
    the input sends its own name instead of ``q``; ``status`` narrows to one status."""
    field = request.GET.get("field", "")
    q = request.GET.get("q") or (
        request.GET.get(field, "") if field and field not in ("status", "field") else ""
    )
    qs = Partner.objects.visible_to(request.user)
    status = request.GET.get("status", "")
    if status in PartnerStatus.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "console/partner_search.html",
        {"partners": [(partner_label(p), p) for p in search_partners(qs, q[:200])]},
    )


@staff_required
@require_safe
def search(request: StaffRequest) -> HttpResponse:
    """The global search (channelops/core/search.py): every kind the staff member's role may open."""
    return search_page(request, area=CONSOLE)


@staff_required
def queues(request: HttpRequest) -> HttpResponse:
    rows = [
        {"queue": q, "count": q.items(request.user).count(), "url": q.url()} for q in queues_for(request.user)
    ]
    return render(request, "console/queues.html", {"rows": rows, "nav": "queues"})


@staff_required
def queue_detail(request: HttpRequest, key: str) -> HttpResponse:
    q = get_queue(key)
    if q is None or not q.visible_for(request.user):
        raise Http404
    return redirect(q.url())


def _can_manage_outbox(user: Any) -> bool:
    return bool(user.has_role("administrator", "channel_leadership"))


def _require_outbox_manager(request: HttpRequest) -> None:
    if not _can_manage_outbox(request.user):
        raise NotAllowed(_("Only administrators and channel leadership handle undelivered messages."))


@method_decorator(staff_required, name="dispatch")
class DeadLetters(ListPage):
    """Side effects that failed after every retry; each can be queued again."""

    title = _("Undelivered messages")
    nav = "queues"
    intro = _("Side effects (e-mails, CRM writes, webhooks) that failed after every retry.")
    default_sort = "-pk"
    empty_title = _("Every message was delivered.")
    empty_text = _("Messages that fail after every retry appear here, to be queued again.")
    noun_plural = _("messages")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require_outbox_manager(request)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return OutboxMessage.objects.filter(status=OutboxStatus.DEAD)

    def get_breadcrumbs(self) -> list[dict[str, Any]]:
        return [{"label": _("Work queues"), "url": reverse("console:queues")}, {"label": self.title}]

    def get_columns(self) -> list[Column]:
        token = get_token(self.request)
        label = _("Retry")

        def retry(m: OutboxMessage) -> SafeString:
            return format_html(
                '<form method="post" action="{}"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
                '<button type="submit" class="btn btn-sm">{}</button></form>',
                reverse("console:dead_letter_retry", args=[m.pk]),
                token,
                label,
            )

        return [
            Column("kind", _("Kind")),
            Column(
                "idempotency_key", _("Key"), html=lambda m: format_html("<code>{}</code>", m.idempotency_key)
            ),
            Column("attempts", _("Attempts"), numeric=True),
            Column("last_error", _("Last error"), value=lambda m: Truncator(m.last_error).chars(200)),
            Column("retry", _("Action"), html=retry, export=False),
        ]


dead_letters = DeadLetters.as_view()


def _dead_letter(request: HttpRequest, pk: int) -> OutboxMessage:
    _require_outbox_manager(request)  # 403 before any lookup, as before
    return get_object_or_404(OutboxMessage, pk=pk, status=OutboxStatus.DEAD)


dead_letter_retry = staff_required(
    Action[StaffRequest](
        load=_dead_letter,
        perform=lambda request, msg, data: outbox_retry(message=msg),
        success=_("The message is queued again."),
        redirect_to=lambda request, msg, result: reverse("console:dead_letters"),
    ).view
)
