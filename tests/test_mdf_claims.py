"""MDF claims (channelops/mdf/claim_services.py, docs/mdf.md "Claims, payments and deadlines"):
submitting with proof, partial claims within the approved amount under a lock, the deadline,
review (approve, lower amount, more proof, reject), the final claim's release, payment; events
and e-mails read from the SMTP server."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from channelops.core.exceptions import NotAllowed
from channelops.mdf import claim_services as svc
from channelops.mdf.models import (
    Budget,
    Claim,
    ClaimStatus,
    Event,
    EventKind,
    ExchangeRate,
    ProofFile,
    ProposalStatus,
)

from .assets_helpers import pdf, png
from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory
from .mdf_factories import ClaimFactory, ProposalFactory

pytestmark = pytest.mark.django_db
D = Decimal
NOW = datetime.datetime(2026, 12, 15, 10, 0, tzinfo=datetime.UTC)
DEADLINE = datetime.date(2027, 2, 9)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class World:
    def __init__(self) -> None:
        self.partner = PartnerFactory(country="GB", legal_name="Acme Claims Ltd")
        self.admin = MembershipFactory(
            partner=self.partner, role="admin", user=UserFactory(email="admin@acme-claims.test")
        ).user
        self.submitter = MembershipFactory(
            partner=self.partner,
            role="user",
            can_submit_requests=True,
            user=UserFactory(email="sam@acme-claims.test"),
        ).user
        self.viewer = MembershipFactory(
            partner=self.partner, role="user", user=UserFactory(email="viewer@acme-claims.test")
        ).user
        self.marketing = StaffFactory(email="mkt@vendor.test", roles=["channel_marketing"])
        self.cam = StaffFactory(email="cam@vendor.test", roles=["cam"])
        self.proposal = ProposalFactory(
            partner=self.partner,
            status=ProposalStatus.APPROVED,
            approved_amount=D("4000.00"),
            claim_deadline=DEADLINE,
            created_by=self.submitter,
        )
        other_partner = PartnerFactory(country="GB", legal_name="Other Partner Ltd")
        self.other = MembershipFactory(
            partner=other_partner, role="admin", user=UserFactory(email="admin@other.test")
        ).user


@pytest.fixture
def w() -> World:
    return World()


def invoice(name: str = "invoice.pdf") -> tuple[str, tuple[str, bytes]]:
    return ("invoice", (name, pdf()))


def photo(name: str = "booth.png") -> tuple[str, tuple[str, bytes]]:
    return ("photo", (name, png()))


def submit(w: World, amount="1500.00", *, by=None, files=None, **kw) -> Claim:
    return svc.claim_submit(
        proposal=w.proposal,
        by=by or w.submitter,
        amount=amount,
        files=files if files is not None else [invoice(), photo()],
        **kw,
    )


def fresh(smtp_server, deliver) -> None:
    """Deliver what is queued and forget it: the next ``delivered`` sees only newer e-mails."""
    deliver()
    smtp_server.box.clear()


def delivered(smtp_server, deliver) -> list:
    deliver()
    return list(smtp_server.box.messages)


# --- submitting --------------------------------------------------------------------------------


def test_a_claim_with_proof_is_stored_with_its_files_an_event_and_e_mails(w, smtp_server, deliver, media):
    claim = submit(w, note="Invoices of the venue and the catering")
    assert claim.number.startswith("CLM-") and claim.status == ClaimStatus.SUBMITTED
    assert claim.amount == D("1500.00") and claim.entered_currency == "USD"
    files = list(claim.proof_files.order_by("pk"))
    assert [(f.kind, f.filename, f.content_type) for f in files] == [
        ("invoice", "invoice.pdf", "application/pdf"),
        ("photo", "booth.png", "image/png"),
    ]
    assert all(f.file.startswith("proof/") and len(f.sha256) == 64 for f in files)
    assert len(stored_files(media)) == 2
    ev = Event.objects.get(claim=claim)
    assert ev.kind == EventKind.CLAIM_SUBMITTED and ev.amount == D("1500.00") and ev.actor == w.submitter
    mails = delivered(smtp_server, deliver)
    by_to = {tuple(sorted(m["To"].split(", "))): m for m in mails}
    partner_mail = by_to[("admin@acme-claims.test", "sam@acme-claims.test")]
    assert claim.number in partner_mail["Subject"] and "received" in partner_mail["Subject"]
    reviewer_mail = next(m for m in mails if "mkt@vendor.test" in m["To"])  # channel marketing
    assert "Acme Claims Ltd" in reviewer_mail["Subject"]
    assert (
        f"/console/mdf/claims/{claim.number}/"
        in reviewer_mail.get_payload()[0].get_payload(decode=True).decode()
    )


def test_partial_claims_may_not_exceed_what_is_left(w):
    submit(w, "2500.00")
    second = submit(w, "1500.00")
    assert svc.claimable(w.proposal) == D("0")
    with pytest.raises(ValidationError) as exc:
        submit(w, "0.01")
    assert "At most 0.00 USD is left" in str(exc.value.message_dict["amount"])
    # A rejected claim gives its part back.
    svc.claim_reject(claim=second, by=w.marketing, reason="Wrong invoice")
    assert svc.claimable(w.proposal) == D("1500.00")
    submit(w, "1500.00")


def test_a_claim_over_the_approved_amount_is_refused_and_nothing_is_stored(w, media):
    with pytest.raises(ValidationError) as exc:
        submit(w, "4000.01")
    assert "amount" in exc.value.message_dict
    assert Claim.objects.count() == 0 and ProofFile.objects.count() == 0
    assert stored_files(media) == []


def test_a_claim_in_another_currency_is_converted_with_the_exchange_rate(w):
    ExchangeRate.objects.create(currency="EUR", rate=D("1.10000000"))
    claim = submit(w, "1000.00", currency="EUR")
    assert (claim.amount, claim.entered_amount, claim.entered_currency) == (D("1100.00"), D("1000.00"), "EUR")
    assert claim.exchange_rate == D("1.1")
    with pytest.raises(ValidationError) as exc:
        submit(w, "10", currency="GBP")  # no rate yet
    assert "no exchange rate for GBP" in str(exc.value.message_dict["currency"])


def test_claims_after_the_deadline_are_refused_with_a_clear_message(w, clock):
    clock.move_to(datetime.datetime(2027, 2, 9, 22, 0, tzinfo=datetime.UTC))  # the last day counts
    submit(w, "100")
    clock.move_to(datetime.datetime(2027, 2, 10, 9, 0, tzinfo=datetime.UTC))
    with pytest.raises(ValidationError) as exc:
        submit(w, "100")
    assert "claim deadline of this proposal was 2027-02-09" in " ".join(exc.value.messages)


def test_only_partner_people_who_may_submit_claim_and_only_approved_proposals(w):
    with pytest.raises(NotAllowed):
        submit(w, by=w.viewer)
    with pytest.raises(NotAllowed):
        submit(w, by=w.other)
    with pytest.raises(NotAllowed):
        submit(w, by=w.marketing)
    submit(w, "10", by=w.admin)
    w.proposal.status = ProposalStatus.SUBMITTED
    w.proposal.save()
    with pytest.raises(ValidationError, match="Only an approved proposal"):
        submit(w, "10")


def test_a_claim_needs_an_invoice_and_at_most_the_configured_number_of_files(w, settings):
    with pytest.raises(ValidationError, match="at least one invoice"):
        submit(w, files=[photo()])
    with pytest.raises(ValidationError, match="at least the invoice"):
        submit(w, files=[])
    settings.MDF_PROOF_MAX_FILES = 2
    with pytest.raises(ValidationError, match="at most 2 proof files"):
        submit(w, files=[invoice(), photo(), photo("b.png")])
    assert Claim.objects.count() == 0


def test_a_final_claim_follows_no_open_claim_and_nothing_follows_it(w):
    first = submit(w, "1000")
    with pytest.raises(ValidationError) as exc:
        submit(w, "500", is_final=True)
    assert "is_final" in exc.value.message_dict
    svc.claim_approve(claim=first, by=w.marketing)
    final = submit(w, "500", is_final=True)
    with pytest.raises(ValidationError, match="final claim of this proposal was already sent"):
        submit(w, "100")
    svc.claim_approve(claim=final, by=w.marketing)
    w.proposal.refresh_from_db()
    # 4000 approved, 1500 claimed: 2500 released, the activity closed.
    assert w.proposal.status == ProposalStatus.CLOSED
    assert w.proposal.released_amount == D("2500.00") and w.proposal.released_at is not None
    assert w.proposal.committed_amount == D("1500.00")
    kinds = list(Event.objects.filter(proposal=w.proposal).values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.RELEASED, EventKind.CLOSED]
    budget = Budget.objects.with_balances().get(pk=w.proposal.budget_id)
    assert (budget.committed, budget.claimed) == (D("1500.00"), D("1500.00"))


# --- review and payment ----------------------------------------------------------------------


def test_approve_a_lower_amount_then_record_the_payment(w, smtp_server, deliver):
    claim = submit(w, "2000")
    fresh(smtp_server, deliver)
    with pytest.raises(ValidationError, match="at most the claimed"):
        svc.claim_approve(claim=claim, by=w.marketing, amount="2000.01")
    claim = svc.claim_approve(
        claim=claim, by=w.marketing, amount="1800", comment="The catering is not covered."
    )
    assert claim.status == ClaimStatus.APPROVED and claim.amount == D("1800.00")
    assert claim.reviewed_by == w.marketing and claim.entered_amount == D("2000.00")
    assert svc.claimable(w.proposal) == D("2200.00")
    mails = delivered(smtp_server, deliver)
    assert len(mails) == 1 and "approved" in mails[0]["Subject"]
    body = mails[0].get_payload()[0].get_payload(decode=True).decode()
    assert "1800.00" in body and "You claimed 2000.00" in body and "catering is not covered" in body
    with pytest.raises(NotAllowed):
        svc.claim_record_payment(claim=claim, by=w.cam, paid_on=datetime.date(2026, 12, 14), reference="T-1")
    with pytest.raises(ValidationError) as exc:
        svc.claim_record_payment(
            claim=claim, by=w.marketing, paid_on=datetime.date(2026, 12, 16), reference=""
        )
    assert set(exc.value.message_dict) == {"paid_on", "reference"}
    fresh(smtp_server, deliver)
    claim = svc.claim_record_payment(
        claim=claim, by=w.marketing, paid_on=datetime.date(2026, 12, 15), reference="SEPA-4711"
    )
    assert (claim.status, claim.payment_reference, claim.paid_recorded_by) == (
        ClaimStatus.PAID,
        "SEPA-4711",
        w.marketing,
    )
    mails = delivered(smtp_server, deliver)
    assert (
        "paid" in mails[0]["Subject"]
        and "SEPA-4711" in mails[0].get_payload()[0].get_payload(decode=True).decode()
    )
    assert list(Event.objects.filter(claim=claim).values_list("kind", flat=True)) == [
        EventKind.CLAIM_SUBMITTED,
        EventKind.CLAIM_APPROVED,
        EventKind.PAID,
    ]


def test_more_proof_then_the_partner_adds_files_and_resubmits(w, smtp_server, deliver):
    claim = submit(w, "900")
    fresh(smtp_server, deliver)
    with pytest.raises(ValidationError):
        svc.claim_request_proof(claim=claim, by=w.marketing, comment=" ")
    claim = svc.claim_request_proof(claim=claim, by=w.marketing, comment="Add the attendee list.")
    assert claim.status == ClaimStatus.MORE_PROOF
    mails = delivered(smtp_server, deliver)
    assert "more proof" in mails[0]["Subject"] and "attendee list" in mails[0].as_string()
    with pytest.raises(ValidationError, match="waiting for review"):
        svc.claim_approve(claim=claim, by=w.marketing)
    with pytest.raises(NotAllowed):
        svc.claim_add_proof(claim=claim, by=w.viewer, files=[("attendees", ("list.csv", b"name\nAda\n"))])
    fresh(smtp_server, deliver)
    claim = svc.claim_add_proof(
        claim=claim, by=w.submitter, files=[("attendees", ("list.csv", b"name,company\nAda,Initech\n"))]
    )
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.proof_files.filter(kind="attendees", content_type="text/csv").count() == 1
    mails = delivered(smtp_server, deliver)
    assert "mkt@vendor.test" in mails[0]["To"] and "more proof added" in mails[0]["Subject"]
    with pytest.raises(ValidationError, match="when the reviewer asks"):
        svc.claim_add_proof(claim=claim, by=w.submitter, files=[invoice()])


def test_reject_needs_a_reason_and_only_reviewers_decide(w, smtp_server, deliver):
    claim = submit(w, "900")
    for who in (w.cam, w.submitter, w.admin):
        with pytest.raises(NotAllowed):
            svc.claim_approve(claim=claim, by=who)
    with pytest.raises(ValidationError) as exc:
        svc.claim_reject(claim=claim, by=w.marketing, reason="")
    assert "reason" in exc.value.message_dict
    fresh(smtp_server, deliver)
    claim = svc.claim_reject(claim=claim, by=w.marketing, reason="The activity is not the approved one.")
    assert claim.status == ClaimStatus.REJECTED and claim.decision_reason
    mails = delivered(smtp_server, deliver)
    assert "not approved" in mails[0]["Subject"]
    with pytest.raises(ValidationError):
        svc.claim_reject(claim=claim, by=w.marketing, reason="again")


def test_a_second_claim_sees_the_first_under_the_lock(w):
    submit(w, "3000")
    with pytest.raises(ValidationError):
        submit(w, "1500")
    assert Claim.objects.filter(proposal=w.proposal).count() == 1


def test_a_failing_transaction_deletes_the_files_it_stored(w, media, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("the mail queue is down")

    monkeypatch.setattr(svc, "_mail_reviewers", boom)
    with pytest.raises(RuntimeError):
        submit(w)
    assert Claim.objects.count() == 0 and ProofFile.objects.count() == 0
    assert stored_files(media) == []


def test_the_factories_claim_is_visible_only_to_its_partner(w):
    claim = ClaimFactory(proposal=w.proposal)
    assert list(Claim.objects.visible_to(w.viewer)) == [claim]
    assert list(Claim.objects.visible_to(w.other)) == []
    assert list(Claim.objects.visible_to(w.cam)) == [claim]
