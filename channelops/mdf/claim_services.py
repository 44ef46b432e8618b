"""Writes of MDF claims (docs/mdf.md, "Claims, payments and deadlines").

A partner claims (part of) an approved proposal's funds with proof of performance; staff with
``mdf.review_claim`` approve (possibly a lower amount), ask for more proof or reject; staff with
``mdf.record_payment`` record the payment. The rules:

- **What may be claimed.** The sum of a proposal's open (submitted, more proof), approved and paid
  claims never exceeds its approved amount less what was released. The check runs under a row
  lock on the proposal (``select_for_update(of=("self",))``), so two claims sent at the same
  moment cannot both take the last euro.
- **Deadline.** No claim after the proposal's ``claim_deadline`` (the last day still counts).
- **Final claim.** A claim marked final is the last one: it may only be sent when no other claim
  is open, no claim may follow it while it is open or approved, and approving it releases what
  is left of the approved amount (``released_amount``) and closes the proposal.
- **Proof.** Up to ``MDF_PROOF_MAX_FILES`` files, each with a kind; a new claim needs at least
  one invoice. Every file passes ``core.files.check_upload`` (kind ``proof``) before anything is
  stored; one bad file refuses the claim with an error naming it, and no row and no file is kept.
  Files stored for a claim whose transaction then fails are deleted again.

Every step writes an :class:`~channelops.mdf.models.Event` and e-mails the partner's side (the
submitter and the partner admins); a claim sent or resubmitted e-mails the claim reviewers
(channel marketing).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed
from channelops.core.files import CheckedUpload, check_upload, store_upload
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue, email_partner_people
from channelops.partners.models import PartnerMembership

from .models import (
    Claim,
    ClaimStatus,
    Event,
    EventKind,
    ProofFile,
    ProofKind,
    Proposal,
    ProposalStatus,
)
from .money import rate_for
from .services import event_add, save_numbered

log = logging.getLogger(__name__)

REVIEW_PERM = "mdf.review_claim"
PAYMENT_PERM = "mdf.record_payment"
VIEW_PERM = "mdf.view_proposal"
UPLOAD_KIND = "proof"
CENT = Decimal("0.01")
MAX_NOTE = 3000

#: Claims that hold part of a proposal's commitment.
HOLDING = (ClaimStatus.SUBMITTED, ClaimStatus.MORE_PROOF, ClaimStatus.APPROVED, ClaimStatus.PAID)
#: Claims waiting for a decision.
OPEN = (ClaimStatus.SUBMITTED, ClaimStatus.MORE_PROOF)
#: The kinds of proof a new claim needs at least one of.
REQUIRED_PROOF = (ProofKind.INVOICE,)


# --- who may do what ------------------------------------------------------------------------------


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_submit_claims(user: Any, partner_id: int) -> bool:
    """A partner person of ``partner_id`` allowed to submit requests (partner admins always)."""
    if not _active(user) or user.is_staff:
        return False
    m = user.partner_membership
    return m is not None and m.partner_id == partner_id and bool(m.may_submit)


def may_review_claims(user: Any) -> bool:
    return _active(user) and user.is_staff and user.has_perm(REVIEW_PERM)


def may_record_payment(user: Any) -> bool:
    return _active(user) and user.is_staff and user.has_perm(PAYMENT_PERM)


def may_see_claim(user: Any, claim: Claim) -> bool:
    """Staff who see MDF, or any person of the claim's partner (the proof files follow this)."""
    if not _active(user):
        return False
    if user.is_staff:
        return bool(user.has_perm(VIEW_PERM))
    return user.partner_id is not None and user.partner_id == claim.proposal.partner_id


# --- amounts ------------------------------------------------------------------------------------


def claimable(proposal: Proposal) -> Decimal:
    """What is left to claim: approved − released − Σ open, approved and paid claims (never < 0)."""
    if proposal.status != ProposalStatus.APPROVED:
        return Decimal("0")
    held = Claim.objects.filter(proposal=proposal, status__in=HOLDING).aggregate(s=Sum("amount"))["s"]
    left = proposal.approved_amount - proposal.released_amount - (held or Decimal("0"))
    return max(left, Decimal("0"))


def deadline_passed(proposal: Proposal, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return proposal.claim_deadline is not None and today > proposal.claim_deadline


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: [_("Enter an amount, e.g. 1250.00.")]})
    if amount <= 0:
        raise ValidationError({field: [_("The amount must be more than 0.")]})
    if amount != amount.quantize(CENT) or amount >= Decimal("1e12"):
        raise ValidationError({field: [_("Enter an amount with at most two decimal places.")]})
    return amount.quantize(CENT)


def convert(amount: Decimal, currency: str) -> tuple[Decimal, Decimal]:
    """(amount in the program currency, rate) for an amount entered in ``currency``."""
    currency = (currency or settings.MDF_CURRENCY).upper()
    if currency == settings.MDF_CURRENCY:
        return amount, Decimal("1")
    if currency not in settings.MDF_CURRENCIES:
        raise ValidationError({"currency": [_("Choose one of the listed currencies.")]})
    rate = rate_for(currency)
    if rate is None:
        raise ValidationError(
            {
                "currency": [
                    _("There is no exchange rate for %(currency)s yet; enter the amount in %(program)s.")
                    % {"currency": currency, "program": settings.MDF_CURRENCY}
                ]
            }
        )
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP), rate


# --- proof files ----------------------------------------------------------------------------------


def _read(upload: Any) -> tuple[str, bytes]:
    if isinstance(upload, tuple | list):
        return str(upload[0] or ""), bytes(upload[1])
    name = getattr(upload, "name", "") or ""
    if hasattr(upload, "seek"):
        upload.seek(0)
    return str(name), upload.read()


def clean_proof(
    files: Iterable[tuple[str, Any]], *, need_invoice: bool, existing: int = 0
) -> list[tuple[str, CheckedUpload]]:
    """Check proof files (``(kind, upload)`` pairs; an upload is a file or ``(name, bytes)``).

    Each passes ``check_upload(kind="proof")``; the ValidationError (on ``proof``) names every
    refused file. Nothing is stored here."""
    pairs = list(files or ())
    limit = int(settings.MDF_PROOF_MAX_FILES)
    if not pairs:
        raise ValidationError({"proof": [_("Add the proof: at least the invoice.")]})
    if existing + len(pairs) > limit:
        raise ValidationError({"proof": [_("A claim carries at most %(n)d proof files.") % {"n": limit}]})
    out: list[tuple[str, CheckedUpload]] = []
    errors: list[str] = []
    for kind, upload in pairs:
        name, data = _read(upload)
        if kind not in ProofKind.values:
            errors.append(_("%(name)s: choose what kind of proof it is.") % {"name": name or "?"})
            continue
        try:
            checked = check_upload(data, name, kind=UPLOAD_KIND)
        except ValidationError as exc:
            shown = "".join(ch for ch in name if ch.isprintable()) or "?"
            errors.append(f"{shown[:120]}: {' '.join(exc.messages)}")
            continue
        if checked.extension == "txt" and checked.filename.lower().endswith(".csv"):
            # Text is text: an attendee list named .csv is kept (and served) as CSV.
            checked = dataclasses.replace(checked, extension="csv", content_type="text/csv")
        out.append((kind, checked))
    if errors:
        raise ValidationError({"proof": errors})
    if need_invoice and not any(kind in REQUIRED_PROOF for kind, _c in out):
        raise ValidationError({"proof": [_("Add the invoice: a claim needs at least one invoice.")]})
    return out


def _store_proof(claim: Claim, files: list[tuple[str, CheckedUpload]], by: User, stored: list[str]) -> None:
    """Store each checked file and its row; ``stored`` collects the storage names (to delete them
    again if the transaction fails)."""
    import hashlib

    now = timezone.now()
    for kind, checked in files:
        name = store_upload(checked)
        stored.append(name)
        ProofFile.objects.create(
            claim=claim,
            kind=kind,
            file=name,
            filename=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            sha256=hashlib.sha256(checked.content).hexdigest(),
            uploaded_by=by,
            uploaded_at=now,
        )


def _delete_stored(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:  # pragma: no cover - best effort; the name is unreachable without a row
            log.warning("could not delete the stored proof file %s", name, exc_info=True)


# --- helpers the proposal services will provide (folded in by the integrator) --------------------


# --- e-mails ------------------------------------------------------------------------------------


def _partner_side(claim: Claim) -> list[str]:
    """The submitter (when still an active partner person) and the partner admins."""
    people = set(PartnerMembership.objects.admin_emails(claim.proposal.partner_id))
    who = claim.submitted_by
    if who is not None and who.is_active and not who.is_staff:
        people.add(who.email)
    return sorted(people)


def reviewer_emails() -> list[str]:
    """Channel marketing (who review claims); without anyone there, every claim reviewer."""
    base = User.objects.filter(is_active=True, is_staff=True)
    emails = list(
        base.filter(groups__name="channel_marketing")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )
    if emails:
        return emails
    code = REVIEW_PERM.split(".")[1]
    return list(
        base.filter(Q(user_permissions__codename=code) | Q(groups__permissions__codename=code))
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def _mail_partner(claim: Claim, notice: str, *, key: str, **extra: Any) -> None:
    proposal = claim.proposal
    email_partner_people(
        _partner_side(claim),
        "mdf/email/claim_notice",
        {
            "notice": notice,
            "claim": claim,
            "proposal": proposal,
            "partner": proposal.partner,
            "currency": settings.MDF_CURRENCY,
            "link": absolute_url(reverse("portal:mdf_claim", args=[claim.number])),
            **extra,
        },
        key=key,
        partner_id=proposal.partner_id,
    )


def _mail_reviewers(claim: Claim, notice: str, *, key: str) -> None:
    to = reviewer_emails()
    if not to:
        return
    proposal = claim.proposal
    email_enqueue(
        to=to,
        template="mdf/email/claim_review",
        context={
            "notice": notice,
            "claim": claim,
            "proposal": proposal,
            "partner": proposal.partner,
            "currency": settings.MDF_CURRENCY,
            "link": absolute_url(reverse("console:mdf_claim", args=[claim.number])),
        },
        key=key,
        topic="mdf:claims",
    )


# --- the partner's steps ------------------------------------------------------------------------


def _clean_note(note: str) -> str:
    note = (note or "").replace("\r\n", "\n").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": [_("A note is at most %(n)d characters long.") % {"n": MAX_NOTE}]})
    return note


def claim_submit(
    *,
    proposal: Proposal,
    by: User,
    amount: Any,
    currency: str = "",
    is_final: bool = False,
    note: str = "",
    files: Iterable[tuple[str, Any]] = (),
) -> Claim:
    """A partner person claims ``amount`` (entered in ``currency``) of an approved proposal.

    Every check runs before anything is stored; a refused claim leaves no row and no file."""
    if not may_submit_claims(by, proposal.partner_id):
        raise NotAllowed(_("Ask your company's partner admin to allow you to submit requests."))
    errors: dict[str, list[str]] = {}
    entered = converted = rate = None
    currency = (currency or settings.MDF_CURRENCY).upper()
    try:
        entered = _money(amount, "amount")
        converted, rate = convert(entered, currency)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        note = _clean_note(note)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    checked: list[tuple[str, CheckedUpload]] = []
    try:
        checked = clean_proof(files, need_invoice=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    assert entered is not None and converted is not None and rate is not None
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = (
                Proposal.objects.select_for_update(of=("self",)).select_related("partner").get(pk=proposal.pk)
            )
            _check_claimable(locked, converted, is_final=is_final)
            claim = _create_claim(
                locked,
                by=by,
                amount=converted,
                currency=currency,
                entered=entered,
                rate=rate,
                is_final=is_final,
                note=note,
            )
            _store_proof(claim, checked, by, stored)
            event_add(
                locked, EventKind.CLAIM_SUBMITTED, actor=by, comment=note, amount=converted, claim=claim
            )
            _mail_partner(claim, "submitted", key=f"mdf-claim:{claim.pk}:submitted")
            _mail_reviewers(claim, "submitted", key=f"mdf-claim:{claim.pk}:review")
    except BaseException:
        _delete_stored(stored)
        raise
    return claim


def _check_claimable(proposal: Proposal, amount: Decimal, *, is_final: bool) -> None:
    if proposal.status != ProposalStatus.APPROVED:
        raise ValidationError(
            _("Only an approved proposal can be claimed; this one is %(status)s.")
            % {"status": proposal.get_status_display().lower()}
        )
    if deadline_passed(proposal):
        raise ValidationError(
            _(
                "The claim deadline of this proposal was %(date)s; claims are no longer accepted. "
                "Contact your channel account manager if you need an exception."
            )
            % {"date": proposal.claim_deadline.isoformat() if proposal.claim_deadline else ""}
        )
    others = Claim.objects.filter(proposal=proposal)
    if others.filter(is_final=True, status__in=(*OPEN, ClaimStatus.APPROVED, ClaimStatus.PAID)).exists():
        raise ValidationError(_("The final claim of this proposal was already sent; no claim may follow it."))
    if is_final and others.filter(status__in=OPEN).exists():
        raise ValidationError(
            {
                "is_final": [
                    _("Another claim is still waiting for review; send the final claim once it is decided.")
                ]
            }
        )
    left = claimable(proposal)
    if amount > left:
        raise ValidationError(
            {
                "amount": [
                    _("At most %(left)s %(currency)s is left to claim on this proposal.")
                    % {"left": f"{left:,.2f}", "currency": settings.MDF_CURRENCY}
                ]
            }
        )


def _create_claim(
    proposal: Proposal,
    *,
    by: User,
    amount: Decimal,
    currency: str,
    entered: Decimal,
    rate: Decimal,
    is_final: bool,
    note: str,
) -> Claim:
    claim = Claim(
        proposal=proposal,
        amount=amount,
        entered_currency=currency,
        entered_amount=entered,
        exchange_rate=rate,
        is_final=bool(is_final),
        note=note,
        submitted_by=by,
        submitted_at=timezone.now(),
    )
    return save_numbered(claim, "CLM")  # the next free number, the next one if taken meanwhile


def claim_add_proof(
    *, claim: Claim, by: User, files: Iterable[tuple[str, Any]] = (), note: str = ""
) -> Claim:
    """The partner answers "more proof, please": adds files (at least one) and resubmits."""
    if not may_submit_claims(by, claim.proposal.partner_id):
        raise NotAllowed(_("Ask your company's partner admin to allow you to submit requests."))
    errors: dict[str, list[str]] = {}
    try:
        note = _clean_note(note)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    checked: list[tuple[str, CheckedUpload]] = []
    try:
        checked = clean_proof(files, need_invoice=False, existing=claim.proof_files.count())
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    stored: list[str] = []
    try:
        with transaction.atomic():
            Proposal.objects.select_for_update(of=("self",)).get(pk=claim.proposal_id)
            locked = (
                Claim.objects.select_for_update(of=("self",))
                .select_related("proposal__partner")
                .get(pk=claim.pk)
            )
            if locked.status != ClaimStatus.MORE_PROOF:
                raise ValidationError(
                    _("Proof can be added when the reviewer asks for more; this claim is %(s)s.")
                    % {"s": locked.get_status_display().lower()}
                )
            _store_proof(locked, checked, by, stored)
            locked.status = ClaimStatus.SUBMITTED
            locked._history_user = by  # type: ignore[attr-defined]
            locked.save(update_fields=["status"])
            n = Event.objects.filter(claim=locked, kind=EventKind.PROOF_ADDED).count()
            event_add(locked.proposal, EventKind.PROOF_ADDED, actor=by, comment=note, claim=locked)
            _mail_reviewers(locked, "resubmitted", key=f"mdf-claim:{locked.pk}:proof:{n + 1}")
    except BaseException:
        _delete_stored(stored)
        raise
    return locked


# --- the reviewers' steps ---------------------------------------------------------------------------


def _lock_for_review(
    claim: Claim, by: User, *, perm_check: Any = may_review_claims
) -> tuple[Proposal, Claim]:
    if not perm_check(by):
        raise NotAllowed(_("You may not review MDF claims."))
    proposal = (
        Proposal.objects.select_for_update(of=("self",)).select_related("partner").get(pk=claim.proposal_id)
    )
    locked = Claim.objects.select_for_update(of=("self",)).select_related("submitted_by").get(pk=claim.pk)
    locked.proposal = proposal
    return proposal, locked


def _decided(locked: Claim, by: User, status: str, reason: str = "") -> None:
    locked.status = status
    locked.reviewed_by = by
    locked.reviewed_at = timezone.now()
    locked.decision_reason = reason
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()


@transaction.atomic
def claim_approve(*, claim: Claim, by: User, amount: Any = None, comment: str = "") -> Claim:
    """Approve a waiting claim, for its amount or a lower one; a final claim releases the rest."""
    proposal, locked = _lock_for_review(claim, by)
    if locked.status != ClaimStatus.SUBMITTED:
        raise ValidationError(
            _("Only a claim waiting for review can be approved; this one is %(s)s.")
            % {"s": locked.get_status_display().lower()}
        )
    comment = _clean_note(comment)
    approved = locked.amount if amount in (None, "") else _money(amount, "amount")
    if approved > locked.amount:
        raise ValidationError(
            {"amount": [_("Approve at most the claimed %(amount)s.") % {"amount": f"{locked.amount:,.2f}"}]}
        )
    claimed = locked.amount
    if approved != claimed:
        locked.amount = approved
    _decided(locked, by, ClaimStatus.APPROVED, comment)
    event_add(proposal, EventKind.CLAIM_APPROVED, actor=by, comment=comment, amount=approved, claim=locked)
    released = Decimal("0")
    if locked.is_final:
        released = _release_rest(proposal, by=by, claim=locked)
    _mail_partner(
        locked,
        "approved",
        key=f"mdf-claim:{locked.pk}:approved",
        comment=comment,
        claimed=claimed,
        lowered=approved != claimed,
        released=released,
    )
    return locked


def _release_rest(proposal: Proposal, *, by: User | None, claim: Claim | None) -> Decimal:
    """Release what no open, approved or paid claim holds; closed when nothing is open."""
    held = Claim.objects.filter(proposal=proposal, status__in=HOLDING).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal("0")
    target = max(proposal.approved_amount - held, Decimal("0"))
    released = target - proposal.released_amount
    now = timezone.now()
    fields = []
    if released > 0:
        proposal.released_amount = target
        proposal.released_at = now
        fields += ["released_amount", "released_at"]
        event_add(proposal, EventKind.RELEASED, actor=by, amount=released, claim=claim)
    if not Claim.objects.filter(proposal=proposal, status__in=OPEN).exists():
        proposal.status = ProposalStatus.CLOSED
        fields.append("status")
        event_add(proposal, EventKind.CLOSED, actor=by, claim=claim)
    if fields:
        proposal._history_user = by  # type: ignore[attr-defined]
        proposal.save(update_fields=[*fields, "updated_at"])
    return max(released, Decimal("0"))


@transaction.atomic
def claim_request_proof(*, claim: Claim, by: User, comment: str) -> Claim:
    """Ask the partner for more proof (the comment says what is missing)."""
    proposal, locked = _lock_for_review(claim, by)
    if locked.status != ClaimStatus.SUBMITTED:
        raise ValidationError(
            _("More proof can be asked for a claim waiting for review; this one is %(s)s.")
            % {"s": locked.get_status_display().lower()}
        )
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say what proof is missing.")]})
    comment = _clean_note(comment)
    _decided(locked, by, ClaimStatus.MORE_PROOF, comment)
    n = Event.objects.filter(claim=locked, kind=EventKind.MORE_PROOF).count()
    event_add(proposal, EventKind.MORE_PROOF, actor=by, comment=comment, claim=locked)
    _mail_partner(locked, "more_proof", key=f"mdf-claim:{locked.pk}:more_proof:{n + 1}", comment=comment)
    return locked


@transaction.atomic
def claim_reject(*, claim: Claim, by: User, reason: str) -> Claim:
    """Reject a claim (waiting or waiting for proof) with a reason; its amount can be claimed again."""
    proposal, locked = _lock_for_review(claim, by)
    if locked.status not in OPEN:
        raise ValidationError(
            _("Only a claim waiting for a decision can be rejected; this one is %(s)s.")
            % {"s": locked.get_status_display().lower()}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the claim is rejected.")]})
    reason = _clean_note(reason)
    _decided(locked, by, ClaimStatus.REJECTED, reason)
    event_add(
        proposal, EventKind.CLAIM_REJECTED, actor=by, comment=reason, amount=locked.amount, claim=locked
    )
    _mail_partner(locked, "rejected", key=f"mdf-claim:{locked.pk}:rejected", comment=reason)
    return locked


@transaction.atomic
def claim_record_payment(*, claim: Claim, by: User, paid_on: Any, reference: str) -> Claim:
    """Record that an approved claim was paid (date and the payment's reference)."""
    proposal, locked = _lock_for_review(claim, by, perm_check=may_record_payment)
    if locked.status != ClaimStatus.APPROVED:
        raise ValidationError(
            _("Only an approved claim can be paid; this one is %(s)s.")
            % {"s": locked.get_status_display().lower()}
        )
    errors: dict[str, list[str]] = {}
    if not isinstance(paid_on, datetime.date):
        errors["paid_on"] = [_("Enter the date of the payment.")]
    elif paid_on > timezone.localdate():
        errors["paid_on"] = [_("The payment date cannot be in the future.")]
    elif paid_on < timezone.localtime(locked.submitted_at).date():
        errors["paid_on"] = [_("The payment date cannot be before the claim was sent.")]
    reference = " ".join((reference or "").split())
    if not reference:
        errors["reference"] = [_("Enter the payment's reference, e.g. the transfer number.")]
    elif len(reference) > 100:
        errors["reference"] = [_("A reference is at most 100 characters long.")]
    if errors:
        raise ValidationError(errors)
    locked.status = ClaimStatus.PAID
    locked.paid_on = paid_on
    locked.payment_reference = reference
    locked.paid_recorded_by = by
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save()
    event_add(proposal, EventKind.PAID, actor=by, comment=reference, amount=locked.amount, claim=locked)
    _mail_partner(locked, "paid", key=f"mdf-claim:{locked.pk}:paid")
    return locked
