"""A refusal by a service (``NotAllowed``) answers 403; an operating-system ``PermissionError``
(an unreadable key directory) is a server error: 500, and the answer never shows the path."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from channelops.core.exceptions import NotAllowed
from channelops.licensing import keys
from channelops.work.models import Project
from channelops.work.services.items import task_set_done, work_item_create

SECRET = "/secret/path/license-keys"


def test_not_allowed_is_a_django_permission_denied_and_not_an_os_error():
    assert issubclass(NotAllowed, PermissionDenied)
    assert not issubclass(NotAllowed, OSError)


def test_an_unreadable_license_key_directory_answers_500_without_the_path(db, license_key_dir, monkeypatch):
    keys.key_generate()

    def unreadable(path):  # what open() raises on a key file in a directory of mode 000
        raise PermissionError(13, "Permission denied", f"{SECRET}/{path.name}")

    monkeypatch.setattr(keys, "_load_pem", unreadable)
    client = Client(raise_request_exception=False)
    resp = client.get("/licenses/keys.json")
    assert resp.status_code == 500
    assert SECRET not in resp.content.decode()
    assert "Permission denied" not in resp.content.decode()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a directory of mode 000 anyway (CI runs as root)")
def test_a_key_directory_of_mode_000_answers_500_without_the_path(db, license_key_dir):
    keys.key_generate()
    license_key_dir.chmod(0)
    try:
        resp = Client(raise_request_exception=False).get("/licenses/keys.json")
    finally:
        license_key_dir.chmod(0o700)
    assert resp.status_code == 500
    assert str(license_key_dir) not in resp.content.decode()


def test_a_service_refusal_answers_403_with_its_message(login, partner_a, user_a, admin_a, cam):
    item = work_item_create(
        project=Project.objects.get(slug="channels"),
        title="Joint webinar",
        dri=cam,
        by=cam,
        partner=partner_a,
        shared_with_partner=True,
        due_date=timezone.localdate() + timedelta(days=10),
        tasks=[{"title": "Only the admin's task", "assignee": admin_a, "role": "partner_admin"}],
    )
    task = item.tasks.get()
    with pytest.raises(NotAllowed, match="You may not tick this task."):
        task_set_done(task=task, done=True, by=user_a)
    resp = login(user_a).post(f"/portal/work/{item.pk}/tasks/{task.pk}/toggle/", {"done": "1"})
    assert resp.status_code == 403
    task.refresh_from_db()
    assert task.done_at is None
