"""The portal's users page (issue 14): resend or cancel a pending invitation (audited, refused for another
partner's people), deactivation asks for confirmation without JavaScript, "may submit requests" explained."""

from __future__ import annotations

import pytest

from channelops.accounts.models import Invitation, User
from channelops.core.models import OutboxMessage
from channelops.partners.services import partner_person_add

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def invited(partner_a, admin_a):  # type: ignore[no-untyped-def]
    return partner_person_add(partner=partner_a, email="new@a.test", full_name="New Person", by=admin_a)


def invitations(email: str) -> list[tuple[bool, bool]]:
    """(usable, accepted) of each invitation of the person, oldest first."""
    return [
        (i.is_usable, i.accepted_at is not None)
        for i in Invitation.objects.filter(user__email=email).order_by("created_at", "pk")
    ]


def test_the_users_page_offers_resend_and_cancel_for_a_pending_invitation_only(
    invited, admin_a, user_a, login
):
    page = login(admin_a).get("/portal/users/").content.decode()
    assert f'action="/portal/users/{invited.pk}/invitation/resend/"' in page
    assert f'href="/portal/users/{invited.pk}/invitation/cancel/"' in page
    member = user_a.membership
    assert f"/portal/users/{member.pk}/invitation/" not in page  # has signed in: no invitation to manage
    assert f'href="/portal/users/{member.pk}/deactivate/"' in page


def test_resend_sends_a_new_link_and_ends_the_old_one_audited(invited, admin_a, login):
    response = login(admin_a).post(f"/portal/users/{invited.pk}/invitation/resend/")
    assert response.status_code == 302
    assert invitations("new@a.test") == [(False, False), (True, False)]
    old = Invitation.objects.filter(user__email="new@a.test").order_by("created_at", "pk").first()
    latest = old.history.first()
    assert latest.history_user == admin_a and latest.history_change_reason == "Resent"
    assert OutboxMessage.objects.filter(idempotency_key__startswith="invitation:").count() == 2
    invited.user.refresh_from_db()
    assert invited.user.is_active


def test_cancel_asks_for_confirmation_then_ends_the_link_and_deactivates_the_person(invited, admin_a, login):
    client = login(admin_a)
    confirm = client.get(f"/portal/users/{invited.pk}/invitation/cancel/")
    assert confirm.status_code == 200 and "Cancel the invitation of new@a.test?" in confirm.content.decode()
    assert invitations("new@a.test") == [(True, False)]  # the page changes nothing
    assert client.post(f"/portal/users/{invited.pk}/invitation/cancel/").status_code == 302
    assert invitations("new@a.test") == [(False, False)]
    user = User.objects.get(email="new@a.test")
    assert not user.is_active
    assert Invitation.objects.get(user=user).history.first().history_change_reason == "Cancelled"
    page = client.get("/portal/users/").content.decode()
    assert "Deactivated" in page and f"/portal/users/{invited.pk}/invitation/" not in page


def test_resend_or_cancel_of_an_accepted_invitation_changes_nothing(invited, admin_a, login):
    from channelops.accounts.services import invitation_accept

    invitation_accept(invitation=Invitation.objects.get(user=invited.user), password="a-Long-pass-1234")
    client = login(admin_a)
    for action in ("resend", "cancel"):
        response = client.post(f"/portal/users/{invited.pk}/invitation/{action}/", follow=True)
        assert "has no pending invitation" in response.content.decode()
    assert invitations("new@a.test") == [(False, True)]
    assert User.objects.get(email="new@a.test").is_active


def test_a_partner_user_or_another_partners_admin_cannot_resend_or_cancel(invited, user_a, user_b, login):
    for person in (user_a, user_b):
        client = login(person)
        for action in ("resend", "cancel"):
            assert client.post(f"/portal/users/{invited.pk}/invitation/{action}/").status_code == 404
            assert client.get(f"/portal/users/{invited.pk}/invitation/{action}/").status_code in (404, 405)
    assert invitations("new@a.test") == [(True, False)]
    assert User.objects.get(email="new@a.test").is_active


def test_the_service_refuses_another_partners_admin(invited, user_b):
    from channelops.accounts.services import invitation_cancel, invitation_resend
    from channelops.core.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        invitation_resend(user=invited.user, by=user_b)
    with pytest.raises(NotAllowed):
        invitation_cancel(user=invited.user, by=user_b)
    assert invitations("new@a.test") == [(True, False)]


def test_deactivation_shows_a_confirmation_page_first(partner_a, admin_a, user_a, login):
    client = login(admin_a)
    member = user_a.membership
    confirm = client.get(f"/portal/users/{member.pk}/deactivate/")
    page = confirm.content.decode()
    assert confirm.status_code == 200 and "Deactivate user@a.test?" in page
    assert 'method="post"' in page and "Keep them" in page
    user_a.refresh_from_db()
    assert user_a.is_active
    assert client.post(f"/portal/users/{member.pk}/deactivate/").status_code == 302
    user_a.refresh_from_db()
    assert not user_a.is_active


def test_may_submit_requests_is_explained_beside_the_checkbox(admin_a, login):
    page = login(admin_a).get("/portal/users/").content.decode()
    assert "Lets this person request NFR licenses and renewals" in page


def test_the_confirmation_page_does_not_offer_deactivating_oneself(admin_a, login):
    page = login(admin_a).get(f"/portal/users/{admin_a.membership.pk}/deactivate/").content.decode()
    assert "You cannot deactivate yourself" in page and 'method="post"' not in page.split("<main")[1]
