"""Console page: the "who has not (re-)accepted" report, with its CSV/XLSX export."""

from __future__ import annotations

import html
from typing import Any

from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required
from channelops.core.status import status_color
from channelops.partners.models import Program, Region, Tier

from ..forms import ReportFilterForm
from ..models import AgreementTemplate, AgreementVersion
from ..querysets import STATE_LABELS, compliance_rows
from .console_versions import _agreements_crumb


class _ReportFilter:
    """The report's filter form in the shape ``ListPage`` expects of a FilterSet (its fields filter
    ``compliance_rows`` rather than a FilterSet's queryset)."""

    def __init__(self, data: Any, **choices: list[Any]) -> None:
        self.form = ReportFilterForm(data, **choices)
        self.is_bound = self.form.is_bound

    def is_valid(self) -> bool:
        return self.form.is_valid()

    @property
    def cleaned(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        self.form.is_valid()  # an invalid field filters nothing; the valid ones still apply
        return self.form.cleaned_data


class _CountedPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, counted: Any) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return int(self.counted.count())


class ConsoleReport(ListPage):
    """Every active partner and applicable agreement not accepted in its current version, with
    the same rows as CSV/XLSX: read from the maintained compliance table (``compliance_rows``),
    paginated and sorted in the database, a constant number of queries."""

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
    counted: Any = None  # the filtered rows before ``values()``, for the paginator's count

    def get_breadcrumbs(self) -> list[dict[str, Any]]:
        return [_agreements_crumb(), {"label": self.title}]

    # The columns read these fields of ``compliance_rows`` as ``values()`` dicts: no model
    # instances, no per-row template work (docs/performance.md, issue 13).
    FIELDS = (
        "pk",
        "partner_id",
        "partner_name",
        "region",
        "template_name",
        "current_number",
        "current_partner_id",
        "accepted_version",
        "accepted_at",
        "state",
        "deadline",
    )

    def get_columns(self) -> list[Column]:
        custom = f' <span class="text-secondary">({html.escape(_("custom"))})</span>'
        base = reverse("console:partner_detail", args=[0])[:-2]  # "/console/partners/"

        def current(r: dict[str, Any]) -> SafeString:
            label = html.escape(f"v{r['current_number']}")
            return mark_safe(label + custom if r["current_partner_id"] else label)  # noqa: S308 - escaped

        formatted: dict[Any, str] = {}  # a page has few distinct dates: format each once

        def day(value: Any) -> str:
            text = formatted.get(value)
            if text is None:
                text = formatted[value] = html.escape(date_format(value, "DATE_FORMAT"))
            return text

        def deadline(r: dict[str, Any]) -> SafeString:
            return mark_safe(day(r["deadline"]) if r["deadline"] is not None else "—")  # noqa: S308 - escaped

        def accepted(r: dict[str, Any]) -> SafeString:
            if not r["accepted_version"]:
                return mark_safe("—")  # noqa: S308 - a constant
            when = day(timezone.localtime(r["accepted_at"]).date())
            return mark_safe(  # noqa: S308 - every value escaped
                f'v{html.escape(str(r["accepted_version"]))} <span class="text-secondary">({when})</span>'
            )

        badges = {  # the state badge of each state, built once
            state: f'<span class="badge status-badge status-{status_color(state, "agreement_state")}">'
            f"{html.escape(label)}</span>"
            for state, label in STATE_LABELS.items()
        }

        def partner(r: dict[str, Any]) -> SafeString:
            return mark_safe(  # noqa: S308 - escaped
                f'<a href="{base}{r["partner_id"]}/">{html.escape(r["partner_name"] or "—")}</a>'
            )

        columns = [
            Column(
                "partner_name",
                _("Partner"),
                link=lambda r: f"{base}{r['partner_id']}/",
                html=partner,
                sort="partner_name",
            ),
            Column("region", _("Region"), sort="region"),
            Column("template.name", _("Agreement"), value=lambda r: r["template_name"], sort="template_name"),
            Column(
                "current.label",
                _("Current version"),
                value=lambda r: f"v{r['current_number']}",
                html=current,
            ),
            Column(
                "accepted_version",
                _("Accepted version"),
                value=lambda r: f"v{r['accepted_version']}" if r["accepted_version"] else None,
                html=accepted,
            ),
            Column(
                "state",
                _("State"),
                status="agreement_state",
                display=lambda r: STATE_LABELS[r["state"]],
                html=lambda r: mark_safe(badges[r["state"]]),  # noqa: S308 - built escaped above
                sort="state",
            ),
            Column("deadline", _("Deadline"), html=deadline, sort="deadline"),
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
            tiers=list(Tier.objects.order_by("rank", "name")),
            programs=list(Program.objects.order_by("name")),
        )
        filters = filterset.cleaned
        rows = compliance_rows(
            template_id=filters.get("template"),
            state=filters.get("state") or "",
            region=filters.get("region") or "",
            tier=filters.get("tier") or "",
            program=filters.get("program") or "",
        )
        # The template's name and position and the version's number as subqueries per row, not
        # joins: with a join SQLite starts from the small template or version table and sorts every
        # row for each page; without, it walks the (partner_name, partner) index and stops at the
        # page (docs/performance.md, issue 13). The order is compliance_rows' own.
        template = AgreementTemplate.objects.filter(pk=OuterRef("template_id"))
        version = AgreementVersion.objects.filter(pk=OuterRef("current_id"))
        rows = rows.annotate(
            template_name=Subquery(template.values("name")[:1]),
            template_position=Subquery(template.values("position")[:1]),
            current_number=Subquery(version.values("number")[:1]),
            current_partner_id=Subquery(version.values("partner_id")[:1]),
        ).order_by("partner_name", "partner_id", "template_position", "template_id")
        if self.request.GET.get("sort", "").lstrip("-") in {c.key for c in self.get_columns() if c.sort}:
            rows = rows.order_by(*self.ordering())
        self.counted = rows
        return filterset, rows.values(*self.FIELDS)

    def paginator(self, qs: Any) -> Paginator:
        # Counted on the filtered rows before ``values()``: Django drops their unused annotations
        # (the subqueries) from the COUNT.
        return _CountedPaginator(qs, self.paginate_by or 100, counted=self.counted)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        legacy = request.GET.get("format")  # links from before the list-page block: ?format=csv
        if legacy and not request.GET.get("export"):
            return self.export(legacy)
        return super().get(request, *args, **kwargs)

    def export(self, fmt: str) -> HttpResponse:
        self.exporting = True
        return super().export(fmt)


console_report = staff_required(ConsoleReport.as_view())
