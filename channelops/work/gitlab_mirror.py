"""One-way mirror of work items to GitLab issues (S5, S13), through the outbox.

Enabled when ``GITLAB_MIRROR_URL`` and ``GITLAB_MIRROR_TOKEN`` are set (environment:
``CHANNELOPS_GITLAB_URL``, ``CHANNELOPS_GITLAB_TOKEN``); only items of projects whose
``gitlab_project`` names a GitLab project (path or id) are mirrored.

- Every change of such an item (``work_item_changed``: create, update, task ticked, comment)
  writes an outbox row of kind ``gitlab.issue`` in the same transaction. While a row for the
  item waits undelivered, later changes join it instead of adding rows.
- The handler always sends the item's *current* state, so retries and rows delivered out of
  order converge on the same issue.
- Idempotent: the issue's iid is stored on the item (``gitlab_iid``) and later deliveries edit
  that issue. The description carries a marker word (``channelopsitem<pk>``); when no iid is
  stored yet, the handler first looks for an issue carrying the marker (a worker that died
  after GitLab created the issue but before the iid was stored), so nothing is created twice.
- Failures raise: the outbox retries with backoff and ends as a dead letter shown at
  /console/outbox/dead/, where staff retry it.
"""

from __future__ import annotations

import logging
import re
import uuid
from itertools import groupby
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from channelops.core.links import absolute_url
from channelops.core.models import OutboxMessage, OutboxStatus
from channelops.core.outbox import outbox_enqueue, register_handler

from .models import CLOSED_STATUSES, WorkItem

if TYPE_CHECKING:
    import gitlab
    from gitlab.v4.objects import Project as GitLabProject

    from channelops.accounts.models import User

log = logging.getLogger(__name__)

KIND = "gitlab.issue"
MARKER_PREFIX = "channelopsitem"


class MirrorBusy(RuntimeError):
    """Another worker is delivering a change of the same item right now; try again later."""


def mirror_enabled() -> bool:
    return bool(getattr(settings, "GITLAB_MIRROR_URL", "") and getattr(settings, "GITLAB_MIRROR_TOKEN", ""))


def _topic(item_pk: int) -> str:
    return f"gitlab:work-item:{item_pk}"


# --- enqueueing --------------------------------------------------------------------------------


def gitlab_mirror_enqueue(*, item: WorkItem) -> OutboxMessage:
    """Queue the mirroring of ``item`` (call inside the change's transaction).

    If a row for this item still waits (pending, not claimed by a worker), the change joins it:
    the conditional UPDATE locks that row until this transaction commits, so a worker claims
    it only afterwards and reads the item as changed here. Otherwise a new row is written,
    with a key of its own (each change is a new effect; the handler sends the current state).
    """
    topic = _topic(item.pk)
    waiting = (
        OutboxMessage.objects.filter(kind=KIND, topic=topic, status=OutboxStatus.PENDING)
        .order_by("id")
        .first()
    )
    if waiting is not None:
        payload = {**waiting.payload, "changes": int(waiting.payload.get("changes", 1)) + 1}
        joined = OutboxMessage.objects.filter(
            pk=waiting.pk, status=OutboxStatus.PENDING, attempts=waiting.attempts
        ).update(payload=payload)
        if joined:
            waiting.payload = payload
            return waiting
    return outbox_enqueue(
        kind=KIND,
        key=f"gitlab.issue:{item.pk}:{uuid.uuid4().hex}",
        payload={"item": item.pk, "changes": 1},
        topic=topic,
    )


def on_work_item_changed(*, item: WorkItem, **kwargs: Any) -> None:
    """Registered on ``channelops.work.hooks.work_item_changed`` (``WorkConfig.ready``)."""
    if not mirror_enabled() or not item.project.gitlab_project.strip():
        return
    gitlab_mirror_enqueue(item=item)


# --- what the issue says -----------------------------------------------------------------------


def marker(item_pk: int) -> str:
    """The word that identifies the item's issue (one alphanumeric token, found by GitLab search)."""
    return f"{MARKER_PREFIX}{item_pk}"


def _has_marker(description: str | None, item_pk: int) -> bool:
    return bool(re.search(rf"\b{re.escape(marker(item_pk))}\b", description or ""))


def dri_reference(user: User) -> str:
    """``@username`` when the person signed in with GitLab, else ``Name (e-mail)``."""
    from allauth.socialaccount.models import SocialAccount

    account = SocialAccount.objects.filter(user=user, provider="gitlab").first()
    username = (account.extra_data or {}).get("username") if account is not None else None
    if username:
        return f"@{username}"
    if user.full_name and user.full_name != user.email:
        return f"{user.full_name} ({user.email})"
    return user.email


def _one_line(text: str) -> str:
    return " ".join((text or "").split())


def issue_description(item: WorkItem) -> str:
    """The issue body: the DRI, the item's Markdown, its checklist as a task list, a back link, the marker."""
    lines = [f"**DRI:** {dri_reference(item.dri)}"]
    if item.next_action:
        by = f" (by {item.next_action_date.isoformat()})" if item.next_action_date else ""
        lines.append(f"**Next best action:** {_one_line(item.next_action)}{by}")
    lines.append("")
    if item.description.strip():
        lines += [item.description.strip(), ""]
    tasks = list(item.tasks.all().order_by("position", "pk"))
    if tasks:
        lines += ["## Checklist", ""]
        # sections in the order they first appear; tasks keep their order within a section
        order: dict[str, int] = {}
        for t in tasks:
            order.setdefault(t.section, len(order))
        tasks.sort(key=lambda t: order[t.section])
        for section, group in groupby(tasks, key=lambda t: t.section):
            if section:
                lines += [f"### {_one_line(section)}", ""]
            for t in group:
                notes = [str(t.get_role_display())] if t.role else []
                if t.due_on:
                    notes.append(f"due {t.due_on.isoformat()}")
                suffix = f" _({', '.join(notes)})_" if notes else ""
                lines.append(f"- [{'x' if t.done_at else ' '}] {_one_line(t.title)}{suffix}")
            lines.append("")
    link = absolute_url("console:work_item", item.pk)
    lines += [
        "---",
        f"_Mirrored from [channelops]({link}); changes made here are overwritten._",
        "",
        f"<!-- {marker(item.pk)}: channelops keeps this issue in step with work item {item.pk} -->",
    ]
    return "\n".join(lines)


def _labels(item: WorkItem) -> str:
    # GitLab takes a comma-separated list (and creates labels it does not know)
    return ",".join(sorted(label.name.replace(",", " ").strip() for label in item.labels.all()))


# --- talking to GitLab -------------------------------------------------------------------------


def gitlab_client() -> gitlab.Gitlab:
    import gitlab

    return gitlab.Gitlab(
        url=settings.GITLAB_MIRROR_URL,
        private_token=settings.GITLAB_MIRROR_TOKEN,
        timeout=settings.GITLAB_MIRROR_TIMEOUT,
        retry_transient_errors=False,  # the outbox retries, with backoff and a dead letter
        user_agent="channelops",
    )


def _milestone_id(project: GitLabProject, item: WorkItem) -> int:
    """The GitLab milestone with the item's milestone title (the project's or a parent group's),
    created in the project when missing; 0 (no milestone) when the item has none."""
    ms = item.milestone
    if ms is None:
        return 0
    for found in project.milestones.list(title=ms.title, include_ancestors=True, per_page=100, iterator=True):
        if found.title == ms.title:
            return int(found.id)
    created = project.milestones.create(
        {"title": ms.title, "start_date": ms.start.isoformat(), "due_date": ms.end.isoformat()}
    )
    return int(created.id)


def _find_marked_issue(project: GitLabProject, item_pk: int) -> int | None:
    """The iid of an issue already created for this item (its description carries the marker)."""
    found = project.issues.list(search=marker(item_pk), per_page=100, iterator=True, **{"in": "description"})
    iids = sorted(int(issue.iid) for issue in found if _has_marker(issue.description, item_pk))
    return iids[0] if iids else None


def _store_iid(item: WorkItem, iid: int) -> None:
    # a queryset update: no history row, no updated_at, no work_item_changed (no loop)
    WorkItem.objects.filter(pk=item.pk).update(gitlab_iid=iid)
    item.gitlab_iid = iid


def gitlab_issue_sync(*, item: WorkItem, gl: gitlab.Gitlab | None = None) -> int:
    """Make the item's GitLab issue show the item as it is now; returns the issue's iid."""
    from gitlab.exceptions import GitlabGetError

    gl = gl or gitlab_client()
    project = gl.projects.get(item.project.gitlab_project.strip(), lazy=True)
    fields: dict[str, Any] = {
        "title": item.title,
        "description": issue_description(item),
        "labels": _labels(item),
        "milestone_id": _milestone_id(project, item),
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "confidential": bool(getattr(settings, "GITLAB_MIRROR_CONFIDENTIAL", True)),
    }
    wanted_state = "closed" if item.status in CLOSED_STATUSES else "opened"

    iid = item.gitlab_iid
    issue: dict[str, Any] | None = None
    if iid is not None:
        # Only edit the stored issue if it is still this item's: it may have been deleted, or the
        # project may now point at another GitLab project where that number is someone else's.
        try:
            current = project.issues.get(iid)
        except GitlabGetError as exc:
            if exc.response_code != 404:
                raise
            current = None
        if current is not None and _has_marker(current.description, item.pk):
            issue = project.issues.update(iid, fields)
        else:
            log.warning("GitLab issue %s is not work item %s's (any more); looking for it", iid, item.pk)
            iid = None
    if iid is None:
        iid = _find_marked_issue(project, item.pk)
        if iid is not None:
            _store_iid(item, iid)
            issue = project.issues.update(iid, fields)
        else:
            created = project.issues.create(fields)
            iid = int(created.iid)
            _store_iid(item, iid)
            issue = created.asdict()
    assert issue is not None
    if issue.get("state") != wanted_state:
        project.issues.update(iid, {"state_event": "close" if wanted_state == "closed" else "reopen"})
    return iid


@register_handler(KIND)
def _deliver_issue(msg: OutboxMessage) -> None:
    busy = (
        OutboxMessage.objects.filter(
            kind=KIND, topic=msg.topic, status=OutboxStatus.SENDING, lease_until__gt=timezone.now()
        )
        .exclude(pk=msg.pk)
        .exists()
    )
    if busy:  # one delivery per item at a time: two could otherwise both create, or overtake
        raise MirrorBusy(f"another delivery for {msg.topic} is in progress; trying again later")
    item = (
        WorkItem.objects.select_related("project", "milestone", "dri")
        .filter(pk=msg.payload.get("item"))
        .first()
    )
    if item is None:
        log.info("work item %s no longer exists; nothing to mirror", msg.payload.get("item"))
        return
    if not mirror_enabled() or not item.project.gitlab_project.strip():
        log.info("GitLab mirror is off for work item %s; nothing sent", item.pk)
        return
    gitlab_issue_sync(item=item)
