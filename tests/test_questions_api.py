"""Questions over the API (issue 16): scoped by visible_to — a partner's token sees only its
partner's questions, never internal notes; create, reply, notes; constant query counts."""

from __future__ import annotations

import base64

import pytest
from django.utils import translation

from channelops.helpdesk.models import Question
from channelops.helpdesk.question_services import question_reply, question_submit
from channelops.partners.models import RegionRouting

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def phd(db):
    person = StaffFactory(email="phd.emea@vendor.test", roles=["phd_specialist"])
    RegionRouting.objects.filter(region__code="EMEA").update(phd_specialist=person)
    return person


def ask(by, partner, subject="Question"):
    return question_submit(by=by, partner=partner, category="portal", subject=subject, body="Body text")


@pytest.mark.django_db
def test_a_partner_token_sees_only_its_partners_questions_and_never_notes(
    api_client, phd, user_a, partner_a, user_b, partner_b
):
    mine = ask(user_a, partner_a, "Ours")
    theirs = ask(user_b, partner_b, "Theirs")
    question_reply(question=mine, by=phd, body="Public answer")
    question_reply(question=mine, by=phd, body="SECRET note", internal=True)
    c = api_client(user_a)
    resp = c.get("/api/v1/questions")
    assert resp.status_code == 200
    assert [q["number"] for q in resp.json()["items"]] == [mine.number]
    assert c.get(f"/api/v1/questions?partner_id={partner_b.pk}").json()["items"] == []
    assert c.get(f"/api/v1/questions/{theirs.pk}").status_code == 404
    detail = c.get(f"/api/v1/questions/{mine.pk}").json()
    assert [m["kind"] for m in detail["messages"]] == ["partner", "staff"]
    assert "SECRET" not in str(detail)
    assert (
        c.post(
            f"/api/v1/questions/{theirs.pk}/replies", {"body": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    staff = api_client(phd).get(f"/api/v1/questions/{mine.pk}").json()
    assert [m["kind"] for m in staff["messages"]] == ["partner", "staff", "note"]


@pytest.mark.django_db
def test_partner_people_ask_and_reply_and_the_help_desk_answers_over_the_api(
    api_client, phd, user_a, partner_a, partner_b
):
    c = api_client(user_a)
    resp = c.post(
        "/api/v1/questions",
        {
            "partner_id": partner_b.pk,  # ignored: a partner person asks for their own partner
            "category": "licensing",
            "subject": "License?",
            "body": "Where is it?",
            "attachments": [{"filename": "shot.png", "content_base64": base64.b64encode(PNG).decode()}],
        },
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    q = Question.objects.get(pk=body["id"])
    assert (q.partner, q.source, q.assignee, body["region"]) == (partner_a, "api", phd, "EMEA")
    assert body["messages"][0]["attachments"][0]["filename"] == "shot.png"
    bad = c.post(
        "/api/v1/questions",
        {"category": "licensing", "subject": "", "body": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    bad64 = c.post(
        "/api/v1/questions",
        {
            "category": "data",
            "subject": "s",
            "body": "b",
            "attachments": [{"filename": "a.png", "content_base64": "***"}],
        },
        content_type="application/json",
    )
    assert bad64.status_code == 422 and Question.objects.count() == 1
    note = c.post(
        f"/api/v1/questions/{q.pk}/replies", {"body": "x", "internal": True}, content_type="application/json"
    )
    assert note.status_code == 403
    staff = api_client(phd)
    answer = staff.post(
        f"/api/v1/questions/{q.pk}/replies", {"body": "Issued."}, content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json()["kind"] == "staff"
    q.refresh_from_db()
    assert q.status == "waiting" and q.first_response_at is not None
    c = api_client(user_a)
    reply = c.post(f"/api/v1/questions/{q.pk}/replies", {"body": "Thanks"}, content_type="application/json")
    assert reply.status_code == 201 and reply.json()["kind"] == "partner"
    q.refresh_from_db()
    assert q.status == "open"
    staff = api_client(phd)
    assert (
        staff.post(
            "/api/v1/questions",
            {"category": "data", "subject": "s", "body": "b"},
            content_type="application/json",
        ).status_code
        == 422
    )  # staff name the partner


@pytest.mark.django_db
def test_a_cam_asks_for_their_partner_only(api_client, cam, partner_a, partner_b):
    partner_a.cam = cam
    partner_a.save()
    c = api_client(cam)
    ok = c.post(
        "/api/v1/questions",
        {"partner_id": partner_a.pk, "category": "mdf", "subject": "MDF", "body": "How?"},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["partner_id"] == partner_a.pk
    c = api_client(cam)
    refused = c.post(
        "/api/v1/questions",
        {"partner_id": partner_b.pk, "category": "mdf", "subject": "MDF", "body": "How?"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    c = api_client(cam)
    assert [q["partner_id"] for q in c.get("/api/v1/questions").json()["items"]] == [partner_a.pk]


@pytest.mark.django_db
def test_the_list_has_a_constant_number_of_queries(api_client, phd, django_assert_num_queries):
    partners = [PartnerFactory(country="GB") for _ in range(2)]
    for p in partners:
        person = MembershipFactory(partner=p, user=UserFactory()).user
        ask(person, p)
    c = api_client(phd)
    c.get("/api/v1/questions")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert c.get("/api/v1/questions").status_code == 200
    small = len(ctx.captured_queries)
    for _ in range(5):
        p = PartnerFactory(country="GB")
        ask(MembershipFactory(partner=p, user=UserFactory()).user, p)
    with django_assert_num_queries(small):
        assert len(c.get("/api/v1/questions").json()["items"]) == 7
