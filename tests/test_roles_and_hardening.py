"""Staff roles exist and limit what staff may change; staff need MFA for the API too; hardening."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from channelops.accounts.models import ApiToken
from channelops.accounts.roles import ROLES
from channelops.accounts.services import api_token_authenticate, api_token_create, user_totp_activate

from .factories import TEST_TOTP_SECRET, StaffFactory


def test_every_s1_staff_role_exists_as_a_group_with_its_permissions(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    cam = Group.objects.get(name="cam")
    perms = set(cam.permissions.values_list("codename", flat=True))
    assert {"view_partner", "change_partner", "add_contact"} <= perms
    legal = set(Group.objects.get(name="legal").permissions.values_list("codename", flat=True))
    assert "view_partner" in legal and "change_partner" not in legal


def test_a_view_only_staff_role_cannot_change_a_partner_through_the_api(db, partner_a, api_client):
    legal = StaffFactory(email="legal@vendor.test", roles=["legal"])
    client = api_client(legal)
    assert client.get(f"/api/v1/partners/{partner_a.pk}").status_code == 200
    resp = client.patch(
        f"/api/v1/partners/{partner_a.pk}",
        {"website": "https://hijack.example"},
        content_type="application/json",
    )
    assert resp.status_code == 403
    assert resp.json()["detail"] == "Your staff role does not allow this."
    partner_a.refresh_from_db()
    assert partner_a.website != "https://hijack.example"


def test_a_cam_can_change_a_partner_through_the_api(db, partner_a, cam, api_client):
    resp = api_client(cam).patch(
        f"/api/v1/partners/{partner_a.pk}", {"phone": "+49 30 1234"}, content_type="application/json"
    )
    assert resp.status_code == 200
    partner_a.refresh_from_db()
    assert partner_a.phone == "+49 30 1234"
    assert partner_a.history.first().history_user == cam  # the audit trail names the person


def test_staff_without_mfa_cannot_create_api_tokens(db, login):
    lead = StaffFactory(email="nomfa@vendor.test", roles=["channel_leadership"], mfa=False)
    with pytest.raises(ValidationError, match="authenticator app"):
        api_token_create(user=lead)
    resp = login(lead).post("/accounts/tokens/", {"name": "sneaky"})
    assert resp.status_code == 302 and resp["Location"] == "/accounts/2fa/totp/activate/"
    assert not ApiToken.objects.exists()


def test_a_staff_token_stops_working_when_the_authenticator_is_removed(db, client):
    from allauth.mfa.models import Authenticator

    lead = StaffFactory(email="lead2@vendor.test", roles=["channel_leadership"])
    _t, clear = api_token_create(user=lead)
    assert api_token_authenticate(clear) == lead
    Authenticator.objects.filter(user=lead).delete()
    assert api_token_authenticate(clear) is None
    resp = client.get("/api/v1/partners", HTTP_AUTHORIZATION=f"Bearer {clear}")
    assert resp.status_code == 401
    user_totp_activate(user=lead, secret=TEST_TOTP_SECRET)
    assert api_token_authenticate(clear) == lead


def test_demo_data_is_refused_in_production_mode(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refused when CHANNELOPS_PRODUCTION=true"):
        call_command("demo", partners=1)
    from channelops.accounts.models import User

    assert not User.objects.filter(email__endswith="@demo.channelops.test").exists()


def test_readyz_does_not_reveal_connection_details(db, client, settings, caplog):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}
    resp = client.get("/readyz")
    assert resp.status_code == 503
    assert resp.json() == {"status": "unavailable", "checks": {"database": "ok", "queue": "unavailable"}}
    assert "127.0.0.1" not in resp.content.decode()
    assert any("readiness check queue failed" in r.getMessage() for r in caplog.records)


def test_the_scheduler_refuses_to_start_with_an_invalid_override(db, monkeypatch):
    monkeypatch.setenv("CHANNELOPS_SCHEDULE_OUTBOX_SWEEP", "FREQ=SOMETIMES")
    with pytest.raises(CommandError, match="CHANNELOPS_SCHEDULE_OUTBOX_SWEEP"):
        call_command("scheduler", "--once")


def test_the_api_docs_use_local_assets_only(client, db):
    body = client.get("/api/v1/docs").content.decode()
    assert "cdn.jsdelivr.net" not in body and "unpkg.com" not in body
    assert "/static/ninja/" in body
