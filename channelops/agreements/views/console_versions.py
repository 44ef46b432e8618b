"""Console pages: agreement templates and versions, the diff, the "who has not re-accepted" report."""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.listing import Column, ListPage
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
from ._common import NOT_YOUR_ROLE, has_perm, page_or_action


class ConsoleTemplates(ListPage):
    """Every agreement template with its current version and how many partners still have to act."""

    title = gettext_lazy("Agreements")
    nav = "agreements"
    default_sort = "position"
    noun_plural = gettext_lazy("agreements")
    empty_title = gettext_lazy("No agreement templates yet.")
    empty_text = gettext_lazy("An administrator sets up agreement templates in the data console.")

    def get_queryset(self) -> Any:
        return AgreementTemplate.objects.prefetch_related("programs", "regions")

    @cached_property
    def summary(self) -> tuple[dict[int, AgreementVersion], dict[int, int], dict[int, Counter[str]]]:
        """Latest general version, number of drafts and partners per report state, per template."""
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
        return latest, drafts, counts

    def get_actions(self) -> list[dict[str, Any]]:
        return [
            {
                "label": _("Who has not (re-)accepted"),
                "url": reverse("console:agreement_report"),
                "primary": True,
            },
            {
                "label": _("Region exceptions"),
                "url": reverse("console:region_exceptions") + "?status=pending",
            },
            {"label": _("Legal requests"), "url": reverse("console:legal_requests") + "?status=open"},
        ]

    def get_columns(self) -> list[Column]:
        def agreement(t: AgreementTemplate) -> SafeString:
            inactive = format_html(' <span class="badge bg-secondary-lt">{}</span>', _("inactive"))
            return format_html(
                '<a href="{}">{}</a>{}<div class="text-secondary small">{}</div>',
                reverse("console:agreement_template", args=[t.pk]),
                t.name,
                "" if t.active else inactive,
                t.get_kind_display(),
            )

        def applies_to(t: AgreementTemplate) -> str:
            who = (
                _("Every partner")
                if t.required_for_all
                else ", ".join(p.name for p in t.programs.all()) or _("Nobody")
            )
            regions = ", ".join(g.code for g in t.regions.all())
            return f"{who} · {regions}" if regions else who

        def current(t: AgreementTemplate) -> SafeString:
            v = self.summary[0].get(t.pk)
            if v is None:
                return format_html("—")
            deadline = (
                format_html(
                    '<div class="text-secondary small">{}</div>',
                    _("re-accept by %(d)s") % {"d": date_format(v.reaccept_by, "DATE_FORMAT")},
                )
                if v.reaccept_by
                else ""
            )
            return format_html(
                '<a href="{}">{}</a> <span class="text-secondary">({})</span>{}',
                reverse("console:agreement_version", args=[v.pk]),
                v.label,
                date_format(timezone.localtime(v.published_at), "DATE_FORMAT") if v.published_at else "—",
                deadline,
            )

        def count(state: str) -> Any:
            def cell(t: AgreementTemplate) -> SafeString:
                n = self.summary[2].get(t.pk, Counter()).get(state, 0)
                url = f"{reverse('console:agreement_report')}?template={t.pk}&state={state}"
                return format_html('<a href="{}">{}</a>', url, n)

            return cell

        return [
            Column("name", _("Agreement"), html=agreement, sort="name"),
            Column("applies", _("Applies to"), value=applies_to),
            Column("current", _("Current version"), html=current),
            Column("drafts", _("Drafts"), value=lambda t: self.summary[1].get(t.pk, 0), numeric=True),
            Column("due", _("Re-acceptance due"), html=count("due"), numeric=True),
            Column("overdue", _("Overdue"), html=count("overdue"), numeric=True),
            Column("required", _("Never accepted"), html=count("required"), numeric=True),
            Column("negotiating", _("Negotiating"), html=count("negotiating"), numeric=True),
        ]


console_templates = staff_required(ConsoleTemplates.as_view())


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


def _agreements_crumb() -> dict[str, Any]:
    return {"label": _("Agreements"), "url": reverse("console:agreements")}


def _template_crumb(template: AgreementTemplate) -> dict[str, Any]:
    return {"label": template.name, "url": reverse("console:agreement_template", args=[template.pk])}


def _console_template(request: HttpRequest, pk: int) -> AgreementTemplate:
    return get_object_or_404(AgreementTemplate.objects.prefetch_related("programs", "regions"), pk=pk)


def _template_page(
    request: HttpRequest, template: AgreementTemplate, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    can_manage = request.user.has_perm(MANAGE_PERM)
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
            "breadcrumbs": [_agreements_crumb(), {"label": template.name}],
        },
        status=status,
    )


create_version = Action[StaffRequest](
    load=_console_template,
    allowed=has_perm(MANAGE_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=VersionForm,
    perform=lambda request, template, data: version_create(
        template=template,
        body=data["body"],
        change_summary=data["change_summary"],
        by=request.user,
    ),
    success=lambda template, version: _("Draft %(v)s created.") % {"v": version.label},
    redirect_to=lambda request, template, version: reverse("console:agreement_version", args=[version.pk]),
    on_invalid=lambda request, template, form: _template_page(request, template, form=form, status=400),
)
console_template = staff_required(
    page_or_action(
        lambda request, pk: _template_page(request, _console_template(request, pk)), create_version
    )
)


def _version_page(
    request: HttpRequest,
    version: AgreementVersion,
    *,
    edit_form: forms.Form | None = None,
    publish_form: forms.Form | None = None,
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
            "breadcrumbs": [_agreements_crumb(), _template_crumb(version.template), {"label": version.label}],
        },
        status=status,
    )


def _console_version(request: HttpRequest, pk: int) -> AgreementVersion:
    return get_object_or_404(
        AgreementVersion.objects.select_related(
            "template", "partner", "legal_request", "created_by", "published_by"
        ),
        pk=pk,
    )


def _draft_refused(form_name: str) -> Any:
    """A refused edit or publication: a version published meanwhile says so on top; otherwise the
    form shows its errors."""

    def on_invalid(request: HttpRequest, version: AgreementVersion, form: forms.Form) -> HttpResponse:
        if version.status != VersionStatus.DRAFT:
            for error in form.non_field_errors():
                messages.error(request, str(error))
            return _version_page(request, version, status=400)
        return _version_page(request, version, status=400, **{form_name: form})

    return on_invalid


update_draft = Action[StaffRequest](
    load=_console_version,
    allowed=has_perm(MANAGE_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=VersionForm,
    perform=lambda request, version, data: version_update_draft(
        version=version,
        body=data["body"],
        change_summary=data["change_summary"],
        by=request.user,
    ),
    success=gettext_lazy("Draft saved."),
    redirect_to=lambda request, version, result: reverse("console:agreement_version", args=[version.pk]),
    on_invalid=_draft_refused("edit_form"),
)
console_version = staff_required(
    page_or_action(lambda request, pk: _version_page(request, _console_version(request, pk)), update_draft)
)

publish = Action[StaffRequest](
    load=_console_version,
    allowed=has_perm(MANAGE_PERM),
    not_allowed=NOT_YOUR_ROLE,
    form_class=PublishForm,
    perform=lambda request, version, data: version_publish(
        version=version,
        by=request.user,
        reaccept_by=data["reaccept_by"],
    ),
    success=lambda version, result: (
        _("%(v)s is published; affected partners are being asked to re-accept.") % {"v": version.label}
    ),
    redirect_to=lambda request, version, result: reverse("console:agreement_version", args=[version.pk]),
    on_invalid=_draft_refused("publish_form"),
)
console_version_publish = staff_required(publish.view)


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
            "breadcrumbs": [_agreements_crumb(), _template_crumb(template), {"label": _("Changes")}],
        },
    )


# === console: re-acceptance report ===============================================================


class _ReportFilter:
    """The report's filter form in the shape ``ListPage`` expects of a FilterSet: the report's rows
    are computed in Python (``reaccept_report``), not filtered from a queryset."""

    def __init__(self, data: Any, *, templates: list[Any], regions: list[Any]) -> None:
        self.form = ReportFilterForm(data, templates=templates, regions=regions)
        self.is_bound = self.form.is_bound

    def is_valid(self) -> bool:
        return self.form.is_valid()

    @property
    def cleaned(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.form.is_valid()  # an invalid field filters nothing; the valid ones still apply
        return self.form.cleaned_data


def _sort_key(value: Any) -> tuple[bool, Any]:
    return (value is None, value if value is not None else 0)


class ConsoleReport(ListPage):
    """Every active partner and applicable agreement not accepted in its current version, with
    the same rows as CSV/XLSX. A constant number of queries (``reaccept_report``)."""

    title = gettext_lazy("Who has not (re-)accepted")
    nav = "agreements"
    intro = gettext_lazy(
        "Active partners whose agreements are not accepted in their current version, and why."
    )
    paginate_by = 100
    export_name = "agreements-not-accepted"
    export_sheet = gettext_lazy("Not accepted")
    noun_plural = gettext_lazy("agreements")
    empty_title = gettext_lazy("Every partner has accepted its current versions.")
    exporting = False

    def get_breadcrumbs(self) -> list[dict[str, Any]]:
        return [_agreements_crumb(), {"label": self.title}]

    def get_columns(self) -> list[Column]:
        def current(r: Any) -> SafeString:
            custom = format_html(' <span class="text-secondary">({})</span>', _("custom"))
            return format_html("{}{}", r.current.label, custom if r.current.partner_id else "")

        def accepted(r: Any) -> SafeString:
            if not r.accepted_version:
                return format_html("—")
            return format_html(
                'v{} <span class="text-secondary">({})</span>',
                r.accepted_version,
                date_format(timezone.localtime(r.accepted_at), "DATE_FORMAT"),
            )

        columns = [
            Column(
                "partner_name",
                _("Partner"),
                link=lambda r: reverse("console:partner_detail", args=[r.partner_id]),
                sort="partner_name",
            ),
            Column("region", _("Region"), sort="region"),
            Column("template.name", _("Agreement"), sort="template.name"),
            Column("current.label", _("Current version"), html=current),
            Column(
                "accepted_version",
                _("Accepted version"),
                value=lambda r: f"v{r.accepted_version}" if r.accepted_version else None,
                html=accepted,
            ),
            Column(
                "state", _("State"), status="agreement_state", display=lambda r: r.state_label, sort="state"
            ),
            Column("deadline", _("Deadline"), sort="deadline"),
        ]
        if self.exporting:  # the spreadsheet also has the ids and times a table does not need
            columns.insert(0, Column("partner_id", _("Partner id")))
            columns.insert(6, Column("accepted_at", _("Accepted at")))
        return columns

    def filtered(self) -> tuple[Any, Any]:
        params = self.request.GET.copy()
        for key in ("page", "sort", "export", "format"):
            params.pop(key, None)
        filterset = _ReportFilter(
            params or None,
            templates=list(AgreementTemplate.objects.filter(active=True).order_by("position", "name")),
            regions=list(Region.objects.order_by("code")),
        )
        filters = filterset.cleaned
        rows = reaccept_report(
            template_id=filters.get("template"),
            state=filters.get("state") or "",
            region=filters.get("region") or "",
        )
        wanted = self.request.GET.get("sort", "")
        column = {c.key: c for c in self.get_columns() if c.sort}.get(wanted.lstrip("-"))
        if column is not None:
            rows.sort(key=lambda r: _sort_key(column.raw(r)), reverse=wanted.startswith("-"))
        return filterset, rows

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        legacy = request.GET.get("format")  # links from before the list-page block: ?format=csv
        if legacy and not request.GET.get("export"):
            return self.export(legacy)
        return super().get(request, *args, **kwargs)

    def export(self, fmt: str) -> HttpResponse:
        self.exporting = True
        return super().export(fmt)


console_report = staff_required(ConsoleReport.as_view())
