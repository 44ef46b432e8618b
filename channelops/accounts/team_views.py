"""Console staff-team pages: the teams (lead, members) and a team's page where staff with
``accounts.change_staffteam`` set its lead and members through :func:`services.staff_team_update`
(everyday edits on console pages, not in the data console: issue 12)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from channelops.accounts.pages import StaffRequest
from channelops.core.actions import Action
from channelops.core.listing import Column, ListPage
from channelops.core.pages import staff_required

from .models import StaffTeam, User
from .services import TEAM_EDIT_PERM, staff_team_update

NAV = "teams"


def _staff() -> Any:
    return User.objects.filter(is_staff=True, is_active=True).order_by("full_name", "email")


class _Person(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class _People(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} <{obj.email}>" if obj.full_name else obj.email


class StaffTeamForm(forms.Form):
    name = forms.CharField(label=_l("Name"), max_length=100)
    lead = _Person(
        queryset=_staff(),
        label=_l("Lead"),
        required=False,
        empty_label=_l("— no lead —"),
        help_text=_l(
            "Gets escalations of the team's overdue tasks and is the DRI of work it is Accountable for."
        ),
    )
    members = _People(
        queryset=_staff(),
        label=_l("Members"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_l("The lead is always a member. Hold Ctrl (or ⌘) to choose several."),
    )


@method_decorator(staff_required, name="dispatch")
class TeamList(ListPage):
    title = _l("Staff teams")
    nav = NAV
    intro = _l("Teams route RACI work and receive escalations of overdue tasks.")
    default_sort = "name"
    noun_plural = _l("teams")
    empty_title = _l("No staff team yet.")

    def get_queryset(self) -> Any:
        return StaffTeam.objects.select_related("lead").annotate(member_count=Count("members"))

    def get_columns(self) -> list[Column]:
        return [
            Column(
                "name", _l("Team"), link=lambda t: reverse("console:staff_team", args=[t.pk]), sort="name"
            ),
            Column("lead", _l("Lead"), value=lambda t: t.lead.get_full_name() if t.lead else None),
            Column("member_count", _l("Members"), numeric=True, sort="member_count"),
        ]


teams = TeamList.as_view()


def _team(request: HttpRequest, pk: int) -> StaffTeam:
    return get_object_or_404(StaffTeam.objects.select_related("lead"), pk=pk)


def _initial(team: StaffTeam) -> dict[str, Any]:
    return {"name": team.name, "lead": team.lead_id, "members": [u.pk for u in team.members.all()]}


def _team_page(
    request: HttpRequest, team: StaffTeam, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    can_edit = request.user.has_perm(TEAM_EDIT_PERM)
    return render(
        request,
        "accounts/team.html",
        {
            "team": team,
            "members": team.members.order_by("full_name", "email"),
            "form": (form or StaffTeamForm(initial=_initial(team))) if can_edit else None,
            "nav": NAV,
            "breadcrumbs": [
                {"label": _("Staff teams"), "url": reverse("console:staff_teams")},
                {"label": team.name},
            ],
        },
        status=status,
    )


@staff_required
def team_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _team_page(request, _team(request, pk))


team_change = Action[StaffRequest](
    load=_team,
    allowed=lambda request, team: request.user.has_perm(TEAM_EDIT_PERM),
    not_allowed=_l("Your role does not allow changing staff teams."),
    form_class=StaffTeamForm,
    perform=lambda request, team, data: staff_team_update(
        team=team,
        name=data["name"],
        lead=data["lead"],
        members=data["members"],
        by=request.user,
    ),
    success=_l("Team “%(obj)s” saved."),
    redirect_to=lambda request, team, result: reverse("console:staff_team", args=[team.pk]),
    on_invalid=lambda request, team, form: _team_page(request, team, form, status=400),
)
