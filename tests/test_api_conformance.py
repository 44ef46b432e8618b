"""API v1 keeps to its OpenAPI schema (issue 11): one declaration per documented answer, JSON
bodies that must be objects, strict dates, and JSON errors for every refused request."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from channelops.accounts.services import api_token_create
from channelops.enablement.models import BusinessPlan
from channelops.partners.models import Application, ApplicationStatus, Partner
from channelops.partners.registration import application_submit

from .factories import PractitionerRecordFactory

# Every operation documents these answers once (they come from the API itself, not the endpoint).
SHARED_ERRORS = {"400", "401", "413", "422"}


def _as(user) -> Client:  # type: ignore[no-untyped-def]
    _t, clear = api_token_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {clear}")


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _v in pairs]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicated, f"duplicated mapping key(s) {duplicated}"
    return dict(pairs)


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]


# --- the schema ---------------------------------------------------------------------------------


def test_the_openapi_document_has_no_duplicated_keys(client, db):
    # Swagger UI's YAML parser refused the document ("duplicated mapping key"); Python's json keeps
    # the last of two equal keys, so only a strict parse sees the problem.
    raw = client.get("/api/v1/openapi.json").content.decode()
    schema = json.loads(raw, object_pairs_hook=_no_duplicates)
    assert len(_operations(schema)) > 30


def test_every_operation_documents_the_shared_errors_with_a_json_body(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    for path, method, op in _operations(schema):
        responses = op["responses"]
        assert set(responses) >= SHARED_ERRORS, (path, method, sorted(responses))
        for status in SHARED_ERRORS:
            content = responses[status]["content"]["application/json"]["schema"]
            assert "detail" in content["required"], (path, method, status)
    four_hundred = schema["paths"]["/api/v1/partners"]["get"]["responses"]["400"]["description"]
    assert "NUL character" in four_hundred and "not valid JSON" in four_hundred


# --- JSON bodies ------------------------------------------------------------------------------------


@pytest.fixture
def submitted_application(cam) -> Application:  # type: ignore[no-untyped-def]
    return application_submit(
        company_name="Arrayco",
        website="https://arrayco.example",
        country="FR",
        region="EMEA",
        first_name="Ann",
        last_name="Array",
        email="ann@arrayco.example",
        programs=["reseller"],
        by=cam,
    )[0]


def _state(partner_a: Partner, application: Application) -> tuple:
    p = Partner.objects.get(pk=partner_a.pk)
    return (
        p.website,
        p.phone,
        p.description,
        BusinessPlan.objects.count(),
        Application.objects.get(pk=application.pk).status,
        Partner.objects.count(),
    )


ENDPOINTS = [
    ("admin_a", "patch", "/api/v1/partners/{partner}"),
    ("admin_a", "put", "/api/v1/partners/{partner}/business-plan"),
    ("admin_a", "post", "/api/v1/partners/{partner}/business-plan"),
    ("cam", "post", "/api/v1/applications/{application}/approve"),
    ("admin_a", "post", "/api/v1/contacts"),
]
NOT_OBJECTS = ["[null,null]", "[]", '"text"', "42", "null", "true"]


@pytest.mark.parametrize(
    "who, method, url, body",
    [
        (*endpoint, body)
        for endpoint in ENDPOINTS
        for body in NOT_OBJECTS
        # the approval's body is optional: its schema allows `null` (same as no body)
        if not (body == "null" and endpoint[2].endswith("/approve"))
    ],
)
def test_a_json_body_that_is_not_an_object_is_a_422_and_changes_nothing(
    request, partner_a, submitted_application, who, method, url, body
):
    before = _state(partner_a, submitted_application)
    api = _as(request.getfixturevalue(who))
    target = url.format(partner=partner_a.pk, application=submitted_application.pk)
    resp = getattr(api, method)(target, body, content_type="application/json")
    assert resp.status_code == 422, resp.content
    assert "Input should be a JSON object" in [e["msg"] for e in resp.json()["detail"]]
    assert _state(partner_a, submitted_application) == before
    assert Application.objects.get(pk=submitted_application.pk).status == ApplicationStatus.SUBMITTED


def test_a_deeply_nested_json_body_is_a_400_and_changes_nothing(partner_a, admin_a):
    before = Partner.objects.get(pk=partner_a.pk).website
    body = '{"website": ' + "[" * 100_000 + "]" * 100_000 + "}"
    resp = _as(admin_a).patch(f"/api/v1/partners/{partner_a.pk}", body, content_type="application/json")
    assert resp.status_code == 400
    assert resp.json() == {
        "detail": "Cannot parse request body: the JSON document nests deeper than 64 levels"
    }
    assert Partner.objects.get(pk=partner_a.pk).website == before


def test_a_json_object_body_still_works(partner_a, admin_a):
    resp = _as(admin_a).patch(
        f"/api/v1/partners/{partner_a.pk}",
        {"website": "https://new.example"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert Partner.objects.get(pk=partner_a.pk).website == "https://new.example"


# --- dates --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "1700000000", "20270101", "2027-1-1", "2027-01-01T00:00", "tomorrow"])
def test_a_date_filter_accepts_only_yyyy_mm_dd(cam, value):
    resp = _as(cam).get("/api/v1/practitioner-records", {"expires_before": value})
    assert resp.status_code == 422, resp.content
    assert resp.json()["detail"][0]["loc"] == ["query", "expires_before"]


def test_a_yyyy_mm_dd_date_filter_works(cam, partner_a):
    from datetime import date

    PractitionerRecordFactory(partner=partner_a, email="soon@acme.example", expires_on=date(2026, 3, 1))
    PractitionerRecordFactory(partner=partner_a, email="later@acme.example", expires_on=date(2027, 3, 1))
    resp = _as(cam).get("/api/v1/practitioner-records", {"expires_before": "2027-01-01"})
    assert resp.status_code == 200, resp.content
    assert [i["email"] for i in resp.json()["items"]] == ["soon@acme.example"]


def test_a_date_in_a_body_accepts_only_yyyy_mm_dd(partner_a, admin_a, db):
    from channelops.enablement.models import Certification

    cert = Certification.objects.first() or Certification.objects.create(
        slug="sac", name="Solution Architect Core", code="SAC"
    )
    url = f"/api/v1/partners/{partner_a.pk}/business-plan"
    body = {"targets": [{"certification_id": cert.pk, "people": 1, "by_date": 0}]}
    resp = _as(admin_a).put(url, body, content_type="application/json")
    assert resp.status_code == 422, resp.content
    assert "by_date" in json.dumps(resp.json()["detail"])
    assert not BusinessPlan.objects.exists()


# --- errors before the endpoint -----------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_a_json_413(partner_a, admin_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    before = Partner.objects.get(pk=partner_a.pk).website
    body = json.dumps({"website": "https://big.example", "description": "x" * 8 * 1024 * 1024})
    resp = _as(admin_a).patch(f"/api/v1/partners/{partner_a.pk}", body, content_type="application/json")
    assert resp.status_code == 413
    assert resp["Content-Type"] == "application/json"
    assert "too large" in resp.json()["detail"]
    assert Partner.objects.get(pk=partner_a.pk).website == before


def test_a_form_with_too_many_fields_is_a_json_400(admin_a, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    form = "&".join(f"f{i}=x" for i in range(50))
    resp = _as(admin_a).post("/api/v1/contacts", form, content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400
    assert resp["Content-Type"] == "application/json" and resp.json()["detail"]


def test_a_wrong_method_and_an_unknown_api_path_answer_json(admin_a):
    api = _as(admin_a)
    resp = api.delete("/api/v1/partners")
    assert resp.status_code == 405 and "GET" in resp["Allow"]
    assert resp.json() == {"detail": "Method Not Allowed"}
    resp = api.get("/api/v1/no-such-endpoint")
    assert resp.status_code == 404 and resp.json() == {"detail": "Not Found"}
