"""NFR amend (with the answer), withdraw and staff correct over /api/v1 (issue 14), through the same
services as the pages."""

from __future__ import annotations

import json

import pytest

from channelops.licensing.models import NfrRequest, RequestEvent
from channelops.licensing.services import nfr_request_ask

from .test_nfr_amend import big_request

pytestmark = [pytest.mark.django_db]


def post(client, path: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def asked(partner_a, admin_a, phd_emea) -> NfrRequest:  # type: ignore[no-untyped-def]
    req = big_request(partner_a, admin_a)
    return nfr_request_ask(request=req, by=phd_emea, question="500 seats is over your allowance: fewer?")


def kinds(req: NfrRequest) -> list[str]:
    return list(RequestEvent.objects.filter(request=req).order_by("at", "pk").values_list("kind", flat=True))


def test_the_answer_may_amend_the_seats_and_only_what_it_names_changes(asked, admin_a, api_client):
    resp = post(
        api_client(admin_a), f"/api/v1/nfr-requests/{asked.pk}/answer", {"answer": "5 is enough", "seats": 5}
    )
    assert resp.status_code == 200, resp.content
    data = resp.json()
    assert (data["status"], data["seats"], data["term_months"]) == ("submitted", 5, 12)
    assert kinds(asked)[-2:] == ["answer", "amended"]
    assert "Seats: 500 → 5" in RequestEvent.objects.get(request=asked, kind="amended").detail


def test_an_invalid_amendment_is_refused_and_changes_nothing(asked, admin_a, api_client):
    resp = post(api_client(admin_a), f"/api/v1/nfr-requests/{asked.pk}/answer", {"answer": "x", "seats": 0})
    assert resp.status_code == 422
    asked.refresh_from_db()
    assert (asked.status, asked.seats) == ("needs_info", 500)


def test_an_answer_without_amendment_still_works(asked, admin_a, api_client):
    resp = post(
        api_client(admin_a), f"/api/v1/nfr-requests/{asked.pk}/answer", {"answer": "It is for the lab"}
    )
    assert resp.status_code == 200 and resp.json()["seats"] == 500
    assert "amended" not in kinds(asked)


def test_the_partner_withdraws_over_the_api_and_a_decided_request_is_refused(asked, admin_a, api_client):
    client = api_client(admin_a)
    resp = post(client, f"/api/v1/nfr-requests/{asked.pk}/withdraw")
    assert resp.status_code == 200 and resp.json()["status"] == "withdrawn"
    again = post(client, f"/api/v1/nfr-requests/{asked.pk}/withdraw")
    assert again.status_code == 422


def test_another_partners_people_cannot_withdraw_amend_or_correct(asked, user_b, api_client):
    client = api_client(user_b)
    for path, body in (
        ("withdraw", {}),
        ("answer", {"answer": "pwned", "seats": 1}),
        ("correct", {"reason": "pwned", "seats": 1}),
    ):
        assert post(client, f"/api/v1/nfr-requests/{asked.pk}/{path}", body).status_code == 404
    asked.refresh_from_db()
    assert (asked.status, asked.seats) == ("needs_info", 500)


def test_staff_correct_with_a_reason_and_partner_people_may_not(asked, admin_a, phd_emea, api_client):
    resp = post(api_client(admin_a), f"/api/v1/nfr-requests/{asked.pk}/correct", {"reason": "x", "seats": 5})
    assert resp.status_code == 403
    resp = post(
        api_client(phd_emea),
        f"/api/v1/nfr-requests/{asked.pk}/correct",
        {"reason": "Typo in the seats", "seats": 50},
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["seats"] == 50
    asked.refresh_from_db()
    assert asked.history.first().history_user == phd_emea
    assert "corrected" in kinds(asked)


def test_staff_cannot_withdraw_for_the_partner(asked, phd_emea, api_client):
    assert post(api_client(phd_emea), f"/api/v1/nfr-requests/{asked.pk}/withdraw").status_code == 403
