"""The GitLab mirror of work items (S5, S13), against a local server speaking GitLab's REST API v4."""

from __future__ import annotations

import warnings
from datetime import date, timedelta

import pytest
from allauth.socialaccount.models import SocialAccount

from channelops.core.models import OutboxMessage, OutboxStatus
from channelops.work import gitlab_mirror
from channelops.work.models import Label, Milestone, Project, WorkGroup, WorkStatus
from channelops.work.services.items import comment_add, task_set_done, work_item_create, work_item_update

from .fake_gitlab import FakeGitLab

PATH = "channel/work-mirror"
TOKEN = "glpat-mirror-token"


@pytest.fixture
def fake_gitlab(settings):
    """A GitLab with one project, and the mirror configured to use it."""
    with FakeGitLab(token=TOKEN) as server:
        server.add_project(PATH)
        settings.GITLAB_MIRROR_URL = server.url
        settings.GITLAB_MIRROR_TOKEN = TOKEN
        settings.GITLAB_MIRROR_TIMEOUT = 5
        yield server


@pytest.fixture
def project(db):
    group = WorkGroup.objects.create(name="Mirror group", slug="mirror-group")
    return Project.objects.create(group=group, name="Mirrored", slug="mirrored", gitlab_project=PATH)


@pytest.fixture
def labels(db):
    return [
        Label.objects.get_or_create(name="Channel Ops", defaults={"kind": "team"})[0],
        Label.objects.create(name="mirror::test", kind="other"),
    ]


@pytest.fixture
def deliver_all(deliver):
    """Deliver the outbox without python-gitlab's pagination warnings going unnoticed."""

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            return deliver()

    return run


def _create(project, cam, labels=(), **extra):
    spec = {
        "project": project,
        "title": "Award PSP to Acme",
        "dri": cam,
        "by": cam,
        "description": "Acme reached the **PSP** requirements.",
        "labels": labels,
        "due_date": date(2025, 3, 14),
        "tasks": [
            {
                "section": "CAM tasks",
                "role": "cam",
                "title": "Send the award e-mail",
                "due_on": date(2025, 3, 7),
            },
            {"section": "PHD tasks", "role": "help_desk", "title": "Update the partner locator"},
            {"section": "CAM tasks", "role": "cam", "title": "Announce it in Partner Flash"},
        ],
    }
    spec.update(extra)
    return work_item_create(**spec)


def _mirror_rows():
    return OutboxMessage.objects.filter(kind=gitlab_mirror.KIND)


def test_a_new_work_item_becomes_one_issue_with_labels_milestone_due_date_checklist_and_dri(
    fake_gitlab, project, labels, cam, deliver_all
):
    cam.full_name = "Casey Manager"
    cam.save()
    item = _create(project, cam, labels)
    assert _mirror_rows().count() == 1

    assert deliver_all() == {"sent": 1, "failed": 0}

    [issue] = fake_gitlab.issues(PATH)
    item.refresh_from_db()
    assert item.gitlab_iid == issue["iid"]
    assert issue["title"] == "Award PSP to Acme"
    assert issue["labels"] == ["Channel Ops", "mirror::test"]
    assert issue["due_date"] == "2025-03-14"
    assert issue["state"] == "opened"
    assert issue["confidential"] is True
    assert issue["milestone"]["title"] == item.milestone.title
    assert issue["milestone"]["start_date"] == item.milestone.start.isoformat()
    assert issue["milestone"]["due_date"] == item.milestone.end.isoformat()
    body = issue["description"]
    assert body.startswith("**DRI:** Casey Manager (cam@vendor.test)")
    assert "Acme reached the **PSP** requirements." in body
    # the checklist as a task list, grouped by section in first-seen order
    cam_part = body.index("### CAM tasks")
    phd_part = body.index("### PHD tasks")
    assert cam_part < body.index("- [ ] Send the award e-mail _(CAM, due 2025-03-07)_") < phd_part
    assert cam_part < body.index("- [ ] Announce it in Partner Flash _(CAM)_") < phd_part
    assert phd_part < body.index("- [ ] Update the partner locator _(Partner Help Desk)_")
    assert f"/console/work/{item.pk}/" in body
    assert gitlab_mirror.marker(item.pk) in body
    # the requests were authenticated with the token, to the project by its path
    assert all(r.headers.get("PRIVATE-TOKEN") == TOKEN for r in fake_gitlab.requests)
    assert len(fake_gitlab.calls("POST", r"/projects/channel/work-mirror/issues$")) == 1
    assert len(fake_gitlab.calls("POST", r"/milestones$")) == 1


def test_the_dri_is_named_by_gitlab_username_when_they_signed_in_with_gitlab(
    fake_gitlab, project, cam, deliver_all
):
    SocialAccount.objects.create(user=cam, provider="gitlab", uid="42", extra_data={"username": "casey"})
    _create(project, cam)
    deliver_all()
    [issue] = fake_gitlab.issues(PATH)
    assert issue["description"].startswith("**DRI:** @casey\n")


def test_editing_an_item_updates_the_same_issue_and_never_creates_a_second(
    fake_gitlab, project, labels, cam, deliver_all
):
    item = _create(project, cam, labels)
    deliver_all()
    work_item_update(
        item=item,
        by=cam,
        data={
            "title": "Award PSP to Acme GmbH",
            "description": "Updated notes.",
            "labels": labels[:1],
            "due_date": date(2025, 3, 21),
        },
    )
    assert deliver_all() == {"sent": 1, "failed": 0}
    work_item_update(
        item=item, by=cam, data={"next_action": "Call Acme", "next_action_date": date(2025, 3, 3)}
    )
    assert deliver_all() == {"sent": 1, "failed": 0}

    [issue] = fake_gitlab.issues(PATH)
    assert issue["title"] == "Award PSP to Acme GmbH"
    assert issue["labels"] == ["Channel Ops"]
    assert issue["due_date"] == "2025-03-21"
    assert "Updated notes." in issue["description"]
    assert "**Next best action:** Call Acme (by 2025-03-03)" in issue["description"]
    assert len(fake_gitlab.calls("POST", r"/issues$")) == 1
    assert len(fake_gitlab.calls("PUT", rf"/issues/{issue['iid']}$")) == 2
    assert len(fake_gitlab.calls("POST", r"/milestones$")) == 1  # found again by its title


def test_clearing_milestone_labels_and_due_date_clears_them_in_gitlab(
    fake_gitlab, project, labels, cam, deliver_all
):
    item = _create(project, cam, labels)
    deliver_all()
    work_item_update(
        item=item,
        by=cam,
        data={
            "labels": [],
            "milestone": None,
            "due_date": None,
            "next_action": "Wait for the partner",
            "next_action_date": date(2025, 4, 1),
        },
    )
    deliver_all()
    [issue] = fake_gitlab.issues(PATH)
    assert issue["labels"] == [] and issue["milestone"] is None and issue["due_date"] is None
    put = fake_gitlab.calls("PUT", r"/issues/\d+$")[-1]
    assert put.body["milestone_id"] == 0 and put.body["due_date"] is None and put.body["labels"] == ""


def test_ticking_a_task_ticks_it_in_the_issue_task_list(fake_gitlab, project, cam, deliver_all):
    item = _create(project, cam)
    deliver_all()
    task = item.tasks.get(title="Update the partner locator")
    task_set_done(task=task, done=True, by=cam)
    assert deliver_all() == {"sent": 1, "failed": 0}
    [issue] = fake_gitlab.issues(PATH)
    assert "- [x] Update the partner locator" in issue["description"]
    assert "- [ ] Send the award e-mail" in issue["description"]

    task_set_done(task=task, done=False, by=cam)
    deliver_all()
    [issue] = fake_gitlab.issues(PATH)
    assert "- [ ] Update the partner locator" in issue["description"]


def test_a_comment_is_a_change_but_sends_the_same_issue(fake_gitlab, project, cam, deliver_all):
    item = _create(project, cam)
    deliver_all()
    comment_add(item=item, body="Spoke to Acme.", by=cam)
    assert deliver_all() == {"sent": 1, "failed": 0}
    assert len(fake_gitlab.issues(PATH)) == 1


def test_closing_an_item_closes_the_issue_and_reopening_reopens_it(fake_gitlab, project, cam, deliver_all):
    item = _create(project, cam)
    deliver_all()
    work_item_update(item=item, by=cam, data={"status": WorkStatus.DONE})
    deliver_all()
    [issue] = fake_gitlab.issues(PATH)
    assert issue["state"] == "closed"
    assert fake_gitlab.calls("PUT", r"/issues/\d+$")[-1].body == {"state_event": "close"}

    work_item_update(item=item, by=cam, data={"status": WorkStatus.IN_PROGRESS})
    deliver_all()
    [issue] = fake_gitlab.issues(PATH)
    assert issue["state"] == "opened"
    # an edit that does not change the state sends no state event
    n = len(fake_gitlab.calls("PUT"))
    work_item_update(item=item, by=cam, data={"title": "Renamed"})
    deliver_all()
    assert len(fake_gitlab.calls("PUT")) == n + 1


def test_an_item_closed_before_its_first_delivery_is_created_then_closed(
    fake_gitlab, project, cam, deliver_all
):
    item = _create(project, cam)
    work_item_update(item=item, by=cam, data={"status": WorkStatus.CANCELLED})
    assert _mirror_rows().count() == 1  # the second change joined the waiting row
    assert deliver_all() == {"sent": 1, "failed": 0}
    [issue] = fake_gitlab.issues(PATH)
    assert issue["state"] == "closed"


def test_changes_made_before_delivery_are_sent_once_with_the_latest_state(
    fake_gitlab, project, cam, deliver_all
):
    item = _create(project, cam)
    work_item_update(item=item, by=cam, data={"title": "Second title"})
    task_set_done(task=item.tasks.first(), done=True, by=cam)
    [row] = _mirror_rows()
    assert row.payload == {"item": item.pk, "changes": 3}
    assert deliver_all() == {"sent": 1, "failed": 0}
    [issue] = fake_gitlab.issues(PATH)
    assert issue["title"] == "Second title" and "- [x] Send the award e-mail" in issue["description"]
    assert fake_gitlab.calls("PUT") == []  # one POST says it all


def test_a_change_while_a_delivery_is_in_flight_gets_its_own_row(fake_gitlab, project, cam, deliver_all):
    item = _create(project, cam)
    _mirror_rows().update(status=OutboxStatus.SENDING, attempts=1)  # a worker holds it
    work_item_update(item=item, by=cam, data={"title": "Changed meanwhile"})
    assert _mirror_rows().count() == 2


def test_a_delivery_waits_while_another_for_the_same_item_is_in_flight(
    fake_gitlab, project, cam, deliver_all, settings
):
    from django.utils import timezone

    item = _create(project, cam)
    first = _mirror_rows().get()
    _mirror_rows().update(
        status=OutboxStatus.SENDING, attempts=1, lease_until=timezone.now() + timedelta(minutes=5)
    )
    work_item_update(item=item, by=cam, data={"title": "Changed meanwhile"})
    assert deliver_all() == {"sent": 0, "failed": 1}
    second = _mirror_rows().exclude(pk=first.pk).get()
    assert second.status == OutboxStatus.PENDING and "in progress" in second.last_error
    assert fake_gitlab.requests == []  # nothing was sent to GitLab

    _mirror_rows().filter(pk=first.pk).update(status=OutboxStatus.SENT, lease_until=None)  # it finished
    _mirror_rows().update(next_attempt_at=timezone.now())
    assert deliver_all() == {"sent": 1, "failed": 0}
    [issue] = fake_gitlab.issues(PATH)
    assert issue["title"] == "Changed meanwhile"


def test_a_gitlab_failure_is_retried_through_the_outbox_until_it_succeeds(
    fake_gitlab, project, cam, deliver_all, settings
):
    from django.utils import timezone

    settings.OUTBOX_BACKOFF_SECONDS = 10
    item = _create(project, cam)
    fake_gitlab.fail_next(2)
    assert deliver_all() == {"sent": 0, "failed": 1}
    row = _mirror_rows().get()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1 and "500" in row.last_error
    assert deliver_all() == {"sent": 0, "failed": 0}  # backing off
    _mirror_rows().update(next_attempt_at=timezone.now())
    assert deliver_all() == {"sent": 0, "failed": 1}
    _mirror_rows().update(next_attempt_at=timezone.now())
    assert deliver_all() == {"sent": 1, "failed": 0}
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.attempts == 3
    assert len(fake_gitlab.issues(PATH)) == 1
    item.refresh_from_db()
    assert item.gitlab_iid == 1


def test_a_crash_after_the_issue_was_created_does_not_create_a_second_issue(
    fake_gitlab, project, cam, deliver_all, monkeypatch, settings
):
    """The worker dies after GitLab created the issue but before the iid was stored: the next
    delivery finds the issue by the marker in its description and edits it."""
    from django.utils import timezone

    settings.OUTBOX_BACKOFF_SECONDS = 0
    item = _create(project, cam)
    # an issue whose marker only starts like this item's must not be taken for it
    fake_gitlab.add_issue(PATH, title="Other", description=f"<!-- {gitlab_mirror.marker(item.pk)}0 -->")
    real_store = gitlab_mirror._store_iid

    def die(*args, **kwargs):
        raise SystemError("worker killed")

    monkeypatch.setattr(gitlab_mirror, "_store_iid", die)
    assert deliver_all() == {"sent": 0, "failed": 1}
    assert len(fake_gitlab.issues(PATH)) == 2  # the decoy and ours
    item.refresh_from_db()
    assert item.gitlab_iid is None

    monkeypatch.setattr(gitlab_mirror, "_store_iid", real_store)
    _mirror_rows().update(next_attempt_at=timezone.now())
    assert deliver_all() == {"sent": 1, "failed": 0}
    issues = fake_gitlab.issues(PATH)
    assert len(issues) == 2
    ours = next(i for i in issues if i["title"] == "Award PSP to Acme")
    item.refresh_from_db()
    assert item.gitlab_iid == ours["iid"] == 2
    search = fake_gitlab.calls("GET", r"/issues$")[-1]
    assert search.query["search"] == [gitlab_mirror.marker(item.pk)] and search.query["in"] == ["description"]


def test_an_issue_deleted_in_gitlab_is_created_again(fake_gitlab, project, cam, deliver_all):
    item = _create(project, cam)
    deliver_all()
    fake_gitlab.project(PATH).issues.clear()
    work_item_update(item=item, by=cam, data={"title": "Still here"})
    assert deliver_all() == {"sent": 1, "failed": 0}
    [issue] = fake_gitlab.issues(PATH)
    item.refresh_from_db()
    assert issue["title"] == "Still here" and item.gitlab_iid == issue["iid"]


def test_a_project_pointed_at_another_gitlab_project_never_edits_a_stranger_issue(
    fake_gitlab, project, cam, deliver_all
):
    item = _create(project, cam)
    deliver_all()
    fake_gitlab.add_project("channel/new-home")
    stranger = fake_gitlab.add_issue("channel/new-home", title="Someone else's", description="Theirs.")
    item.refresh_from_db()
    assert stranger["iid"] == item.gitlab_iid == 1
    project.gitlab_project = "channel/new-home"
    project.save()
    work_item_update(item=item, by=cam, data={"title": "Moved"})
    assert deliver_all() == {"sent": 1, "failed": 0}
    theirs, ours = fake_gitlab.issues("channel/new-home")
    assert theirs["title"] == "Someone else's" and theirs["description"] == "Theirs."
    assert ours["title"] == "Moved"
    item.refresh_from_db()
    assert item.gitlab_iid == ours["iid"] == 2
    assert fake_gitlab.calls("PUT", r"/new-home/issues/1$") == []


def test_the_marker_search_follows_gitlabs_pagination(fake_gitlab, project, cam):
    item = _create(project, cam)
    target = fake_gitlab.add_issue(PATH, title="ours", description=f"x {gitlab_mirror.marker(item.pk)} y")
    for n in range(105):  # more than a page of near misses, all newer (GitLab lists newest first)
        fake_gitlab.add_issue(PATH, title=f"t{n}", description=f"{gitlab_mirror.marker(item.pk)}{n}")
    gl = gitlab_mirror.gitlab_client()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        found = gitlab_mirror._find_marked_issue(gl.projects.get(PATH, lazy=True), item.pk)
    assert found == target["iid"]
    assert len(fake_gitlab.calls("GET", r"/issues$")) == 2  # 100 per page


def test_a_wrong_token_ends_as_a_dead_letter_shown_in_the_console(
    fake_gitlab, project, cam, deliver_all, settings, administrator, login
):
    from django.utils import timezone

    settings.GITLAB_MIRROR_TOKEN = "glpat-wrong"
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.OUTBOX_BACKOFF_SECONDS = 0
    _create(project, cam)
    for _ in range(3):
        _mirror_rows().update(next_attempt_at=timezone.now())
        assert deliver_all() == {"sent": 0, "failed": 1}
    row = _mirror_rows().get()
    assert row.status == OutboxStatus.DEAD and row.attempts == 3
    assert "GitlabAuthenticationError" in row.last_error and "401" in row.last_error
    assert fake_gitlab.issues(PATH) == []
    assert {r.status for r in fake_gitlab.requests} == {401}

    page = login(administrator).get("/console/outbox/dead/")
    assert page.status_code == 200
    assert b"gitlab.issue" in page.content and row.idempotency_key.encode() in page.content

    # fixed configuration + the console's retry: delivered
    settings.GITLAB_MIRROR_TOKEN = TOKEN
    assert login(administrator).post(f"/console/outbox/dead/{row.pk}/retry/").status_code == 302
    assert deliver_all() == {"sent": 1, "failed": 0}
    assert len(fake_gitlab.issues(PATH)) == 1


def test_an_unknown_gitlab_project_is_retried_not_created(fake_gitlab, db, cam, deliver_all):
    group = WorkGroup.objects.create(name="G", slug="g")
    elsewhere = Project.objects.create(group=group, name="P", slug="p", gitlab_project="nobody/nothing")
    _create(elsewhere, cam)
    assert deliver_all() == {"sent": 0, "failed": 1}
    assert "404" in _mirror_rows().get().last_error


@pytest.mark.parametrize("missing", ["GITLAB_MIRROR_URL", "GITLAB_MIRROR_TOKEN"])
def test_without_gitlab_settings_nothing_is_enqueued(fake_gitlab, project, cam, settings, missing):
    setattr(settings, missing, "")
    item = _create(project, cam)
    work_item_update(item=item, by=cam, data={"title": "Changed"})
    assert not _mirror_rows().exists()
    assert fake_gitlab.requests == []


def test_items_of_projects_without_a_gitlab_project_are_not_mirrored(fake_gitlab, db, cam, deliver_all):
    local = Project.objects.create(
        group=WorkGroup.objects.create(name="Local", slug="local"), name="Local", slug="local"
    )
    item = _create(local, cam)
    work_item_update(item=item, by=cam, data={"title": "Changed"})
    deliver_all()
    assert not _mirror_rows().exists()
    assert fake_gitlab.requests == []


def test_a_row_left_after_the_mirror_was_turned_off_sends_nothing(
    fake_gitlab, project, cam, deliver_all, settings
):
    _create(project, cam)
    settings.GITLAB_MIRROR_URL = ""
    assert deliver_all() == {"sent": 1, "failed": 0}
    assert fake_gitlab.requests == []


def test_an_existing_group_or_project_milestone_is_reused(fake_gitlab, project, cam, deliver_all):
    ms = Milestone.objects.create(title="Channel - FY25Q1 3a", start=date(2025, 4, 1), end=date(2025, 4, 15))
    existing = fake_gitlab.add_milestone(PATH, title=ms.title)
    _create(project, cam, milestone=ms)
    _create(project, cam, milestone=ms, title="Another")
    assert deliver_all() == {"sent": 2, "failed": 0}
    assert {i["milestone"]["id"] for i in fake_gitlab.issues(PATH)} == {existing["id"]}
    assert fake_gitlab.calls("POST", r"/milestones$") == []
