"""RACI matrices (S5): the handbook's two matrices ship exactly, validation warnings, editing,
routing work to the Responsible team, and the console pages."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channelops.accounts.models import StaffTeam, TeamKind
from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.work.models import Deliverable, RaciCell, RaciColumn, RaciMatrix, WorkItem
from channelops.work.raci import matrix_table, raci_warnings
from channelops.work.services.raci import (
    deliverable_add,
    deliverable_delete,
    deliverable_rename,
    raci_cell_set,
    raci_route,
)

from .factories import StaffFactory

pytestmark = pytest.mark.django_db

# The seed's two tables, copied literally (channel-program-operations.txt): section, deliverable,
# the Channel Team's cell, the other team's cell. Deliberately not defaults.py's constants.
SEED_PS = [
    (
        "",
        "Onboarding process creation including how to engage with GL (contracts, accounting, "
        "collaboration/communication)",
        "A,R",
        "C,I",
    ),
    ("", "Partner onboarding", "A, R", "C"),
    ("", "Rate cards", "C", "A, R"),
    ("", "Billing and invoice management for a specific project", "I", "A,R"),
    ("", "Coordinate delivery with a partner for a specific customer", "R,A,C,I", ""),
    ("", "MSA terms for subcontracting arrangement", "R,I", "A,C"),
    ("", "Partner SOW for project engagement", "A,R", ""),
    ("", "Subcontracting process (SOW, invoicing, etc.)", "C,I", "A,R"),
    ("", "“Bench” Relationship Management (FY22)", "C,I", "A,R"),
    ("", "Vetting process for partners", "R\n(prelim vetting)", "A, R"),
]
MONTHLY = "Managing monthly reporting for Channel Excellence"
SEED_ES = [
    (
        "",
        "Onboarding process creation including how to engage with GL (contracts, accounting, "
        "collaboration/communication)",
        "R, A",
        "C, I",
    ),
    ("", "Partner onboarding: GitLab Partner Program", "R, A", "C"),
    ("", "Learning partner and/or trainer onboarding: CTP/subcontract list", "I", "R, A"),
    ("", "Rate cards (PS/EdS offerings)", "C", "R, A"),
    ("", "Course Content Price", "C", "R, A"),
    ("", "Billing and invoice management for a specific project", "I", "R, A"),
    ("", "Coordinate delivery with a partner for a specific customer", "R, A, C, I", ""),
    ("", "MSA terms for subcontracting arrangement", "C, I", "R, A"),
    ("", "Partner SOW for project engagement", "A, R", ""),
    ("", "Subcontracting process definition (SOW, invoicing, etc.)", "C, I", "A, R"),
    ("", "“Bench” Relationship Management (FY22)", "C, I", "R, A"),
    ("", "Vetting process for partners", "R (prelim vetting)", "A, R"),
    (MONTHLY, "Certified Subcontractor Performance ratings", "A, C", "R"),
    (MONTHLY, "Collecting Monthly Metrics", "A, R", ""),
    (MONTHLY, "Managing monthly billing", "I", "A, R"),
]


def _seed_cell(text: str) -> tuple[set[str], str]:
    """ "A, R" → ({"A", "R"}, ""); "R (prelim vetting)" → ({"R"}, "prelim vetting")."""
    note = re.search(r"\((.*)\)", text)
    letters = re.sub(r"\(.*\)", "", text, flags=re.S)
    return {x.strip() for x in letters.split(",") if x.strip()}, note.group(1) if note else ""


def _matrix(slug: str) -> RaciMatrix:
    return RaciMatrix.objects.get(slug=slug)


def _team(kind: str) -> StaffTeam:
    return StaffTeam.objects.get(kind=kind)


def _row(matrix: RaciMatrix, name: str) -> Deliverable:
    return matrix.deliverables.get(name=name)


@pytest.mark.parametrize(
    ("slug", "other_kind", "seed"),
    [
        ("channel-professional-services", TeamKind.PROFESSIONAL_SERVICES, SEED_PS),
        ("channel-education-services", TeamKind.EDUCATION_SERVICES, SEED_ES),
    ],
)
def test_the_handbooks_two_matrices_ship_exactly_as_the_seed(slug, other_kind, seed):
    matrix = _matrix(slug)
    columns = list(
        RaciColumn.objects.filter(matrix=matrix).order_by("position").values_list("team__kind", flat=True)
    )
    assert columns == [TeamKind.CHANNEL, other_kind]
    rows = list(matrix.deliverables.order_by("position", "pk"))
    assert [(d.section, d.name) for d in rows] == [(s, n) for s, n, _c, _o in seed]
    cells = {
        (c.deliverable_id, c.team.kind): c
        for c in RaciCell.objects.filter(deliverable__matrix=matrix).select_related("team")
    }
    for d, (_s, _n, channel_text, other_text) in zip(rows, seed, strict=True):
        for kind, text in ((TeamKind.CHANNEL, channel_text), (other_kind, other_text)):
            letters, note = _seed_cell(text)
            cell = cells.get((d.pk, kind))
            assert set(cell.letters if cell else "") == letters, (d.name, kind)
            assert (cell.note if cell else "") == note, (d.name, kind)
            if cell:  # stored in R, A, C, I order
                assert cell.letters == "".join(x for x in "RACI" if x in letters)


def test_the_education_services_matrix_groups_the_monthly_reporting_rows_under_their_section(
    staff_editor, login
):
    table = matrix_table(_matrix("channel-education-services"))
    starts = [r.deliverable.name for r in table.rows if r.section_start]
    assert starts == ["Certified Subcontractor Performance ratings"]
    page = login(staff_editor).get(f"/console/raci/{table.matrix.pk}/").content.decode()
    assert page.count('<tr class="raci-section">') == 1
    assert f'colspan="5">{MONTHLY}</th>' in page
    assert (
        page.index(MONTHLY)
        < page.index("Certified Subcontractor Performance ratings")
        < page.index("Managing monthly billing")
    )


def test_the_seed_matrices_have_no_warnings():
    for matrix in RaciMatrix.objects.all():
        assert raci_warnings(matrix) == {}


# --- warnings ---------------------------------------------------------------------------------------


@pytest.fixture
def staff_editor(db):
    return StaffFactory(email="pm@vendor.test", roles=["channel_program_manager"])


def test_a_deliverable_without_an_accountable_team_is_warned(staff_editor):
    m = _matrix("channel-professional-services")
    d = _row(m, "Rate cards")
    raci_cell_set(deliverable=d, team=_team(TeamKind.PROFESSIONAL_SERVICES), letters="R", by=staff_editor)
    warnings = raci_warnings(m)
    assert list(warnings) == [d]
    assert [(w.level, w.message) for w in warnings[d]] == [
        ("warning", "No team is Accountable: name exactly one.")
    ]


def test_a_deliverable_with_two_accountable_teams_is_warned_naming_them(staff_editor):
    m = _matrix("channel-professional-services")
    d = _row(m, "Partner onboarding")
    raci_cell_set(deliverable=d, team=_team(TeamKind.PROFESSIONAL_SERVICES), letters="C, A", by=staff_editor)
    (w,) = raci_warnings(m)[d]
    assert w.level == "warning"
    assert "Several teams are Accountable (Channel, Professional Services)" in w.message


def test_a_deliverable_without_a_responsible_team_gets_a_softer_note(staff_editor):
    m = _matrix("channel-professional-services")
    d = _row(m, "Partner SOW for project engagement")
    raci_cell_set(deliverable=d, team=_team(TeamKind.CHANNEL), letters="A", by=staff_editor)
    (w,) = raci_warnings(m)[d]
    assert w.level == "note" and "No team is Responsible" in w.message


def test_the_matrix_page_highlights_rows_with_warnings(staff_editor, login):
    m = _matrix("channel-professional-services")
    d = _row(m, "Rate cards")
    raci_cell_set(deliverable=d, team=_team(TeamKind.PROFESSIONAL_SERVICES), letters="R", by=staff_editor)
    page = login(staff_editor).get(f"/console/raci/{m.pk}/").content.decode()
    assert page.count('class="raci-warn"') == 1
    assert f'<tr id="d{d.pk}" class="raci-warn">' in page
    assert "No team is Accountable" in page
    listing = login(staff_editor).get("/console/raci/").content.decode()
    assert "1 warning" in listing


# --- editing ----------------------------------------------------------------------------------------


def test_letters_are_normalised_to_raci_order(staff_editor):
    d = _row(_matrix("channel-professional-services"), "Rate cards")
    cell = raci_cell_set(
        deliverable=d, team=_team(TeamKind.CHANNEL), letters="i, c,a", note=" heads-up ", by=staff_editor
    )
    cell.refresh_from_db()
    assert (cell.letters, cell.note) == ("ACI", "heads-up")


def test_bad_letters_are_refused_with_a_clear_error_and_nothing_changes(staff_editor):
    d = _row(_matrix("channel-professional-services"), "Rate cards")
    team = _team(TeamKind.CHANNEL)
    with pytest.raises(ValidationError) as exc:
        raci_cell_set(deliverable=d, team=team, letters="R, X, Q", by=staff_editor)
    assert exc.value.message_dict["letters"] == [
        'Use only the letters R, A, C and I (for example "R, A"); not: Q, X.'
    ]
    assert RaciCell.objects.get(deliverable=d, team=team).letters == "C"


def test_a_team_that_is_not_a_column_cannot_get_letters(staff_editor):
    d = _row(_matrix("channel-professional-services"), "Rate cards")
    with pytest.raises(ValidationError, match="not a column"):
        raci_cell_set(deliverable=d, team=_team(TeamKind.LEGAL), letters="I", by=staff_editor)
    assert not RaciCell.objects.filter(deliverable=d, team__kind=TeamKind.LEGAL).exists()


def test_editing_a_cell_on_the_page_saves_it(staff_editor, login):
    m = _matrix("channel-professional-services")
    d = _row(m, "Rate cards")
    team = _team(TeamKind.CHANNEL)
    resp = login(staff_editor).post(
        f"/console/raci/{m.pk}/",
        {"action": "cell", "deliverable": d.pk, "team": team.pk, "letters": "C, I", "note": "pricing review"},
    )
    assert resp.status_code == 302 and resp["Location"].endswith(f"/console/raci/{m.pk}/#d{d.pk}")
    cell = RaciCell.objects.get(deliverable=d, team=team)
    assert (cell.letters, cell.note) == ("CI", "pricing review")
    assert cell.history.first().history_user == staff_editor
    page = login(staff_editor).get(f"/console/raci/{m.pk}/").content.decode()
    assert "C, I (pricing review)" in page


def test_bad_letters_on_the_page_show_the_error_at_the_cell_and_change_nothing(staff_editor, login):
    m = _matrix("channel-professional-services")
    d = _row(m, "Rate cards")
    team = _team(TeamKind.CHANNEL)
    resp = login(staff_editor).post(
        f"/console/raci/{m.pk}/", {"action": "cell", "deliverable": d.pk, "team": team.pk, "letters": "RZ"}
    )
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "Use only the letters R, A, C and I" in page and "not: Z." in page
    assert f'id="err-{d.pk}-{team.pk}"' in page and 'value="RZ"' in page  # reopened with what was typed
    assert RaciCell.objects.get(deliverable=d, team=team).letters == "C"


def test_staff_without_the_raci_permission_cannot_edit(cam, login):
    m = _matrix("channel-professional-services")
    d = _row(m, "Rate cards")
    team = _team(TeamKind.CHANNEL)
    with pytest.raises(NotAllowed):
        raci_cell_set(deliverable=d, team=team, letters="A", by=cam)
    client = login(cam)
    page = client.get(f"/console/raci/{m.pk}/")
    assert page.status_code == 200 and "Rate cards" in page.content.decode()
    assert 'name="letters"' not in page.content.decode()  # no edit forms
    resp = client.post(
        f"/console/raci/{m.pk}/", {"action": "cell", "deliverable": d.pk, "team": team.pk, "letters": "A"}
    )
    assert resp.status_code == 403
    assert RaciCell.objects.get(deliverable=d, team=team).letters == "C"


@pytest.mark.parametrize("role", ["channel_leadership", "channel_program_manager", "administrator"])
def test_leadership_program_managers_and_administrators_may_edit_raci(role):
    assert StaffFactory(roles=[role]).has_perm("work.change_racicell")


def test_adding_a_deliverable_puts_it_at_the_end_of_its_section(staff_editor, login):
    m = _matrix("channel-education-services")
    resp = login(staff_editor).post(
        f"/console/raci/{m.pk}/", {"action": "add", "new-name": "Quarterly reviews", "new-section": MONTHLY}
    )
    assert resp.status_code == 302
    names = list(m.deliverables.order_by("position", "pk").values_list("name", flat=True))
    assert names[-1] == "Quarterly reviews"
    plain = deliverable_add(matrix=m, name="Course calendar", by=staff_editor)
    names = list(m.deliverables.order_by("position", "pk").values_list("name", flat=True))
    assert names.index("Course calendar") == names.index("Vetting process for partners") + 1
    assert [r.section_start for r in matrix_table(m).rows].count(True) == 1  # the section stays together
    assert not plain.cells.exists()


def test_a_deliverable_name_is_required_and_unique_per_matrix(staff_editor, login):
    m = _matrix("channel-education-services")
    with pytest.raises(ValidationError, match="already has a deliverable"):
        deliverable_add(matrix=m, name="course content price", by=staff_editor)
    resp = login(staff_editor).post(f"/console/raci/{m.pk}/", {"action": "add", "new-name": "  "})
    assert resp.status_code == 400
    assert m.deliverables.count() == len(SEED_ES)


def test_renaming_and_deleting_a_deliverable(staff_editor, login):
    m = _matrix("channel-professional-services")
    d = _row(m, "Rate cards")
    deliverable_rename(deliverable=d, name="Rate cards (PS offerings)", by=staff_editor)
    assert Deliverable.objects.get(pk=d.pk).name == "Rate cards (PS offerings)"
    resp = login(staff_editor).post(f"/console/raci/{m.pk}/", {"action": "delete", "deliverable": d.pk})
    assert resp.status_code == 302
    assert not Deliverable.objects.filter(pk=d.pk).exists()
    assert not RaciCell.objects.filter(deliverable_id=d.pk).exists()
    with pytest.raises(NotAllowed):
        deliverable_delete(deliverable=_row(m, "Partner onboarding"), by=StaffFactory(roles=["cam"]))


# --- routing ----------------------------------------------------------------------------------------


@pytest.fixture
def teams(db):
    """Channel (lead + a member) and Professional Services (lead + two members)."""
    people = {
        name: StaffFactory(
            email=f"{name}@vendor.test", full_name=name.replace("_", " ").title(), roles=["cam"]
        )
        for name in ("channel_lead", "channel_member", "ps_lead", "ps_member", "ps_other")
    }
    channel = _team(TeamKind.CHANNEL)
    channel.lead = people["channel_lead"]
    channel.save()
    channel.members.set([people["channel_member"], people["channel_lead"]])
    ps = _team(TeamKind.PROFESSIONAL_SERVICES)
    ps.lead = people["ps_lead"]
    ps.save()
    ps.members.set([people["ps_member"], people["ps_other"]])
    return people


def _route(name: str, by, **kw):
    d = _row(_matrix("channel-professional-services"), name)
    return raci_route(deliverable=d, title=f"Work: {name}", by=by, due_date=date(2030, 1, 31), **kw)


def test_routing_assigns_the_responsible_team_and_makes_the_accountable_lead_the_dri(
    teams, smtp_server, deliver
):
    item = _route("Rate cards", by=teams["channel_member"])  # Channel C; Professional Services A, R
    assert item.team.kind == TeamKind.PROFESSIONAL_SERVICES
    assert list(item.assignees.all()) == [teams["ps_lead"]]
    assert item.dri == teams["ps_lead"]
    assert item.deliverable.name == "Rate cards" and item.project.slug == "channels"
    deliver()
    # Consulted: the Channel team's lead (the acting member is left out)
    box = smtp_server.box
    assert [m["To"] for m in box.messages] == ["channel_lead@vendor.test"]
    (msg,) = box.to("channel_lead@vendor.test")
    assert msg["Subject"] == "Your input may be needed: Work: Rate cards"
    text = box.text(msg)
    assert "Channel is Consulted for it" in text and f"/console/work/{item.pk}/" in text
    assert "Responsible team: Professional Services" in text


def test_routing_e_mails_every_informed_person_once_except_the_acting_person(teams, smtp_server, deliver):
    item = _route("Billing and invoice management for a specific project", by=teams["ps_member"])
    deliver()
    box = smtp_server.box
    assert sorted(m["To"] for m in box.messages) == ["channel_lead@vendor.test", "channel_member@vendor.test"]
    assert all(m["Subject"].startswith("For your information: ") for m in box.messages)
    keys = set(
        OutboxMessage.objects.filter(topic=f"work-item:{item.pk}").values_list("idempotency_key", flat=True)
    )
    assert keys == {
        f"raci-notice:{item.pk}:{teams['channel_lead'].pk}",
        f"raci-notice:{item.pk}:{teams['channel_member'].pk}",
    }


def test_with_several_responsible_teams_the_first_column_gets_the_work(teams):
    item = _route("Vetting process for partners", by=teams["ps_other"])  # Channel R (prelim vetting); PS A, R
    assert item.team.kind == TeamKind.CHANNEL
    assert list(item.assignees.all()) == [teams["channel_lead"]]
    assert item.dri == teams["ps_lead"]


def test_a_team_that_holds_every_letter_is_routed_and_consulted(teams, smtp_server, deliver):
    item = _route("Coordinate delivery with a partner for a specific customer", by=teams["channel_lead"])
    assert item.team.kind == TeamKind.CHANNEL and item.dri == teams["channel_lead"]
    deliver()
    (msg,) = smtp_server.box.messages
    assert msg["To"] == "channel_member@vendor.test"
    assert "Channel is Consulted and Informed for it" in smtp_server.box.text(msg)


def test_routing_without_an_accountable_team_fails_clearly_and_creates_nothing(teams, staff_editor):
    d = _row(_matrix("channel-professional-services"), "Rate cards")
    raci_cell_set(deliverable=d, team=_team(TeamKind.PROFESSIONAL_SERVICES), letters="R", by=staff_editor)
    before = (WorkItem.objects.count(), OutboxMessage.objects.count())
    with pytest.raises(ValidationError) as exc:
        raci_route(deliverable=d, title="x", by=teams["channel_lead"], due_date=date(2030, 1, 31))
    assert exc.value.messages == [
        'No team is Accountable for "Rate cards": give exactly one team the letter A before routing work.'
    ]
    assert (WorkItem.objects.count(), OutboxMessage.objects.count()) == before


def test_routing_when_the_accountable_team_has_no_lead_names_the_team(teams):
    ps = _team(TeamKind.PROFESSIONAL_SERVICES)
    ps.lead = None
    ps.save()
    with pytest.raises(ValidationError) as exc:
        _route("Rate cards", by=teams["channel_lead"])
    assert exc.value.messages == [
        "The Accountable team Professional Services has no active lead: set the team's lead (the DRI of "
        "this work) before routing work."
    ]
    assert not WorkItem.objects.exists()


def test_routing_without_a_responsible_team_fails_clearly(teams, staff_editor):
    d = _row(_matrix("channel-professional-services"), "Partner SOW for project engagement")
    raci_cell_set(deliverable=d, team=_team(TeamKind.CHANNEL), letters="A", by=staff_editor)
    with pytest.raises(ValidationError, match="No team is Responsible"):
        raci_route(deliverable=d, title="x", by=teams["channel_lead"], due_date=date(2030, 1, 31))


def test_partner_people_cannot_route_work(teams, user_a):
    with pytest.raises(NotAllowed):
        _route("Rate cards", by=user_a)


def test_the_route_page_creates_the_item_and_redirects_to_it(teams, login, smtp_server, deliver):
    d = _row(_matrix("channel-professional-services"), "Partner onboarding")  # Channel A, R; PS C
    client = login(teams["ps_other"])
    page = client.get(f"/console/raci/deliverables/{d.pk}/route/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'value="Partner onboarding"' in body and "Channel Lead" in body
    resp = client.post(
        f"/console/raci/deliverables/{d.pk}/route/",
        {"title": "Onboard Acme", "due_date": "2030-02-01", "description": "Kick-off"},
    )
    item = WorkItem.objects.get(title="Onboard Acme")
    assert resp.status_code == 302 and resp["Location"] == f"/console/work/{item.pk}/"
    assert item.team.kind == TeamKind.CHANNEL and item.dri == teams["channel_lead"]
    assert item.created_by == teams["ps_other"]
    deliver()
    assert sorted(m["To"] for m in smtp_server.box.messages) == [
        "ps_lead@vendor.test",
        "ps_member@vendor.test",
    ]


def test_the_route_page_shows_why_work_cannot_be_routed(teams, login, staff_editor):
    d = _row(_matrix("channel-professional-services"), "Rate cards")
    raci_cell_set(deliverable=d, team=_team(TeamKind.PROFESSIONAL_SERVICES), letters="R", by=staff_editor)
    client = login(teams["channel_lead"])
    assert (
        "No team is Accountable" in client.get(f"/console/raci/deliverables/{d.pk}/route/").content.decode()
    )
    resp = client.post(f"/console/raci/deliverables/{d.pk}/route/", {"title": "x", "due_date": "2030-02-01"})
    assert resp.status_code == 400 and not WorkItem.objects.exists()


def test_the_route_page_asks_for_a_due_date_or_next_action(teams, login):
    d = _row(_matrix("channel-professional-services"), "Rate cards")
    resp = login(teams["channel_lead"]).post(f"/console/raci/deliverables/{d.pk}/route/", {"title": "x"})
    assert resp.status_code == 400
    assert "Give a due date, or a next best action with its date." in resp.content.decode()
    assert not WorkItem.objects.exists()


# --- pages ------------------------------------------------------------------------------------------


def test_partner_people_and_anonymous_visitors_get_no_raci_page(user_a, client, login):
    m = _matrix("channel-professional-services")
    urls = [
        "/console/raci/",
        f"/console/raci/{m.pk}/",
        f"/console/raci/deliverables/{m.deliverables.first().pk}/route/",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to sign-in
    c = login(user_a)
    for url in urls:
        assert c.get(url).status_code == 403


def test_the_matrix_page_shows_every_cell_like_the_handbook(staff_editor, login):
    m = _matrix("channel-professional-services")
    page = login(staff_editor).get(f"/console/raci/{m.pk}/").content.decode()
    assert "Deliverable \\ Ownership" in page
    assert '<th scope="col">Channel</th><th scope="col">Professional Services</th>' in page
    for _s, name, channel_text, other_text in SEED_PS:
        assert name in page
    assert '<span class="raci-letters">R (prelim vetting)</span>' in page
    assert '<span class="raci-letters">R, A, C, I</span>' in page
    assert page.count('<span class="raci-letters"></span>') == 2  # the two empty Professional Services cells


def _more_rows(matrix: RaciMatrix, n: int, by) -> None:
    for i in range(n):
        d = deliverable_add(
            matrix=matrix, name=f"Extra {matrix.pk}-{i}", section="Extras" if i % 2 else "", by=by
        )
        for col in matrix.columns.all():
            raci_cell_set(deliverable=d, team=col.team, letters="RA" if col.position == 0 else "CI", by=by)


def _queries(client, url: str) -> list[str]:
    """The SQL of one GET (after a warm-up request), with its status checked."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _work_tables(sqls: list[str]) -> list[str]:
    """The main table of each query on the work app's tables (the shell's queries — session, user,
    MFA, permissions, notification badge — belong to other features)."""
    return [m.group(1) for sql in sqls if (m := re.match(r'SELECT .*? FROM "(work_\w+)"', sql))]


def test_the_matrix_page_runs_a_constant_number_of_queries(staff_editor, login):
    m = _matrix("channel-education-services")
    client = login(staff_editor)
    url = f"/console/raci/{m.pk}/"
    small = _queries(client, url)
    _more_rows(m, 30, staff_editor)
    large = _queries(client, url)
    assert len(large) == len(small)
    # the matrix; matrix_table: columns (joined with teams and leads), deliverables, cells
    assert _work_tables(large) == ["work_racimatrix", "work_racicolumn", "work_deliverable", "work_racicell"]
    assert "Extra " in client.get(url).content.decode()


def test_the_matrices_page_runs_a_constant_number_of_queries(staff_editor, login):
    client = login(staff_editor)
    small = _queries(client, "/console/raci/")
    channel = _team(TeamKind.CHANNEL)
    for i in range(5):
        extra = RaciMatrix.objects.create(slug=f"extra-{i}", name=f"Extra matrix {i}")
        RaciColumn.objects.create(matrix=extra, team=channel, position=0)
        _more_rows(extra, 2, staff_editor)
    large = _queries(client, "/console/raci/")
    assert len(large) == len(small)
    # matrices, columns with teams, deliverables, cells
    assert _work_tables(large) == ["work_racimatrix", "work_racicolumn", "work_deliverable", "work_racicell"]
    assert client.get("/console/raci/").content.decode().count("Extra matrix") == 5


def test_the_route_page_runs_a_constant_number_of_queries(teams, staff_editor, login):
    d = _row(_matrix("channel-professional-services"), "Rate cards")
    client = login(teams["channel_lead"])
    url = f"/console/raci/deliverables/{d.pk}/route/"
    small = _queries(client, url)
    _more_rows(d.matrix, 20, staff_editor)
    large = _queries(client, url)
    assert len(large) == len(small)
    # the deliverable (joined with its matrix), columns with teams and leads, the deliverable's cells
    # (whether the Responsible team has members is asked only when it has no lead)
    assert _work_tables(large) == ["work_deliverable", "work_racicolumn", "work_racicell"]
