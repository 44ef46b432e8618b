"""The console's CRM page (docs/crm.md): connection, last runs, errors, conflicts, the mapping."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.exceptions import NotAllowed
from channelops.core.listing import Column, Table
from channelops.partners.models import Contact, Partner

from .auth import configured
from .mdf import record_labels
from .models import FieldMapping, SyncConflict, SyncCursor, SyncError, SyncRun, SystemOfRecord
from .services import RESOLVE_PERM, calls_today, conflict_resolve

VIEW_PERM = "crm.view_syncrun"
LIMIT = 10


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm(VIEW_PERM):
        raise NotAllowed(_("Your role does not allow seeing the CRM sync."))


def _resolve_buttons(request: HttpRequest, c: SyncConflict) -> SafeString:
    if not request.user.has_perm(RESOLVE_PERM):
        return format_html("")
    token = get_token(request)
    url = reverse("console:crm_conflict_resolve", args=[c.pk])
    return format_html_join(
        "",
        '<form method="post" action="{}" class="d-inline"><input type="hidden" name="csrfmiddlewaretoken" '
        'value="{}"><input type="hidden" name="side" value="{}"><button type="submit" class="btn btn-sm">{}</button></form> ',
        [
            (url, token, SystemOfRecord.CRM, _("Use the CRM's value")),
            (url, token, SystemOfRecord.CHANNELOPS, _("Keep channelops' value")),
        ],
    )


def _partner_link(local_id: int | None) -> str | None:
    return reverse("console:partner_detail", args=[local_id]) if local_id else None


def crm_home(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    runs = list(SyncRun.objects.all()[:LIMIT])
    errors_qs = SyncError.objects.filter(resolved_at__isnull=True)
    conflicts_qs = SyncConflict.objects.filter(resolved_at__isnull=True)
    conflicts, errors = list(conflicts_qs[:LIMIT]), list(errors_qs[:LIMIT])
    records: list[SyncError | SyncConflict] = [*conflicts, *errors]
    ids = {r.local_id for r in records if r.object == "partner" and r.local_id}
    names = dict(Partner.objects.filter(pk__in=ids).values_list("pk", "legal_name"))
    contacts = {
        pk: (email, partner_id)
        for pk, email, partner_id in Contact.objects.filter(
            pk__in=[r.local_id for r in records if r.object == "contact" and r.local_id]
        ).values_list("pk", "email", "partner_id")
    }

    mdf_labels = record_labels(records)  # MDF proposals and claims: their numbers

    def record_label(e: SyncError | SyncConflict) -> str:
        if (e.object, e.local_id or 0) in mdf_labels:
            return mdf_labels[(e.object, e.local_id or 0)]
        if e.object == "partner":
            return names.get(e.local_id or 0, f"#{e.local_id or e.remote_id}")
        return contacts.get(e.local_id or 0, (f"#{e.local_id or e.remote_id}", None))[0]

    def record_link(e: SyncError | SyncConflict) -> str | None:
        if e.object not in ("partner", "contact"):
            return None
        if e.object == "partner":
            return _partner_link(e.local_id)
        return _partner_link(contacts.get(e.local_id or 0, ("", None))[1])

    tables = [
        Table(
            key="runs",
            title=_l("Last runs"),
            columns=[
                Column("started_at", _l("Started")),
                Column("direction", _l("Direction"), value=lambda r: r.get_direction_display()),
                Column("status", _l("Status"), status="crm_run"),
                Column("records_out", _l("Sent"), numeric=True),
                Column("records_in", _l("Received"), numeric=True),
                Column("errors", _l("Refused"), numeric=True),
                Column("api_calls", _l("API calls"), numeric=True),
                Column(
                    "seconds",
                    _l("Seconds"),
                    value=lambda r: round(r.seconds, 1) if r.seconds is not None else None,
                    numeric=True,
                ),
                Column("message", _l("Message")),
            ],
            rows=runs,
            total=SyncRun.objects.count(),
            empty_title=_l("No sync has run yet."),
            empty_text=_l(
                "Runs appear here once a CRM is connected (every few minutes) or after `channelops crm sync`."
            ),
        ),
        Table(
            key="conflicts",
            title=_l("Conflicts to look at"),
            columns=[
                Column("local_id", _l("Record"), value=record_label, link=record_link),
                Column("local_field", _l("Field")),
                Column("local_value", _l("channelops' value")),
                Column("remote_value", _l("CRM's value")),
                Column("local_changed_at", _l("Changed here")),
                Column("remote_changed_at", _l("Changed in the CRM")),
                Column("kept", _l("Kept by the rule"), value=lambda c: c.get_kept_display()),
                Column("resolve", _l("Resolve"), html=lambda c: _resolve_buttons(request, c)),
            ],
            rows=conflicts,
            total=conflicts_qs.count(),
            empty_title=_l("No conflict."),
            empty_text=_l(
                "A field changed on both sides since the last sync is listed here with both values."
            ),
        ),
        Table(
            key="errors",
            title=_l("Records the CRM refused"),
            columns=[
                Column(
                    "object",
                    _l("Record"),
                    value=record_label,
                    link=record_link,
                ),
                Column("direction", _l("Direction"), value=lambda e: e.get_direction_display()),
                Column("code", _l("Code")),
                Column("message", _l("Message")),
                Column("attempts", _l("Attempts"), numeric=True),
                Column("next_retry_at", _l("Next try")),
            ],
            rows=errors,
            total=errors_qs.count(),
            empty_title=_l("No refused record."),
            empty_text=_l(
                "Records the CRM refuses are retried with growing delays and listed here until they go through."
            ),
        ),
        Table(
            key="mapping",
            title=_l("Field mapping"),
            columns=[
                Column("object", _l("Object"), value=lambda m: m.get_object_display()),
                Column("local_field", _l("channelops field")),
                Column("remote_field", _l("CRM field")),
                Column("direction", _l("Direction"), value=lambda m: m.get_direction_display()),
                Column(
                    "system_of_record", _l("On conflict"), value=lambda m: m.get_system_of_record_display()
                ),
            ],
            rows=list(FieldMapping.objects.all()),
            empty_title=_l("No field is mapped."),
        ),
    ]
    return render(
        request,
        "crm/home.html",
        {
            "configured": configured(),
            "login_url": settings.SALESFORCE_LOGIN_URL,
            "cursors": list(SyncCursor.objects.order_by("key")),
            "calls_today": calls_today(),
            "budget": settings.CRM_DAILY_API_BUDGET,
            "last_run": runs[0] if runs else None,
            "tables": tables,
            "nav": "crm",
            "breadcrumbs": [{"label": _("CRM sync")}],
        },
    )


class ResolveForm(forms.Form):
    side = forms.ChoiceField(choices=SystemOfRecord.choices)


resolve = Action[StaffRequest](
    load=lambda request, pk: get_object_or_404(SyncConflict, pk=pk),
    allowed=lambda request, obj: request.user.has_perm(VIEW_PERM) and request.user.has_perm(RESOLVE_PERM),
    not_allowed=_l("Your role does not allow resolving CRM conflicts."),
    form_class=ResolveForm,
    perform=lambda request, obj, data: conflict_resolve(conflict=obj, side=data["side"], by=request.user),
    success=lambda obj, result: _("Conflict resolved: %(side)s.") % {"side": result.get_resolution_display()},
    redirect_to=lambda request, obj, result: reverse("console:crm"),
)
