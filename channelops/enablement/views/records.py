"""Certification catalog and practitioner-record pages (S6).

Console: the catalog (with the number of people certified now), a certification's page (staff with
the change permission edit it), the file import (upload → background run → progress and per-row
errors → "import the valid rows"). Portal: the partner's practitioners. Plus the learning system's
webhook (no session, no CSRF: an HMAC signature instead).
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channelops.accounts.pages import StaffRequest
from channelops.core import jsonlimits
from channelops.core.actions import Action
from channelops.core.jsonlimits import JsonTooDeep
from channelops.core.listing import Column
from channelops.core.pages import staff_required
from channelops.partners.pages import PartnerRequest, partner_required

from ..forms import CertificationForm, ImportForm
from ..models import Certification, ImportRun, ImportStatus, PractitionerRecord
from ..querysets import EXPIRING_SOON_DAYS, catalog_with_counts, expiring_soon, records_for
from ..services.importing import (
    import_run_create,
    import_run_queue,
    import_run_retry_valid_rows,
)
from ..services.records import (
    ADD_PERM,
    CERTIFICATION_FIELDS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    VIEW_CERT_PERM,
    VIEW_PERM,
    WebhookRefused,
    certification_update,
    webhook_receive,
    webhook_secret,
    webhook_verify,
)
from ._common import OrderedListPage, page_or_action

RECENT_RECORDS = 20
RECENT_RUNS = 10


def _require(request: StaffRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(_("Your staff role does not include this page."))


# === console =====================================================================================


def _valid_for(c: Certification) -> str:
    if not c.validity_months:
        return _("never expires")
    return ngettext("%(n)s month", "%(n)s months", c.validity_months) % {"n": c.validity_months}


@method_decorator(staff_required, name="dispatch")
class ConsoleCertifications(OrderedListPage):
    """The catalog with the number of people certified now (one query: the catalog is short, so
    its rows are read once and counted in Python rather than paginated with a COUNT)."""

    request: StaffRequest

    title = _l("Certifications")
    nav = "certifications"
    default_ordering = ("-active", "name", "pk")
    noun_plural = _l("certifications")
    empty_title = _l("No certifications in the catalog")
    empty_text = _l("Certifications are added in the data console.")
    columns = [
        Column(
            "name",
            _l("Certification"),
            link=lambda c: reverse("console:certification", args=[c.slug]),
            sort="name",
        ),
        Column("exam_name", _l("Exam")),
        Column("validity_months", _l("Valid for"), value=_valid_for, sort="validity_months"),
        Column("grants_badge", _l("Badge")),
        Column(
            "certified_people",
            _l("Certified now"),
            html=lambda c: format_html('<span data-certified="{}">{}</span>', c.slug, c.certified_people),
            export_value=lambda c: c.certified_people,
            numeric=True,
            sort="certified_people",
        ),
        Column("record_count", _l("Records"), numeric=True, sort="record_count"),
        Column(
            "active",
            _l("Status"),
            value=lambda c: "active" if c.active else "retired",
            display=lambda c: _("active") if c.active else _("retired"),
            status="certification",
        ),
    ]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        _require(self.request, VIEW_CERT_PERM)
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        return catalog_with_counts()

    def filtered(self) -> tuple[Any, Any]:
        filterset, qs = super().filtered()
        qs._fetch_all()  # the paginator then counts the fetched rows: no COUNT query
        return filterset, qs

    def get_actions(self) -> list[dict[str, Any]]:
        if not self.request.user.has_perm(ADD_PERM):
            return []
        return [
            {
                "label": _("Import practitioner records"),
                "url": reverse("console:certification_import"),
                "primary": True,
                "icon": "file-text",
            }
        ]


def _certification(request: StaffRequest, slug: str) -> Certification:
    _require(request, VIEW_CERT_PERM)
    return get_object_or_404(catalog_with_counts(), slug=slug)


def _may_edit_certification(request: StaffRequest, cert: Certification | None = None) -> bool:
    return request.user.has_perm("enablement.change_certification")


def _certification_page(
    request: StaffRequest, cert: Certification, form: forms.BaseForm | None = None, status: int = 200
) -> HttpResponse:
    if form is None and _may_edit_certification(request):
        form = CertificationForm(instance=cert)
    recent = (
        PractitionerRecord.objects.visible_to(request.user)
        .filter(certification=cert)
        .select_related("partner")
        .order_by("-updated_at", "-pk")[:RECENT_RECORDS]
        if request.user.has_perm(VIEW_PERM)
        else PractitionerRecord.objects.none()
    )
    return render(
        request,
        "enablement/records_certification.html",
        {
            "cert": cert,
            "form": form,
            "recent": recent,
            "nav": "certifications",
            "breadcrumbs": [
                {"label": _("Certifications"), "url": reverse("console:certifications")},
                {"label": cert.name},
            ],
        },
        status=status,
    )


edit_certification = Action[StaffRequest](
    load=_certification,
    allowed=_may_edit_certification,
    not_allowed=_l("Editing the certification catalog needs the change certification permission."),
    # a ModelForm (Action is typed for forms.Form; it only builds and validates the form)
    form_class=cast("type[forms.Form]", CertificationForm),
    form_kwargs=lambda request, cert: {"instance": cert},
    perform=lambda request, cert, data: certification_update(
        certification=cert, by=request.user, **{f: data[f] for f in CERTIFICATION_FIELDS}
    ),
    success=_l("Saved."),
    redirect_to=lambda request, cert, result: reverse("console:certification", args=[cert.slug]),
    # the form changed the instance it validated: the page shows the certification as stored
    on_invalid=lambda request, cert, form: _certification_page(
        request, _certification(request, cert.slug), form, status=400
    ),
)
console_certification = staff_required(
    page_or_action(
        lambda request, slug: _certification_page(request, _certification(request, slug)), edit_certification
    )
)


def _import_page(request: StaffRequest, form: forms.Form | None = None, status: int = 200) -> HttpResponse:
    runs = (
        ImportRun.objects.select_related("by")
        .defer("content", "errors")
        .order_by("-queued_at", "-pk")[:RECENT_RUNS]
    )
    return render(
        request,
        "enablement/import_upload.html",
        {
            "form": form or ImportForm(),
            "runs": runs,
            "nav": "certifications",
            "breadcrumbs": [
                {"label": _("Certifications"), "url": reverse("console:certifications")},
                {"label": _("Import practitioner records")},
            ],
        },
        status=status,
    )


def _may_import(request: StaffRequest) -> None:
    _require(request, ADD_PERM)


def _import(request: StaffRequest, data: dict[str, Any]) -> ImportRun:
    upload = data["file"]
    with transaction.atomic():
        run = import_run_create(
            name=upload.name,
            content=upload.read(),
            by=request.user,
            valid_rows=data["valid_rows"],
            partner_column=data["partner_column"].strip(),
        )
        import_run_queue(run)
    return run


upload = Action[StaffRequest](
    load=_may_import,
    form_class=ImportForm,
    form_kwargs=lambda request, nothing: {"files": request.FILES},
    perform=lambda request, nothing, data: _import(request, data),
    success=lambda nothing, run: (
        _("%(name)s was uploaded: its rows are being checked.") % {"name": run.file_name}
    ),
    redirect_to=lambda request, nothing, run: reverse("console:certification_import_run", args=[run.pk]),
    on_invalid=lambda request, nothing, form: _import_page(request, form, status=400),
)


def _show_import(request: StaffRequest) -> HttpResponse:
    _may_import(request)
    return _import_page(request)


console_import = staff_required(page_or_action(_show_import, upload))


@staff_required
def console_import_run(request: StaffRequest, pk: int) -> HttpResponse:
    _require(request, ADD_PERM)
    run = get_object_or_404(ImportRun.objects.select_related("by").defer("content"), pk=pk)
    if request.GET.get("format") == "json":
        return JsonResponse(
            {
                "status": run.status,
                "done": run.done,
                "total": run.total,
                "percent": run.percent,
                "finished": run.finished,
            }
        )
    may_retry = (
        run.status == ImportStatus.REFUSED and ImportRun.objects.filter(pk=pk).exclude(content=b"").exists()
    )
    return render(
        request,
        "enablement/import_run.html",
        {
            "run": run,
            "may_retry": may_retry,
            "nav": "certifications",
            "breadcrumbs": [
                {"label": _("Certifications"), "url": reverse("console:certifications")},
                {"label": _("Import practitioner records"), "url": reverse("console:certification_import")},
                {"label": run.file_name},
            ],
        },
    )


def _import_run(request: StaffRequest, pk: int) -> ImportRun:
    _require(request, ADD_PERM)
    return get_object_or_404(ImportRun, pk=pk)


def _retry_valid_rows(request: StaffRequest, run: ImportRun) -> ImportRun:
    try:
        with transaction.atomic():
            again = import_run_retry_valid_rows(run=run, by=request.user)
            import_run_queue(again)
    except ValueError:
        raise Http404(_("Only a refused import can be run again with its valid rows.")) from None
    return again


import_valid_rows = Action[StaffRequest](
    load=_import_run,
    perform=lambda request, run, data: _retry_valid_rows(request, run),
    success=_l("Importing the valid rows; the rows with errors are skipped."),
    redirect_to=lambda request, run, again: reverse("console:certification_import_run", args=[again.pk]),
)


# === portal ======================================================================================


def _record_state(r: PractitionerRecord, today: date) -> str:
    if r.expires_on and r.expires_on <= today:
        return "expired"
    if r.exam_passed and (r.training_completed or not r.certification.requires_training):
        return "certified"
    return "in_progress"


RECORD_STATES = {
    "expired": _l("expired"),
    "certified": _l("certified"),
    "in_progress": _l("in progress"),
}


@method_decorator(partner_required, name="dispatch")
class PortalPractitioners(OrderedListPage):
    request: PartnerRequest
    title = _l("Certified people")
    nav = "practitioners"
    template_name = "enablement/records_people.html"
    default_ordering = ("full_name", "email", "certification__name", "-completed_on", "pk")
    noun_plural = _l("records")
    empty_title = _l("No practitioner records yet")
    empty_text = _l(
        "Records appear here when your people complete trainings and exams in the learning system."
    )

    def get_columns(self) -> list[Column]:
        today = timezone.localdate()
        return [
            Column(
                "full_name",
                _l("Person"),
                html=lambda r: format_html(
                    '{}<div class="text-secondary small">{}</div>', r.full_name, r.email
                ),
                export_value=lambda r: f"{r.full_name} <{r.email}>",
                sort="full_name",
            ),
            Column("certification.name", _l("Certification"), sort="certification__name"),
            Column(
                "training_completed",
                _l("Training"),
                value=lambda r: _("done") if r.training_completed else None,
            ),
            Column(
                "exam_passed", _l("Exam"), value=lambda r: _("passed") if r.exam_passed else _("not passed")
            ),
            Column("completed_on", _l("Completed"), sort="completed_on"),
            Column("expires_on", _l("Expires"), sort="expires_on"),
            Column(
                "state",
                _l("Status"),
                value=lambda r: _record_state(r, today),
                display=lambda r: RECORD_STATES[_record_state(r, today)],
                status="practitioner",
            ),
        ]

    def get_queryset(self) -> Any:
        return records_for(self.request.user)

    def get_extra_context(self) -> dict[str, Any]:
        today = timezone.localdate()
        size = settings.CHANNELOPS_PAGE_SIZE
        return {
            "intro": _("The certifications of %(name)s's people, as the learning system reports them.")
            % {"name": self.request.partner.legal_name},
            "soon": list(expiring_soon(records_for(self.request.user), today=today)[:size]),
            "soon_days": EXPIRING_SOON_DAYS,
            "today": today,
        }


# === the learning system's webhook ===============================================================


@csrf_exempt
@require_POST
def learning_webhook(request: HttpRequest) -> HttpResponse:
    """``POST /webhooks/learning-system``: records signed with the shared secret (see
    docs/certifications.md). 404 while no secret is configured; 401 for a missing, wrong or old
    signature (nothing changes); 422 with per-item errors (nothing changes); 200 with the counts."""
    secret = webhook_secret()
    if not secret:
        return JsonResponse(
            {
                "detail": "The learning-system webhook is disabled: CHANNELOPS_LEARNING_WEBHOOK_SECRET is not set."
            },
            status=404,
        )
    body = request.body
    try:
        webhook_verify(
            body=body,
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            secret=secret,
        )
    except WebhookRefused as exc:
        return JsonResponse({"detail": str(exc)}, status=401)
    try:
        data = jsonlimits.loads(body)
    except JsonTooDeep as exc:
        return JsonResponse({"detail": f"The body is not JSON: {exc}"}, status=400)
    except ValueError:  # also UnicodeDecodeError
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        items = data["records"]
    elif isinstance(data, list):
        items = data
    elif isinstance(data, dict):
        items = [data]
    else:
        return JsonResponse({"detail": 'Send a record, a list of records or {"records": [...]}.'}, status=400)
    if not items or len(items) > 5000 or not all(isinstance(i, dict) for i in items):
        return JsonResponse({"detail": "Send between 1 and 5000 records, each a JSON object."}, status=400)
    result = webhook_receive(items=items)
    if not result.applied:
        return JsonResponse({"detail": {"records": result.errors}}, status=422)
    return JsonResponse(
        {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}, status=200
    )
