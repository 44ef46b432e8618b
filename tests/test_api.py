"""API v1: token authentication, scoping, partner profile edits, contacts, validation, OpenAPI, queries."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import connection
from django.test import Client

from channelops.accounts.models import ApiToken
from channelops.accounts.services import api_token_create, api_token_revoke
from channelops.cli import main as channelops_cli
from channelops.partners.models import Contact, Partner, PartnerStatus, Region, Tier
from channelops.partners.services import partner_person_deactivate

from .factories import ContactFactory, MembershipFactory, PartnerFactory, UserFactory

# The API validates e-mail addresses with email-validator, which refuses special-use
# domains such as .test: API payloads use example.com addresses.


def _bearer(clear: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {clear}"}


@pytest.fixture
def partner_user_b(partner_b):
    """A partner *user* (not admin) of partner B."""
    return MembershipFactory(partner=partner_b, role="user", user=UserFactory(email="user@b.test")).user


def _snapshot(partner: Partner) -> dict:
    p = Partner.objects.get(pk=partner.pk)
    return {
        f.attname: getattr(p, f.attname) for f in Partner._meta.concrete_fields if f.attname != "updated_at"
    }


# --- token authentication ------------------------------------------------------------------------


def test_a_request_without_a_token_is_401(client, partner_a):
    resp = client.get("/api/v1/partners")
    assert resp.status_code == 401
    assert resp.json() == {"detail": "Unauthorized"}


def test_a_signed_in_session_is_not_enough_for_the_api(login, admin_a):
    """The API authenticates by token only; a browser session (and its cookies) does not count."""
    assert login(admin_a).get("/api/v1/partners").status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cho_this-token-was-never-issued-0123456789abcdef",
        "Bearer not-even-a-channelops-token",
        "Bearer ",
        "Token cho_wrong-scheme",
        "Bearer cho_" + "x" * 500,
    ],
)
def test_an_unknown_or_malformed_token_is_401(client, admin_a, header):
    api_token_create(user=admin_a)  # a real token exists, but it is not the one sent
    resp = client.get("/api/v1/partners", HTTP_AUTHORIZATION=header)
    assert resp.status_code == 401


def test_a_token_revoked_through_the_service_is_401(client, admin_a):
    token, clear = api_token_create(user=admin_a)
    assert client.get("/api/v1/partners", **_bearer(clear)).status_code == 200
    api_token_revoke(token=token, by=admin_a)
    assert client.get("/api/v1/partners", **_bearer(clear)).status_code == 401


def test_a_token_revoked_with_the_channelops_token_revoke_command_is_401(
    client, admin_a, capsys, monkeypatch
):
    from django.db import connections

    # run_from_argv closes every connection when a command ends; on PostgreSQL that would end
    # the test's transaction, so it is kept open here.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    token, clear = api_token_create(user=admin_a)
    assert client.get("/api/v1/partners", **_bearer(clear)).status_code == 200
    channelops_cli(["channelops", "token", "revoke", token.prefix])
    assert f"revoked {token.prefix}" in capsys.readouterr().out
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/partners", **_bearer(clear)).status_code == 401


def test_the_token_revoke_command_names_an_unknown_prefix(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="No token with prefix 'cho_nothing'"):
        call_command("token", "revoke", "cho_nothing")


def test_a_deactivated_users_token_is_401(client, admin_a):
    _token, clear = api_token_create(user=admin_a)
    assert client.get("/api/v1/partners", **_bearer(clear)).status_code == 200
    admin_a.is_active = False
    admin_a.save(update_fields=["is_active"])  # deactivated directly, token left as it was
    assert client.get("/api/v1/partners", **_bearer(clear)).status_code == 401


def test_deactivating_a_partner_person_revokes_their_tokens(client, admin_a, user_a):
    token, clear = api_token_create(user=user_a)
    partner_person_deactivate(membership=user_a.membership, by=admin_a)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert client.get("/api/v1/partners", **_bearer(clear)).status_code == 401


def test_a_token_is_stored_hashed_and_the_clear_token_is_nowhere_in_the_database(admin_a):
    token, clear = api_token_create(user=admin_a, name="ci")
    assert clear.startswith("cho_")
    row = ApiToken.objects.get(pk=token.pk)
    assert row.token_hash == hashlib.sha256(clear.encode()).hexdigest()
    assert row.prefix == clear[:12]
    # No column of any table (the token table and its audit history included) holds the clear token.
    tables = [ApiToken._meta.db_table, ApiToken.history.model._meta.db_table]
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for values in cur.fetchall():
                assert not any(clear in str(v) for v in values), f"clear token found in {table}"


def test_the_tokens_page_shows_a_new_token_once_and_revokes_it(login, admin_a):
    page, api = login(admin_a), Client()
    resp = page.post("/accounts/tokens/", {"name": "ci"})
    # Shown on the answer to the POST itself (no redirect: the clear token is stored nowhere).
    assert resp.status_code == 200
    clear = resp.context["new_token"]
    assert clear.startswith("cho_") and clear in resp.content.decode()
    assert "Token “ci” created." in resp.content.decode()
    assert api.get("/api/v1/partners", **_bearer(clear)).status_code == 200
    again = page.get("/accounts/tokens/")
    assert not again.context["new_token"] and clear not in again.content.decode()
    assert page.post("/accounts/tokens/", {"name": ""}).status_code == 400
    assert ApiToken.objects.filter(user=admin_a).count() == 1
    token = ApiToken.objects.get(user=admin_a)
    assert page.get(f"/accounts/tokens/{token.pk}/revoke/").status_code == 405
    resp = page.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert resp.status_code == 302 and resp["Location"] == "/accounts/tokens/"
    assert api.get("/api/v1/partners", **_bearer(clear)).status_code == 401
    assert page.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404  # already revoked


# --- partners: listing, pagination, filters ------------------------------------------------------


@pytest.fixture
def directory(db):
    emea, amer = Region.objects.get(code="EMEA"), Region.objects.get(code="AMER")
    open_, select = Tier.objects.get(slug="open"), Tier.objects.get(slug="select")
    return {
        "alpha": PartnerFactory(legal_name="Alpha Cloud GmbH", region=emea, tier=open_, country="DE"),
        "bravo": PartnerFactory(legal_name="Bravo Systems Inc", region=amer, tier=select, country="US"),
        "charlie": PartnerFactory(
            legal_name="Charlie Hosting",
            region=amer,
            tier=open_,
            status=PartnerStatus.SUSPENDED,
            country="CA",
        ),
        "delta": PartnerFactory(
            legal_name="Delta Networks", region=emea, tier=select, crm_account_id="0015000ABC"
        ),
    }


def _names(resp) -> list[str]:
    assert resp.status_code == 200, resp.content
    return [p["legal_name"] for p in resp.json()["items"]]


def test_staff_list_every_partner_with_their_fields(api_client, cam, directory):
    resp = api_client(cam).get("/api/v1/partners")
    body = resp.json()
    assert body["count"] == 4
    assert _names(resp) == ["Alpha Cloud GmbH", "Bravo Systems Inc", "Charlie Hosting", "Delta Networks"]
    bravo = body["items"][1]
    assert bravo["region"] == "AMER" and bravo["tier"] == "select" and bravo["status"] == "active"
    assert bravo["id"] == directory["bravo"].pk


def test_the_partner_list_is_paginated(api_client, cam, directory):
    c = api_client(cam)
    page1 = c.get("/api/v1/partners?page_size=3").json()
    page2 = c.get("/api/v1/partners?page_size=3&page=2").json()
    assert page1["count"] == page2["count"] == 4
    assert [p["legal_name"] for p in page1["items"]] == [
        "Alpha Cloud GmbH",
        "Bravo Systems Inc",
        "Charlie Hosting",
    ]
    assert [p["legal_name"] for p in page2["items"]] == ["Delta Networks"]
    assert c.get("/api/v1/partners?page_size=3&page=3").json()["items"] == []


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page_size=0", "page=abc"])
def test_an_invalid_page_is_422(api_client, cam, directory, query):
    assert api_client(cam).get(f"/api/v1/partners?{query}").status_code == 422


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=cloud", ["Alpha Cloud GmbH"]),
        ("q=0015000ABC", ["Delta Networks"]),  # CRM account id
        ("q=us", ["Bravo Systems Inc"]),  # country
        ("region=EMEA", ["Alpha Cloud GmbH", "Delta Networks"]),
        ("tier=select", ["Bravo Systems Inc", "Delta Networks"]),
        ("status=suspended", ["Charlie Hosting"]),
        ("region=AMER&tier=open", ["Charlie Hosting"]),
        ("region=AMER&status=active", ["Bravo Systems Inc"]),
        ("region=APAC", []),
        ("q=nothing-matches-this", []),
    ],
)
def test_staff_filter_the_partner_list(api_client, cam, directory, query, expected):
    assert _names(api_client(cam).get(f"/api/v1/partners?{query}")) == expected


@pytest.mark.parametrize("query", ["status=sleeping", "q=" + "x" * 201, "region=" + "X" * 11])
def test_an_invalid_filter_is_422(api_client, cam, directory, query):
    resp = api_client(cam).get(f"/api/v1/partners?{query}")
    assert resp.status_code == 422
    assert resp.json()["detail"]


def test_a_partner_person_lists_only_their_own_partner(api_client, user_a, partner_a, partner_b, directory):
    c = api_client(user_a)
    body = c.get("/api/v1/partners").json()
    assert body["count"] == 1
    assert [p["id"] for p in body["items"]] == [partner_a.pk]
    # Filters cannot widen the scope.
    assert _names(c.get("/api/v1/partners?q=Beta")) == []
    assert _names(c.get("/api/v1/partners?region=AMER")) == []


def test_a_partner_person_gets_404_for_another_partner(api_client, user_a, partner_b):
    resp = api_client(user_a).get(f"/api/v1/partners/{partner_b.pk}")
    assert resp.status_code == 404


def test_a_partner_person_reads_their_own_partner(api_client, user_a, partner_a):
    resp = api_client(user_a).get(f"/api/v1/partners/{partner_a.pk}")
    assert resp.status_code == 200
    assert resp.json()["legal_name"] == "Acme Test Partner"


def test_a_partner_user_cannot_see_another_partners_contact(api_client, user_a, partner_a, partner_b):
    mine = ContactFactory(partner=partner_a)
    theirs = ContactFactory(partner=partner_b, email="hidden@b.test")
    c = api_client(user_a)
    assert c.get(f"/api/v1/contacts/{theirs.pk}").status_code == 404
    assert c.get(f"/api/v1/contacts/{mine.pk}").status_code == 200
    listed = c.get("/api/v1/contacts").json()
    assert theirs.pk not in [x["id"] for x in listed["items"]]
    assert mine.pk in [x["id"] for x in listed["items"]]
    assert c.get(f"/api/v1/contacts?partner_id={partner_b.pk}").json() == {"items": [], "count": 0}
    assert c.get("/api/v1/contacts?q=hidden").json()["count"] == 0


# --- PATCH partner profile --------------------------------------------------------------------------


def _patch(client: Client, partner: Partner, body: object):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.patch(f"/api/v1/partners/{partner.pk}", data, content_type="application/json")


def test_a_partner_admin_updates_the_company_profile(api_client, admin_a, partner_a):
    resp = _patch(
        api_client(admin_a),
        partner_a,
        {"website": "https://acme.example.com", "phone": "+49 30 1234", "description": "We resell."},
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["website"] == "https://acme.example.com"
    partner_a.refresh_from_db()
    assert (partner_a.website, partner_a.phone, partner_a.description) == (
        "https://acme.example.com",
        "+49 30 1234",
        "We resell.",
    )


def test_a_partner_user_cannot_update_the_company_profile(api_client, user_a, partner_a):
    before = _snapshot(partner_a)
    resp = _patch(api_client(user_a), partner_a, {"website": "https://evil.example.com"})
    assert resp.status_code == 403
    assert "admins" in resp.json()["detail"]
    assert _snapshot(partner_a) == before


def test_a_partner_admin_cannot_update_another_partner(api_client, user_b, partner_a):
    before = _snapshot(partner_a)
    resp = _patch(api_client(user_b), partner_a, {"website": "https://evil.example.com"})
    assert resp.status_code == 404
    assert _snapshot(partner_a) == before


def test_fields_partners_may_not_edit_are_ignored_by_patch(api_client, admin_a, partner_a):
    before = _snapshot(partner_a)
    resp = _patch(
        api_client(admin_a),
        partner_a,
        {
            "legal_name": "Renamed Ltd",
            "status": "terminated",
            "tier": "select",
            "engagement_score": 999,
            "crm_account_id": "forged",
            "cam_email": "cam@vendor.test",
            "phone": "+1 212 555 2368",
        },
    )
    assert resp.status_code == 200, resp.content
    after = _snapshot(partner_a)
    assert after.pop("phone") == "+12125552368"
    before.pop("phone")
    assert after == before  # only the phone changed


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"website": "not a url"}, "website"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "https://" + "a" * 300 + ".example"}, "website"),
        ({"phone": "1" * 41}, "phone"),
        ({"description": "x" * 5001}, "description"),
        ({"phone": ["a", "list"]}, "phone"),
    ],
)
def test_an_invalid_profile_field_is_422_and_changes_nothing(api_client, admin_a, partner_a, body, field):
    before = _snapshot(partner_a)
    resp = _patch(api_client(admin_a), partner_a, {**body, "description": body.get("description", "changed")})
    assert resp.status_code == 422, resp.content
    assert field in json.dumps(resp.json()["detail"])
    assert _snapshot(partner_a) == before


PHONE_ERROR = {"detail": {"phone": ["Enter a valid phone number, e.g. +49 30 123456."]}}


@pytest.mark.parametrize("phone", ["030 123456", "+49 1", "12345", "call me"])
def test_a_phone_that_is_not_an_international_number_is_a_clear_422_and_changes_nothing(
    api_client, admin_a, partner_a, phone
):
    before = _snapshot(partner_a)
    resp = _patch(api_client(admin_a), partner_a, {"phone": phone, "website": "https://changed.example"})
    assert resp.status_code == 422, resp.content
    assert resp.json() == PHONE_ERROR
    assert _snapshot(partner_a) == before


def test_a_phone_is_stored_as_e164_and_contacts_return_it_so(api_client, admin_a, partner_a):
    client = api_client(admin_a)
    assert _patch(client, partner_a, {"phone": "+49 (30) 123-456"}).status_code == 200
    assert Partner.objects.filter(pk=partner_a.pk).values_list("phone", flat=True).get() == "+4930123456"
    resp = _post_contact(client, _contact(partner_a.pk, phone="+44 20 7946 0958"))
    assert resp.status_code == 201, resp.content
    assert resp.json()["phone"] == "+442079460958"
    assert client.get(f"/api/v1/contacts/{resp.json()['id']}").json()["phone"] == "+442079460958"


def test_a_contact_with_a_phone_that_is_not_a_number_is_422_and_creates_nothing(
    api_client, admin_a, partner_a
):
    resp = _post_contact(api_client(admin_a), _contact(partner_a.pk, phone="0800 NOT A NUMBER"))
    assert resp.status_code == 422, resp.content
    assert resp.json() == PHONE_ERROR
    assert not Contact.objects.exists()


def test_a_body_that_is_not_json_is_400_and_changes_nothing(api_client, admin_a, partner_a):
    before = _snapshot(partner_a)
    resp = _patch(api_client(admin_a), partner_a, '{"website": ')
    assert resp.status_code == 400
    assert resp.json() == {"detail": "Cannot parse request body"}
    assert _snapshot(partner_a) == before


# --- POST contacts ------------------------------------------------------------------------------------


def _contact(partner_id: object, **kw) -> dict:
    return {
        "partner_id": partner_id,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        **kw,
    }


def _post_contact(client: Client, body: object):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/api/v1/contacts", data, content_type="application/json")


def test_a_partner_admin_adds_a_contact_to_their_partner(api_client, admin_a, partner_a):
    resp = _post_contact(api_client(admin_a), _contact(partner_a.pk, email="Ada@Example.com", title="CTO"))
    assert resp.status_code == 201, resp.content
    contact = Contact.objects.get(pk=resp.json()["id"])
    assert (contact.partner_id, contact.email, contact.title) == (partner_a.pk, "ada@example.com", "CTO")


def test_staff_add_a_contact_to_any_partner(api_client, cam, partner_b):
    resp = _post_contact(api_client(cam), _contact(partner_b.pk))
    assert resp.status_code == 201
    assert Contact.objects.filter(partner=partner_b, email="ada@example.com").exists()


def test_a_forged_partner_id_of_another_partner_is_404_and_creates_nothing(api_client, user_b, partner_a):
    before = Contact.objects.count()
    resp = _post_contact(api_client(user_b), _contact(partner_a.pk))
    assert resp.status_code == 404
    assert Contact.objects.count() == before
    assert not Contact.objects.filter(partner=partner_a).exists()


def test_a_partner_id_that_does_not_exist_is_404(api_client, cam):
    assert _post_contact(api_client(cam), _contact(987654)).status_code == 404
    assert not Contact.objects.exists()


def test_a_partner_user_cannot_add_contacts(api_client, user_a, partner_a):
    resp = _post_contact(api_client(user_a), _contact(partner_a.pk))
    assert resp.status_code == 403
    assert resp.json()["detail"] == "Only this partner's admins may do this."
    assert not Contact.objects.filter(partner=partner_a, email="ada@example.com").exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"first_name": "x" * 101}, "first_name"),
        ({"last_name": ""}, "last_name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"title": "t" * 121}, "title"),
        ({"phone": "1" * 41}, "phone"),
        ({"partner_id": "abc"}, "partner_id"),
        ({"first_name": None}, "first_name"),
    ],
)
def test_an_invalid_contact_is_422_and_creates_nothing(api_client, admin_a, partner_a, override, field):
    resp = _post_contact(api_client(admin_a), {**_contact(partner_a.pk), **override})
    assert resp.status_code == 422, resp.content
    assert field in json.dumps(resp.json()["detail"])
    assert not Contact.objects.exists()


def test_a_contact_missing_required_fields_is_422(api_client, admin_a, partner_a):
    resp = _post_contact(api_client(admin_a), {"partner_id": partner_a.pk})
    assert resp.status_code == 422
    assert not Contact.objects.exists()


def test_a_duplicate_contact_email_at_the_same_partner_is_422(api_client, admin_a, partner_a):
    ContactFactory(partner=partner_a, email="ada@example.com")
    resp = _post_contact(api_client(admin_a), _contact(partner_a.pk, email="ADA@example.com"))
    assert resp.status_code == 422
    assert Contact.objects.filter(partner=partner_a).count() == 1


def test_a_contact_body_that_is_not_json_is_400_and_creates_nothing(api_client, admin_a, partner_a):
    resp = _post_contact(api_client(admin_a), "{not json")
    assert resp.status_code == 400
    assert resp.json() == {"detail": "Cannot parse request body"}
    assert not Contact.objects.exists()


# --- OpenAPI ------------------------------------------------------------------------------------------


def test_the_openapi_schema_is_served_without_a_token(client, db):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    schema = resp.json()
    assert schema["info"]["title"] == "channelops API"
    assert {"/api/v1/partners", "/api/v1/partners/{partner_id}", "/api/v1/contacts"} <= set(schema["paths"])
    assert "patch" in schema["paths"]["/api/v1/partners/{partner_id}"]
    params = {p["name"] for p in schema["paths"]["/api/v1/partners"]["get"]["parameters"]}
    assert {"q", "region", "tier", "status", "page", "page_size"} <= params


def test_the_api_docs_and_schema_short_urls_redirect(client, db):
    docs = client.get("/api/docs")
    assert docs.status_code == 302 and docs["Location"] == "/api/v1/docs"
    schema = client.get("/api/openapi.json")
    assert schema.status_code == 302 and schema["Location"] == "/api/v1/openapi.json"
    assert client.get("/api/v1/docs").status_code == 200


# --- constant query counts --------------------------------------------------------------------------


def _partners_with_contacts(n: int, partner: Partner | None = None) -> None:
    emea, select = Region.objects.get(code="EMEA"), Tier.objects.get(slug="select")
    cam = UserFactory(is_staff=True)
    for i in range(n):
        p = PartnerFactory(legal_name=f"Listed {i:03d}", region=emea, tier=select, cam=cam)
        ContactFactory(partner=partner or p)


@pytest.mark.parametrize("rows", [3, 50])
def test_listing_partners_costs_the_same_queries_for_3_and_50_rows(
    api_client, cam, rows, django_assert_num_queries
):
    _partners_with_contacts(rows)
    c = api_client(cam)
    assert c.get("/api/v1/partners").status_code == 200  # first use stamps the token's last_used_at
    # 1 token + its user (one join), 2 the staff owner's authenticator (MFA required for staff
    # tokens), 3 COUNT(*) for the page, 4 the page of partners joined with region, tier and CAM.
    with django_assert_num_queries(4):
        body = c.get("/api/v1/partners").json()
    assert body["count"] == rows and len(body["items"]) == rows


@pytest.mark.parametrize("rows", [3, 50])
def test_listing_contacts_costs_the_same_queries_for_3_and_50_rows(
    api_client, cam, rows, django_assert_num_queries
):
    _partners_with_contacts(rows)
    c = api_client(cam)
    assert c.get("/api/v1/contacts").status_code == 200
    # 1 token + its user, 2 the staff owner's authenticator, 3 COUNT(*), 4 the page of contacts.
    with django_assert_num_queries(4):
        body = c.get("/api/v1/contacts").json()
    assert body["count"] == rows and len(body["items"]) == rows


@pytest.mark.parametrize("rows", [3, 50])
def test_a_partner_persons_contact_list_costs_the_same_queries_for_3_and_50_rows(
    api_client, admin_a, partner_a, rows, django_assert_num_queries
):
    _partners_with_contacts(rows, partner=partner_a)
    c = api_client(admin_a)
    assert c.get("/api/v1/contacts").status_code == 200
    # 1 token + its user, 2 the person's membership (their partner scope), 3 COUNT(*), 4 the page.
    with django_assert_num_queries(4):
        body = c.get("/api/v1/contacts").json()
    assert body["count"] == rows


def test_a_huge_page_number_is_a_clear_422_not_a_server_error(api_client, cam):
    # found by the schemathesis fuzz test: the OFFSET overflowed the database integer
    resp = api_client(cam).get("/api/v1/partners", {"page": 3322343864324973721388901694701568})
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["loc"] == ["query", "page"]
