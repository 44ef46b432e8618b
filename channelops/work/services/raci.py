"""RACI writes (S5): cells, deliverables (rows), and routing work for a deliverable.

Routing work for a deliverable creates a work item whose team is the Responsible team (the
first column holding an R when several do), assigned to that team's lead, with the lead of
the Accountable team as DRI; the leads and members of the Consulted and Informed teams get
one e-mail each (never the person who routed the work). The reads are in ``work/raci.py``."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from channelops.accounts.models import StaffTeam, User
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue
from channelops.partners.models import Partner

from ..models import Deliverable, Project, RaciCell, RaciColumn, RaciMatrix, WorkItem
from ..raci import (
    EDIT_PERM,
    LETTER_NAMES,
    LETTERS,
    RoutePlan,
    letters_normalise,
    route_plan,
)
from .items import work_item_create

ROUTE_PROJECT_SLUG = "channels"  # the project work routed from a matrix goes to


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
