"""Journey tasks the data answers tick themselves (issue 14), in the owning services' transactions;
the shipped journey has no task about a feature the product lacks."""

from __future__ import annotations

import pytest

from channelops.accounts.models import Invitation
from channelops.accounts.services import invitation_accept
from channelops.partners.models import Partner
from channelops.partners.services import partner_person_add, partner_profile_update
from channelops.work.defaults import TEMPLATES
from channelops.work.models import Task, TemplateTask, WorkTemplate
from channelops.work.services.templates import journey_assign

from .test_nfr_requests import accept_all

pytestmark = [pytest.mark.django_db]

ACCEPT = "Read and (admins) accept the partner agreements"
SIGN_IN = "Complete your profile and sign in to the portal"


def journey_tasks(user) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    """The person's onboarding journey tasks: title → done."""
    return {
        t.title: t.done_at is not None
        for t in Task.objects.filter(assignee=user, item__template__slug="partner-onboarding")
    }


@pytest.fixture(autouse=True)
def british_partner(partner_a):  # type: ignore[no-untyped-def]
    """People invited here have no language: partner A's country gives them English task titles."""
    Partner.objects.filter(pk=partner_a.pk).update(country="GB")
    partner_a.refresh_from_db()


@pytest.fixture
def newcomer(partner_a, admin_a, cam):  # type: ignore[no-untyped-def]
    partner_a.cam = cam
    partner_a.save()
    return partner_person_add(partner=partner_a, email="new@a.test", full_name="New Person", by=admin_a).user


def test_the_shipped_journey_has_no_deal_registration_task_and_knows_its_automatic_tasks(db):
    [journey] = [t for t in TEMPLATES if t[0] == "partner-onboarding"]
    assert all("deal" not in task[2].lower() for task in journey[-1])
    tasks = dict(
        TemplateTask.objects.filter(template__slug="partner-onboarding").values_list(
            "title", "completes_when"
        )
    )
    assert "Register your first deal" not in tasks
    assert tasks[ACCEPT] == "agreements_accepted" and tasks[SIGN_IN] == "invitation_accepted"


def test_accepting_the_last_agreement_ticks_the_journey_task_of_everyone(partner_a, admin_a, newcomer):
    assert journey_tasks(newcomer)[ACCEPT] is False
    accept_all(partner_a, admin_a)
    assert journey_tasks(newcomer)[ACCEPT] is True
    task = Task.objects.get(assignee=newcomer, title=ACCEPT)
    assert task.done_by == admin_a
    assert task.history.first().history_change_reason == "Completed automatically: agreements_accepted"


def test_a_person_joining_after_the_agreements_were_accepted_finds_the_task_done(partner_a, admin_a, cam):
    partner_a.cam = cam
    partner_a.save()
    accept_all(partner_a, admin_a)
    late = partner_person_add(partner=partner_a, email="late@a.test", full_name="Late Comer", by=admin_a).user
    assert journey_tasks(late)[ACCEPT] is True
    assert journey_tasks(late)[SIGN_IN] is False  # not signed in yet


def test_accepting_the_invitation_ticks_the_sign_in_task_of_that_person_only(partner_a, admin_a, newcomer):
    other = partner_person_add(
        partner=partner_a, email="other@a.test", full_name="Other One", by=admin_a
    ).user
    invitation_accept(invitation=Invitation.objects.get(user=newcomer), password="a-Long-pass-1234")
    assert journey_tasks(newcomer)[SIGN_IN] is True
    assert journey_tasks(other)[SIGN_IN] is False


def test_a_company_profile_task_ticks_itself_when_the_profile_is_complete(partner_a, admin_a, cam):
    partner_a.cam, partner_a.website, partner_a.phone = cam, "", ""
    partner_a.save()
    template = WorkTemplate.objects.get(slug="partner-onboarding")
    TemplateTask.objects.create(
        template=template,
        role="partner_admin",
        title="Complete the company profile",
        completes_when="company_profile",
    )
    journey_assign(template=template, partner=partner_a, user=admin_a, by=None)
    assert journey_tasks(admin_a)["Complete the company profile"] is False
    partner_profile_update(partner=partner_a, by=admin_a, data={"website": "https://acme.example"})
    assert journey_tasks(admin_a)["Complete the company profile"] is False  # the phone is missing
    partner_profile_update(partner=partner_a, by=admin_a, data={"phone": "+49 30 123456"})
    assert journey_tasks(admin_a)["Complete the company profile"] is True


def test_a_task_the_assignee_ticks_by_hand_is_left_alone(partner_a, admin_a, newcomer):
    accept_all(partner_a, admin_a)
    assert journey_tasks(newcomer)["Start the sales or technical training path"] is False
