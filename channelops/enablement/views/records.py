"""Certification catalog and practitioner-record pages (S6).

Console: the catalog (with the number of people certified now), a certification's page (staff with
the change permission edit it), the file import (upload → background run → progress and per-row
errors → "import the valid rows"). Portal: the partner's practitioners. Plus the learning system's
webhook (no session, no CSRF: an HMAC signature instead).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channelops.core import jsonlimits
from channelops.core.forms import add_service_errors
from channelops.core.jsonlimits import JsonTooDeep
from channelops.core.pages import partner_required, staff_required

from ..forms import CertificationForm, ImportForm
from ..models import ImportRun, ImportStatus, PractitionerRecord
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

PAGE_SIZE = 50
RECENT_RECORDS = 20
RECENT_RUNS = 10


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied(_("Your staff role does not include this page."))


# === forms =======================================================================================


# === console =====================================================================================


@staff_required
def console_certifications(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_CERT_PERM)
    return render(
        request,
        "enablement/records_catalog.html",
        {
            "certifications": catalog_with_counts(),
            "may_import": request.user.has_perm(ADD_PERM),
            "nav": "certifications",
        },
    )


@staff_required
def console_certification(request: HttpRequest, slug: str) -> HttpResponse:
    _require(request, VIEW_CERT_PERM)
    cert = get_object_or_404(catalog_with_counts(), slug=slug)
    may_edit = request.user.has_perm("enablement.change_certification")
    form = CertificationForm(request.POST or None, instance=cert) if may_edit else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                _("Editing the certification catalog needs the change certification permission.")
            )
        status = 400
        if form.is_valid():
            try:
                certification_update(
                    certification=cert,
                    by=request.user,
                    **{f: form.cleaned_data[f] for f in CERTIFICATION_FIELDS},
                )
            except ValidationError as exc:
                add_service_errors(form, exc)  # type: ignore[arg-type]
            else:
                messages.success(request, _("Saved."))
                return redirect("console:certification", cert.slug)
        cert = get_object_or_404(catalog_with_counts(), slug=slug)  # the form changed the instance
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
        {"cert": cert, "form": form, "recent": recent, "nav": "certifications"},
        status=status,
    )


@staff_required
def console_import(request: HttpRequest) -> HttpResponse:
    _require(request, ADD_PERM)
    form = ImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with transaction.atomic():
                run = import_run_create(
                    name=upload.name,
                    content=upload.read(),
                    by=request.user,
                    valid_rows=form.cleaned_data["valid_rows"],
                    partner_column=form.cleaned_data["partner_column"].strip(),
                )
                import_run_queue(run)
            return redirect("console:certification_import_run", run.pk)
    runs = (
        ImportRun.objects.select_related("by")
        .defer("content", "errors")
        .order_by("-queued_at", "-pk")[:RECENT_RUNS]
    )
    return render(
        request,
        "enablement/import_upload.html",
        {"form": form, "runs": runs, "nav": "certifications"},
        status=status,
    )


@staff_required
def console_import_run(request: HttpRequest, pk: int) -> HttpResponse:
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
        {"run": run, "may_retry": may_retry, "nav": "certifications"},
    )


@staff_required
@require_POST
def console_import_valid_rows(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, ADD_PERM)
    run = get_object_or_404(ImportRun, pk=pk)
    try:
        with transaction.atomic():
            again = import_run_retry_valid_rows(run=run, by=request.user)
            import_run_queue(again)
    except ValueError:
        raise Http404(_("Only a refused import can be run again with its valid rows.")) from None
    return redirect("console:certification_import_run", again.pk)


# === portal ======================================================================================


@partner_required
def portal_practitioners(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = records_for(request.user).order_by(
        "full_name", "email", "certification__name", "-completed_on", "pk"
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    soon = list(expiring_soon(records_for(request.user), today=today)[:PAGE_SIZE])
    return render(
        request,
        "enablement/records_people.html",
        {
            "partner": request.partner,  # type: ignore[attr-defined]
            "page": page,
            "soon": soon,
            "soon_days": EXPIRING_SOON_DAYS,
            "today": today,
            "querystring": "",
            "nav": "practitioners",
        },
    )


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
