"""Privileged permissions through audited access requests (SPEC S7 item 6).

Staff ask for a privileged permission with a justification; their manager (the lead of one of
their staff teams), channel leadership or an administrator approves; the permission is granted,
used and revoked (or runs out) with an audit trail, and the people concerned are e-mailed.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channelops.accounts.models import AccessEvent, AccessRequest, AccessStatus, StaffTeam, User
from channelops.accounts.privileges import (
    Privilege,
    has_privilege,
    privilege_used,
    privileges,
    register_privilege,
)
from channelops.accounts.services import (
    access_grants_expire,
    access_request_approve,
    access_request_create,
)
from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.core.schedules import schedules

from .factories import StaffFactory

PERM = "licensing.issue_license"
JUSTIFICATION = "I review NFR requests for EMEA and must issue the approved licenses."


@pytest.fixture(autouse=True)
def _issue_license_privilege():
    """Licensing registers it in its AppConfig.ready; registering again is harmless."""
    register_privilege(PERM, label="Issue NFR licenses", description="Sign and send NFR license files.")


@pytest.fixture
def manager(db, phd_emea):
    """The help desk's lead, with the PHD specialist as a member of the team."""
    lead = StaffFactory(email="helpdesk.lead@vendor.test", full_name="Hel Lead", roles=["phd_specialist"])
    team = StaffTeam.objects.get(kind="help_desk")
    team.lead = lead
    team.save()
    team.members.add(phd_emea, lead)
    return lead


def _events(req: AccessRequest) -> list[str]:
    return list(req.events.order_by("at", "pk").values_list("kind", flat=True))


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def test_request_is_emailed_to_the_manager_and_the_approved_permission_works_until_revoked(
    client, phd_emea, manager, leadership, smtp_server, deliver
):
    stale = _fresh(phd_emea)
    assert not stale.has_perm(PERM)  # fills Django's permission cache on this object
    client.force_login(phd_emea)
    page = client.get("/console/access/")
    assert page.status_code == 200
    assert "Issue NFR licenses" in page.content.decode()

    resp = client.post("/console/access/request/", {"perm": PERM, "justification": JUSTIFICATION})
    req = AccessRequest.objects.get(user=phd_emea, perm=PERM)
    assert resp.status_code == 302 and resp["Location"] == f"/console/access/{req.pk}/"
    assert req.status == AccessStatus.REQUESTED and req.approver == manager
    assert not has_privilege(phd_emea, PERM)

    deliver()
    [mail] = smtp_server.box.to(manager.email)
    assert "Issue NFR licenses" in mail["Subject"]
    assert JUSTIFICATION in smtp_server.box.text(mail)
    assert f"/console/access/{req.pk}/" in smtp_server.box.text(mail)

    client.force_login(manager)
    assert "Waiting for my decision" in client.get("/console/access/").content.decode()
    assert client.get(f"/console/access/{req.pk}/").status_code == 200
    resp = client.post(f"/console/access/{req.pk}/approve/", {"note": "Go ahead."})
    assert resp.status_code == 302
    req.refresh_from_db()
    assert req.status == AccessStatus.APPROVED and req.decided_by == manager
    assert req.granted_until == timezone.localdate() + timedelta(days=365)
    # The grant is read from the database: even a user object with a filled cache sees it.
    assert has_privilege(stale, PERM)
    assert _fresh(phd_emea).has_perm(PERM)

    smtp_server.box.clear()
    deliver()
    [decided] = smtp_server.box.to(phd_emea.email)
    assert decided["Subject"].startswith("Granted")
    assert "Go ahead." in smtp_server.box.text(decided)

    with transaction.atomic():
        privilege_used(user=phd_emea, perm=PERM, detail="license L-1 for Acme")
    used = AccessEvent.objects.get(kind="used")
    assert used.request == req and used.user == phd_emea and used.detail == "license L-1 for Acme"

    client.force_login(leadership)
    log = client.get("/console/access/?kind=used").content.decode()
    assert "license L-1 for Acme" in log
    resp = client.post(f"/console/access/{req.pk}/revoke/", {"reason": "Moved to another team."})
    assert resp.status_code == 302
    req.refresh_from_db()
    assert req.status == AccessStatus.REVOKED and req.revoked_by == leadership
    assert not has_privilege(stale, PERM)
    assert not _fresh(phd_emea).has_perm(PERM)
    assert _events(req) == ["requested", "approved", "granted", "used", "revoked"]

    smtp_server.box.clear()
    deliver()
    [revoked] = smtp_server.box.to(phd_emea.email)
    assert revoked["Subject"].startswith("Revoked")
    assert "Moved to another team." in smtp_server.box.text(revoked)

    export = client.get("/console/access/events.csv?user=phd.emea")
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert rows[0][:3] == ["at", "kind", "person"]
    assert sorted(r[1] for r in rows[1:]) == sorted(["requested", "approved", "granted", "used", "revoked"])


def test_the_holder_can_give_up_the_permission(client, phd_emea, manager):
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    access_request_approve(request=req, by=manager)
    client.force_login(phd_emea)
    resp = client.post(f"/console/access/{req.pk}/revoke/", {"reason": "No longer needed."})
    assert resp.status_code == 302
    assert not has_privilege(phd_emea, PERM)
    assert AccessRequest.objects.get(pk=req.pk).revoked_by == phd_emea


def test_a_requester_cannot_approve_their_own_request(client, leadership, administrator):
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=leadership)
    client.force_login(leadership)
    resp = client.post(f"/console/access/{req.pk}/approve/", {})
    assert resp.status_code == 403
    with pytest.raises(NotAllowed):
        access_request_approve(request=req, by=leadership)
    assert AccessRequest.objects.get(pk=req.pk).status == AccessStatus.REQUESTED
    assert not has_privilege(leadership, PERM)
    # Another person with the authority may.
    access_request_approve(request=req, by=administrator)
    assert has_privilege(leadership, PERM)


def test_staff_who_are_not_the_manager_are_refused(client, phd_emea, manager, cam, leadership):
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    client.force_login(cam)
    assert client.get(f"/console/access/{req.pk}/").status_code == 404  # not their team
    assert client.post(f"/console/access/{req.pk}/approve/", {}).status_code == 403
    assert client.post(f"/console/access/{req.pk}/reject/", {"note": "no"}).status_code == 403
    assert client.post(f"/console/access/{req.pk}/withdraw/").status_code == 403
    assert AccessRequest.objects.get(pk=req.pk).status == AccessStatus.REQUESTED
    access_request_approve(request=req, by=leadership)  # leadership decides for any team
    # Revoking is for leadership, administrators and the holder, not the manager or a colleague.
    for person in (cam, manager):
        client.force_login(person)
        assert client.post(f"/console/access/{req.pk}/revoke/", {"reason": "because"}).status_code == 403
    assert has_privilege(phd_emea, PERM)
    assert _events(req) == ["requested", "approved", "granted"]


def _state() -> tuple[int, int, int]:
    return AccessRequest.objects.count(), AccessEvent.objects.count(), OutboxMessage.objects.count()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"perm": PERM, "justification": ""}, "This field is required."),
        ({"perm": PERM, "justification": "   "}, "This field is required."),
        ({"perm": PERM, "justification": "I need it, please."}, "at least 20 characters"),
        ({"perm": "licensing.delete_license", "justification": JUSTIFICATION}, "Select a valid choice"),
        ({"perm": "", "justification": JUSTIFICATION}, "This field is required."),
    ],
)
def test_bad_requests_change_nothing(client, phd_emea, manager, data, message):
    client.force_login(phd_emea)
    before = _state()
    resp = client.post("/console/access/request/", data)
    assert resp.status_code == 400
    assert message in resp.content.decode()
    assert _state() == before


def test_a_second_open_request_or_a_request_for_a_held_permission_is_refused(client, phd_emea, manager):
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    client.force_login(phd_emea)
    before = _state()
    resp = client.post("/console/access/request/", {"perm": PERM, "justification": JUSTIFICATION + " Again."})
    assert resp.status_code == 400 and "already have an open request" in resp.content.decode()
    assert _state() == before
    access_request_approve(request=req, by=manager)
    before = _state()
    resp = client.post("/console/access/request/", {"perm": PERM, "justification": JUSTIFICATION})
    assert resp.status_code == 400 and "already hold this permission" in resp.content.decode()
    assert _state() == before


def test_unregistered_privileges_and_partner_people_cannot_be_requested(phd_emea, user_a):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        access_request_create(perm="partners.change_partner", justification=JUSTIFICATION, by=phd_emea)
    with pytest.raises(NotAllowed):
        access_request_create(perm=PERM, justification=JUSTIFICATION, by=user_a)
    assert AccessRequest.objects.count() == 0


def test_reject_needs_a_note_and_tells_the_requester(client, phd_emea, manager, smtp_server, deliver):
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    client.force_login(manager)
    before = _state()
    resp = client.post(f"/console/access/{req.pk}/reject/", {"note": ""})
    assert resp.status_code == 400 and _state() == before
    resp = client.post(f"/console/access/{req.pk}/reject/", {"note": "Ask again after the training."})
    assert resp.status_code == 302
    req.refresh_from_db()
    assert req.status == AccessStatus.REJECTED and not has_privilege(phd_emea, PERM)
    smtp_server.box.clear()
    deliver()
    [mail] = smtp_server.box.to(phd_emea.email)
    assert mail["Subject"].startswith("Rejected")
    assert "Ask again after the training." in smtp_server.box.text(mail)
    # A decided request cannot be decided again.
    assert client.post(f"/console/access/{req.pk}/approve/", {}).status_code == 400
    assert AccessRequest.objects.get(pk=req.pk).status == AccessStatus.REJECTED


def test_revoke_needs_a_reason(client, phd_emea, manager, leadership):
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    access_request_approve(request=req, by=manager)
    client.force_login(leadership)
    before = _state()
    assert client.post(f"/console/access/{req.pk}/revoke/", {"reason": " "}).status_code == 400
    assert _state() == before and has_privilege(phd_emea, PERM)


def test_the_requester_can_withdraw_an_open_request(client, phd_emea, manager):
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    client.force_login(phd_emea)
    assert client.post(f"/console/access/{req.pk}/withdraw/").status_code == 302
    assert AccessRequest.objects.get(pk=req.pk).status == AccessStatus.WITHDRAWN
    assert _events(req) == ["requested", "withdrawn"]
    # A new request is possible afterwards.
    access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)


def test_the_daily_job_ends_grants_that_ran_out(phd_emea, manager, smtp_server, deliver):
    assert "access_grants_expire" in {s.name for s in schedules()}
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    until = timezone.localdate() + timedelta(days=3)
    access_request_approve(request=req, by=manager, granted_until=until)
    assert has_privilege(phd_emea, PERM)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert access_grants_expire() == 0  # the last day still counts
        assert has_privilege(phd_emea, PERM)
    with time_machine.travel(timezone.now() + timedelta(days=4, hours=1)):
        assert not has_privilege(phd_emea, PERM)  # false at once, before the job runs
        from channelops.accounts.tasks import access_grants_expire_task

        assert access_grants_expire_task.call() == 1
        assert access_grants_expire() == 0  # once
    req.refresh_from_db()
    assert req.status == AccessStatus.EXPIRED
    assert not _fresh(phd_emea).has_perm(PERM)
    assert _events(req)[-1] == "expired"
    with time_machine.travel(timezone.now() + timedelta(days=4, hours=1)):
        deliver()
    subjects = sorted(m["Subject"] for m in smtp_server.box.to(phd_emea.email))
    assert [s.split(":")[0] for s in subjects] == ["Expired", "Granted"]


def test_approval_refuses_a_grant_longer_than_the_setting(frozen_clock, client, phd_emea, manager, settings):
    settings.ACCESS_GRANT_DAYS = 30
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    client.force_login(manager)
    late = (timezone.localdate() + timedelta(days=31)).isoformat()
    assert client.post(f"/console/access/{req.pk}/approve/", {"granted_until": late}).status_code == 400
    assert AccessRequest.objects.get(pk=req.pk).status == AccessStatus.REQUESTED
    assert client.post(f"/console/access/{req.pk}/approve/", {}).status_code == 302
    assert AccessRequest.objects.get(pk=req.pk).granted_until == timezone.localdate() + timedelta(days=30)


def test_has_privilege_is_for_active_staff_with_a_grant_superusers_included(phd_emea, manager, administrator):
    assert not has_privilege(administrator, PERM)  # a superuser, but no grant
    assert not has_privilege(None, PERM)
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    access_request_approve(request=req, by=manager)
    assert has_privilege(phd_emea, PERM)
    assert not has_privilege(phd_emea, "licensing.other")
    User.objects.filter(pk=phd_emea.pk).update(is_active=False)
    assert not has_privilege(_fresh(phd_emea), PERM)
    User.objects.filter(pk=phd_emea.pk).update(is_active=True, is_staff=False)
    assert not has_privilege(_fresh(phd_emea), PERM)


def test_has_privilege_costs_one_query_at_most(phd_emea, django_assert_max_num_queries):
    user = _fresh(phd_emea)
    with django_assert_max_num_queries(1):
        has_privilege(user, PERM)


def test_the_registry_is_idempotent_and_refuses_malformed_names():
    register_privilege(PERM, label="Issue NFR licenses", description="Sign and send NFR license files.")
    assert privileges()[PERM] == Privilege(
        perm=PERM, label="Issue NFR licenses", description="Sign and send NFR license files."
    )
    with pytest.raises(ValueError):
        register_privilege("issue_license", label="x", description="y")


def test_the_audit_trail_cannot_be_changed_or_deleted(phd_emea):
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    event = AccessEvent.objects.get(request=req)
    event.detail = "forged"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    with pytest.raises(ValueError):
        AccessEvent.objects.all().update(detail="forged")
    with pytest.raises(ValueError):
        AccessEvent.objects.all().delete()
    with pytest.raises(ValueError):
        req.delete()
    assert AccessEvent.objects.get(pk=event.pk).detail == JUSTIFICATION
    assert req.history.count() == 1


def _access_urls(pk: int) -> list[tuple[str, str, dict]]:
    return [
        ("get", "/console/access/", {}),
        ("post", "/console/access/request/", {"perm": PERM, "justification": JUSTIFICATION}),
        ("get", "/console/access/request/", {}),
        ("get", "/console/access/events.csv", {}),
        ("get", f"/console/access/{pk}/", {}),
        ("post", f"/console/access/{pk}/approve/", {}),
        ("post", f"/console/access/{pk}/reject/", {"note": "no"}),
        ("post", f"/console/access/{pk}/revoke/", {"reason": "no"}),
        ("post", f"/console/access/{pk}/withdraw/", {}),
    ]


def test_partner_people_are_denied_every_access_page(client, phd_emea, manager, admin_a, user_a, user_b):
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=phd_emea)
    before = _state()
    for person in (admin_a, user_a, user_b):
        client.force_login(person)
        for method, url, data in _access_urls(req.pk):
            resp = getattr(client, method)(url, data)
            assert resp.status_code in (403, 404, 405), (person.email, method, url, resp.status_code)
            assert JUSTIFICATION not in resp.content.decode()
    client.logout()
    for method, url, data in _access_urls(req.pk):
        resp = getattr(client, method)(url, data)
        assert resp.status_code in (302, 405) and "/accounts/login/" in resp.get(
            "Location", "/accounts/login/"
        )
    assert _state() == before
    assert AccessRequest.objects.get(pk=req.pk).status == AccessStatus.REQUESTED


def _add_requests(n: int, leadership: User) -> AccessRequest:
    team = StaffTeam.objects.get(kind="help_desk")
    req = None
    for i in range(n):
        person = StaffFactory(roles=["phd_specialist"], mfa=False)
        team.members.add(person)
        req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=person)
        if i % 2:
            access_request_approve(request=req, by=leadership)
            privilege_used(user=person, perm=PERM, detail="license")
    assert req is not None
    return req


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("viewer", ["leadership", "manager"])
def test_the_access_pages_run_the_same_number_of_queries_with_3_or_30_requests(
    client, viewer, manager, leadership
):
    access_request_create(perm=PERM, justification=JUSTIFICATION, by=manager)  # "my requests" has a row
    person = {"leadership": leadership, "manager": manager}[viewer]
    client.force_login(person)
    req = _add_requests(3, leadership)
    # list: session, user, roles (groups), my requests, waiting for me, grants, audit log,
    # unread-notifications badge; detail: session, user, the request, roles, its events, badge.
    few = (_count(client, "/console/access/"), _count(client, f"/console/access/{req.pk}/"))
    req = _add_requests(27, leadership)
    many = (_count(client, "/console/access/"), _count(client, f"/console/access/{req.pk}/"))
    assert few == many
    assert few[0] <= 9 and few[1] <= 8


def test_demo_phd_specialists_hold_the_license_privilege_through_an_approved_request(db):
    from channelops.demo.data import DEMO_DOMAIN, demo_people

    demo_people()
    demo_people()  # idempotent
    phds = list(User.objects.with_role("phd_specialist").filter(email__endswith=f"@{DEMO_DOMAIN}"))
    assert phds
    lead = User.objects.get(email=f"leadership@{DEMO_DOMAIN}")
    for phd in phds:
        assert has_privilege(phd, PERM)
        [grant] = AccessRequest.objects.filter(user=phd, perm=PERM)
        assert grant.status == AccessStatus.APPROVED and grant.decided_by == lead
        events = _events(grant)
        assert events[:3] == ["requested", "approved", "granted"]
        assert set(events[3:]) <= {"used"}  # the demo's Acme license was issued with it
    assert not has_privilege(User.objects.get(email=f"cam@{DEMO_DOMAIN}"), PERM)


# --- no self-escalation: is_staff, is_superuser, roles and permissions (issue 11 item 5) ----------


def _user_form(user: User, **changes: object) -> dict[str, object]:
    """The data console's change form of ``user`` as a browser would post it, with ``changes``."""
    joined = timezone.localtime(user.date_joined)
    data: dict[str, object] = {
        "email": user.email,
        "full_name": user.full_name,
        "date_joined_0": joined.date().isoformat(),
        "date_joined_1": joined.time().replace(microsecond=0).isoformat(),
        "last_login_0": "",
        "last_login_1": "",
    }
    if user.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return data


def _group(name: str) -> int:
    from django.contrib.auth.models import Group

    return Group.objects.get(name=name).pk


def test_an_administrator_cannot_make_themselves_superuser_in_the_data_console(db, client):
    admin_only = StaffFactory(email="admin.only@vendor.test", roles=["administrator"])
    client.force_login(admin_only)
    url = f"/console/admin/accounts/user/{admin_only.pk}/change/"
    crafted = _user_form(
        admin_only, is_staff="on", is_superuser="on", groups=[_group("administrator")], user_permissions=[]
    )
    assert client.post(url, crafted).status_code == 403
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(form.fields)
    admin_only = _fresh(admin_only)
    assert not admin_only.is_superuser
    assert not has_privilege(admin_only, PERM)
    [refused] = AccessEvent.objects.filter(user=admin_only)
    assert (refused.kind, refused.by, refused.perm) == ("access_refused", admin_only, "account")
    assert "is_superuser" in refused.detail


def test_an_administrator_cannot_change_anothers_flags_or_roles_in_the_data_console(client, cam):
    admin_only = StaffFactory(email="admin.only@vendor.test", roles=["administrator"])
    client.force_login(admin_only)
    url = f"/console/admin/accounts/user/{cam.pk}/change/"
    form = client.get(url).context["adminform"].form
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(form.fields)
    crafted = _user_form(cam, is_staff="on", is_superuser="on", groups=[_group("administrator")])
    assert client.post(url, crafted).status_code == 403
    cam = _fresh(cam)
    assert not cam.is_superuser and set(cam.groups.values_list("name", flat=True)) == {"cam"}
    # Other fields stay editable for the administrator.
    assert client.post(url, _user_form(cam, full_name="Cam Renamed")).status_code == 302
    assert _fresh(cam).full_name == "Cam Renamed"


def test_a_superuser_cannot_change_their_own_access_in_the_data_console(client, administrator):
    client.force_login(administrator)
    url = f"/console/admin/accounts/user/{administrator.pk}/change/"
    form = client.get(url).context["adminform"].form
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(form.fields)
    crafted = _user_form(administrator, is_staff="on", is_superuser="on", groups=[_group("legal")])
    assert client.post(url, crafted).status_code == 403
    assert set(_fresh(administrator).groups.values_list("name", flat=True)) == {"administrator"}


def test_a_superuser_changes_someone_elses_access_and_each_change_is_an_access_event(
    client, administrator, cam
):
    from django.contrib.auth.models import Permission

    client.force_login(administrator)
    url = f"/console/admin/accounts/user/{cam.pk}/change/"
    form = client.get(url).context["adminform"].form
    assert {"is_superuser", "is_staff", "groups", "user_permissions"} <= set(form.fields)
    # Privileged permissions are granted through access requests only, never ticked here.
    assert not form.fields["user_permissions"].queryset.filter(codename="issue_license").exists()
    export = Permission.objects.get(codename="view_outboxmessage")
    data = _user_form(
        cam, is_staff="on", groups=[_group("cam"), _group("legal")], user_permissions=[export.pk]
    )
    assert client.post(url, data).status_code == 302
    cam = _fresh(cam)
    assert set(cam.groups.values_list("name", flat=True)) == {"cam", "legal"}
    assert cam.has_perm("core.view_outboxmessage")
    events = sorted(AccessEvent.objects.filter(user=cam).values_list("kind", "perm", "by_id"))
    assert events == [
        ("access_added", "core.view_outboxmessage", administrator.pk),
        ("access_added", "role:legal", administrator.pk),
    ]
    crafted = _user_form(
        cam,
        is_staff="on",
        groups=[_group("cam"), _group("legal")],
        user_permissions=[export.pk, Permission.objects.get(codename="issue_license").pk],
    )
    assert client.post(url, crafted).status_code == 200  # not a valid choice
    assert not _fresh(cam).user_permissions.filter(codename="issue_license").exists()
    # Taking the role away and making them superuser are recorded too …
    data = _user_form(cam, is_staff="on", is_superuser="on", groups=[_group("cam")])
    assert client.post(url, data).status_code == 302
    assert sorted(AccessEvent.objects.filter(user=cam).values_list("kind", "perm"))[-3:] == [
        ("access_added", "superuser"),
        ("access_removed", "core.view_outboxmessage"),
        ("access_removed", "role:legal"),
    ]
    # … and the new superuser still needs a grant for a privileged permission.
    assert not has_privilege(_fresh(cam), PERM)
    # The audit log page filters them and exports them.
    page = client.get("/console/access/", {"kind": "access_added", "user": "cam@"}).content.decode()
    assert "role:legal" in page and "superuser" in page
    export_rows = list(
        csv.reader(
            io.StringIO(
                b"".join(
                    client.get("/console/access/events.csv", {"perm": "superuser"}).streaming_content
                ).decode()
            )
        )
    )
    assert [(r[1], r[2], r[3], r[4]) for r in export_rows[1:]] == [
        ("access_added", "cam@vendor.test", "superuser", administrator.email)
    ]


def test_the_access_service_refuses_non_superusers_self_changes_and_privileged_permissions(
    administrator, cam, leadership
):
    from django.contrib.auth.models import Group, Permission
    from django.core.exceptions import ValidationError

    from channelops.accounts.services import user_access_change

    admin_only = StaffFactory(email="admin.only@vendor.test", roles=["administrator"])
    with pytest.raises(NotAllowed):
        user_access_change(user=admin_only, by=admin_only, is_superuser=True)
    with pytest.raises(NotAllowed):
        user_access_change(user=cam, by=admin_only, groups=Group.objects.filter(name="administrator"))
    with pytest.raises(NotAllowed):
        user_access_change(user=administrator, by=administrator, is_staff=False)
    with pytest.raises(ValidationError):
        user_access_change(
            user=cam, by=administrator, permissions=Permission.objects.filter(codename="issue_license")
        )
    assert not _fresh(admin_only).is_superuser and not _fresh(cam).is_superuser
    assert not AccessEvent.objects.filter(kind="access_added").exists()
    events = user_access_change(
        user=cam, by=administrator, is_superuser=True, groups=Group.objects.filter(name="legal")
    )
    assert sorted((e.kind, e.perm) for e in events) == [
        ("access_added", "role:legal"),
        ("access_added", "superuser"),
        ("access_removed", "role:cam"),
    ]
    assert user_access_change(user=cam, by=administrator, is_superuser=True) == []  # no change, no event


def test_a_superuser_needs_an_approved_request_for_a_privileged_permission(administrator, leadership):
    assert not has_privilege(administrator, PERM)
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=administrator)
    with pytest.raises(NotAllowed):
        access_request_approve(request=req, by=administrator)  # not even a superuser approves their own
    assert not has_privilege(administrator, PERM)
    access_request_approve(request=req, by=leadership)
    assert has_privilege(administrator, PERM)


def test_a_superuser_sees_the_request_form_for_a_privilege_they_lack(client, administrator):
    client.force_login(administrator)
    page = client.get("/console/access/").content.decode()
    assert 'action="/console/access/request/"' in page
    resp = client.post("/console/access/request/", {"perm": PERM, "justification": JUSTIFICATION})
    assert resp.status_code == 302
    assert AccessRequest.objects.get(user=administrator, perm=PERM).status == AccessStatus.REQUESTED


@pytest.mark.usefixtures("license_key_dir")
def test_a_superuser_cannot_issue_licenses_through_the_api_or_console_without_a_grant(
    partner_a, admin_a, cam, administrator, leadership, api_client, client
):
    from channelops.licensing.models import RequestStatus
    from channelops.licensing.services import nfr_request_submit

    from .test_nfr_requests import FORM, accept_all

    partner_a.cam = cam
    partner_a.save(update_fields=["cam"])
    accept_all(partner_a, admin_a)
    ready = nfr_request_submit(partner=partner_a, by=admin_a, **{**FORM, "seats": 5, "term_months": 12})
    client.force_login(administrator)
    page = client.get(f"/console/nfr/{ready.pk}/").content.decode()
    assert "Ask for it with an access request" in page
    assert client.post(f"/console/nfr/{ready.pk}/approve/").status_code == 403
    assert api_client(administrator).post(f"/api/v1/nfr-requests/{ready.pk}/approve").status_code == 403
    ready.refresh_from_db()
    assert ready.status == RequestStatus.SUBMITTED
    req = access_request_create(perm=PERM, justification=JUSTIFICATION, by=administrator)
    access_request_approve(request=req, by=leadership)
    response = api_client(administrator).post(f"/api/v1/nfr-requests/{ready.pk}/approve")
    assert response.status_code == 200, response.content
    assert _events(req)[-1] == "used"


def test_no_api_endpoint_accepts_staff_superuser_role_or_permission_fields(client, db):
    """The API changes nobody's access: no request body or parameter carries those fields."""
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]

    def names(node: object, seen: set[str]) -> set[str]:
        found: set[str] = set()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref not in seen:
                found |= names(components[ref.rsplit("/", 1)[-1]], seen | {ref})
            found |= set(node.get("properties", {}))
            for value in node.values():
                found |= names(value, seen)
        elif isinstance(node, list):
            for value in node:
                found |= names(value, seen)
        return found

    accepted: set[str] = set()
    writes = 0
    for path_item in schema["paths"].values():
        for method, op in path_item.items():
            if method in ("post", "put", "patch", "delete"):
                writes += 1
                accepted |= names(op.get("requestBody", {}), set())
                accepted |= {p["name"] for p in op.get("parameters", [])}
    assert writes > 10 and "email" in accepted  # the walk sees the bodies
    assert not accepted & {"is_staff", "is_superuser", "groups", "user_permissions", "roles", "permissions"}


def test_an_administrator_cannot_edit_a_superusers_account(client, administrator):
    admin_only = StaffFactory(email="admin.only@vendor.test", roles=["administrator"])
    client.force_login(admin_only)
    base = f"/console/admin/accounts/user/{administrator.pk}"
    assert (
        client.post(f"{base}/change/", _user_form(administrator, email="mine@evil.test")).status_code == 403
    )
    assert client.get(f"{base}/password/").status_code == 403
    assert client.post(f"{base}/delete/", {"post": "yes"}).status_code == 403
    assert _fresh(administrator).email == "root@vendor.test"


def test_only_a_superuser_changes_a_roles_permissions_and_never_to_a_privileged_one(client, administrator):
    from django.contrib.auth.models import Group, Permission

    legal = Group.objects.get(name="legal")
    issue = Permission.objects.get(codename="issue_license")
    admin_only = StaffFactory(email="admin.only@vendor.test", roles=["administrator"])
    client.force_login(admin_only)
    url = f"/console/admin/auth/group/{legal.pk}/change/"
    assert client.get(url).status_code == 200  # read-only view
    before = set(legal.permissions.values_list("pk", flat=True))
    grab = {"name": "legal", "permissions": [*before, Permission.objects.get(codename="change_user").pk]}
    assert client.post(url, grab).status_code == 403
    assert client.post("/console/admin/auth/group/add/", {"name": "mine"}).status_code == 403
    assert set(legal.permissions.values_list("pk", flat=True)) == before
    client.force_login(administrator)
    assert not client.get(url).context["adminform"].form.fields["permissions"].queryset.filter(pk=issue.pk)
    assert client.post(url, {"name": "legal", "permissions": [*before, issue.pk]}).status_code == 200
    assert not legal.permissions.filter(pk=issue.pk).exists()
    # A superuser's change of a role is an access event for each of its members.
    lawyer = StaffFactory(email="lawyer@vendor.test", roles=["legal"])
    outbox = Permission.objects.get(codename="view_outboxmessage")
    assert client.post(url, {"name": "legal", "permissions": [*before, outbox.pk]}).status_code == 302
    assert legal.permissions.filter(pk=outbox.pk).exists()
    [event] = AccessEvent.objects.filter(user=lawyer)
    assert (event.kind, event.perm, event.by, event.detail) == (
        "access_added",
        "core.view_outboxmessage",
        administrator,
        "through role:legal",
    )
