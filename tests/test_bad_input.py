"""Bad input through the portal pages and the services: a clear error, and the database unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from channelops.accounts.models import ApiToken, Invitation, User
from channelops.accounts.services import api_token_create
from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.partners.models import (
    Contact,
    EngagementEvent,
    Partner,
    PartnerMembership,
    PartnerStatus,
    PartnerStatusChange,
    Region,
    Tier,
)
from channelops.partners.services import partner_create, partner_set_status

from .factories import MembershipFactory, PartnerFactory, UserFactory


def _counts() -> dict[str, int]:
    """Row counts of everything an invitation, a deactivation or a partner creation would write."""
    return {
        m.__name__: m.objects.count()
        for m in (
            User,
            PartnerMembership,
            Contact,
            Invitation,
            OutboxMessage,
            Partner,
            PartnerStatusChange,
            EngagementEvent,
            ApiToken,
        )
    }


def _partner_state(partner: Partner) -> dict[str, Any]:
    p = Partner.objects.get(pk=partner.pk)
    return {
        f.attname: getattr(p, f.attname) for f in Partner._meta.concrete_fields if f.attname != "updated_at"
    }


def _people_state() -> list[tuple]:
    return sorted(User.objects.values_list("pk", "email", "is_active", "full_name"))


# --- portal: inviting a colleague -------------------------------------------------------------------


@pytest.fixture
def admin_a_client(login, admin_a, user_a, user_b):
    """Partner A's admin, signed in; partner A also has a partner user, partner B an admin."""
    return login(admin_a)


def _invite(client, **data):
    payload = {"full_name": "Grace Hopper", "email": "grace@a.test", "role": "user", **data}
    return client.post("/portal/users/invite/", payload)


@pytest.mark.parametrize(
    "email", ["not-an-email", "grace@", "@a.test", "grace a.test", "grace@a.test\nBcc: x@y.test"]
)
def test_inviting_with_a_malformed_email_shows_an_error_and_changes_nothing(admin_a_client, email):
    before = (_counts(), _people_state())
    resp = _invite(admin_a_client, email=email)
    assert resp.status_code == 400
    assert "Enter a valid email address." in resp.content.decode()
    assert resp.context["form"].errors["email"] == ["Enter a valid email address."]
    assert (_counts(), _people_state()) == before


def test_inviting_with_an_oversized_name_shows_an_error_and_changes_nothing(admin_a_client):
    before = (_counts(), _people_state())
    resp = _invite(admin_a_client, full_name="N" * 151)
    assert resp.status_code == 400
    assert resp.context["form"].errors["full_name"] == [
        "Ensure this value has at most 150 characters (it has 151)."
    ]
    assert (_counts(), _people_state()) == before


def test_inviting_with_an_oversized_email_shows_an_error_and_changes_nothing(admin_a_client):
    before = (_counts(), _people_state())
    resp = _invite(admin_a_client, email="g" * 250 + "@a.test")
    assert resp.status_code == 400
    assert "email" in resp.context["form"].errors
    assert (_counts(), _people_state()) == before


def test_inviting_with_an_unknown_role_shows_an_error_and_changes_nothing(admin_a_client):
    before = (_counts(), _people_state())
    resp = _invite(admin_a_client, role="superuser")
    assert resp.status_code == 400
    assert resp.context["form"].errors["role"] == [
        "Select a valid choice. superuser is not one of the available choices."
    ]
    assert (_counts(), _people_state()) == before


@pytest.mark.parametrize(
    "email",
    [
        "user@a.test",  # already a colleague at partner A
        "USER@A.TEST",  # the same, in capitals
        "admin@b.test",  # a person at another partner
        "cam@vendor.test",  # a staff member
    ],
)
def test_inviting_someone_who_is_already_a_person_shows_an_error_and_changes_nothing(
    admin_a_client, cam, email
):
    before = (_counts(), _people_state())
    memberships = sorted(PartnerMembership.objects.values_list("pk", "user_id", "partner_id", "role"))
    resp = _invite(admin_a_client, email=email, role="admin")
    assert resp.status_code == 400
    assert resp.context["form"].errors["email"] == ["A person with this e-mail address already exists."]
    assert "A person with this e-mail address already exists." in resp.content.decode()
    assert (_counts(), _people_state()) == before
    assert sorted(PartnerMembership.objects.values_list("pk", "user_id", "partner_id", "role")) == memberships


def test_a_valid_invitation_goes_through(admin_a_client, partner_a):
    """The control for the tests above: the same form, valid, creates the person and the invitation."""
    resp = _invite(admin_a_client)
    assert resp.status_code == 302
    grace = User.objects.get(email="grace@a.test")
    assert grace.membership.partner == partner_a
    assert Invitation.objects.filter(user=grace).count() == 1


def test_inviting_people_to_a_terminated_partner_is_refused(admin_a_client, partner_a):
    Partner.objects.filter(pk=partner_a.pk).update(status=PartnerStatus.TERMINATED)
    before = (_counts(), _people_state())
    resp = _invite(admin_a_client)
    assert resp.status_code == 400
    assert "People cannot be added to a terminated partner." in resp.content.decode()
    assert (_counts(), _people_state()) == before


# --- portal: deactivating people ------------------------------------------------------------------


def test_a_forged_membership_id_of_another_partner_in_the_deactivate_url_is_404(
    admin_a_client, partner_b, user_b
):
    victim = MembershipFactory(partner=partner_b, role="user", user=UserFactory(email="victim@b.test"))
    api_token_create(user=victim.user)
    before = (_counts(), _people_state())
    for pk in (victim.pk, user_b.membership.pk):
        resp = admin_a_client.post(f"/portal/users/{pk}/deactivate/")
        assert resp.status_code == 404
    assert admin_a_client.post("/portal/users/987654/deactivate/").status_code == 404
    assert (_counts(), _people_state()) == before
    victim.user.refresh_from_db()
    assert victim.user.is_active
    assert not ApiToken.objects.filter(user=victim.user, revoked_at__isnull=False).exists()


def test_a_partner_admin_cannot_deactivate_themselves(admin_a_client, admin_a):
    before = _people_state()
    resp = admin_a_client.post(f"/portal/users/{admin_a.membership.pk}/deactivate/", follow=True)
    assert "You cannot deactivate yourself." in resp.content.decode()
    assert _people_state() == before


def test_the_last_active_admin_cannot_be_deactivated(login, partner_a, admin_a, cam):
    """Staff deactivating partner A's only admin is refused with a clear message."""
    from channelops.partners.services import partner_person_deactivate

    before = _people_state()
    with pytest.raises(ValidationError, match="A partner needs at least one active admin."):
        partner_person_deactivate(membership=admin_a.membership, by=cam)
    assert _people_state() == before


# --- portal: a partner user (not admin) posting to admin pages -------------------------------------


@pytest.fixture
def user_a_client(login, user_a, admin_a):
    return login(user_a)


def test_a_partner_user_posting_an_invitation_gets_404_and_nothing_changes(user_a_client):
    before = (_counts(), _people_state())
    resp = _invite(user_a_client, role="admin")
    assert resp.status_code == 404
    assert (_counts(), _people_state()) == before


def test_a_partner_user_posting_the_company_profile_gets_404_and_nothing_changes(user_a_client, partner_a):
    before = _partner_state(partner_a)
    resp = user_a_client.post(
        "/portal/company/", {"website": "https://evil.example", "phone": "1", "description": "pwned"}
    )
    assert resp.status_code == 404
    assert _partner_state(partner_a) == before


def test_a_partner_user_deactivating_a_colleague_gets_404_and_nothing_changes(user_a_client, admin_a):
    before = _people_state()
    assert user_a_client.post(f"/portal/users/{admin_a.membership.pk}/deactivate/").status_code == 404
    assert _people_state() == before


def test_a_partner_user_sees_the_company_profile_without_the_form(user_a_client):
    resp = user_a_client.get("/portal/company/")
    assert resp.status_code == 200
    assert resp.context["is_admin"] is False


# --- portal: the company profile ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"website": "not a url"}, "website", "Enter a valid URL."),
        ({"website": "javascript:alert(1)"}, "website", "Enter a valid URL."),
        (
            {"website": "https://" + "a" * 300 + ".example"},
            "website",
            "Ensure this value has at most 300 characters",
        ),
        ({"phone": "1" * 41}, "phone", "Ensure this value has at most 40 characters (it has 41)."),
        ({"phone": "030 123456"}, "phone", "Enter a valid phone number, e.g. +49 30 123456."),  # national
        ({"phone": "+49 1"}, "phone", "Enter a valid phone number, e.g. +49 30 123456."),
        ({"phone": "call me"}, "phone", "Enter a valid phone number, e.g. +49 30 123456."),
        (
            {"description": "d" * 5001},
            "description",
            "Ensure this value has at most 5000 characters (it has 5001).",
        ),
    ],
)
def test_an_invalid_company_profile_shows_an_error_and_changes_nothing(
    admin_a_client, partner_a, data, field, message
):
    before = _partner_state(partner_a)
    payload = {"website": "https://ok.example", "phone": "+49 30 123456", "description": "fine", **data}
    resp = admin_a_client.post("/portal/company/", payload)
    assert resp.status_code == 400
    errors = resp.context["form"].errors[field]
    assert any(message in e for e in errors), errors
    assert _partner_state(partner_a) == before


def test_a_valid_company_profile_is_saved(admin_a_client, partner_a):
    resp = admin_a_client.post(
        "/portal/company/",
        {"website": "https://acme.example", "phone": "+49 30 123456", "description": "We sell."},
    )
    assert resp.status_code == 302
    partner_a.refresh_from_db()
    assert (partner_a.website, partner_a.phone, partner_a.description) == (
        "https://acme.example",
        "+4930123456",  # stored in E.164
        "We sell.",
    )


def test_a_legacy_country_that_is_no_country_code_does_not_block_the_company_profile(
    admin_a_client, partner_a
):
    # The old free-text field accepted any two letters; migration 0003 keeps such values as they
    # are, and the partner admin, who cannot change the country, can still edit the profile.
    Partner.objects.filter(pk=partner_a.pk).update(country="XX")
    resp = admin_a_client.post(
        "/portal/company/", {"website": "https://acme.example", "phone": "", "description": "We sell."}
    )
    assert resp.status_code == 302
    partner_a.refresh_from_db()
    assert (partner_a.country, partner_a.website) == ("XX", "https://acme.example")


def test_the_company_form_cannot_change_fields_partners_may_not_edit(admin_a_client, partner_a):
    before = _partner_state(partner_a)
    resp = admin_a_client.post(
        "/portal/company/",
        {
            "website": before["website"],
            "phone": before["phone"],
            "description": before["description"],
            "legal_name": "Renamed",
            "status": "terminated",
            "tier": Tier.objects.get(slug="select").pk,
            "engagement_score": 999,
        },
    )
    assert resp.status_code == 302
    assert _partner_state(partner_a) == before


# --- services: partner_create -----------------------------------------------------------------------


@pytest.fixture
def emea() -> Region:
    return Region.objects.get(code="EMEA")


@pytest.fixture
def open_tier() -> Tier:
    return Tier.objects.get(slug="open")


def test_creating_a_partner_in_an_inactive_region_is_refused_and_creates_nothing(cam, emea, open_tier):
    emea.active = False
    emea.save()
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        partner_create(legal_name="New Ltd", country="DE", region=emea, tier=open_tier, by=cam)
    assert exc.value.message_dict == {"region": ["This region is not accepting partners."]}
    assert _counts() == before


def test_creating_a_partner_in_a_region_that_does_not_exist_is_refused_and_creates_nothing(cam, open_tier):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        partner_create(
            legal_name="New Ltd", country="DE", region=Region(pk=987654, code="GONE"), tier=open_tier, by=cam
        )
    assert exc.value.message_dict == {"region": ["region instance with id 987654 is not a valid choice."]}
    with pytest.raises(ValidationError) as exc:
        partner_create(legal_name="New Ltd", country="DE", region=Region(code="NEW"), tier=open_tier, by=cam)
    assert exc.value.message_dict == {"region": ["This field cannot be null."]}
    assert _counts() == before


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"legal_name": "   "}, {"legal_name": ["This field cannot be blank."]}),
        (
            {"legal_name": "L" * 201},
            {"legal_name": ["Ensure this value has at most 200 characters (it has 201)."]},
        ),
        (
            {"country": "D"},
            {"country": ["Choose a country from the list (a two-letter ISO 3166 code such as DE)."]},
        ),
        (
            {"country": "D1"},
            {"country": ["Choose a country from the list (a two-letter ISO 3166 code such as DE)."]},
        ),
        (
            {"country": "XX"},
            {"country": ["Choose a country from the list (a two-letter ISO 3166 code such as DE)."]},
        ),  # two letters, but no country
        ({"website": "ftp//nope"}, {"website": ["Enter a valid URL."]}),
        ({"status": "sleeping"}, {"status": ["Value 'sleeping' is not a valid choice."]}),
    ],
)
def test_creating_a_partner_with_invalid_fields_is_refused_and_creates_nothing(
    cam, emea, open_tier, kwargs, errors
):
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        partner_create(
            **{"legal_name": "New Ltd", "country": "DE", "region": emea, "tier": open_tier, **kwargs}, by=cam
        )
    assert exc.value.message_dict == errors
    assert _counts() == before


def test_a_partner_person_cannot_create_partners(admin_a, emea, open_tier):
    before = _counts()
    with pytest.raises(NotAllowed, match="Only staff may do this."):
        partner_create(legal_name="New Ltd", country="DE", region=emea, tier=open_tier, by=admin_a)
    assert _counts() == before


def test_creating_a_valid_partner_records_its_first_status(cam, emea, open_tier):
    p = partner_create(legal_name=" New Ltd ", country="de", region=emea, tier=open_tier, by=cam)
    assert (p.legal_name, p.country, p.status) == ("New Ltd", "DE", PartnerStatus.APPLIED)
    assert list(p.status_changes.values_list("from_status", "to_status")) == [("", "applied")]


# --- services: partner_set_status -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "to", "message"),
    [
        ("terminated", "active", "A partner cannot go from Terminated to Active."),
        ("terminated", "suspended", "A partner cannot go from Terminated to Suspended."),
        ("applied", "suspended", "A partner cannot go from Applied to Suspended."),
        ("active", "applied", "A partner cannot go from Active to Applied."),
        ("active", "active", "A partner cannot go from Active to Active."),
        ("active", "sleeping", "Unknown status sleeping."),
    ],
)
def test_an_illegal_status_transition_is_refused_and_changes_nothing(cam, start, to, message):
    partner = PartnerFactory(status=start)
    before = (_partner_state(partner), _counts())
    with pytest.raises(ValidationError) as exc:
        partner_set_status(partner=partner, to=to, by=cam)
    assert exc.value.messages == [message]
    assert (_partner_state(partner), _counts()) == before


def test_a_partner_person_cannot_change_a_partners_status(admin_a, partner_a):
    before = (_partner_state(partner_a), _counts())
    with pytest.raises(NotAllowed):
        partner_set_status(partner=partner_a, to=PartnerStatus.SUSPENDED, by=admin_a)
    assert (_partner_state(partner_a), _counts()) == before


def test_a_legal_status_transition_is_recorded(cam, partner_a):
    partner_set_status(partner=partner_a, to=PartnerStatus.SUSPENDED, by=cam, note="unpaid")
    partner_a.refresh_from_db()
    assert partner_a.status == PartnerStatus.SUSPENDED
    change = partner_a.status_changes.get()
    assert (change.from_status, change.to_status, change.by, change.note) == (
        "active",
        "suspended",
        cam,
        "unpaid",
    )


def test_a_nul_character_anywhere_is_a_clear_400_and_changes_nothing(api_client, login, admin_a, partner_a):
    # found by the schemathesis fuzz test on PostgreSQL, whose text fields cannot store NUL
    api = api_client(admin_a)
    resp = api.get("/api/v1/partners", {"q": "ac\x00me"})
    assert resp.status_code == 400
    assert "NUL character" in resp.json()["detail"]
    resp = api.post(
        "/api/v1/contacts",
        json.dumps(
            {"partner_id": partner_a.pk, "first_name": "A\x00", "last_name": "B", "email": "ab@example.com"}
        ),
        content_type="application/json",
    )
    assert resp.status_code == 400
    before = partner_a.contacts.count()
    page = login(admin_a).post(
        "/portal/company/", {"website": "https://a.example", "phone": "1\x002", "description": ""}
    )
    assert page.status_code == 400
    partner_a.refresh_from_db()
    assert partner_a.website != "https://a.example"
    assert partner_a.contacts.count() == before


def test_an_api_post_sent_as_a_form_gets_a_clear_error_not_a_server_error(api_client, admin_a, partner_a):
    # The NUL check reads the form; the API must still be able to read the body afterwards.
    api = api_client(admin_a)
    before = partner_a.contacts.count()
    resp = api.post("/api/v1/contacts", {"partner_id": partner_a.pk, "first_name": "A", "last_name": "B"})
    assert resp.status_code in (400, 422), resp.content
    resp = api.post(
        "/api/v1/contacts",
        "partner_id=1&first_name=A",
        content_type="application/x-www-form-urlencoded",
    )
    assert resp.status_code in (400, 422), resp.content
    assert partner_a.contacts.count() == before
