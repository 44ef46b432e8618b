"""Work items (S5) and workflows (S4): templates, DRI and schedule rules, the fiscal calendar,
escalation of overdue tasks, journeys for new partner people, and staff-editable workflows."""

from __future__ import annotations

import logging
from datetime import date, datetime, time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from channelops.accounts.models import StaffTeam, TeamKind
from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.core.schedules import schedules
from channelops.partners.models import Partner, PartnerStatus, Region, RegionRouting, Tier
from channelops.partners.services import (
    partner_create,
    partner_fields_set,
    partner_person_add,
    partner_profile_update,
    partner_set_status,
)
from channelops.work.admin import WorkflowAdminForm
from channelops.work.calendar import add_days, fiscal_window
from channelops.work.defaults import ensure_defaults
from channelops.work.models import (
    Milestone,
    Project,
    Task,
    TemplateKind,
    TemplateTask,
    Workflow,
    WorkflowAction,
    WorkflowTrigger,
    WorkItem,
    WorkStatus,
    WorkTemplate,
)
from channelops.work.services.escalation import overdue_tasks_escalate
from channelops.work.services.items import milestone_for, task_set_done, work_item_create
from channelops.work.services.templates import journey_progress, work_item_from_template
from channelops.work.workflows import workflow_validate, workflows_run

from .factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

AWARD = "partner-certification-award"


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def routed(partner_a, cam, phd_emea):
    """Partner A with its CAM, and EMEA's help-desk specialist in the routing table."""
    RegionRouting.objects.update_or_create(region=partner_a.region, defaults={"phd_specialist": phd_emea})
    Partner.objects.filter(pk=partner_a.pk).update(cam=cam)
    partner_a.refresh_from_db()
    return partner_a


def team(kind: str, *, lead=None, members=()) -> StaffTeam:
    t = StaffTeam.objects.get(kind=kind)
    t.lead = lead
    t.save()
    t.members.set(members)
    return t


def template(slug: str, *, kind=TemplateKind.WORK_ITEM, tasks=(), **fields) -> WorkTemplate:
    t = WorkTemplate.objects.create(
        slug=slug,
        name=slug.replace("-", " ").title(),
        kind=kind,
        project=Project.objects.get(slug="channels"),
        title=fields.pop("title", f"{slug} for {{{{ partner.legal_name }}}}"),
        **fields,
    )
    for i, (role, title, days, basis) in enumerate(tasks):
        TemplateTask.objects.create(
            template=t, role=role, title=title, due_days=days, due_basis=basis, position=i
        )
    return t


def outbox_to(address: str) -> list[OutboxMessage]:
    return [m for m in OutboxMessage.objects.order_by("pk") if address in m.payload["to"]]


def subject(msg) -> str:  # a long subject arrives folded
    return " ".join(str(msg["Subject"]).split())


def workflow(**fields) -> Workflow:
    """A workflow row written directly (as a data import would, without the admin form's checks)."""
    return Workflow.objects.create(**fields)


# --- templates -------------------------------------------------------------------------------------


def test_the_four_shipped_templates_exist_with_their_tasks():
    by_slug = {t.slug: t for t in WorkTemplate.objects.prefetch_related("tasks")}
    assert {
        AWARD,
        "certified-training-partner-onboarding",
        "partner-flash-edition",
        "partner-onboarding",
    } <= set(by_slug)
    onboarding = by_slug["partner-onboarding"]
    assert onboarding.kind == TemplateKind.JOURNEY and onboarding.assign_to_new_users
    assert onboarding.shared_with_partner
    assert all(t.role == "partner_user" for t in onboarding.tasks.all())
    sections = {t.section for t in by_slug["certified-training-partner-onboarding"].tasks.all()}
    assert sections == {
        "Program entry requirements",
        "Certified-trainer candidates",
        "Competency requirements",
        "Compliance requirements and MBO goals",
        "Legal and operational requirements",
    }
    assert by_slug["certified-training-partner-onboarding"].due_days == 183  # six months


def test_the_partner_certification_award_template_has_the_cam_and_help_desk_tasks_of_the_handbook():
    tasks = list(WorkTemplate.objects.get(slug=AWARD).tasks.all())
    cam_tasks = [t for t in tasks if t.role == "cam"]
    desk_tasks = [t for t in tasks if t.role == "help_desk"]
    award_mail = cam_tasks[0]
    assert "award e-mail" in award_mail.title and "main contact" in award_mail.title
    for words in ("Congratulate", "badge graphic", "press release", "social-media kit"):
        assert words in award_mail.instructions
    assert (award_mail.due_days, award_mail.due_basis) == (7, "calendar")
    assert any("press-release request" in t.title for t in cam_tasks)
    assert any("Record the certification" in t.title and "partner locator" in t.title for t in desk_tasks)
    assert any("First services certification" in t.title and "community space" in t.title for t in desk_tasks)


def test_a_template_fills_its_placeholders_and_gives_each_role_its_task(routed, cam, phd_emea):
    item = work_item_from_template(
        template=WorkTemplate.objects.get(slug=AWARD),
        by=cam,
        partner=routed,
        context={"certification": "Certified Professional Services Partner"},
        assigned_on=date(2021, 3, 1),
    )
    assert (
        item.title
        == "Partner Certification Award: Acme Test Partner — Certified Professional Services Partner"
    )
    assert (
        "Acme Test Partner has reached the requirements of **Certified Professional Services Partner**"
        in (item.description)
    )
    assert "{{" not in item.title + item.description
    assert item.dri == cam and item.created_by == cam and item.partner == routed
    tasks = list(item.tasks.order_by("position"))
    assert [t.title for t in tasks] == [
        t.title for t in WorkTemplate.objects.get(slug=AWARD).tasks.order_by("position")
    ]
    assert {t.assignee for t in tasks if t.role == "cam"} == {cam}
    assert {t.assignee for t in tasks if t.role == "help_desk"} == {phd_emea}  # the region's routing
    assert {t.due_on for t in tasks} == {date(2021, 3, 8)}  # within 7 calendar days of assignment
    assert set(item.assignees.all()) == {cam, phd_emea}
    assert item.due_date == date(2021, 3, 8)
    assert item.milestone.title == "Channel - FY22Q1 2a"


def test_template_tasks_of_a_team_role_go_to_the_team_lead_and_unknown_placeholders_render_empty(routed, cam):
    es_lead = StaffFactory(email="es.lead@vendor.test")
    team(TeamKind.EDUCATION_SERVICES, lead=es_lead)
    t = template(
        "es-review",
        title="Review {{ partner.legal_name }}{{ nothing.here }}",
        tasks=[("education_services", "Review the course plan of {{ partner.legal_name }}", 5, "business")],
    )
    item = work_item_from_template(template=t, by=cam, partner=routed, assigned_on=date(2021, 1, 8))
    assert item.title == "Review Acme Test Partner"
    task = item.tasks.get()
    assert task.title == "Review the course plan of Acme Test Partner"
    assert task.assignee == es_lead
    assert task.due_on == date(2021, 1, 15)  # Friday + 5 business days = next Friday


def test_a_business_day_rule_skips_weekends_and_a_calendar_rule_does_not():
    friday = date(2021, 1, 8)
    assert add_days(friday, 1, "business") == date(2021, 1, 11)  # Monday
    assert add_days(friday, 3, "business") == date(2021, 1, 13)
    assert add_days(date(2021, 1, 9), 1, "business") == date(2021, 1, 11)  # from a Saturday
    assert add_days(friday, 7, "calendar") == date(2021, 1, 15)
    assert add_days(friday, 3) == date(2021, 1, 11)


def test_without_a_template_due_rule_the_item_is_due_after_the_default_number_of_days(routed, cam, settings):
    settings.WORK_DEFAULT_DUE_DAYS = 10
    t = template("no-dates", tasks=[("cam", "Call the partner", None, "calendar")])
    item = work_item_from_template(template=t, by=cam, partner=routed, assigned_on=date(2021, 5, 3))
    assert item.due_date == date(2021, 5, 13)
    assert item.tasks.get().due_on is None


# --- DRI and schedule rules ---------------------------------------------------------------------------


def test_a_work_item_needs_a_stated_dri_and_nothing_is_created_without_one(cam):
    project = Project.objects.get(slug="channels")
    with pytest.raises(ValidationError) as exc:
        work_item_create(project=project, title="Plan Q3", dri=None, by=cam, due_date=date(2021, 6, 1))
    assert exc.value.message_dict["dri"] == ["State the DRI: one directly responsible person."]
    partner_person = UserFactory()
    with pytest.raises(ValidationError) as exc:
        work_item_create(
            project=project, title="Plan Q3", dri=partner_person, by=cam, due_date=date(2021, 6, 1)
        )
    assert "staff" in exc.value.message_dict["dri"][0]
    assert not WorkItem.objects.exists()


def test_a_work_item_needs_a_due_date_or_a_next_best_action_with_its_date(cam):
    project = Project.objects.get(slug="channels")
    with pytest.raises(ValidationError) as exc:
        work_item_create(project=project, title="Plan Q3", dri=cam, by=cam)
    assert exc.value.message_dict["due_date"] == ["Give a due date, or a next best action with its date."]
    with pytest.raises(ValidationError) as exc:
        work_item_create(project=project, title="Plan Q3", dri=cam, by=cam, next_action_date=date(2021, 6, 1))
    assert exc.value.message_dict["next_action"] == ["Say what the next best action is."]
    assert not WorkItem.objects.exists() and not Milestone.objects.exists()
    item = work_item_create(
        project=project,
        title="Plan Q3",
        dri=cam,
        by=cam,
        next_action="Ask leadership for the targets",
        next_action_date=date(2021, 6, 1),
    )
    assert item.due_date is None and item.milestone.title == "Channel - FY22Q2 2a"


def test_a_template_without_anyone_to_be_dri_creates_nothing(partner_a):
    assert partner_a.cam is None
    with pytest.raises(ValidationError) as exc:
        work_item_from_template(template=WorkTemplate.objects.get(slug=AWARD), by=None, partner=partner_a)
    assert "dri" in exc.value.message_dict
    assert not WorkItem.objects.exists() and not Task.objects.exists()


# --- fiscal calendar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "title", "start", "end"),
    [
        (date(2020, 2, 1), "Channel - FY21Q1 1a", date(2020, 2, 1), date(2020, 2, 15)),
        (date(2020, 2, 29), "Channel - FY21Q1 1b", date(2020, 2, 16), date(2020, 2, 29)),
        (date(2020, 4, 16), "Channel - FY21Q1 3b", date(2020, 4, 16), date(2020, 4, 30)),
        (date(2020, 5, 15), "Channel - FY21Q2 1a", date(2020, 5, 1), date(2020, 5, 15)),
        (date(2021, 1, 31), "Channel - FY21Q4 3b", date(2021, 1, 16), date(2021, 1, 31)),
        (date(2021, 2, 1), "Channel - FY22Q1 1a", date(2021, 2, 1), date(2021, 2, 15)),
    ],
)
def test_fiscal_milestones_are_two_week_windows_named_by_the_fiscal_year_it_ends(day, title, start, end):
    w = fiscal_window(day)
    assert (w.title, w.start, w.end) == (title, start, end)
    m = milestone_for(day)
    assert (m.title, m.start, m.end) == (title, start, end)
    assert milestone_for(day) == m  # created once
    assert Milestone.objects.filter(title=title).count() == 1


def test_the_fiscal_year_start_and_the_milestone_prefix_are_settings(settings):
    settings.WORK_FISCAL_YEAR_START_MONTH = 1
    assert fiscal_window(date(2020, 2, 1)).title == "Channel - FY20Q1 2a"
    assert fiscal_window(date(2020, 12, 31)).title == "Channel - FY20Q4 3b"
    settings.WORK_FISCAL_YEAR_START_MONTH = 7
    settings.WORK_MILESTONE_PREFIX = "Partners"
    assert fiscal_window(date(2020, 2, 1)).title == "Partners - FY20Q3 2a"
    assert fiscal_window(date(2020, 7, 20)).title == "Partners - FY21Q1 1b"
    settings.WORK_FISCAL_YEAR_START_MONTH = 13
    with pytest.raises(ValueError, match="1–12"):
        fiscal_window(date(2020, 2, 1))


# --- escalation --------------------------------------------------------------------------------------


@pytest.fixture
def overdue_setup(cam, phd_emea, routed):
    """An award item (DRI: the CAM) whose help-desk tasks are assigned to PHD EMEA, due 2021-03-08;
    PHD EMEA is on the help-desk team, led by its lead."""
    desk_lead = StaffFactory(email="desk.lead@vendor.test")
    team(TeamKind.HELP_DESK, lead=desk_lead, members=[phd_emea])
    item = work_item_from_template(
        template=WorkTemplate.objects.get(slug=AWARD), by=cam, partner=routed, assigned_on=date(2021, 3, 1)
    )
    tasks = list(item.tasks.order_by("position"))
    for t in tasks[:-1]:  # only the last task stays open
        Task.objects.filter(pk=t.pk).update(done_at=timezone.now(), done_by=cam)
    return item, tasks[-1], desk_lead


def test_an_overdue_task_is_escalated_to_the_dri_then_to_the_team_lead_once_each(
    overdue_setup, cam, settings, smtp_server, deliver
):
    settings.WORK_ESCALATION_DAYS = 3
    item, task, desk_lead = overdue_setup
    assert overdue_tasks_escalate(today=date(2021, 3, 8)) == {"dri": 0, "lead": 0}  # due today: not late
    assert overdue_tasks_escalate(today=date(2021, 3, 9)) == {"dri": 1, "lead": 0}
    assert overdue_tasks_escalate(today=date(2021, 3, 9)) == {"dri": 0, "lead": 0}
    assert overdue_tasks_escalate(today=date(2021, 3, 11)) == {"dri": 0, "lead": 0}  # 3 days: not yet
    with time_machine.travel(datetime.combine(date(2021, 3, 12), time(7, 30)), tick=False):
        assert overdue_tasks_escalate() == {"dri": 0, "lead": 1}
        assert overdue_tasks_escalate() == {"dri": 0, "lead": 0}
    assert overdue_tasks_escalate(today=date(2021, 4, 30)) == {"dri": 0, "lead": 0}
    deliver()
    box = smtp_server.box
    to_cam, to_lead = box.to(cam.email), box.to(desk_lead.email)
    assert len(to_cam) == 1 and len(to_lead) == 1 and len(box.messages) == 2
    assert subject(to_cam[0]) == f"Overdue task: {task.title[:79]}…"  # not HTML-escaped ("partner's")
    assert "partner's admin" in box.text(to_cam[0])
    assert f"/console/work/{item.pk}/" in box.text(to_cam[0])
    assert subject(to_lead[0]).startswith("Escalation: overdue task on")
    assert "8 March 2021" in box.text(to_lead[0])
    task.refresh_from_db()
    assert task.escalation_level == 2


def test_done_tasks_and_closed_items_never_escalate(overdue_setup, cam):
    item, task, _lead = overdue_setup
    task_set_done(task=task, done=True, by=cam)
    assert overdue_tasks_escalate(today=date(2021, 5, 1)) == {"dri": 0, "lead": 0}
    task_set_done(task=task, done=False, by=cam)
    WorkItem.objects.filter(pk=item.pk).update(status=WorkStatus.CANCELLED)
    assert overdue_tasks_escalate(today=date(2021, 5, 1)) == {"dri": 0, "lead": 0}
    assert not OutboxMessage.objects.filter(idempotency_key__startswith="task-overdue").exists()


def test_without_a_team_for_the_assignee_the_channel_team_lead_is_told(cam, routed, settings):
    channel_lead = StaffFactory(email="channel.lead@vendor.test")
    team(TeamKind.CHANNEL, lead=channel_lead)
    item = work_item_create(
        project=Project.objects.get(slug="channels"),
        title="Renew the reseller agreement",
        dri=cam,
        by=cam,
        due_date=date(2021, 3, 10),
        tasks=[{"title": "Send the draft", "assignee": cam, "due_on": date(2021, 3, 1)}],
    )
    overdue_tasks_escalate(today=date(2021, 3, 2))
    overdue_tasks_escalate(today=date(2021, 3, 20))
    assert [m.idempotency_key for m in outbox_to(channel_lead.email)] == [
        f"task-overdue-lead:{item.tasks.get().pk}:2021-03-01"
    ]


def test_the_escalation_job_is_registered():
    job = next(s for s in schedules() if s.name == "work_escalations")
    assert job.task == "channelops.work.tasks.overdue_tasks_escalate_task"
    assert job.rule.startswith("FREQ=DAILY")


# --- journeys ----------------------------------------------------------------------------------------


def test_a_new_partner_user_gets_the_onboarding_journey_and_ticks_only_their_own_tasks(
    routed, cam, admin_a, user_a, user_b
):
    # A person invited without a language gets the partner country's: this partner is British, so
    # the journey is in English (tests/test_journey_languages.py covers the German one).
    routed.country = "GB"
    routed.save(update_fields=["country"])
    membership = partner_person_add(partner=routed, email="pat@a.test", full_name="Pat Person", by=admin_a)
    pat = membership.user
    item = WorkItem.objects.get(template__slug="partner-onboarding", partner=routed)
    assert item.subject == pat
    assert item.shared_with_partner and item.dri == cam
    assert item.title == "Welcome to the partner program, Pat"
    tasks = list(item.tasks.order_by("position"))
    assert len(tasks) == 3 and {t.assignee for t in tasks} == {pat}  # no deal registration (issue 14)
    assert journey_progress(item) == (0, 3)

    task_set_done(task=tasks[0], done=True, by=pat)
    assert journey_progress(item) == (1, 3)
    for other in (user_a, user_b):  # another person of the partner; another partner's person
        with pytest.raises(NotAllowed):
            task_set_done(task=tasks[1], done=True, by=other)
    task_set_done(task=tasks[1], done=True, by=cam)  # staff tick any task
    assert journey_progress(item) == (2, 3)
    assert item in WorkItem.objects.visible_to(pat) and item not in WorkItem.objects.visible_to(user_b)


def test_no_journey_is_assigned_when_the_template_is_inactive(routed, admin_a):
    WorkTemplate.objects.filter(slug="partner-onboarding").update(active=False)
    partner_person_add(partner=routed, email="pat@a.test", full_name="Pat Person", by=admin_a)
    assert not WorkItem.objects.exists()


# --- workflows ---------------------------------------------------------------------------------------


def test_the_default_workflow_notifies_the_channel_team_of_a_new_partner_once(cam, smtp_server, deliver):
    wf = Workflow.objects.get(name="Notify the channel team of a new partner")
    assert (wf.trigger, wf.action, wf.team.kind, wf.active) == (
        "partner_created",
        "notify_team",
        "channel",
        True,
    )
    lead, member = StaffFactory(email="channel.lead@vendor.test"), StaffFactory(email="member@vendor.test")
    gone = StaffFactory(email="gone@vendor.test", is_active=False)
    team(TeamKind.CHANNEL, lead=lead, members=[lead, member, gone])
    partner = partner_create(
        legal_name="Gamma Partners",
        country="FR",
        region=Region.objects.get(code="EMEA"),
        tier=Tier.objects.get(slug="open"),
        by=cam,
    )
    workflows_run(trigger=WorkflowTrigger.PARTNER_CREATED, partner=partner, by=cam)  # the same event again
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"workflow:{wf.pk}:").count() == 2
    deliver()
    box = smtp_server.box
    assert len(box.to(lead.email)) == 1 and len(box.to(member.email)) == 1 and not box.to(gone.email)
    msg = box.to(member.email)[0]
    assert subject(msg) == "New partner: Gamma Partners"
    assert f"/console/partners/{partner.pk}/" in box.text(msg)
    assert "Notify the channel team of a new partner" in box.text(msg)


def test_the_default_workflows_are_created_once_and_not_again_after_staff_delete_them():
    name = "Notify the channel team of a new partner"
    ensure_defaults()
    assert Workflow.objects.filter(name=name).count() == 1
    Workflow.objects.filter(name=name).get().delete()
    ensure_defaults()
    assert not Workflow.objects.filter(name=name).exists()


def test_a_condition_compares_the_partners_field_as_text(partner_a, cam, leadership):
    lead = StaffFactory(email="ops.lead@vendor.test")
    ops = team(TeamKind.CHANNEL, lead=lead)
    workflow(
        name="Tell the channel team about suspensions",
        trigger=WorkflowTrigger.PARTNER_CHANGED,
        condition_field="status",
        condition_value="Suspended ",
        action=WorkflowAction.NOTIFY_TEAM,
        team=ops,
    )
    partner_profile_update(partner=partner_a, by=cam, data={"phone": "+49 30 1234"})
    assert not outbox_to(lead.email)
    partner_set_status(partner=partner_a, to=PartnerStatus.SUSPENDED, by=cam)
    [msg] = outbox_to(lead.email)
    assert msg.payload["subject"] == "Partner changed: Acme Test Partner"
    assert "Changed: status" in msg.payload["text"]
    partner_set_status(partner=partner_a, to=PartnerStatus.ACTIVE, by=cam)
    partner_set_status(partner=partner_a, to=PartnerStatus.SUSPENDED, by=leadership)
    assert len(outbox_to(lead.email)) == 2  # a second suspension is a new event


def test_a_workflow_assigns_a_journey_to_new_partner_admins_only(routed, admin_a):
    admin_journey = template(
        "admin-journey",
        kind=TemplateKind.JOURNEY,
        title="Admin steps for {{ person.email }}",
        tasks=[("partner_admin", "Accept the agreements", 7, "calendar")],
    )
    workflow(
        name="Admins get the admin journey",
        trigger=WorkflowTrigger.USER_CREATED,
        condition_field="role",
        condition_value="admin",
        action=WorkflowAction.ASSIGN_JOURNEY,
        template=admin_journey,
    )
    boss = partner_person_add(
        partner=routed, email="boss@a.test", full_name="Bo Boss", role="admin", by=admin_a
    )
    partner_person_add(partner=routed, email="pat@a.test", full_name="Pat Person", by=admin_a)
    [item] = WorkItem.objects.filter(template=admin_journey)
    assert item.title == "Admin steps for boss@a.test" and item.subject == boss.user
    assert item.tasks.get().assignee == boss.user
    # and everybody still gets the default onboarding journey (assign to every new partner user)
    assert WorkItem.objects.filter(template__slug="partner-onboarding").count() == 2


def test_a_workflow_opens_a_work_item_when_a_partner_moves_to_the_select_tier(routed, cam):
    review = template(
        "select-review",
        title="Select review: {{ partner.legal_name }}",
        tasks=[("cam", "Plan the first QBR", 14, "calendar")],
    )
    workflow(
        name="Select partners get a review",
        trigger=WorkflowTrigger.PARTNER_CHANGED,
        condition_field="tier",
        condition_value="select",
        action=WorkflowAction.CREATE_WORK_ITEM,
        template=review,
    )
    partner_fields_set(partner=routed, by=cam, data={"account_notes": "Met at the summit"})
    assert not WorkItem.objects.filter(template=review).exists()
    partner_fields_set(partner=routed, by=cam, data={"tier": Tier.objects.get(slug="select")})
    partner_profile_update(partner=routed, by=cam, data={"phone": "+49 30 9876"})  # still select
    [item] = WorkItem.objects.filter(template=review)
    assert item.title == "Select review: Acme Test Partner"
    assert item.subject == routed and item.dri == cam and item.created_by == cam
    assert item.tasks.get().assignee == cam


def test_a_workflow_sets_whitelisted_fields_through_the_partner_service_with_history(cam):
    new_cam = StaffFactory(email="new.cam@vendor.test", roles=["cam"])
    for position, (field, value) in enumerate(
        [("tier", "select"), ("cam", "NEW.CAM@vendor.test"), ("account_notes", "Signed up online")]
    ):
        workflow(
            name=f"Set {field}",
            trigger=WorkflowTrigger.PARTNER_CREATED,
            action=WorkflowAction.SET_FIELD,
            field_name=field,
            field_value=value,
            position=position,
        )
    partner = partner_create(
        legal_name="Delta GmbH",
        country="DE",
        region=Region.objects.get(code="EMEA"),
        tier=Tier.objects.get(slug="open"),
        cam=cam,
        by=cam,
    )
    assert (partner.tier.slug, partner.cam, partner.account_notes) == ("select", new_cam, "Signed up online")
    partner.refresh_from_db()
    assert (partner.tier.slug, partner.cam, partner.account_notes) == ("select", new_cam, "Signed up online")
    reasons = list(
        partner.history.exclude(history_change_reason=None).values_list("history_change_reason", flat=True)
    )
    assert sorted(reasons) == ["Workflow: Set account_notes", "Workflow: Set cam", "Workflow: Set tier"]


def test_a_set_field_change_does_not_retrigger_the_same_workflow(partner_a, cam):
    ping = workflow(
        name="Ping",
        trigger=WorkflowTrigger.PARTNER_CHANGED,
        action=WorkflowAction.SET_FIELD,
        field_name="phone",
        field_value="+44 20 7946 0958",
        position=0,
    )
    workflow(
        name="Pong",
        trigger=WorkflowTrigger.PARTNER_CHANGED,
        action=WorkflowAction.SET_FIELD,
        field_name="phone",
        field_value="+33 1 23 45 67 89",
        position=1,
    )
    history_before = partner_a.history.count()
    partner_profile_update(partner=partner_a, by=cam, data={"website": "https://acme.example"})
    partner_a.refresh_from_db()
    # website change → Ping sets +44… → (Pong, Ping on the stack) Pong sets +33… → nobody left;
    # then the outer run goes on to Pong, whose value now changes nothing.
    assert partner_a.phone == "+33123456789"
    assert partner_a.history.count() == history_before + 3
    assert Workflow.objects.get(pk=ping.pk).active  # nothing recursed endlessly or was switched off


def test_a_failing_workflow_is_logged_and_skipped_and_the_partner_change_goes_on(
    partner_a, admin_a, caplog, monkeypatch
):
    lead = StaffFactory(email="channel.lead@vendor.test")
    channel = team(TeamKind.CHANNEL, lead=lead)
    workflow(
        name="Broken tier",
        trigger=WorkflowTrigger.PARTNER_CHANGED,
        action=WorkflowAction.SET_FIELD,
        field_name="tier",
        field_value="platinum",
        position=0,
    )
    workflow(
        name="Item without DRI",
        trigger=WorkflowTrigger.PARTNER_CHANGED,
        action=WorkflowAction.CREATE_WORK_ITEM,
        template=WorkTemplate.objects.get(slug=AWARD),
        position=1,
    )
    crashing = workflow(
        name="Crashing notification",
        trigger=WorkflowTrigger.PARTNER_CHANGED,
        action=WorkflowAction.NOTIFY_TEAM,
        team=channel,
        position=2,
    )
    workflow(
        name="Notes",
        trigger=WorkflowTrigger.PARTNER_CHANGED,
        action=WorkflowAction.SET_FIELD,
        field_name="account_notes",
        field_value="checked",
        position=3,
    )

    import channelops.work.workflows as wf_module

    real_notify = wf_module._notify_team

    def half_then_crash(workflow, **kwargs):
        real_notify(workflow, **kwargs)  # writes its outbox rows …
        raise RuntimeError("SMTP template exploded")  # … which the savepoint rolls back

    monkeypatch.setattr(wf_module, "_notify_team", half_then_crash)
    with caplog.at_level(logging.WARNING, logger="channelops.work.workflows"):
        # a partner admin's change: the partner has no CAM, so the award item has no DRI
        partner_profile_update(partner=partner_a, by=admin_a, data={"phone": "+49 30 5555"})
    partner_a.refresh_from_db()
    assert partner_a.phone == "+49 30 5555" and partner_a.account_notes == "checked"
    assert partner_a.tier.slug == "open"
    assert not WorkItem.objects.exists() and not outbox_to(lead.email)
    logged = caplog.text
    assert "'Broken tier'" in logged and "platinum" in logged
    assert "'Item without DRI'" in logged and f"{crashing.pk} ('Crashing notification')" in logged


# --- validation at save time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"action": "set_field", "field_name": "tier", "field_value": "platinum"},
            {"field_value": "No tier has the slug “platinum” (tiers: open, select)."},
        ),
        (
            {"action": "set_field", "field_name": "legal_name", "field_value": "X"},
            {"field_name": "can set only"},
        ),
        (
            {"action": "set_field", "field_name": "website", "field_value": "not a url"},
            {"field_value": "URL"},
        ),
        (
            {"action": "set_field", "field_name": "cam", "field_value": "admin@a.test"},
            {"field_value": "No active staff member"},
        ),
        ({"action": "notify_team"}, {"team": "Choose the staff team"}),
        ({"action": "assign_journey", "template": AWARD}, {"template": "Journey"}),
        ({"action": "create_work_item", "template": "partner-onboarding"}, {"template": "Work item"}),
        ({"action": "create_work_item"}, {"template": "Choose the template"}),
        (
            {
                "action": "notify_team",
                "team": "channel",
                "condition_field": "colour",
                "condition_value": "red",
            },
            {"condition_field": "Compare one of these fields"},
        ),
        (
            {"action": "notify_team", "team": "channel", "condition_value": "red"},
            {"condition_field": "Name the field"},
        ),
    ],
)
def test_workflow_validate_reports_a_bad_workflow_clearly(admin_a, fields, errors):
    fields = dict(fields)
    if "template" in fields:
        fields["template"] = WorkTemplate.objects.get(slug=fields["template"])
    if "team" in fields:
        fields["team"] = StaffTeam.objects.get(kind=fields["team"])
    wf = Workflow(name="Bad", trigger=WorkflowTrigger.PARTNER_CHANGED, **fields)
    with pytest.raises(ValidationError) as exc:
        workflow_validate(wf)
    found = exc.value.message_dict
    assert set(found) == set(errors)
    for field, text in errors.items():
        assert text in " ".join(found[field])


def test_workflow_validate_accepts_good_workflows():
    channel = StaffTeam.objects.get(kind=TeamKind.CHANNEL)
    good = [
        Workflow(name="a", trigger="partner_created", action="notify_team", team=channel),
        Workflow(
            name="b",
            trigger="user_created",
            condition_field="role",
            condition_value="admin",
            action="assign_journey",
            template=WorkTemplate.objects.get(slug="partner-onboarding"),
        ),
        Workflow(name="c", trigger="partner_changed", action="set_field", field_name="cam", field_value=""),
        Workflow(
            name="d",
            trigger="user_changed",
            condition_field="region",
            condition_value="emea",
            action="set_field",
            field_name="website",
            field_value="https://x.example",
        ),
    ]
    problems = {}
    for wf in good:
        try:
            workflow_validate(wf)
        except ValidationError as exc:
            problems[wf.name] = exc.messages
    assert problems == {}
    # The same check refuses a workflow whose action lacks what it needs (a team to e-mail).
    with pytest.raises(ValidationError):
        workflow_validate(Workflow(name="e", trigger="partner_created", action="notify_team"))


def test_the_admin_refuses_a_set_field_workflow_with_a_bad_value(administrator, login):
    client = login(administrator)
    data = {
        "name": "Promote",
        "trigger": "partner_changed",
        "condition_field": "",
        "condition_value": "",
        "action": "set_field",
        "team": "",
        "template": "",
        "field_name": "tier",
        "field_value": "platinum",
        "active": "on",
        "position": "0",
    }
    form = WorkflowAdminForm(data=data)
    assert not form.is_valid()
    assert form.errors["field_value"] == ["No tier has the slug “platinum” (tiers: open, select)."]
    resp = client.post("/console/admin/work/workflow/add/", data)
    assert resp.status_code == 200
    assert "No tier has the slug" in resp.content.decode()
    assert not Workflow.objects.filter(name="Promote").exists()
    resp = client.post("/console/admin/work/workflow/add/", {**data, "field_value": "select"})
    assert resp.status_code == 302
    assert Workflow.objects.get(name="Promote").field_value == "select"
