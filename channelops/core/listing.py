"""The list page every list of the portal and the console is built from.

A list page is declared, not written::

    @method_decorator(staff_required, name="dispatch")
    class NfrQueue(ListPage):
        title = _("NFR requests")
        nav = "nfr"
        filterset_class = NfrRequestFilter           # django-filter
        columns = [
            Column("number", _("Request"), link=lambda r: r.get_console_url(), sort="pk"),
            Column("partner.legal_name", _("Partner"), sort="partner__legal_name"),
            Column("status", _("Status"), status="nfr"),
        ]
        default_sort = "-pk"
        export_name = "nfr-requests"                  # CSV and XLSX with the same columns

        def get_queryset(self):
            return NfrRequest.objects.visible_to(self.request.user).select_related("partner")

It gives: the filter form (django-filter), sorting by the columns that allow it, pagination
(``CHANNELOPS_PAGE_SIZE``), CSV/XLSX export of the filtered rows with spreadsheet formulas
neutralised (:func:`channelops.core.pages.safe_cell`), an empty state that says what to do, and
a constant number of queries (rows come from one query; the columns read only what
``get_queryset`` selects). Rows are rendered in Python, every value escaped: the template
engine costs ~0.15 ms per row (docs/performance.md).
"""

from __future__ import annotations

import csv
import html
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from io import BytesIO
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.views import View

from .forms import widget_class
from .pages import Echo, safe_cell
from .status import status_color

_MISSING = object()


def _resolve(obj: Any, path: str) -> Any:
    """``a.b.c`` on objects or dicts; ``get_x_display`` used for choice fields is up to the
    column (``value=``)."""
    for part in path.split("."):
        if obj is None:
            return None
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
        if callable(obj) and not isinstance(obj, type):
            obj = obj()
    return obj


def _text(value: Any) -> str:
    """A cell's text: dates in the site's one format, None as an em dash."""
    if value is None or value == "":
        return "—"
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        return date_format(
            timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT"
        )
    if hasattr(value, "isoformat") and hasattr(value, "year"):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column of a list page (and of its export).

    - ``key``: attribute path read from each row (``partner.legal_name``), or a dict key.
    - ``value``: a function row -> value, instead of ``key``.
    - ``link``: a function row -> URL; the cell becomes a link.
    - ``status``: a status kind (core/status.py); the cell becomes a status badge showing
      ``display`` (default: ``get_<key>_display()`` when the row has it).
    - ``html``: a function row -> safe HTML, for cells no option above describes.
    - ``sort``: the ORDER BY expression when the column can be sorted (``?sort=key`` / ``-key``).
    - ``export``: whether the column is in CSV/XLSX; ``export_value`` row -> plain value.
    """

    key: str
    label: str | Promise
    value: Callable[[Any], Any] | None = None
    link: Callable[[Any], str | None] | None = None
    status: str | None = None
    display: Callable[[Any], Any] | None = None
    html: Callable[[Any], SafeString] | None = None
    sort: str | None = None
    export: bool = True
    export_value: Callable[[Any], Any] | None = None
    numeric: bool = False
    css: str = ""

    def raw(self, row: Any) -> Any:
        return self.value(row) if self.value else _resolve(row, self.key)

    def cell(self, row: Any) -> str:
        """The escaped HTML of the cell's content."""
        if self.html is not None:
            return str(self.html(row))
        value = self.raw(row)
        if self.status is not None:
            if self.display is not None:
                label = self.display(row)
            else:
                getter = (
                    getattr(row, f"get_{self.key.split('.')[-1]}_display", None)
                    if "." not in self.key
                    else None
                )
                label = getter() if callable(getter) else value
            color = status_color(value, self.status)
            return f'<span class="badge status-badge status-{color}">{html.escape(_text(label))}</span>'
        text = html.escape(_text(value))
        if self.link is not None:
            url = self.link(row)
            if url:
                return f'<a href="{html.escape(url)}">{text}</a>'
        return text

    def exported(self, row: Any) -> Any:
        value = self.export_value(row) if self.export_value else self.raw(row)
        if value is None:
            return ""
        if hasattr(value, "isoformat"):
            return value.isoformat()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return safe_cell(str(value))


def table_rows_html(rows: Iterable[Any], columns: list[Column]) -> SafeString:
    """The ``<tr>`` rows of a table of ``columns`` (every value escaped by :meth:`Column.cell`)."""
    # Each column's opening tag once (its label is translated and escaped once, not per row).
    cols = [
        (
            f'<td class="{c.css}{" text-end" if c.numeric else ""}" data-label="{html.escape(str(c.label))}">',
            c.cell,
        )
        for c in columns
    ]
    parts = []
    for row in rows:
        cells = "".join(f"{td}{cell(row)}</td>" for td, cell in cols)
        parts.append(f"<tr>{cells}</tr>")
    return mark_safe("\n".join(parts))  # noqa: S308 - Column.cell escapes every value


@dataclass
class Table:
    """A short table inside a page (a section of a record page): the first rows of a list, how
    many there are in all and where the whole list is. Rendered by ``{% data_table table %}``
    (``core/components/table.html``) with the same :class:`Column` cells as a list page.

    - ``rows``: the rows shown (already cut to the section's limit by the caller's query).
    - ``total``: how many rows there are in all; ``see_all_url``: the filtered list page, when
      there is one the viewer may open (a "See all N" link when ``total`` exceeds the rows shown;
      with ``see_all_label`` a link with that text, always shown: a page about the rows).
    """

    key: str
    title: str | Promise
    columns: list[Column]
    rows: list[Any]
    total: int | None = None
    see_all_url: str | None = None
    empty_title: str | Promise = _("Nothing here yet.")
    empty_text: str | Promise = ""
    actions: list[dict[str, Any]] | None = None
    heading: str = ""  # the heading with its number ("2 open work items") instead of title and count
    see_all_label: str | Promise = ""  # a link always shown (e.g. "The plan page"), not "See all N"

    @property
    def shown(self) -> int:
        return len(self.rows)

    @property
    def count(self) -> int:
        return self.shown if self.total is None else self.total

    @property
    def more(self) -> bool:
        return self.count > self.shown

    def headers(self) -> list[dict[str, Any]]:
        return [{"label": c.label, "numeric": c.numeric} for c in self.columns]

    def rows_html(self) -> SafeString:
        return table_rows_html(self.rows, self.columns)


def render_filter_form(form: forms.Form) -> SafeString:
    """A filter form as one row of compact Tabler fields. Selects are built here rather than
    through Django's widget templates (one template include per <option> was a fifth of the
    directory's CPU time)."""
    out = []
    for bound in form:
        field, widget = bound.field, bound.field.widget
        if widget.is_hidden:  # e.g. ``?partner=`` from a record page's "See all" link
            out.append(str(bound.as_widget()))
            continue
        label = format_html('<label class="form-label" for="{}">{}</label>', bound.id_for_label, bound.label)
        errors = ""
        if form.is_bound and bound.errors:
            errors = format_html(
                '<div class="invalid-feedback d-block">{}</div>', " ".join(str(e) for e in bound.errors)
            )
        if isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
            current = str(bound.value() if bound.value() is not None else "")
            options = "".join(
                '<option value="{}"{}>{}</option>'.format(
                    html.escape(str(v)), " selected" if str(v) == current else "", html.escape(str(lab))
                )
                for v, lab in field.choices  # type: ignore[attr-defined]
            )
            control = format_html(
                '<select class="form-select" name="{}" id="{}">{}</select>',
                bound.html_name,
                bound.id_for_label,
                mark_safe(options),  # noqa: S308 - every value escaped above
            )
        else:
            attrs: dict[str, str | bool] = {"class": widget_class(widget)}
            if isinstance(field, forms.DateField) and type(widget) is forms.DateInput:
                from .forms import DateInput

                control = bound.as_widget(widget=DateInput(attrs=widget.attrs), attrs=attrs)
            else:
                control = bound.as_widget(attrs=attrs)
        out.append(
            format_html('<div class="col-12 col-sm-6 col-lg-auto">{}{}{}</div>', label, control, errors)
        )
    return mark_safe("".join(str(o) for o in out))  # noqa: S308 - parts built with format_html


class ListPage(View):
    """A declared list page (see the module docstring). Subclasses set the class attributes
    and ``get_queryset``; a page with a different layout sets ``template_name`` and extends
    ``core/list_page.html``."""

    template_name = "core/list_page.html"
    title: ClassVar[str | Promise] = ""
    nav: ClassVar[str] = ""
    intro: ClassVar[str | Promise] = ""
    filterset_class: ClassVar[Any] = None
    columns: ClassVar[list[Column]] = []
    default_sort: ClassVar[str] = "-pk"
    paginate_by: ClassVar[int | None] = None  # None: settings.CHANNELOPS_PAGE_SIZE
    export_name: ClassVar[str] = ""  # set to offer CSV and XLSX
    export_sheet: ClassVar[str | Promise] = ""
    empty_title: ClassVar[str | Promise] = _("Nothing here yet.")
    empty_text: ClassVar[str | Promise] = ""
    noun_plural: ClassVar[str | Promise] = _("rows")
    http_method_names = ["get", "head"]

    # -- what subclasses provide ----------------------------------------------------------
    def get_queryset(self) -> Any:
        raise NotImplementedError("A list page starts from Model.objects.visible_to(user).")

    def get_columns(self) -> list[Column]:
        return list(self.columns)

    def get_actions(self) -> list[dict[str, Any]]:
        """Page header actions: ``{"label": …, "url": …, "primary": bool}`` the person may use."""
        return []

    def get_empty_action(self) -> tuple[str, str | Promise] | None:
        """``(url, label)`` of what to do when the list is empty, if the person may do it."""
        return None

    def get_extra_context(self) -> dict[str, Any]:
        return {}

    def get_breadcrumbs(self) -> list[dict[str, Any]] | None:
        return None

    # -- the machinery ----------------------------------------------------------------
    def filtered(self) -> tuple[Any, Any]:
        qs = self.get_queryset()
        filterset = None
        if self.filterset_class is not None:
            filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            qs = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
        return filterset, qs.order_by(*self.ordering())

    def ordering(self) -> list[str]:
        sortable = {c.key: c.sort for c in self.get_columns() if c.sort}
        wanted = self.request.GET.get("sort", "")
        key = wanted.lstrip("-")
        if key in sortable:
            field = str(sortable[key])
            if wanted.startswith("-"):
                field = field[1:] if field.startswith("-") else "-" + field
            return [field, "pk"]
        return [self.default_sort, "pk"] if self.default_sort.lstrip("-") != "pk" else [self.default_sort]

    def paginator(self, qs: Any) -> Paginator:
        """The page's paginator (a page may count its rows from a cheaper query)."""
        return Paginator(qs, self.paginate_by or settings.CHANNELOPS_PAGE_SIZE)

    def rows_html(self, rows: Iterable[Any], columns: list[Column]) -> SafeString:
        return table_rows_html(rows, columns)

    def headers(self, columns: list[Column]) -> list[dict[str, Any]]:
        current = self.request.GET.get("sort", "")
        params = self.request.GET.copy()
        params.pop("page", None)
        out = []
        for c in columns:
            entry: dict[str, Any] = {"label": c.label, "numeric": c.numeric, "url": None, "sorted": ""}
            if c.sort:
                asc = current == c.key
                desc = current == "-" + c.key
                params["sort"] = "-" + c.key if asc else c.key
                entry["url"] = "?" + params.urlencode()
                entry["sorted"] = "ascending" if asc else "descending" if desc else ""
            out.append(entry)
        return out

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        fmt = request.GET.get("export")
        if fmt:
            return self.export(fmt)
        filterset, qs = self.filtered()
        columns = self.get_columns()
        page = self.paginator(qs).get_page(request.GET.get("page"))
        params = request.GET.copy()
        params.pop("page", None)
        export_params = params.copy()
        context = {
            "page_title": self.title,
            "intro": self.intro,
            "nav": self.nav,
            "filter_form": render_filter_form(filterset.form) if filterset is not None else "",
            "filter_errors": filterset.form.non_field_errors()
            if filterset is not None and filterset.is_bound
            else "",
            "filtered": bool(
                filterset is not None and any(v for k, v in request.GET.items() if k not in ("page", "sort"))
            ),
            "page": page,
            "headers": self.headers(columns),
            "rows_html": self.rows_html(page.object_list, columns),
            "querystring": params.urlencode(),
            "exports": [
                {"label": label, "url": "?" + _with(export_params, "export", fmt)}
                for fmt, label in (("csv", _("CSV")), ("xlsx", _("Excel")))
            ]
            if self.export_name
            else [],
            "actions": self.get_actions(),
            "empty_title": self.empty_title,
            "empty_text": self.empty_text,
            "empty_action": self.get_empty_action(),
            "noun_plural": self.noun_plural,
            "breadcrumbs": self.get_breadcrumbs(),
            "column_count": len(columns),
        }
        context.update(self.get_extra_context())
        return render(request, self.template_name, context)

    def export(self, fmt: str) -> HttpResponse:
        if not self.export_name or fmt not in ("csv", "xlsx"):
            raise Http404
        _filterset, qs = self.filtered()
        columns = [c for c in self.get_columns() if c.export]
        header = [str(c.label) for c in columns]
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        return export_response(
            fmt=fmt,
            name=f"{self.export_name}-{stamp}",
            header=header,
            rows=([c.exported(row) for c in columns] for row in _iterate(qs)),
            sheet=str(self.export_sheet or self.title)[:31],
        )


def _with(params: Any, key: str, value: str) -> str:
    p = params.copy()
    p[key] = value
    return str(p.urlencode())


def _iterate(qs: Any) -> Iterator[Any]:
    if hasattr(qs, "iterator") and not getattr(qs, "_prefetch_related_lookups", ()):
        return iter(qs.iterator(chunk_size=2000))
    return iter(qs)


def export_response(
    *, fmt: str, name: str, header: list[str], rows: Iterable[list[Any]], sheet: str = ""
) -> HttpResponse:
    """CSV (streamed) or XLSX of ``rows``; every text cell must already be neutralised
    (:meth:`Column.exported` does it). The one export implementation of the product."""
    if fmt == "csv":
        writer = csv.writer(Echo())

        def stream() -> Iterator[str]:
            yield writer.writerow(header)
            for row in rows:
                yield writer.writerow(row)

        resp: HttpResponse = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")  # type: ignore[assignment]
        resp["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return resp
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet or "Sheet1")
        ws.append(header)
        for row in rows:
            ws.append(row)
        buf = BytesIO()
        wb.save(buf)
        resp = HttpResponse(
            buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        resp["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return resp
    raise Http404
