"""Work pages: staff create, edit and close work items (directly or from a template), tick tasks and
comment in the console; partner people see the items shared with their partner in the portal's
collaboration space, tick their own tasks and comment; internal items never reach a partner."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channelops.accounts.models import User
from channelops.work.models import (
    Comment,
    Label,
    Milestone,
    Project,
    Task,
    WorkItem,
    WorkStatus,
    WorkTemplate,
)
from channelops.work.services.items import milestone_for, work_item_create
from channelops.work.services.templates import journey_assign

from .factories import MembershipFactory, UserFactory

TODAY = timezone.localdate  # the product's today (settings.TIME_ZONE), read when called


def make_item(dri, *, title="Plan the QBR", partner=None, shared=False, tasks=(), **kw):
    return work_item_create(
        project=kw.pop("project", None) or Project.objects.get(slug="channels"),
        title=title,
        dri=dri,
        by=dri,
        due_date=kw.pop("due_date", TODAY() + timedelta(days=10)),
        partner=partner,
        shared_with_partner=shared,
        tasks=list(tasks),
        **kw,
    )


def body(resp) -> str:
    return resp.content.decode()


def new_item_form(cam, **over):
    data = {
        "form": "item",
        "project": Project.objects.get(slug="channels").pk,
        "title": "Prepare the EMEA partner summit",
        "description": "Agenda in **bold**",
        "dri": cam.pk,
        "due_date": (TODAY() + timedelta(days=20)).isoformat(),
        "next_action": "",
        "next_action_date": "",
        "partner": "",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


# --- creating ------------------------------------------------------------------------------------


def test_staff_create_a_work_item_whose_page_states_its_dri_and_that_it_is_internal(cam, login):
    label = Label.objects.get(name="Channel Ops")
    client = login(cam)
    page = body(client.get("/console/work/new/"))
    assert "From a template" in page and "Partner Certification Award" in page
    resp = client.post("/console/work/new/", new_item_form(cam, labels=[label.pk]))
    item = WorkItem.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/console/work/{item.pk}/"
    assert item.dri == cam and item.created_by == cam and list(item.labels.all()) == [label]
    assert item.milestone == milestone_for(TODAY() + timedelta(days=20))  # computed from the due date
    page = body(client.get(resp["Location"]))
    assert "Work item created" in page
    assert "<strong>" + cam.get_full_name() + "</strong>" in page
    assert "<strong>Internal</strong>" in page and "partners never see this item" in page
    assert "Agenda in <strong>bold</strong>" in page  # Markdown rendered


def test_a_work_item_with_a_next_best_action_and_no_due_date_is_accepted(cam, login):
    resp = login(cam).post(
        "/console/work/new/",
        new_item_form(
            cam,
            due_date="",
            next_action="Call the distributor",
            next_action_date=(TODAY() + timedelta(days=3)).isoformat(),
        ),
    )
    assert resp.status_code == 302
    item = WorkItem.objects.get()
    assert item.due_date is None and item.next_action == "Call the distributor"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"dri": ""}, "State the DRI: one directly responsible person."),
        ({"due_date": ""}, "Give a due date, or a next best action with its date."),
        (
            {"due_date": "", "next_action": "Call them"},
            "Give a due date, or a next best action with its date.",
        ),
        (
            {"due_date": "", "next_action_date": "2099-01-01"},
            "Say what the next best action is.",
        ),
        ({"title": ""}, "This field is required."),
        ({"partner": "999999"}, "No partner has this id."),
        ({"shared_with_partner": "on"}, "Only work about a partner can be shared with it."),
    ],
)
def test_creating_a_work_item_with_bad_input_shows_a_clear_error_and_creates_nothing(
    cam, login, change, error
):
    resp = login(cam).post("/console/work/new/", new_item_form(cam, **change))
    assert resp.status_code == 400
    assert error in body(resp)
    assert not WorkItem.objects.exists() and not Milestone.objects.exists()


def test_a_partner_person_cannot_be_assigned_internal_work(cam, login, partner_a, user_a):
    client = login(cam)
    form = new_item_form(cam, partner=str(partner_a.pk), assignees=[cam.pk, user_a.pk])
    resp = client.post("/console/work/new/", form)
    assert resp.status_code == 400
    assert "Partner people can only be assigned work shared with their own partner." in body(resp)
    assert not WorkItem.objects.exists()
    # Shared with their partner, they can.
    resp = client.post("/console/work/new/", {**form, "shared_with_partner": "on"})
    assert resp.status_code == 302
    assert set(WorkItem.objects.get().assignees.all()) == {cam, user_a}


def test_another_partners_person_cannot_be_assigned_even_on_shared_work(cam, login, partner_a, user_b):
    resp = login(cam).post(
        "/console/work/new/",
        new_item_form(cam, partner=str(partner_a.pk), shared_with_partner="on", assignees=[user_b.pk]),
    )
    assert resp.status_code == 400  # partner B's admin is not even a choice for partner A's work
    assert "Select a valid choice" in body(resp)
    assert not WorkItem.objects.exists()


def test_a_work_item_from_a_template_fills_its_placeholders_and_dates_its_tasks(
    frozen_clock, cam, phd_emea, login, partner_a
):
    partner_a.cam = cam
    partner_a.save()
    client = login(cam)
    page = body(client.get(f"/console/work/new/?template=partner-certification-award&partner={partner_a.pk}"))
    assert "Send the award e-mail to the partner&#x27;s main contact" in page  # the preview of its tasks
    assert (
        f'value="{partner_a.legal_name} (#{partner_a.pk})"' in page
        and 'value="partner-certification-award" selected' in page
    )
    assert "About the partner Acme Test Partner" in page
    resp = client.post(
        "/console/work/new/",
        {"form": "template", "tpl-template": "partner-certification-award", "tpl-partner": partner_a.pk},
    )
    item = WorkItem.objects.get()
    assert resp["Location"] == f"/console/work/{item.pk}/"
    assert item.title == "Partner Certification Award: Acme Test Partner"
    assert item.description.startswith("Acme Test Partner has reached the requirements")
    assert item.dri == cam and item.partner == partner_a and not item.shared_with_partner
    tasks = list(item.tasks.all())
    assert len(tasks) == 4
    assert {t.due_on for t in tasks} == {TODAY() + timedelta(days=7)}
    assert [t.assignee for t in tasks if t.role == "cam"] == [cam, cam]
    page = body(client.get(resp["Location"]))
    assert "CAM tasks" in page and "Partner Help Desk tasks" in page  # tasks grouped by section
    assert "with 4 tasks" in page


def test_a_journey_from_the_template_form_needs_a_partner(cam, login, partner_a, admin_a):
    client = login(cam)
    resp = client.post("/console/work/new/", {"form": "template", "tpl-template": "partner-onboarding"})
    assert resp.status_code == 400 and "A journey is assigned to a partner" in body(resp)
    assert not WorkItem.objects.exists()
    resp = client.post(
        "/console/work/new/",
        {
            "form": "template",
            "tpl-template": "partner-onboarding",
            "tpl-partner": partner_a.pk,
            "tpl-dri": cam.pk,
        },
    )
    item = WorkItem.objects.get()
    assert resp.status_code == 302 and item.shared_with_partner and item.dri == cam
    assert {t.assignee for t in item.tasks.all()} == {admin_a}


# --- the item's page: edit, status, tasks, comments -------------------------------------------------------


def edit_form(item, **over):
    data = {
        "edit-status": item.status,
        "edit-title": item.title,
        "edit-description": item.description,
        "edit-dri": item.dri_id,
        "edit-assignees": [u.pk for u in item.assignees.all()],
        "edit-labels": [label.pk for label in item.labels.all()],
        "edit-milestone": item.milestone_id or "",
        "edit-due_date": item.due_date.isoformat() if item.due_date else "",
        "edit-next_action": item.next_action,
        "edit-next_action_date": item.next_action_date.isoformat() if item.next_action_date else "",
    }
    if item.shared_with_partner:
        data["edit-shared_with_partner"] = "on"
    data.update({f"edit-{k}": v for k, v in over.items()})
    return data


def test_staff_edit_a_work_item_change_its_status_and_close_it(cam, leadership, login, partner_a):
    item = make_item(cam, partner=partner_a)
    client = login(cam)
    url = f"/console/work/{item.pk}/"
    resp = client.post(
        url, edit_form(item, status="in_progress", dri=leadership.pk, shared_with_partner="on")
    )
    assert resp.status_code == 302
    item.refresh_from_db()
    assert item.status == WorkStatus.IN_PROGRESS and item.dri == leadership and item.shared_with_partner
    page = body(client.get(url))
    assert "Status: Open → In progress" in page and f"DRI: {cam} → {leadership}" in page
    assert "<strong>Shared with Acme Test Partner</strong>" in page
    qbr = Label.objects.get(name="QBR")
    resp = client.post(url, edit_form(item, labels=[qbr.pk], assignees=[cam.pk]))
    assert resp.status_code == 302
    page = body(client.get(url))
    assert "Labels: +QBR" in page and f"Assignees: +{cam}" in page
    item.refresh_from_db()

    # Bad input: no DRI, no date → errors, nothing changed.
    resp = client.post(url, edit_form(item, dri="", due_date=""))
    assert resp.status_code == 400 and "State the DRI" in body(resp)
    resp = client.post(url, edit_form(item, due_date=""))
    assert resp.status_code == 400 and "Give a due date, or a next best action" in body(resp)
    item.refresh_from_db()
    assert item.dri == leadership and item.due_date is not None

    resp = client.post(url, edit_form(item, status="done"))
    item.refresh_from_db()
    assert item.status == WorkStatus.DONE and item.closed_at is not None
    assert "closed " + timezone.localdate().isoformat() in body(client.get(url))


def test_clearing_the_milestone_recomputes_it_from_the_new_due_date(cam, login):
    item = make_item(cam)
    later = TODAY() + timedelta(days=60)
    login(cam).post(f"/console/work/{item.pk}/", edit_form(item, milestone="", due_date=later.isoformat()))
    item.refresh_from_db()
    assert item.due_date == later and item.milestone == milestone_for(later)


def test_staff_tick_and_reopen_any_task(cam, login, partner_a, admin_a):
    item = make_item(
        cam, partner=partner_a, shared=True, tasks=[{"title": "Sign the addendum", "assignee": admin_a}]
    )
    task = item.tasks.get()
    client = login(cam)
    url = f"/console/work/{item.pk}/tasks/{task.pk}/toggle/"
    resp = client.post(url, {"done": "1"})
    assert resp["Location"] == f"/console/work/{item.pk}/#task-{task.pk}"
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == cam
    client.post(url, {"done": "1"})  # twice: still done, once
    client.post(url, {"done": "0"})
    task.refresh_from_db()
    assert task.done_at is None
    assert client.get(url).status_code == 405
    other = make_item(cam, title="Other", tasks=[{"title": "x"}])
    assert client.post(f"/console/work/{other.pk}/tasks/{task.pk}/toggle/", {"done": "1"}).status_code == 404


def test_a_toggle_without_a_clear_answer_flips_the_task(cam, login):
    item = make_item(cam, tasks=[{"title": "Book the room"}])
    task = item.tasks.get()
    client = login(cam)
    url = f"/console/work/{item.pk}/tasks/{task.pk}/toggle/"
    assert "Task done: Book the room" in body(client.post(url, {}, follow=True))
    task.refresh_from_db()
    assert task.done_at is not None
    assert "Task reopened: Book the room" in body(client.post(url, {"done": "maybe"}, follow=True))
    task.refresh_from_db()
    assert task.done_at is None


def test_tasks_of_a_closed_item_cannot_be_ticked(cam, login):
    item = make_item(cam, tasks=[{"title": "Late"}])
    item.status = WorkStatus.DONE
    item.save()
    resp = login(cam).post(
        f"/console/work/{item.pk}/tasks/{item.tasks.get().pk}/toggle/", {"done": "1"}, follow=True
    )
    assert "This work item is closed." in body(resp)
    assert item.tasks.get().done_at is None


def test_comments_from_both_sides_show_on_both_sides(cam, login, client, partner_a, admin_a):
    item = make_item(cam, partner=partner_a, shared=True)
    staff = login(cam)
    resp = staff.post(f"/console/work/{item.pk}/comment/", {"comment-body": "Kick-off on Monday?"})
    assert resp.status_code == 302
    assert staff.post(f"/console/work/{item.pk}/comment/", {"comment-body": "  "}).status_code == 400
    client.force_login(admin_a)
    resp = client.post(f"/portal/work/{item.pk}/comment/", {"comment-body": "Monday works for us."})
    assert resp.status_code == 302 and resp["Location"] == f"/portal/work/{item.pk}/#comments-h"
    portal_page = body(client.get(f"/portal/work/{item.pk}/"))
    assert "Kick-off on Monday?" in portal_page and "Monday works for us." in portal_page
    assert "(channel team)" in portal_page
    client.force_login(cam)
    console_page = body(client.get(f"/console/work/{item.pk}/"))
    assert "Kick-off on Monday?" in console_page and "Monday works for us." in console_page
    assert Comment.objects.filter(item=item).count() == 2


# --- the collaboration space (portal) --------------------------------------------------------------------


@pytest.fixture
def shared_and_internal(cam, partner_a, admin_a, user_a):
    shared = make_item(
        cam,
        title="Joint webinar",
        partner=partner_a,
        shared=True,
        description="We run it **together**.",
        tasks=[
            {"title": "Book the room", "assignee": cam, "role": "cam", "section": "Vendor"},
            {
                "title": "Send the invite list",
                "assignee": user_a,
                "role": "partner_user",
                "section": "Partner",
            },
            {
                "title": "Approve the budget",
                "assignee": admin_a,
                "role": "partner_admin",
                "section": "Partner",
            },
        ],
    )
    internal = make_item(cam, title="Licensing concerns about Acme", partner=partner_a)
    return shared, internal


def test_partner_people_see_shared_items_but_never_internal_ones(login, shared_and_internal, user_a):
    shared, internal = shared_and_internal
    client = login(user_a)
    page = body(client.get("/portal/work/"))
    assert "Collaboration space: Acme Test Partner" in page
    assert "Joint webinar" in page and "Licensing concerns" not in page
    assert "Send the invite list" in page  # my open task
    assert "Approve the budget" not in page  # not mine
    detail = body(client.get(f"/portal/work/{shared.pk}/"))
    assert "We run it <strong>together</strong>." in detail
    assert client.get(f"/portal/work/{internal.pk}/").status_code == 404
    assert client.post(f"/portal/work/{internal.pk}/comment/", {"comment-body": "hi"}).status_code == 404
    assert not internal.comments.exists()


def test_a_partner_person_ticks_their_own_task_but_not_others(login, shared_and_internal, user_a):
    shared, _internal = shared_and_internal
    mine = shared.tasks.get(title="Send the invite list")
    admins = shared.tasks.get(title="Approve the budget")
    vendors = shared.tasks.get(title="Book the room")
    client = login(user_a)
    page = body(client.get(f"/portal/work/{shared.pk}/"))
    assert page.count("Mark done") == 1  # only the person's own task has a button
    resp = client.post(f"/portal/work/{shared.pk}/tasks/{mine.pk}/toggle/", {"done": "1"})
    assert resp.status_code == 302
    mine.refresh_from_db()
    assert mine.done_at is not None and mine.done_by == user_a
    for task in (admins, vendors):
        assert (
            client.post(f"/portal/work/{shared.pk}/tasks/{task.pk}/toggle/", {"done": "1"}).status_code == 403
        )
        task.refresh_from_db()
        assert task.done_at is None


def test_a_partner_admin_ticks_the_partner_role_tasks_but_not_the_vendors(
    login, shared_and_internal, admin_a
):
    shared, _internal = shared_and_internal
    client = login(admin_a)
    assert body(client.get(f"/portal/work/{shared.pk}/")).count("Mark done") == 2
    users_task = shared.tasks.get(title="Send the invite list")
    assert (
        client.post(f"/portal/work/{shared.pk}/tasks/{users_task.pk}/toggle/", {"done": "1"}).status_code
        == 302
    )
    vendors = shared.tasks.get(title="Book the room")
    assert (
        client.post(f"/portal/work/{shared.pk}/tasks/{vendors.pk}/toggle/", {"done": "1"}).status_code == 403
    )
    assert shared.tasks.filter(done_at__isnull=False).count() == 1


def test_tasks_of_internal_items_cannot_be_ticked_from_the_portal(cam, login, partner_a, admin_a):
    internal = make_item(cam, partner=partner_a, tasks=[{"title": "Check", "assignee": cam}])
    task = internal.tasks.get()
    resp = login(admin_a).post(f"/portal/work/{internal.pk}/tasks/{task.pk}/toggle/", {"done": "1"})
    assert resp.status_code == 404
    assert Task.objects.get(pk=task.pk).done_at is None


def test_partner_b_never_sees_partner_a_items(login, shared_and_internal, user_b):
    shared, internal = shared_and_internal
    client = login(user_b)
    page = body(client.get("/portal/work/"))
    assert "Collaboration space: Beta Test Partner" in page and "Joint webinar" not in page
    task = shared.tasks.get(title="Approve the budget")
    for url in (
        f"/portal/work/{shared.pk}/",
        f"/portal/work/{internal.pk}/",
    ):
        assert client.get(url).status_code == 404
    assert client.post(f"/portal/work/{shared.pk}/tasks/{task.pk}/toggle/", {"done": "1"}).status_code == 404
    assert client.post(f"/portal/work/{shared.pk}/comment/", {"comment-body": "x"}).status_code == 404
    assert not shared.comments.exists() and task.done_at is None


def test_partner_people_are_kept_out_of_the_console_work_pages(login, shared_and_internal, admin_a):
    shared, _internal = shared_and_internal
    client = login(admin_a)
    for url in (
        "/console/work/",
        "/console/work/board/",
        f"/console/work/{shared.pk}/",
        "/console/work/journeys/",
    ):
        assert client.get(url).status_code == 403


def test_a_new_partner_user_invited_through_the_portal_sees_the_onboarding_journey(
    cam, login, client, partner_a, admin_a, smtp_server, deliver
):
    partner_a.cam = cam  # the journey's DRI
    partner_a.country = "GB"  # Grace has no language yet: the partner's country gives English
    partner_a.save()
    admin = login(admin_a)
    resp = admin.post(
        "/portal/users/invite/", {"full_name": "Grace Hopper", "email": "grace@a.test", "role": "user"}
    )
    assert resp.status_code == 302
    deliver()
    (mail,) = smtp_server.box.to("grace@a.test")
    (link,) = re.findall(r"https?://[^\s]+(/accounts/invitation/[\w-]+/)", smtp_server.box.text(mail))
    newcomer = client.__class__(HTTP_ACCEPT_LANGUAGE="en")  # her browser asks for English
    password = "Grace-Hopper-Password-42"
    resp = newcomer.post(link, {"full_name": "Grace Hopper", "password1": password, "password2": password})
    assert resp.status_code == 302
    grace = User.objects.get(email="grace@a.test")
    newcomer.force_login(grace)
    page = body(newcomer.get("/portal/work/"))
    assert "Welcome to the partner program, Grace" in page
    # accepting the invitation ticked "sign in to the portal" by itself (issue 14)
    assert "1 of 3 tasks done" in page
    assert "Start the sales or technical training path" in page  # her open tasks
    journey = WorkItem.objects.get(partner=partner_a, template__slug="partner-onboarding")
    assert journey.dri == cam and journey.subject == grace
    task = journey.tasks.get(title="Start the sales or technical training path")
    resp = newcomer.post(f"/portal/work/{journey.pk}/tasks/{task.pk}/toggle/", {"done": "1"})
    assert resp.status_code == 302
    assert "2 of 3 tasks done" in body(newcomer.get("/portal/work/"))
    # Staff see her progress on the journeys page and the partner page.
    staff = login(cam)
    page = body(staff.get("/console/work/journeys/"))
    assert "Grace Hopper" in page and "2 of 3 tasks" in page
    page = body(staff.get(f"/console/partners/{partner_a.pk}/?tab=work"))
    assert "Partner onboarding" in page and "2 of 3 tasks done" in page


# --- my work, board, journeys, partner page ----------------------------------------------------------------


def test_my_work_lists_my_items_and_tasks_with_overdue_ones_marked(frozen_clock, cam, leadership, login):
    mine = make_item(cam, title="Mine as DRI")
    make_item(leadership, title="Assigned to me", assignees=[cam])
    make_item(leadership, title="Not mine")
    make_item(
        leadership,
        title="Someone else's item",
        tasks=[{"title": "My overdue task", "assignee": cam, "due_on": TODAY() - timedelta(days=2)}],
    )
    closed = make_item(cam, title="Closed one")
    WorkItem.objects.filter(pk=closed.pk).update(status=WorkStatus.DONE)
    page = body(login(cam).get("/console/work/"))
    assert "Mine as DRI" in page and "Assigned to me" in page
    assert "Not mine" not in page and "Closed one" not in page
    assert "My overdue task" in page
    assert "Overdue: due " + (TODAY() - timedelta(days=2)).isoformat() in page
    assert f'href="/console/work/{mine.pk}/"' in page
    assert re.search(r'href="/console/work/" aria-current="page">.*?My work', page, re.S)


def test_the_board_shows_columns_by_status_and_filters(cam, leadership, login, partner_a):
    label = Label.objects.get(name="QBR")
    comms = Project.objects.get(slug="partner-communication")
    make_item(cam, title="Alpha open", labels=[label])
    b = make_item(leadership, title="Beta in progress", partner=partner_a)
    WorkItem.objects.filter(pk=b.pk).update(status=WorkStatus.IN_PROGRESS)
    c = make_item(cam, title="Gamma blocked", project=comms, due_date=TODAY() + timedelta(days=90))
    WorkItem.objects.filter(pk=c.pk).update(status=WorkStatus.BLOCKED)
    d = make_item(cam, title="Delta done")
    WorkItem.objects.filter(pk=d.pk).update(status=WorkStatus.DONE, closed_at=timezone.now())
    old = make_item(cam, title="Epsilon done long ago")
    WorkItem.objects.filter(pk=old.pk).update(
        status=WorkStatus.DONE, closed_at=timezone.now() - timedelta(days=60)
    )
    make_item(cam, title="Zeta overdue", tasks=[{"title": "late", "due_on": TODAY() - timedelta(days=1)}])
    client = login(cam)

    def titles(**params):
        page = body(client.get("/console/work/board/", params))
        return {t for t in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta") if f"{t} " in page}, page

    shown, page = titles()
    assert shown == {"Alpha", "Beta", "Gamma", "Delta", "Zeta"}
    for heading in ("Open", "In progress", "Blocked", "Done (recent)"):
        assert f">{heading} <" in page
    assert titles(project=comms.pk)[0] == {"Gamma"}
    assert titles(label=label.pk)[0] == {"Alpha"}
    assert titles(milestone=c.milestone_id)[0] == {"Gamma"}
    shown, page = titles(partner=partner_a.pk)
    assert shown == {"Beta"} and "Work about Acme Test Partner." in page
    assert titles(dri=leadership.pk)[0] == {"Beta"}
    assert titles(overdue="1")[0] == {"Zeta"}
    shown, page = titles(partner="999999")
    assert "No partner has this id." in page and shown == {"Alpha", "Beta", "Gamma", "Delta", "Zeta"}


def test_the_board_caps_each_column_and_says_how_many_there_are(cam, login, settings):
    for i in range(27):
        make_item(cam, title=f"Item {i}")
    page = body(login(cam).get("/console/work/board/"))
    assert "Showing 25 of 27" in page


def test_the_partner_page_lists_its_open_work_and_journeys(cam, login, shared_and_internal, partner_a):
    page = body(login(cam).get(f"/console/partners/{partner_a.pk}/?tab=work"))
    section = page.split('id="tab-work"')[1]
    assert "Joint webinar" in section and "Shared with the partner" in section
    assert "Licensing concerns about Acme" in section and "Internal" in section
    assert "2 open work items" in section and "0 journeys in progress" in section


# --- query counts -------------------------------------------------------------------------------------


def many_items(n, *, dri, partner, person):
    for i in range(n):
        make_item(
            dri,
            title=f"Bulk item {i}",
            partner=partner,
            shared=True,
            assignees=[dri],
            labels=list(Label.objects.all()[:2]),
            tasks=[
                {"title": f"Task {i}", "assignee": dri, "due_on": TODAY() - timedelta(days=1)},
                {"title": f"Partner task {i}", "assignee": person, "due_on": TODAY() + timedelta(days=1)},
            ],
        )


def test_my_work_query_count_is_constant(cam, login, partner_a, user_a, django_assert_num_queries):
    client = login(cam)
    many_items(3, dri=cam, partner=partner_a, person=user_a)
    client.get("/console/work/")  # warm the content-type cache
    # session, user, MFA check, items count, items page, their labels, my tasks, unread notifications
    with django_assert_num_queries(8) as ctx:
        assert client.get("/console/work/").status_code == 200
    many_items(30, dri=cam, partner=partner_a, person=user_a)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get("/console/work/")


def test_board_query_count_is_constant(cam, login, partner_a, user_a, django_assert_num_queries):
    client = login(cam)
    many_items(3, dri=cam, partner=partner_a, person=user_a)
    client.get("/console/work/board/?overdue=1")
    # session, user, MFA check, the partner filter's partner, column counts, open columns' rows,
    # done rows, their labels, unread notifications, filter choices (projects, labels, milestones, DRIs)
    with django_assert_num_queries(13) as ctx:
        assert client.get(f"/console/work/board/?overdue=1&partner={partner_a.pk}").status_code == 200
    many_items(30, dri=cam, partner=partner_a, person=user_a)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get(f"/console/work/board/?overdue=1&partner={partner_a.pk}")


def test_journeys_query_count_is_constant(cam, login, partner_a, django_assert_num_queries):
    partner_a.cam = cam
    partner_a.save()
    template = WorkTemplate.objects.get(slug="partner-onboarding")

    def assign(n):
        for _ in range(n):
            person = MembershipFactory(partner=partner_a, user=UserFactory()).user
            journey_assign(template=template, partner=partner_a, user=person, by=None)

    assign(3)
    client = login(cam)
    client.get("/console/work/journeys/")
    # session, user, MFA check, count, rows, the people they are for, unread notifications
    with django_assert_num_queries(7) as ctx:
        assert client.get("/console/work/journeys/").status_code == 200
    assign(30)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get("/console/work/journeys/")


def test_portal_collaboration_space_query_count_is_constant(
    cam, login, partner_a, user_a, django_assert_num_queries
):
    many_items(3, dri=cam, partner=partner_a, person=user_a)
    partner_a.cam = cam
    partner_a.save()
    onboarding = WorkTemplate.objects.get(slug="partner-onboarding")
    journey_assign(template=onboarding, partner=partner_a, user=user_a, by=cam)
    client = login(user_a)
    client.get("/portal/work/")
    # session, user, membership + partner, items count, journeys, the people they are for, my tasks,
    # unread notifications (the portal header), items page
    with django_assert_num_queries(9) as ctx:
        assert client.get("/portal/work/").status_code == 200
    for _ in range(10):
        person = MembershipFactory(partner=partner_a, user=UserFactory()).user
        journey_assign(template=onboarding, partner=partner_a, user=person, by=cam)
    many_items(30, dri=cam, partner=partner_a, person=user_a)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get("/portal/work/")


def test_partner_page_query_count_does_not_grow_with_work(cam, login, partner_a, user_a):
    client = login(cam)
    many_items(3, dri=cam, partner=partner_a, person=user_a)
    client.get(f"/console/partners/{partner_a.pk}/?tab=work")
    # The work section adds five: items count, items, journeys count, journeys, the people they are for.
    with CaptureQueriesContext(connection) as small:
        client.get(f"/console/partners/{partner_a.pk}/?tab=work")
    many_items(30, dri=cam, partner=partner_a, person=user_a)
    with CaptureQueriesContext(connection) as large:
        client.get(f"/console/partners/{partner_a.pk}/?tab=work")
    assert len(large) == len(small)


def test_the_status_and_kind_values_spelled_out_in_querysets_match_the_models():
    # work/querysets.py cannot import the models at load time (the models build their managers
    # from it), so it spells out the values: they must stay those of the model's choices.
    from channelops.work import querysets
    from channelops.work.models import CLOSED_STATUSES, TemplateKind, WorkStatus

    assert set(querysets.OPEN_STATUSES) == set(WorkStatus.values) - set(CLOSED_STATUSES)
    assert set(querysets.CLOSED) == set(CLOSED_STATUSES)
    assert {s for s, _ in querysets.BOARD_COLUMNS} <= set(WorkStatus.values)
    assert querysets.JOURNEY.children == [("template__kind", TemplateKind.JOURNEY)]


# --- the partner picker of the board and journeys ------------------------------------------------


def test_the_board_partner_filter_takes_a_name_a_part_of_it_or_name_and_id(cam, login, partner_a, partner_b):
    make_item(cam, title="Alpha about A", partner=partner_a)
    make_item(cam, title="Beta about B", partner=partner_b)
    client = login(cam)

    def shown(value):
        page = body(client.get("/console/work/board/", {"partner": value}))
        return {t for t in ("Alpha", "Beta") if f"{t} about" in page}, page

    for value in (
        partner_a.legal_name,
        partner_a.legal_name.upper()[:6],
        f"{partner_a.legal_name} (#{partner_a.pk})",
        f"#{partner_a.pk}",
    ):
        assert shown(value)[0] == {"Alpha"}, value
    rows, page = shown("no such partner")
    assert rows == {"Alpha", "Beta"} and "No partner matches “no such partner”." in page
    # The board offers the chosen partner back as "Name (#id)".
    page = shown(str(partner_a.pk))[1]
    assert f'value="{partner_a.legal_name} (#{partner_a.pk})"' in page


def test_a_partner_name_that_matches_several_partners_asks_for_more(cam, login, partner_a):
    from .factories import PartnerFactory

    PartnerFactory(legal_name="Zenith Alpha GmbH")
    PartnerFactory(legal_name="Zenith Beta GmbH")
    exact = PartnerFactory(legal_name="Zenith")
    make_item(cam, title="About Zenith itself", partner=exact)
    page = body(login(cam).get("/console/work/journeys/", {"partner": "zenith "}))
    assert "Several partners match" not in page  # an exact name wins
    page = body(login(cam).get("/console/work/journeys/", {"partner": "Zenith A"}))
    assert "Several partners match" not in page and "No partner matches" not in page
    page = body(login(cam).get("/console/work/board/", {"partner": "GmbH"}))
    assert "Several partners match “GmbH”: type more of the name, or its id." in page


def test_journeys_filter_by_partner_name(cam, login, partner_a, partner_b):
    template = WorkTemplate.objects.get(slug="partner-onboarding")
    journey_assign(template=template, partner=partner_a, by=cam)
    journey_assign(template=template, partner=partner_b, by=cam)
    client = login(cam)
    page = body(client.get("/console/work/journeys/"))
    assert partner_a.legal_name in page and partner_b.legal_name in page
    page = body(client.get("/console/work/journeys/", {"partner": partner_b.legal_name}))
    assert (
        partner_b.legal_name in page.split("<tbody>")[1]
        and partner_a.legal_name not in page.split("<tbody>")[1]
    )


# --- epics ---------------------------------------------------------------------------------------


def test_leadership_create_change_and_close_an_epic_on_console_pages(leadership, cam, login):
    from channelops.work.models import Epic, WorkGroup

    group = WorkGroup.objects.first()
    client = login(leadership)
    assert 'href="/console/work/epics/new/"' in body(client.get("/console/work/epics/"))
    resp = client.post("/console/work/epics/new/", {"title": "", "group": group.pk})
    assert resp.status_code == 400 and not Epic.objects.exists()
    resp = client.post(
        "/console/work/epics/new/", {"title": "Grow EMEA MSPs", "group": group.pk, "is_okr": "on"}
    )
    epic = Epic.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/console/work/epics/{epic.pk}/"
    assert epic.is_okr and epic.history.first().history_user == leadership
    item = make_item(cam, title="Recruit ten MSPs", epic=epic)
    page = body(client.get(f"/console/work/epics/{epic.pk}/"))
    assert "Recruit ten MSPs" in page and "Change this epic" in page
    resp = client.post(
        f"/console/work/epics/{epic.pk}/change/",
        {"title": "Grow EMEA MSPs (FY27)", "group": group.pk, "closed": "on"},
    )
    epic.refresh_from_db()
    assert resp.status_code == 302 and epic.title == "Grow EMEA MSPs (FY27)"
    assert epic.closed_at is not None and not epic.is_okr

    # A closed epic stays on its own items' edit form, and is not offered to new items.
    def epic_select(url):
        return body(client.get(url)).split('name="edit-epic"' if "new" not in url else 'name="epic"')[1]

    assert (
        f'<option value="{epic.pk}" selected>'
        in epic_select(f"/console/work/{item.pk}/").split("</select>")[0]
    )
    assert f'<option value="{epic.pk}"' not in epic_select("/console/work/new/").split("</select>")[0]


def test_a_cam_sees_epics_but_cannot_create_or_change_them(cam, leadership, login):
    from channelops.work.models import Epic, WorkGroup
    from channelops.work.services.epics import epic_create

    epic = epic_create(group=WorkGroup.objects.first(), title="Partner NPS", by=leadership)
    client = login(cam)
    listing = body(client.get("/console/work/epics/"))
    assert "Partner NPS" in listing and "/console/work/epics/new/" not in listing
    page = body(client.get(f"/console/work/epics/{epic.pk}/"))
    assert "Change this epic" not in page
    assert client.get("/console/work/epics/new/").status_code == 403
    resp = client.post(
        f"/console/work/epics/{epic.pk}/change/", {"title": "Hijacked", "group": epic.group_id}
    )
    assert resp.status_code == 403 and Epic.objects.get().title == "Partner NPS"


def test_an_item_is_put_in_an_epic_from_its_page(cam, leadership, login):
    from channelops.work.models import WorkGroup
    from channelops.work.services.epics import epic_create

    epic = epic_create(group=WorkGroup.objects.first(), title="Partner NPS", by=leadership)
    item = make_item(cam, title="Survey partners")
    client = login(cam)
    data = {
        "edit-status": "open",
        "edit-title": item.title,
        "edit-dri": cam.pk,
        "edit-epic": epic.pk,
        "edit-due_date": item.due_date.isoformat(),
    }
    assert client.post(f"/console/work/{item.pk}/", data).status_code == 302
    item.refresh_from_db()
    assert item.epic == epic
