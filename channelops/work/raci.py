"""RACI matrices (S5): reads (the table as the handbook shows it, validation warnings, the routing
plan of a deliverable) and writes (cells, deliverables, routing work for a deliverable).

A matrix is deliverables (rows, optionally grouped in sections) × staff teams (columns, in
order); a cell holds any of the letters R (Responsible), A (Accountable), C (Consulted) and
I (Informed), stored in that order, plus an optional note ("prelim vetting").

Routing work for a deliverable creates a work item whose team is the Responsible team (the
first column holding an R when several do), assigned to that team's lead, with the lead of
the Accountable team as DRI; the leads and members of the Consulted and Informed teams get
one e-mail each (never the person who routed the work).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from channelops.accounts.models import StaffTeam, User
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue
from channelops.partners.models import Partner

from .models import Deliverable, Project, RaciCell, RaciColumn, RaciMatrix, WorkItem
from .services import work_item_create

LETTERS = "RACI"
EDIT_PERM = "work.change_racicell"
LETTER_NAMES = {
    "R": gettext_lazy("Responsible"),
    "A": gettext_lazy("Accountable"),
    "C": gettext_lazy("Consulted"),
    "I": gettext_lazy("Informed"),
}
ROUTE_PROJECT_SLUG = "channels"

# --- reads -------------------------------------------------------------------------------------------


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


# --- writes ------------------------------------------------------------------------------------------


def _require_editor(by: User) -> None:
    if not by.is_staff or not by.has_perm(EDIT_PERM):
        raise NotAllowed(_("Your role does not allow editing RACI matrices."))


@transaction.atomic
def raci_cell_set(
    *, deliverable: Deliverable, team: StaffTeam, letters: str, note: str = "", by: User
) -> RaciCell:
    """Set the letters (any of R, A, C, I; stored in that order) and note a team holds for a deliverable."""
    _require_editor(by)
    normalised = letters_normalise(letters)
    note = (note or "").strip()
    if len(note) > 100:
        raise ValidationError({"note": _("Keep the note to 100 characters.")})
    if not RaciColumn.objects.filter(matrix_id=deliverable.matrix_id, team=team).exists():
        raise ValidationError(
            {"team": _("%(t)s is not a column of this matrix.") % {"t": team.name}},
        )
    cell = RaciCell.objects.select_for_update().filter(deliverable=deliverable, team=team).first()
    if cell is None:
        cell = RaciCell(deliverable=deliverable, team=team)
    elif cell.letters == normalised and cell.note == note:
        return cell
    cell.letters = normalised
    cell.note = note
    cell._history_user = by  # type: ignore[attr-defined]
    cell.save()
    return cell


def _clean_names(name: str, section: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    section = " ".join((section or "").split()).rstrip(":").strip()
    if not name:
        raise ValidationError({"name": _("Name the deliverable.")})
    if len(name) > 300:
        raise ValidationError({"name": _("Keep the name to 300 characters.")})
    if len(section) > 150:
        raise ValidationError({"section": _("Keep the section to 150 characters.")})
    return name, section


def _check_unique(matrix: RaciMatrix, name: str, exclude: int | None = None) -> None:
    qs = matrix.deliverables.filter(name__iexact=name)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        raise ValidationError({"name": _('This matrix already has a deliverable "%(n)s".') % {"n": name}})


def _make_room(matrix: RaciMatrix, section: str, exclude: int | None = None) -> int:
    """The position for a new row of ``section``: after the section's last row (later rows move
    down one), or at the end of the table when the section is new."""
    rows = matrix.deliverables.exclude(pk=exclude) if exclude is not None else matrix.deliverables.all()
    last = rows.filter(section=section).aggregate(p=Max("position"))["p"]
    if last is None:
        end = rows.aggregate(p=Max("position"))["p"]
        return 0 if end is None else end + 1
    rows.filter(position__gt=last).update(position=F("position") + 1)
    return last + 1


@transaction.atomic
def deliverable_add(*, matrix: RaciMatrix, name: str, section: str = "", by: User) -> Deliverable:
    """Add a row: after the last row of its section (or at the end); every cell starts empty."""
    _require_editor(by)
    name, section = _clean_names(name, section)
    RaciMatrix.objects.select_for_update().filter(pk=matrix.pk).first()
    _check_unique(matrix, name)
    d = Deliverable(matrix=matrix, name=name, section=section, position=_make_room(matrix, section))
    d._history_user = by  # type: ignore[attr-defined]
    d.save()
    return d


@transaction.atomic
def deliverable_rename(
    *, deliverable: Deliverable, name: str, section: str | None = None, by: User
) -> Deliverable:
    """Rename a row; a new ``section`` moves it after that section's last row."""
    _require_editor(by)
    name, new_section = _clean_names(name, deliverable.section if section is None else section)
    matrix = deliverable.matrix
    RaciMatrix.objects.select_for_update().filter(pk=matrix.pk).first()
    _check_unique(matrix, name, exclude=deliverable.pk)
    if new_section != deliverable.section:
        deliverable.position = _make_room(matrix, new_section, exclude=deliverable.pk)
        deliverable.section = new_section
    deliverable.name = name
    deliverable._history_user = by  # type: ignore[attr-defined]
    deliverable.save()
    return deliverable


@transaction.atomic
def deliverable_delete(*, deliverable: Deliverable, by: User) -> None:
    """Delete a row and its cells (work items routed for it keep existing, unlinked)."""
    _require_editor(by)
    deliverable._history_user = by  # type: ignore[attr-defined]
    deliverable.delete()


def _item_link(item: WorkItem) -> str:
    return absolute_url("console:work_item", item.pk)


@transaction.atomic
def raci_route(
    *,
    deliverable: Deliverable,
    title: str,
    by: User,
    description: str = "",
    due_date: date | None = None,
    next_action: str = "",
    next_action_date: date | None = None,
    partner: Partner | None = None,
) -> WorkItem:
    """Create a work item for a deliverable: team = the Responsible team (the first column with an
    R), assigned to its lead (or, without a lead, its active members); DRI = the Accountable team's
    lead. Consulted and Informed teams' leads and members get one e-mail each, except ``by``."""
    if not by.is_staff:
        raise NotAllowed(_("Only staff may do this."))
    plan = route_plan(deliverable)
    if plan.problems:
        raise ValidationError(plan.problems)
    team = plan.team
    assert team is not None and plan.dri is not None
    if team.lead is not None and team.lead.is_active:
        assignees = [team.lead]
    else:
        assignees = list(team.members.filter(is_active=True, is_staff=True).order_by("pk"))
    project = (
        Project.objects.filter(slug=ROUTE_PROJECT_SLUG).first() or Project.objects.order_by("pk").first()
    )
    if project is None:
        raise ValidationError(_("There is no project to create the work item in."))
    item = work_item_create(
        project=project,
        title=(title or "").strip() or deliverable.name,
        description=description,
        dri=plan.dri,
        by=by,
        assignees=assignees,
        due_date=due_date,
        next_action=next_action,
        next_action_date=next_action_date,
        partner=partner,
        team=team,
        deliverable=deliverable,
    )
    _notify_consulted_informed(item=item, plan=plan, by=by)
    return item


def _notify_consulted_informed(*, item: WorkItem, plan: RoutePlan, by: User) -> int:
    """One e-mail per person of the Consulted and Informed teams (lead and members), not ``by``."""
    roles: dict[int, set[str]] = {}
    teams: dict[int, StaffTeam] = {}
    for letter, held in (("C", plan.consulted), ("I", plan.informed)):
        for t in held:
            roles.setdefault(t.pk, set()).add(letter)
            teams[t.pk] = t
    if not teams:
        return 0
    people: dict[int, User] = {}
    person_letters: dict[int, set[str]] = {}
    person_teams: dict[int, list[str]] = {}

    def add(user: User, team: StaffTeam) -> None:
        people[user.pk] = user
        person_letters.setdefault(user.pk, set()).update(roles[team.pk])
        names = person_teams.setdefault(user.pk, [])
        if team.name not in names:
            names.append(team.name)

    for t in teams.values():
        if t.lead is not None:
            add(t.lead, t)
    through = StaffTeam.members.through
    for row in (
        through.objects.filter(staffteam_id__in=list(teams))
        .select_related("user")
        .order_by("staffteam_id", "user_id")
    ):
        add(row.user, teams[row.staffteam_id])
    link = _item_link(item)
    sent = 0
    for pk, person in sorted(people.items()):
        if pk == by.pk or not person.is_active or not person.email:
            continue
        letters = "".join(x for x in LETTERS if x in person_letters[pk])
        email_enqueue(
            to=person.email,
            template="work/email/raci_notice",
            context={
                "person": person,
                "item": item,
                "deliverable": plan.deliverable,
                "matrix": plan.deliverable.matrix,
                "roles": [str(LETTER_NAMES[x]) for x in letters],
                "consulted": "C" in letters,
                "teams": person_teams[pk],
                "responsible": plan.team,
                "dri": plan.dri,
                "by": by,
                "link": link,
            },
            key=f"raci-notice:{item.pk}:{pk}",
            topic=f"work-item:{item.pk}",
        )
        sent += 1
    return sent
