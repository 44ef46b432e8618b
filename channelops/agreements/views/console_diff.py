"""Console page: the line diff between two versions of an agreement template."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from channelops.core.pages import staff_required

from ..models import AgreementTemplate, AgreementVersion
from .console_versions import _agreements_crumb, _template_crumb


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
