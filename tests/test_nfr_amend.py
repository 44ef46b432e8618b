"""Requests that never dead-end (issue 14): the partner answers and amends an NFR request's seats,
term and license contact; withdraws an undecided request; staff correct a request with a reason."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.licensing.models import License, NfrRequest, RequestEvent
from channelops.licensing.services import (
    nfr_request_answer,
    nfr_request_approve,
    nfr_request_ask,
    nfr_request_correct,
    nfr_request_reject,
    nfr_request_submit,
    nfr_request_withdraw,
)
from channelops.partners.models import Region, RegionRouting

from .factories import MembershipFactory, UserFactory
from .test_nfr_approval import grant_issuing
from .test_nfr_requests import FORM, accept_all

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]

ANSWER = {
    "answer": "Sorry, 5 seats are enough for our demo lab.",
    "seats": "500",
    "term_months": "12",
    "contact_name": "Lena License",
    "contact_email": "lena@acme.example",
}


def big_request(partner, by, seats: int = 500) -> NfrRequest:  # type: ignore[no-untyped-def]
    return nfr_request_submit(partner=partner, by=by, **{**FORM, "seats": seats, "term_months": 12})


@pytest.fixture
def asked(partner_a, admin_a, phd_emea) -> NfrRequest:  # type: ignore[no-untyped-def]
    """Partner A's request for 500 seats, waiting for information."""
    req = big_request(partner_a, admin_a)
    return nfr_request_ask(request=req, by=phd_emea, question="500 seats is over your allowance: fewer?")


def state(req: NfrRequest) -> tuple:
    req.refresh_from_db()
    return (req.status, req.seats, req.term_months, req.contact_name, req.contact_email, req.answer)


def events(req: NfrRequest) -> list[tuple[str, str]]:
    return list(RequestEvent.objects.filter(request=req).order_by("at", "pk").values_list("kind", "detail"))


# --- the partner's answer with an amendment ---------------------------------------------------------


def test_the_partner_page_offers_the_amend_form_prefilled_with_the_request(asked, admin_a, login):
    page = login(admin_a).get(f"/portal/nfr/{asked.pk}/").content.decode()
    assert "Amend the request (optional)" in page
    assert 'name="seats" value="500"' in page
    assert 'name="contact_email" value="lena@acme.example"' in page
    assert f'href="/portal/nfr/{asked.pk}/withdraw/"' in page


def test_an_answer_that_amends_the_seats_changes_only_the_seats_and_records_the_change(asked, admin_a, login):
    response = login(admin_a).post(f"/portal/nfr/{asked.pk}/", {**ANSWER, "seats": "5"})
    assert response.status_code == 302
    assert state(asked) == (
        "submitted",
        5,
        12,
        "Lena License",
        "lena@acme.example",
        "Sorry, 5 seats are enough for our demo lab.",
    )
    kinds = [k for k, _ in events(asked)]
    assert kinds == ["submitted", "question", "answer", "amended"]
    amended = events(asked)[-1][1]
    assert amended.splitlines()[0] == "Seats: 500 → 5"
    assert "Term" not in amended and "contact" not in amended
    # audited under the partner admin, with a change reason
    latest = asked.history.first()
    assert latest.seats == 5 and latest.history_user == admin_a
    assert latest.history_change_reason == "Amended with the answer"
    # the PHD specialist's e-mail names the change
    mail = OutboxMessage.objects.filter(idempotency_key__startswith="nfr-answer:").get()
    assert "Seats: 500 → 5" in str(mail.payload)


def test_an_answer_can_amend_term_and_contact_and_each_change_is_recorded(asked, admin_a, login):
    data = {**ANSWER, "term_months": "24", "contact_name": "Max Muster", "contact_email": "MAX@acme.example"}
    login(admin_a).post(f"/portal/nfr/{asked.pk}/", data)
    assert state(asked)[:5] == ("submitted", 500, 24, "Max Muster", "max@acme.example")
    lines = events(asked)[-1][1].splitlines()
    assert lines[:3] == [
        "Term (months): 12 → 24",
        "License contact name: Lena License → Max Muster",
        "License contact e-mail: lena@acme.example → max@acme.example",
    ]


def test_an_answer_without_changes_records_no_amendment(asked, admin_a, login):
    login(admin_a).post(f"/portal/nfr/{asked.pk}/", ANSWER)
    assert state(asked)[:2] == ("submitted", 500)
    assert [k for k, _ in events(asked)] == ["submitted", "question", "answer"]


@pytest.mark.parametrize(
    "field, value, error",
    [
        ("seats", "0", "Ensure this value is greater than or equal to 1."),
        ("seats", "1001", "Ensure this value is less than or equal to 1000."),
        ("term_months", "37", "Ensure this value is less than or equal to 36."),
        ("contact_email", "not-an-address", "Enter a valid email address."),
        ("contact_name", "", "This field is required."),
    ],
)
def test_an_invalid_amendment_shows_the_error_beside_the_field_and_changes_nothing(
    asked, admin_a, login, field, value, error
):
    before, before_events = state(asked), events(asked)
    response = login(admin_a).post(f"/portal/nfr/{asked.pk}/", {**ANSWER, "seats": "5", field: value})
    assert response.status_code == 400
    page = response.content.decode()
    # the error sits in the field's own group, right after its input
    group = page[page.index(f'name="{field}"') :]
    assert error in group[: group.index("</div>", group.index(error)) + 6]
    assert state(asked) == before and events(asked) == before_events
    assert not OutboxMessage.objects.filter(idempotency_key__startswith="nfr-answer:").exists()


def test_the_service_validates_an_amendment_like_a_new_request(asked, admin_a):
    before = state(asked)
    with pytest.raises(ValidationError) as exc:
        nfr_request_answer(
            request=asked, by=admin_a, answer="", amend={"seats": 0, "term_months": 99, "contact_email": "x"}
        )
    assert set(exc.value.message_dict) == {"answer", "seats", "term_months", "contact_email"}
    assert "Seats must be a whole number from 1 to 1000." in exc.value.message_dict["seats"]
    assert state(asked) == before and asked.history.count() == 2  # submitted, asked


def test_amending_the_contact_to_one_with_an_open_request_is_refused(asked, partner_a, admin_a, login):
    other = nfr_request_submit(
        partner=partner_a, by=admin_a, **{**FORM, "contact_email": "max@acme.example", "seats": 2}
    )
    before = state(asked)
    response = login(admin_a).post(
        f"/portal/nfr/{asked.pk}/", {**ANSWER, "contact_email": "max@acme.example"}
    )
    assert response.status_code == 400
    assert f"{other.reference} is already open for max@acme.example" in response.content.decode()
    assert state(asked) == before


def test_an_amendment_that_makes_the_request_eligible_lets_staff_approve_it(
    asked, partner_a, admin_a, phd_emea, leadership, login, license_key_dir
):
    accept_all(partner_a, admin_a)  # authorised; 500 seats is over the Open allowance of 10
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd_emea)
    grant_issuing(phd_emea, leadership)
    client = login(phd_emea)
    page = client.get(f"/console/nfr/{asked.pk}/").content.decode()
    assert "Waiting for the partner&#x27;s answer" in page or "Waiting for the partner's answer" in page

    nfr_request_answer(request=asked, by=admin_a, answer="Five is enough.", amend={"seats": 5})

    page = client.get(f"/console/nfr/{asked.pk}/").content.decode()
    assert "5 Ultimate seats for 12 months" in page
    assert "0 licensed users held + 5 requested = 5 of the Open allowance of 10" in page
    assert "Approvable" in page and "Not approvable" not in page
    assert "Seats: 500 → 5" in page and "Eligibility checks re-run: approvable." in page
    approve = page[page.index('id="approve-h"') :]
    assert "disabled" not in approve[: approve.index("</button>")]
    assert client.post(f"/console/nfr/{asked.pk}/approve/").status_code == 302
    assert License.objects.get(request=asked).users == 5


def test_an_amendment_that_stays_over_the_allowance_says_so_on_the_timeline(asked, partner_a, admin_a):
    accept_all(partner_a, admin_a)
    nfr_request_answer(request=asked, by=admin_a, answer="We need 50.", amend={"seats": 50})
    detail = events(asked)[-1][1]
    assert "Seats: 500 → 50" in detail
    assert "not approvable — Within the NFR allowance" in detail


# --- withdrawal ------------------------------------------------------------------------------------


def test_the_partner_admin_withdraws_a_submitted_request_after_confirming(partner_a, admin_a, login):
    req = big_request(partner_a, admin_a)
    client = login(admin_a)
    confirm = client.get(f"/portal/nfr/{req.pk}/withdraw/")
    assert confirm.status_code == 200 and "Withdraw NFR request" in confirm.content.decode()
    assert state(req)[0] == "submitted"  # the confirmation page changes nothing
    response = client.post(f"/portal/nfr/{req.pk}/withdraw/")
    assert response.status_code == 302
    assert state(req)[0] == "withdrawn"
    assert events(req)[-1] == ("withdrawn", "Withdrawn by the partner.")
    page = client.get(f"/portal/nfr/{req.pk}/").content.decode()
    assert "This request was withdrawn" in page and "/withdraw/" not in page
    assert "bg-secondary" in page  # the badge's colour: grey


def test_a_request_needing_information_can_be_withdrawn_and_then_not_answered(asked, admin_a, login):
    nfr_request_withdraw(request=asked, by=admin_a)
    assert state(asked)[0] == "withdrawn"
    response = login(admin_a).post(f"/portal/nfr/{asked.pk}/", {**ANSWER, "seats": "5"})
    assert response.status_code == 404
    with pytest.raises(ValidationError, match="not waiting for information"):
        nfr_request_answer(request=asked, by=admin_a, answer="late", amend={"seats": 5})
    assert state(asked)[:2] == ("withdrawn", 500)


def test_a_withdrawn_request_cannot_be_approved_or_rejected(
    partner_a, admin_a, phd_emea, leadership, license_key_dir
):
    accept_all(partner_a, admin_a)
    req = big_request(partner_a, admin_a, seats=5)
    nfr_request_withdraw(request=req, by=admin_a)
    grant_issuing(phd_emea, leadership)
    with pytest.raises(ValidationError, match="this one is withdrawn"):
        nfr_request_approve(request=req, by=phd_emea)
    with pytest.raises(ValidationError, match="already withdrawn"):
        nfr_request_reject(request=req, by=phd_emea, reason="too late")
    with pytest.raises(ValidationError, match="this one is withdrawn"):
        nfr_request_correct(request=req, by=phd_emea, reason="typo", amend={"seats": 4})
    assert state(req)[:2] == ("withdrawn", 5) and not License.objects.exists()


@pytest.mark.parametrize("decision", ["approved", "rejected", "withdrawn"])
def test_only_an_undecided_request_can_be_withdrawn(partner_a, admin_a, login, decision):
    req = big_request(partner_a, admin_a)
    NfrRequest.objects.filter(pk=req.pk).update(status=decision)
    before = events(req)
    response = login(admin_a).post(f"/portal/nfr/{req.pk}/withdraw/", follow=True)
    assert "Only an undecided request can be withdrawn" in response.content.decode()
    assert state(req)[0] == decision and events(req) == before


def test_another_partners_people_cannot_withdraw_and_nothing_changes(partner_a, admin_a, user_b, login):
    req = big_request(partner_a, admin_a)
    client = login(user_b)
    assert client.get(f"/portal/nfr/{req.pk}/withdraw/").status_code == 404
    assert client.post(f"/portal/nfr/{req.pk}/withdraw/").status_code == 404
    assert state(req)[0] == "submitted"
    with pytest.raises(NotAllowed):
        nfr_request_withdraw(request=req, by=user_b)
    assert state(req)[0] == "submitted"


def test_a_partner_user_not_allowed_to_submit_cannot_withdraw(partner_a, admin_a, user_a, login):
    req = big_request(partner_a, admin_a)
    assert login(user_a).post(f"/portal/nfr/{req.pk}/withdraw/").status_code == 403
    assert "/withdraw/" not in login(user_a).get(f"/portal/nfr/{req.pk}/").content.decode()
    assert state(req)[0] == "submitted"


def test_a_colleague_allowed_to_submit_may_withdraw_like_answering(partner_a, admin_a):
    colleague = MembershipFactory(
        partner=partner_a, role="user", can_submit_requests=True, user=UserFactory()
    ).user
    req = big_request(partner_a, admin_a)
    nfr_request_withdraw(request=req, by=colleague)
    assert state(req)[0] == "withdrawn"


def test_staff_cannot_withdraw_for_the_partner(partner_a, admin_a, phd_emea):
    req = big_request(partner_a, admin_a)
    with pytest.raises(NotAllowed):
        nfr_request_withdraw(request=req, by=phd_emea)
    assert state(req)[0] == "submitted"


def test_staff_see_a_withdrawn_request_in_the_queue_and_on_its_timeline(partner_a, admin_a, phd_emea, login):
    req = big_request(partner_a, admin_a)
    nfr_request_withdraw(request=req, by=admin_a)
    client = login(phd_emea)
    queue = client.get("/console/nfr/?status=withdrawn").content.decode()
    assert req.reference in queue and "Withdrawn" in queue
    assert req.reference not in client.get("/console/nfr/?status=open").content.decode()
    page = client.get(f"/console/nfr/{req.pk}/").content.decode()
    assert 'data-event="withdrawn"' in page and "The partner withdrew this request" in page
    assert 'id="decide"' not in page and 'id="correct"' not in page


# --- the staff correction --------------------------------------------------------------------------


CORRECTION = {
    "seats": "5",
    "term_months": "12",
    "contact_name": "Lena License",
    "contact_email": "lena@acme.example",
    "reason": "Typo: the partner meant 5 seats (phone call with Lena).",
}


def test_a_reviewer_corrects_the_seats_with_a_reason_and_it_is_audited(partner_a, admin_a, phd_emea, login):
    req = big_request(partner_a, admin_a)
    response = login(phd_emea).post(f"/console/nfr/{req.pk}/correct/", CORRECTION)
    assert response.status_code == 302
    assert state(req)[:5] == ("submitted", 5, 12, "Lena License", "lena@acme.example")
    kind, detail = events(req)[-1]
    assert kind == "corrected"
    assert detail.splitlines()[:2] == [CORRECTION["reason"], "Seats: 500 → 5"]
    latest = req.history.first()
    assert latest.history_user == phd_emea and latest.seats == 5
    assert latest.history_change_reason == CORRECTION["reason"]


def test_a_correction_without_a_reason_is_refused_and_changes_nothing(partner_a, admin_a, phd_emea, login):
    req = big_request(partner_a, admin_a)
    before, before_events = state(req), events(req)
    response = login(phd_emea).post(f"/console/nfr/{req.pk}/correct/", {**CORRECTION, "reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    with pytest.raises(ValidationError) as exc:
        nfr_request_correct(request=req, by=phd_emea, reason="  ", amend={"seats": 5})
    assert "reason" in exc.value.message_dict
    assert state(req) == before and events(req) == before_events


def test_a_correction_that_changes_nothing_is_refused(partner_a, admin_a, phd_emea, login):
    req = big_request(partner_a, admin_a)
    response = login(phd_emea).post(f"/console/nfr/{req.pk}/correct/", {**CORRECTION, "seats": "500"})
    assert response.status_code == 400
    assert "Nothing to correct" in response.content.decode()
    assert events(req)[-1][0] == "submitted"


def test_an_invalid_correction_shows_the_error_and_changes_nothing(partner_a, admin_a, phd_emea):
    req = big_request(partner_a, admin_a)
    before = state(req)
    with pytest.raises(ValidationError) as exc:
        nfr_request_correct(
            request=req, by=phd_emea, reason="fix", amend={"seats": 1001, "contact_name": " "}
        )
    assert set(exc.value.message_dict) == {"seats", "contact_name"}
    assert state(req) == before


def test_only_reviewers_may_correct(partner_a, admin_a, cam, login):
    req = big_request(partner_a, admin_a)
    assert login(cam).post(f"/console/nfr/{req.pk}/correct/", CORRECTION).status_code == 403
    with pytest.raises(NotAllowed):
        nfr_request_correct(request=req, by=admin_a, reason="mine", amend={"seats": 5})
    assert state(req)[1] == 500


def test_partner_people_never_reach_the_correction(partner_a, admin_a, user_b, login):
    req = big_request(partner_a, admin_a)
    for person in (admin_a, user_b):
        client = login(person)
        assert client.get(f"/console/nfr/{req.pk}/correct/").status_code == 403
        assert client.post(f"/console/nfr/{req.pk}/correct/", CORRECTION).status_code == 403
    assert state(req)[1] == 500 and events(req)[-1][0] == "submitted"


def test_the_partner_sees_the_correction_on_the_timeline_as_the_help_desk(
    partner_a, admin_a, phd_emea, login
):
    req = big_request(partner_a, admin_a)
    nfr_request_correct(request=req, by=phd_emea, reason="Typo", amend={"seats": 5})
    page = login(admin_a).get(f"/portal/nfr/{req.pk}/").content.decode()
    assert "Corrected by the help desk" in page and "Seats: 500 → 5" in page
    assert "Partner help desk" in page and phd_emea.email not in page


def test_the_review_page_offers_the_correction_form_prefilled(partner_a, admin_a, phd_emea, login):
    req = big_request(partner_a, admin_a)
    page = login(phd_emea).get(f"/console/nfr/{req.pk}/").content.decode()
    form = page[page.index('id="correct"') :]
    assert 'name="seats" value="500"' in form and 'name="reason"' in form
