"""Console pages: agreement templates and versions, the diff, the "who has not re-accepted" report."""

from __future__ import annotations

import csv
import difflib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from channelops.core.forms import add_service_errors
from channelops.core.pages import safe_cell as _safe_cell
from channelops.core.pages import staff_required
from channelops.partners.models import Region

from ..forms import (
    PublishForm,
    ReportFilterForm,
    VersionForm,
)
from ..models import (
    AgreementTemplate,
    AgreementVersion,
    VersionStatus,
)
from ..querysets import reaccept_report
from ..services import (
    MANAGE_PERM,
    version_create,
    version_publish,
    version_update_draft,
)
from ._common import REPORT_PAGE_SIZE, require_perm


@staff_required
@require_safe
def console_templates(request: HttpRequest) -> HttpResponse:
    templates = list(AgreementTemplate.objects.prefetch_related("programs", "regions"))
    latest: dict[int, AgreementVersion] = {}
    for v in (
        AgreementVersion.objects.published().filter(partner__isnull=True).defer("body").order_by("number")
    ):
        latest[v.template_id] = v
    drafts = dict(
        AgreementVersion.objects.filter(status=VersionStatus.DRAFT)
        .values("template_id")
        .annotate(n=Count("pk"))
        .values_list("template_id", "n")
    )
    counts: dict[int, Counter[str]] = {}
    for r in reaccept_report():
        counts.setdefault(r.template.pk, Counter())[r.state] += 1
    rows = [
        {
            "template": t,
            "current": latest.get(t.pk),
            "drafts": drafts.get(t.pk, 0),
            "counts": counts.get(t.pk, Counter()),
        }
        for t in templates
    ]
    return render(request, "agreements/console_templates.html", {"rows": rows, "nav": "agreements"})


def _with_diff_base(versions: list[AgreementVersion]) -> list[AgreementVersion]:
    """Set ``diff_base`` on each version: the version to compare it with (ascending list)."""
    previous_general = None
    for v in versions:
        if v.partner_id is not None and v.legal_request_id:
            v.diff_base = v.legal_request.version_id  # type: ignore[attr-defined,union-attr]
        else:
            v.diff_base = previous_general.pk if previous_general else None  # type: ignore[attr-defined]
        if v.partner_id is None:
            previous_general = v
    return versions


@staff_required
def console_template(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(AgreementTemplate.objects.prefetch_related("programs", "regions"), pk=pk)
    can_manage = request.user.has_perm(MANAGE_PERM)
    status = 200
    form = None
    if request.method == "POST":
        require_perm(request, MANAGE_PERM)
        form = VersionForm(request.POST)
        status = 400
        if form.is_valid():
            try:
                version = version_create(
                    template=template,
                    body=form.cleaned_data["body"],
                    change_summary=form.cleaned_data["change_summary"],
                    by=request.user,  # type: ignore[arg-type]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Draft %(v)s created.") % {"v": version.label})
                return redirect("console:agreement_version", version.pk)
    if can_manage and form is None:
        latest_body = (
            template.versions.filter(partner__isnull=True)
            .order_by("-number")
            .values_list("body", flat=True)
            .first()
        )
        form = VersionForm(initial={"body": latest_body or ""})
    versions = _with_diff_base(
        list(
            template.versions.select_related("partner", "legal_request", "created_by", "published_by")
            .defer("body")
            .order_by("number")
        )
    )
    versions.reverse()
    return render(
        request,
        "agreements/console_template.html",
        {
            "template": template,
            "versions": versions,
            "form": form if can_manage else None,
            "nav": "agreements",
        },
        status=status,
    )


def _version_page(
    request: HttpRequest,
    version: AgreementVersion,
    *,
    edit_form: VersionForm | None = None,
    publish_form: PublishForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_manage = request.user.has_perm(MANAGE_PERM)
    is_draft = version.status == VersionStatus.DRAFT
    if can_manage and is_draft:
        edit_form = edit_form or VersionForm(
            initial={"body": version.body, "change_summary": version.change_summary}
        )
        publish_form = publish_form or PublishForm()
    else:
        edit_form = publish_form = None
    has_earlier = AgreementVersion.objects.filter(
        template_id=version.template_id, partner__isnull=True, status=VersionStatus.PUBLISHED
    ).exists()
    ascending = _with_diff_base(
        list(version.template.versions.select_related("legal_request").defer("body").order_by("number"))
    )
    diff_base = next((v.diff_base for v in ascending if v.pk == version.pk), None)  # type: ignore[attr-defined]
    return render(
        request,
        "agreements/console_version.html",
        {
            "version": version,
            "template": version.template,
            "edit_form": edit_form,
            "publish_form": publish_form,
            "needs_deadline": has_earlier and version.partner_id is None,
            "diff_base": diff_base,
            "acceptances": version.acceptances.count(),
            "nav": "agreements",
        },
        status=status,
    )


def _console_version(pk: int) -> AgreementVersion:
    return get_object_or_404(
        AgreementVersion.objects.select_related(
            "template", "partner", "legal_request", "created_by", "published_by"
        ),
        pk=pk,
    )


@staff_required
def console_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = _console_version(pk)
    if request.method != "POST":
        return _version_page(request, version)
    require_perm(request, MANAGE_PERM)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            version_update_draft(
                version=version,
                body=form.cleaned_data["body"],
                change_summary=form.cleaned_data["change_summary"],
                by=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            if version.status != VersionStatus.DRAFT:
                messages.error(request, " ".join(exc.messages))
                return _version_page(request, version, status=400)
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("console:agreement_version", version.pk)
    return _version_page(request, version, edit_form=form, status=400)


@staff_required
@require_POST
def console_version_publish(request: HttpRequest, pk: int) -> HttpResponse:
    version = _console_version(pk)
    require_perm(request, MANAGE_PERM)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            version_publish(
                version=version,
                by=request.user,  # type: ignore[arg-type]
                reaccept_by=form.cleaned_data["reaccept_by"],
            )
        except ValidationError as exc:
            if version.status != VersionStatus.DRAFT:
                messages.error(request, " ".join(exc.messages))
                return _version_page(request, version, status=400)
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(v)s is published; affected partners are being asked to re-accept.")
                % {"v": version.label},
            )
            return redirect("console:agreement_version", version.pk)
    return _version_page(request, version, publish_form=form, status=400)


@dataclass
class DiffLine:
    kind: str  # "equal" | "added" | "removed"
    old: int | None
    new: int | None
    text: str


def line_diff(old: str, new: str, *, context: int = 3) -> tuple[list[list[DiffLine]], int, int]:
    """Hunks of a line diff (with ``context`` unchanged lines around changes), lines added, removed."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    added = removed = 0
    hunks: list[list[DiffLine]] = []
    if a == b:
        return hunks, 0, 0
    for group in matcher.get_grouped_opcodes(context):
        lines: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("equal", i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(i2 - i1))
                continue
            if tag in ("replace", "delete"):
                lines.extend(DiffLine("removed", k + 1, None, a[k]) for k in range(i1, i2))
                removed += i2 - i1
            if tag in ("replace", "insert"):
                lines.extend(DiffLine("added", None, k + 1, b[k]) for k in range(j1, j2))
                added += j2 - j1
        hunks.append(lines)
    return hunks, added, removed


def _int_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return int(raw)


@staff_required
@require_safe
def console_diff(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(AgreementTemplate, pk=pk)
    versions = list(template.versions.select_related("partner").defer("body").order_by("number"))
    by_pk = {v.pk: v for v in versions}
    a_pk, b_pk = _int_param(request, "a"), _int_param(request, "b")
    if a_pk is None and b_pk is None:
        general = [v for v in versions if v.partner_id is None]
        if len(general) >= 2:
            a_pk, b_pk = general[-2].pk, general[-1].pk
    elif a_pk is None or b_pk is None or a_pk not in by_pk or b_pk not in by_pk:
        raise Http404
    hunks: list[list[DiffLine]] = []
    added = removed = 0
    a = b = None
    if a_pk is not None and b_pk is not None:
        bodies = dict(AgreementVersion.objects.filter(pk__in=[a_pk, b_pk]).values_list("pk", "body"))
        a, b = by_pk[a_pk], by_pk[b_pk]
        hunks, added, removed = line_diff(bodies[a_pk], bodies[b_pk])
    return render(
        request,
        "agreements/console_diff.html",
        {
            "template": template,
            "versions": versions,
            "a": a,
            "b": b,
            "hunks": hunks,
            "added": added,
            "removed": removed,
            "nav": "agreements",
        },
    )


# === console: re-acceptance report ===============================================================

REPORT_COLUMNS = [
    _("Partner id"),
    _("Partner"),
    _("Region"),
    _("Agreement"),
    _("Current version"),
    _("Accepted version"),
    _("Accepted at"),
    _("State"),
    _("Deadline"),
]


@staff_required
@require_safe
def console_report(request: HttpRequest) -> HttpResponse:
    templates = list(AgreementTemplate.objects.filter(active=True).order_by("position", "name"))
    regions = list(Region.objects.order_by("code"))
    params = request.GET.copy()
    fmt = params.pop("format", [""])[-1]
    params.pop("page", None)
    form = ReportFilterForm(params or None, templates=templates, regions=regions)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = form.cleaned_data
    rows = reaccept_report(
        template_id=filters.get("template"),
        state=filters.get("state") or "",
        region=filters.get("region") or "",
    )
    if fmt == "csv":
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        resp = HttpResponse(content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="agreements-not-accepted-{stamp}.csv"'
        writer = csv.writer(resp)
        writer.writerow([str(c) for c in REPORT_COLUMNS])
        for r in rows:
            writer.writerow(
                [
                    _safe_cell(v)
                    for v in (
                        r.partner_id,
                        r.partner_name,
                        r.region,
                        r.template.name,
                        r.current.label,
                        f"v{r.accepted_version}" if r.accepted_version else "",
                        r.accepted_at.isoformat() if r.accepted_at else "",
                        r.state,
                        r.deadline.isoformat() if r.deadline else "",
                    )
                ]
            )
        return resp
    if fmt:
        raise Http404
    page = Paginator(rows, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "agreements/console_report.html",
        {
            "form": form,
            "page": page,
            "total": len(rows),
            "querystring": params.urlencode(),
            "nav": "agreements",
        },
    )
