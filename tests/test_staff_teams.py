"""Staff teams on console pages: everyone on the staff sees the teams; staff with
``accounts.change_staffteam`` (leadership, administrators) set a team's lead and members through
``staff_team_update`` — no trip to the data console (issue 12)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from channelops.accounts.models import StaffTeam, TeamKind
from channelops.accounts.services import staff_team_update
from channelops.core.exceptions import NotAllowed

from .factories import StaffFactory


def body(resp) -> str:
    return resp.content.decode()


@pytest.fixture
def legal_team(db):
    return StaffTeam.objects.get(kind=TeamKind.LEGAL)


def test_leadership_set_a_teams_lead_and_members(leadership, cam, login, legal_team):
    other = StaffFactory(full_name="Lee Legal")
    client = login(leadership)
    listing = body(client.get("/console/teams/"))
    assert f'href="/console/teams/{legal_team.pk}/"' in listing
    page = body(client.get(f"/console/teams/{legal_team.pk}/"))
    assert "Change this team" in page
    resp = client.post(
        f"/console/teams/{legal_team.pk}/change/",
        {"name": "Legal (EMEA)", "lead": other.pk, "members": [cam.pk]},
    )
    assert resp.status_code == 302
    legal_team.refresh_from_db()
    assert legal_team.name == "Legal (EMEA)" and legal_team.lead == other
    assert set(legal_team.members.all()) == {cam, other}  # the lead is always a member
    assert legal_team.history.first().history_user == leadership
    assert "Lee Legal" in body(client.get(f"/console/teams/{legal_team.pk}/"))


def test_a_partner_person_cannot_join_a_team(leadership, login, legal_team, user_a):
    client = login(leadership)
    resp = client.post(f"/console/teams/{legal_team.pk}/change/", {"name": "Legal", "members": [user_a.pk]})
    assert resp.status_code == 400 and not legal_team.members.exists()
    with pytest.raises(ValidationError) as err:
        staff_team_update(team=legal_team, name="Legal", lead=None, members=[user_a], by=leadership)
    assert "members" in err.value.message_dict


def test_a_cam_sees_the_teams_but_cannot_change_them(cam, login, legal_team):
    client = login(cam)
    assert client.get("/console/teams/").status_code == 200
    assert "Change this team" not in body(client.get(f"/console/teams/{legal_team.pk}/"))
    resp = client.post(f"/console/teams/{legal_team.pk}/change/", {"name": "Mine", "lead": cam.pk})
    assert resp.status_code == 403
    legal_team.refresh_from_db()
    assert legal_team.name != "Mine" and legal_team.lead is None
    with pytest.raises(NotAllowed):
        staff_team_update(team=legal_team, name="Mine", lead=cam, members=[], by=cam)


def test_partner_people_and_strangers_are_kept_out_of_the_team_pages(login, client, admin_a, legal_team):
    assert login(admin_a).get("/console/teams/").status_code == 403
    assert client.post(f"/console/teams/{legal_team.pk}/change/", {"name": "X"}).status_code == 403
    client.logout()
    resp = client.get(f"/console/teams/{legal_team.pk}/")
    assert resp.status_code == 302 and "next=" in resp["Location"]
    legal_team.refresh_from_db()
    assert legal_team.name != "X"
