"""RACI matrices (S5): reads — the table as the handbook shows it, validation warnings, the routing
plan of a deliverable. The writes (cells, deliverables, routing work) are in ``services/raci.py``.

A matrix is deliverables (rows, optionally grouped in sections) × staff teams (columns, in
order); a cell holds any of the letters R (Responsible), A (Accountable), C (Consulted) and
I (Informed), stored in that order, plus an optional note ("prelim vetting").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.models import StaffTeam, User

from .models import Deliverable, RaciCell, RaciColumn, RaciMatrix

LETTERS = "RACI"
EDIT_PERM = "work.change_racicell"
LETTER_NAMES = {
    "R": gettext_lazy("Responsible"),
    "A": gettext_lazy("Accountable"),
    "C": gettext_lazy("Consulted"),
    "I": gettext_lazy("Informed"),
}


@dataclass(frozen=True)
class RaciWarning:
    """A problem of one deliverable's row: ``level`` is "warning" (must be fixed to route work)
    or "note" (softer)."""

    level: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class CellView:
    """One cell of the table (``cell`` is None when the team holds nothing for the deliverable)."""

    team: StaffTeam
    cell: RaciCell | None
    error: list[str] = field(default_factory=list)  # the page's error for this cell's edit form
    submitted: dict[str, str] | None = None

    @property
    def letters(self) -> str:
        return self.cell.letters if self.cell else ""

    @property
    def note(self) -> str:
        return self.cell.note if self.cell else ""

    @property
    def label(self) -> str:
        return cell_label(self.letters, self.note)

    @property
    def form_letters(self) -> str:
        if self.submitted is not None:
            return self.submitted.get("letters", "")
        return ", ".join(self.letters)

    @property
    def form_note(self) -> str:
        if self.submitted is not None:
            return self.submitted.get("note", "")
        return self.note


@dataclass
class RowView:
    deliverable: Deliverable
    cells: list[CellView]
    warnings: list[RaciWarning]
    section_start: bool = False  # the first row of a section (the page shows a group row above it)


@dataclass
class TableView:
    matrix: RaciMatrix
    columns: list[RaciColumn]
    rows: list[RowView]

    @property
    def warning_count(self) -> int:
        return sum(1 for r in self.rows for w in r.warnings if w.level == "warning")


def cell_label(letters: str, note: str = "") -> str:
    """How the handbook writes a cell: "R, A", or "R (prelim vetting)"."""
    text = ", ".join(letters)
    if note:
        text = f"{text} ({note})" if text else f"({note})"
    return text


def letters_normalise(value: str) -> str:
    """ "A, R" / "r,a" / "RA" → "RA" (R, A, C, I order, each once); anything else is refused."""
    raw = (value or "").upper()
    stray = sorted({ch for ch in re.sub(r"[\s,;/+]", "", raw) if ch not in LETTERS})
    if stray:
        raise ValidationError(
            {
                "letters": _('Use only the letters R, A, C and I (for example "R, A"); not: %(bad)s.')
                % {"bad": ", ".join(stray)}
            }
        )
    return "".join(x for x in LETTERS if x in raw)


def _row_warnings(holdings: list[tuple[StaffTeam, str]]) -> list[RaciWarning]:
    """The warnings of one row from its (team, letters) pairs in column order."""
    accountable = [t.name for t, letters in holdings if "A" in letters]
    responsible = [t for t, letters in holdings if "R" in letters]
    found: list[RaciWarning] = []
    if not accountable:
        found.append(RaciWarning("warning", _("No team is Accountable: name exactly one.")))
    elif len(accountable) > 1:
        found.append(
            RaciWarning(
                "warning",
                _("Several teams are Accountable (%(teams)s): name exactly one.")
                % {"teams": ", ".join(accountable)},
            )
        )
    if not responsible:
        found.append(RaciWarning("note", _("No team is Responsible: work for it cannot be routed.")))
    return found


def _columns(matrix: RaciMatrix) -> list[RaciColumn]:
    return list(matrix.columns.select_related("team__lead").order_by("position", "pk"))


def matrix_table(matrix: RaciMatrix) -> TableView:
    """The whole table in three queries (columns with teams, deliverables, cells)."""
    columns = _columns(matrix)
    deliverables = list(matrix.deliverables.order_by("position", "pk"))
    cells: dict[tuple[int, int], RaciCell] = {
        (c.deliverable_id, c.team_id): c for c in RaciCell.objects.filter(deliverable__matrix=matrix)
    }
    rows = []
    previous_section: str | None = None
    for d in deliverables:
        views = [CellView(team=col.team, cell=cells.get((d.pk, col.team_id))) for col in columns]
        rows.append(
            RowView(
                deliverable=d,
                cells=views,
                warnings=_row_warnings([(v.team, v.letters) for v in views]),
                section_start=d.section != (previous_section if previous_section is not None else ""),
            )
        )
        previous_section = d.section
    return TableView(matrix=matrix, columns=columns, rows=rows)


def raci_warnings(matrix: RaciMatrix) -> dict[Deliverable, list[RaciWarning]]:
    """The deliverables of ``matrix`` that have warnings (in table order), each with its warnings:
    no Accountable team, several Accountable teams, or (a softer note) no Responsible team."""
    return {r.deliverable: r.warnings for r in matrix_table(matrix).rows if r.warnings}


def matrices_overview() -> list[dict[str, Any]]:
    """Every matrix with its teams, its number of deliverables and of warnings (four queries)."""
    matrices = list(RaciMatrix.objects.order_by("name"))
    columns: dict[int, list[RaciColumn]] = {}
    for col in RaciColumn.objects.select_related("team").order_by("matrix_id", "position", "pk"):
        columns.setdefault(col.matrix_id, []).append(col)
    rows: dict[int, list[int]] = {}
    for pk, matrix_id in Deliverable.objects.order_by("position", "pk").values_list("pk", "matrix_id"):
        rows.setdefault(matrix_id, []).append(pk)
    letters: dict[tuple[int, int], str] = {
        (d, t): x for d, t, x in RaciCell.objects.values_list("deliverable_id", "team_id", "letters")
    }
    result = []
    for m in matrices:
        cols = columns.get(m.pk, [])
        warnings = 0
        notes = 0
        for d in rows.get(m.pk, []):
            for w in _row_warnings([(c.team, letters.get((d, c.team_id), "")) for c in cols]):
                if w.level == "warning":
                    warnings += 1
                else:
                    notes += 1
        result.append(
            {
                "matrix": m,
                "teams": [c.team for c in cols],
                "deliverables": len(rows.get(m.pk, [])),
                "warnings": warnings,
                "notes": notes,
            }
        )
    return result


@dataclass
class RoutePlan:
    """Who work for a deliverable goes to; ``problems`` say why it cannot be routed."""

    deliverable: Deliverable
    responsible: list[StaffTeam]
    accountable: list[StaffTeam]
    consulted: list[StaffTeam]
    informed: list[StaffTeam]
    problems: list[str]

    @property
    def team(self) -> StaffTeam | None:
        """The team the work goes to: the first column holding an R."""
        return self.responsible[0] if self.responsible else None

    @property
    def dri(self) -> User | None:
        return self.accountable[0].lead if len(self.accountable) == 1 else None


def route_plan(deliverable: Deliverable) -> RoutePlan:
    columns = _columns(deliverable.matrix)
    cells = {c.team_id: c.letters for c in deliverable.cells.all()}
    held = {x: [col.team for col in columns if x in cells.get(col.team_id, "")] for x in LETTERS}
    problems = []
    name = deliverable.name
    if not held["R"]:
        problems.append(
            _('No team is Responsible for "%(d)s": give a team the letter R before routing work.')
            % {"d": name}
        )
    else:
        r_team = held["R"][0]
        if (r_team.lead is None or not r_team.lead.is_active) and not r_team.members.filter(
            is_active=True, is_staff=True
        ).exists():
            problems.append(
                _("The Responsible team %(t)s has no lead and no active members to assign the work to.")
                % {"t": r_team.name}
            )
    if not held["A"]:
        problems.append(
            _('No team is Accountable for "%(d)s": give exactly one team the letter A before routing work.')
            % {"d": name}
        )
    elif len(held["A"]) > 1:
        problems.append(
            _('Several teams are Accountable for "%(d)s" (%(teams)s): keep exactly one before routing work.')
            % {"d": name, "teams": ", ".join(t.name for t in held["A"])}
        )
    else:
        lead = held["A"][0].lead
        if lead is None or not lead.is_active or not lead.is_staff:
            problems.append(
                _(
                    "The Accountable team %(t)s has no active lead: set the team's lead (the DRI of this "
                    "work) before routing work."
                )
                % {"t": held["A"][0].name}
            )
    return RoutePlan(
        deliverable=deliverable,
        responsible=held["R"],
        accountable=held["A"],
        consulted=held["C"],
        informed=held["I"],
        problems=problems,
    )
