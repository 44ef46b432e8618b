"""MDF proposals over the API (channelops/mdf/api_proposals.py): partner-scoped reads, drafts and
sending to the CAM with the portal's rules; staff read everything."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
import time_machine

from channelops.mdf.models import Proposal

from .factories import StaffFactory
from .test_mdf_proposals import accept_all, draft

pytestmark = pytest.mark.django_db

BODY = {
    "activity_type": "event",
    "title": "Roadshow Leeds",
    "starts_on": "2026-12-10",
    "ends_on": "2026-12-11",
    "entered_amount": "2500.50",
    "entered_currency": "USD",
    "expected_leads": 12,
    "reviewed_with_cam": True,
}


@pytest.fixture(autouse=True)
def _in_the_quarter():
    with time_machine.travel(datetime.datetime(2026, 11, 16, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def eligible(partner_a, admin_a, cam):
    accept_all(partner_a, admin_a)
    partner_a.cam = cam
    partner_a.save()
    return admin_a


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_a_partner_person_creates_a_draft_and_sends_it(api_client, eligible, cam):
    client = api_client(eligible)
    r = post(client, "/api/v1/mdf/proposals", BODY)
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["number"], body["status"], Decimal(body["requested_amount"])) == (
        "MDF-000001",
        "draft",
        Decimal("2500.50"),
    )
    r = post(client, f"/api/v1/mdf/proposals/{body['id']}/send-to-cam")
    assert r.status_code == 200
    assert r.json()["status"] == "awaiting_cam" and r.json()["waiting_for"] == cam.get_full_name()
    listed = client.get("/api/v1/mdf/proposals").json()
    assert [p["number"] for p in listed["items"]] == ["MDF-000001"]


def test_bad_input_is_a_422_and_nothing_is_saved(api_client, eligible):
    client = api_client(eligible)
    r = post(client, "/api/v1/mdf/proposals", {**BODY, "entered_currency": "JPY", "ends_on": "2026-12-01"})
    assert r.status_code == 422
    assert set(r.json()["detail"]) == {"entered_currency", "ends_on"}
    assert not Proposal.objects.exists()
    p = draft(eligible.membership.partner, eligible, reviewed_with_cam=None)
    r = post(client, f"/api/v1/mdf/proposals/{p.pk}/send-to-cam")
    assert r.status_code == 422 and "reviewed_with_cam" in r.json()["detail"]


def test_who_may_create(api_client, partner_a, user_a, eligible, settings):
    assert post(api_client(user_a), "/api/v1/mdf/proposals", BODY).status_code == 403
    staff = StaffFactory(roles=["channel_marketing"])
    assert post(api_client(staff), "/api/v1/mdf/proposals", BODY).status_code == 403
    settings.MDF_ELIGIBLE_TIERS = ["select"]
    r = post(api_client(eligible), "/api/v1/mdf/proposals", BODY)
    assert r.status_code == 422 and "Select" in json.dumps(r.json())
    assert not Proposal.objects.exists()


def test_partner_scoped_reads(api_client, partner_a, eligible, user_b):
    p = draft(partner_a, eligible, title="Acme secret")
    other = api_client(user_b)
    assert other.get("/api/v1/mdf/proposals").json()["items"] == []
    assert other.get(f"/api/v1/mdf/proposals/{p.pk}").status_code == 404
    assert post(other, f"/api/v1/mdf/proposals/{p.pk}/send-to-cam").status_code == 404
    staff = api_client(StaffFactory(roles=["channel_marketing"]))
    assert staff.get(f"/api/v1/mdf/proposals/{p.pk}").json()["title"] == "Acme secret"
    assert post(staff, f"/api/v1/mdf/proposals/{p.pk}/send-to-cam").status_code == 403
    educator = api_client(StaffFactory(roles=["education_services"]))
    assert educator.get("/api/v1/mdf/proposals").json()["items"] == []
