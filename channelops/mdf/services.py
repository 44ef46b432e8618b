"""Writes of MDF proposals (S8, issue 17): drafts, the CAM's alignment, routing, decisions, reservation.

The life of a proposal (docs/mdf.md, "Proposals and approval")::

    draft ──send to CAM──▶ awaiting_cam ──CAM confirms──▶ submitted ──approve──▶ approved
      ▲                        │ CAM asks for changes        │ request changes / reject
      └──── changes_requested ◀┘◀────────────────────────────┘            ▶ rejected
    (the partner withdraws any proposal not yet decided: withdrawn)

- Partner people who may submit (partner admin or "may submit requests") of an eligible partner
  (eligibility.py) create and edit drafts and send them to their CAM; a partner without a CAM
  cannot send (the page says to ask the partner help desk for one).
- Sending opens a work item with a task for the CAM and e-mails them; the CAM confirms alignment
  (the proposal is then submitted: its budget is the one of the partner's region whose quarter
  contains ``starts_on``, its approval level follows routing.py) or asks for changes. A proposal
  returned for changes, by the CAM or an approver, goes back to the CAM when re-sent.
- Only the routed role decides (:func:`may_decide`); approving reserves the funds with the budget
  row locked, so concurrent approvals can never over-commit a budget or a partner's allocation.

Shared helpers used by the claims services too (claim_services.py): :func:`next_number`,
:func:`save_numbered` and :func:`event_add`.
"""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_enqueue, email_partner_people
from channelops.partners.models import Partner, PartnerMembership

from . import eligibility
from .models import (
    COMMITTED_STATUSES,
    EDITABLE_STATUSES,
    ActivityType,
    Allocation,
    ApprovalLevel,
    Budget,
    Claim,
    Event,
    EventKind,
    Proposal,
    ProposalStatus,
)
from .money import amount_text, currencies, program_currency, rate_for
from .routing import approval_level

__all__ = ["NotAllowed", "event_add", "next_number", "save_numbered"]

#: Number prefixes and the model numbered with each.
_NUMBERED: dict[str, type[models.Model]] = {"MDF": Proposal, "CLM": Claim}


# --- shared helpers --------------------------------------------------------------------------------


def next_number(prefix: str) -> str:
    """The next free number for ``prefix`` ("MDF" → MDF-000124, "CLM" → CLM-000007)."""
    model = _NUMBERED[prefix]
    last = model._default_manager.filter(number__startswith=f"{prefix}-").aggregate(m=Max("number"))["m"]
    n = int(last.split("-", 1)[1]) + 1 if last else 1
    return f"{prefix}-{n:06d}"


def save_numbered(obj: Any, prefix: str) -> Any:
    """Give ``obj`` the next number and insert it, taking the next one if a concurrent save took it."""
    for _attempt in range(5):
        obj.number = next_number(prefix)
        try:
            with transaction.atomic():
                obj.save()
            return obj
        except IntegrityError:
            obj.pk = None
    raise IntegrityError(f"no free {prefix} number after 5 attempts")  # pragma: no cover


def event_add(
    proposal: Proposal,
    kind: str,
    *,
    actor: Any,
    comment: str = "",
    internal: bool = False,
    amount: Decimal | None = None,
    claim: Claim | None = None,
) -> Event:
    """Add one step to the proposal's timeline (``internal`` comments are staff-only)."""
    return Event.objects.create(
        proposal=proposal,
        claim=claim,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment or "",
        internal=internal,
        amount=amount,
        at=timezone.now(),
    )


# --- who may do what ---------------------------------------------------------------------------------

DECIDE_PERM = "mdf.decide_proposal"
CENT = Decimal("0.01")
UNDECIDED_STATUSES = (
    ProposalStatus.DRAFT,
    ProposalStatus.AWAITING_CAM,
    ProposalStatus.SUBMITTED,
    ProposalStatus.CHANGES_REQUESTED,
)
#: The staff role (group) that decides each level besides the partner's own CAM.
LEVEL_ROLES: dict[str, str] = {
    ApprovalLevel.CAM: "cam",
    ApprovalLevel.MARKETING: "channel_marketing",
    ApprovalLevel.LEADERSHIP: "channel_leadership",
}


def _staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def _is_admin(user: Any) -> bool:
    return _staff(user) and (user.is_superuser or "administrator" in user.staff_roles)


def may_submit(user: Any, partner: Partner) -> bool:
    """The person may create, edit, send and withdraw the partner's proposals (eligibility aside)."""
    return eligibility.person_may_submit(user, partner)


def is_cam_of(user: Any, proposal: Proposal) -> bool:
    return _staff(user) and user.pk in {proposal.cam_id, proposal.partner.cam_id} - {None}


def may_align(user: Any, proposal: Proposal) -> bool:
    """The CAM the proposal waits for (or the partner's current CAM, or an administrator)."""
    return proposal.status == ProposalStatus.AWAITING_CAM and (is_cam_of(user, proposal) or _is_admin(user))


def may_decide_level(user: Any, level: str, partner: Partner | None = None) -> bool:
    """The person holds the routed role for ``level`` (and, for ``cam``, is that partner's CAM)."""
    if not _staff(user) or not user.has_perm(DECIDE_PERM):
        return False
    if _is_admin(user):
        return True
    if level == ApprovalLevel.CAM:
        return "cam" in user.staff_roles and partner is not None and partner.cam_id == user.pk
    role = LEVEL_ROLES.get(level)
    return role is not None and role in user.staff_roles


def may_decide(user: Any, proposal: Proposal) -> bool:
    return proposal.status == ProposalStatus.SUBMITTED and may_decide_level(
        user, proposal.approval_level, proposal.partner
    )


def may_withdraw(user: Any, proposal: Proposal) -> bool:
    return proposal.status in UNDECIDED_STATUSES and may_submit(user, proposal.partner)


def may_comment(user: Any, proposal: Proposal) -> bool:
    return _staff(user) and user.has_perm("mdf.view_proposal")


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise NotAllowed(message)


# --- fields --------------------------------------------------------------------------------------

FIELDS = (
    "activity_type",
    "title",
    "description",
    "starts_on",
    "ends_on",
    "audience",
    "target_accounts",
    "entered_amount",
    "entered_currency",
    "expected_leads",
    "expected_pipeline",
    "reviewed_with_cam",
)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    """Validate and normalise a proposal's fields (errors by field; nothing saved on error)."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    activity = str(data.get("activity_type") or "")
    if activity not in ActivityType.values:
        errors["activity_type"] = _("Choose the kind of activity.")
    out["activity_type"] = activity
    title = str(data.get("title") or "").strip()
    if not title:
        errors["title"] = _("Give the activity a title.")
    elif len(title) > 200:
        errors["title"] = _("The title is at most 200 characters.")
    out["title"] = title
    for name, limit in (("description", 5000), ("audience", 2000), ("target_accounts", 2000)):
        text = str(data.get(name) or "").strip()
        if len(text) > limit:
            errors[name] = _("At most %(n)s characters.") % {"n": limit}
        out[name] = text
    starts, ends = _date(data.get("starts_on")), _date(data.get("ends_on"))
    if starts is None:
        errors["starts_on"] = _("Give the date the activity starts.")
    if ends is None:
        errors["ends_on"] = _("Give the date the activity ends.")
    elif starts is not None and ends < starts:
        errors["ends_on"] = _("The activity cannot end before it starts.")
    out["starts_on"], out["ends_on"] = starts, ends
    amount = _decimal(data.get("entered_amount"))
    if amount is None or amount <= 0:
        errors["entered_amount"] = _("Give the amount you ask for, more than 0.")
    elif amount >= Decimal("1000000000000") or -amount.as_tuple().exponent > 2:  # type: ignore[operator]
        errors["entered_amount"] = _("Give the amount with at most two decimals.")
    currency = str(data.get("entered_currency") or "").strip().upper()
    rate = None
    if currency not in currencies():
        errors["entered_currency"] = _("Choose one of these currencies: %(list)s.") % {
            "list": ", ".join(currencies())
        }
    else:
        rate = rate_for(currency)
        if rate is None:
            errors["entered_currency"] = _(
                "There is no exchange rate for %(cur)s yet; enter the amount in %(program)s, "
                "or ask your channel account manager."
            ) % {"cur": currency, "program": program_currency()}
    out["entered_currency"], out["entered_amount"] = currency, amount
    leads = data.get("expected_leads")
    try:
        out["expected_leads"] = int(leads or 0)
        if out["expected_leads"] < 0 or out["expected_leads"] > 10_000_000:
            raise ValueError
    except (TypeError, ValueError):
        errors["expected_leads"] = _("Give the expected leads as a whole number, 0 or more.")
    pipeline = _decimal(data.get("expected_pipeline") or 0)
    if pipeline is None or pipeline < 0 or pipeline >= Decimal("1000000000000"):
        errors["expected_pipeline"] = _("Give the expected pipeline as an amount, 0 or more.")
    out["expected_pipeline"] = (pipeline or Decimal("0")).quantize(CENT, ROUND_HALF_UP)
    out["reviewed_with_cam"] = bool(data.get("reviewed_with_cam"))
    if errors:
        raise ValidationError(errors)
    assert amount is not None and rate is not None
    out["exchange_rate"] = rate
    out["requested_amount"] = (amount * rate).quantize(CENT, ROUND_HALF_UP)
    if out["requested_amount"] <= 0:
        raise ValidationError({"entered_amount": _("The amount is too small.")})
    return out


def _require_eligible(partner: Partner, by: Any) -> None:
    if not may_submit(by, partner):
        raise NotAllowed(_("Ask your company's partner admin to allow you to submit requests."))
    blocked = eligibility.partner_reasons(partner)
    if blocked:
        raise ValidationError(" ".join(f"{r.text} {r.todo}" for r in blocked))


def _locked(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("partner__cam", "partner__region", "partner__tier", "cam", "budget")
        .get(pk=proposal.pk)
    )


# --- the partner's steps ---------------------------------------------------------------------------


@transaction.atomic
def proposal_create(*, partner: Partner, by: Any, data: dict[str, Any]) -> Proposal:
    """A partner person saves a new draft."""
    _require_eligible(partner, by)
    fields = _clean(data)
    proposal = Proposal(partner=partner, created_by=by, status=ProposalStatus.DRAFT, **fields)
    save_numbered(proposal, "MDF")
    event_add(proposal, EventKind.CREATED, actor=by, amount=proposal.requested_amount)
    return proposal


@transaction.atomic
def proposal_update(*, proposal: Proposal, by: Any, data: dict[str, Any]) -> Proposal:
    """A partner person edits a draft or a proposal returned for changes."""
    proposal = _locked(proposal)
    _require(may_submit(by, proposal.partner), _("Ask your company's partner admin to edit this proposal."))
    if proposal.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("%(number)s is %(status)s: it can no longer be edited.")
            % {"number": proposal.number, "status": proposal.get_status_display().lower()}
        )
    fields = _clean(data)
    changed = [f for f, v in fields.items() if getattr(proposal, f) != v]
    for f, v in fields.items():
        setattr(proposal, f, v)
    proposal.save()
    if changed:
        labels = ", ".join(str(getattr(Proposal._meta.get_field(f), "verbose_name", f)) for f in changed)
        event_add(proposal, EventKind.EDITED, actor=by, comment=labels, amount=proposal.requested_amount)
    return proposal


def _task_item(proposal: Proposal) -> Any:
    from django.contrib.contenttypes.models import ContentType

    from channelops.work.models import WorkItem

    return (
        WorkItem.objects.filter(
            subject_type=ContentType.objects.get_for_model(Proposal), subject_id=proposal.pk
        )
        .exclude(status__in=("done", "cancelled"))
        .order_by("-pk")
        .first()
    )


def _open_cam_task(proposal: Proposal, cam: Any) -> Any:
    """A work item for the CAM with one task: review the plan and confirm alignment (or ask for changes)."""
    from channelops.work.models import Project
    from channelops.work.services.items import work_item_create

    project = Project.objects.filter(slug="channels").first() or Project.objects.order_by("pk").first()
    if project is None:  # pragma: no cover - the work app's defaults create "channels"
        return None
    due = timezone.localdate() + datetime.timedelta(days=5)
    title = _("MDF proposal %(number)s of %(partner)s: confirm alignment") % {
        "number": proposal.number,
        "partner": proposal.partner.legal_name,
    }
    return work_item_create(
        project=project,
        title=title,
        description=_(
            "%(partner)s sent %(number)s (%(title)s, %(amount)s %(currency)s) for your alignment. "
            "Open it in the console: %(link)s"
        )
        % {
            "partner": proposal.partner.legal_name,
            "number": proposal.number,
            "title": proposal.title,
            "amount": proposal.requested_amount,
            "currency": program_currency(),
            "link": absolute_url("console:mdf_proposal", proposal.pk),
        },
        dri=cam,
        by=None,
        assignees=[cam],
        due_date=due,
        partner=proposal.partner,
        subject=proposal,
        tasks=[
            {
                "title": str(_("Confirm alignment or ask for changes")),
                "assignee": cam,
                "due_on": due,
                "role": "cam",
            }
        ],
    )


def _close_cam_task(proposal: Proposal, *, by: Any, done: bool = True) -> None:
    """Tick the CAM's task and close its work item (done when the CAM acted, cancelled otherwise)."""
    from channelops.work.services.items import work_item_update

    item = _task_item(proposal)
    if item is None:
        return
    now = timezone.now()
    item.tasks.filter(done_at__isnull=True).update(done_at=now, done_by=by if _staff(by) else None)
    work_item_update(
        item=item,
        by=by if _staff(by) else None,  # type: ignore[arg-type]  # None: the system (a withdrawal)
        data={"status": "done" if done else "cancelled"},
    )


@transaction.atomic
def proposal_send_to_cam(*, proposal: Proposal, by: Any) -> Proposal:
    """The partner sends a draft (or a proposal returned for changes) to its CAM for alignment."""
    proposal = _locked(proposal)
    partner = proposal.partner
    _require_eligible(partner, by)
    if proposal.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("%(number)s is %(status)s: only a draft or a proposal returned for changes is sent.")
            % {"number": proposal.number, "status": proposal.get_status_display().lower()}
        )
    if not proposal.reviewed_with_cam:
        raise ValidationError(
            {
                "reviewed_with_cam": _(
                    "Review the plan with your channel account manager first, then tick "
                    "“We reviewed this plan with our CAM”."
                )
            }
        )
    cam = partner.cam
    if cam is None or not cam.is_active:
        raise ValidationError(
            _(
                "%(name)s has no channel account manager yet, so the proposal cannot be sent. "
                "Ask the partner help desk to assign one; your draft is kept."
            )
            % {"name": partner.legal_name}
        )
    rate = rate_for(proposal.entered_currency)
    if rate is None:
        raise ValidationError(
            {
                "entered_currency": _("There is no exchange rate for %(cur)s any more; edit the amount.")
                % {"cur": proposal.entered_currency}
            }
        )
    proposal.exchange_rate = rate
    proposal.requested_amount = (proposal.entered_amount * rate).quantize(CENT, ROUND_HALF_UP)
    proposal.status, proposal.cam = ProposalStatus.AWAITING_CAM, cam
    proposal.cam_aligned_at = None
    proposal.save()
    event_add(proposal, EventKind.SENT_TO_CAM, actor=by, amount=proposal.requested_amount)
    _open_cam_task(proposal, cam)
    email_enqueue(
        to=[cam.email],
        template="mdf/email/sent_to_cam",
        context={**_mail_context(proposal), "link": absolute_url("console:mdf_proposal", proposal.pk)},
        key=f"mdf-sent-to-cam:{proposal.pk}:{proposal.events.count()}",
        topic=f"partner:{partner.pk}",
    )
    return proposal


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, by: Any) -> Proposal:
    """The partner withdraws a proposal not yet decided."""
    proposal = _locked(proposal)
    _require(
        may_submit(by, proposal.partner), _("Ask your company's partner admin to withdraw this proposal.")
    )
    if proposal.status not in UNDECIDED_STATUSES:
        raise ValidationError(
            _("%(number)s is %(status)s: it can no longer be withdrawn.")
            % {"number": proposal.number, "status": proposal.get_status_display().lower()}
        )
    was_waiting = proposal.status == ProposalStatus.AWAITING_CAM
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.save()
    event_add(proposal, EventKind.WITHDRAWN, actor=by)
    if was_waiting:
        _close_cam_task(proposal, by=None, done=False)
    return proposal


# --- the CAM's alignment ---------------------------------------------------------------------------


def budget_for(proposal: Proposal) -> Budget | None:
    """The budget of the partner's region whose quarter contains the activity's start."""
    return Budget.objects.covering(proposal.partner.region_id, proposal.starts_on).first()


@transaction.atomic
def proposal_align(*, proposal: Proposal, by: Any) -> Proposal:
    """The CAM confirms the plan is aligned: the proposal is submitted for approval, routed by amount."""
    proposal = _locked(proposal)
    _require(
        may_align(by, proposal) or proposal.status != ProposalStatus.AWAITING_CAM,
        _("Only the partner's channel account manager confirms alignment."),
    )
    if proposal.status != ProposalStatus.AWAITING_CAM:
        raise ValidationError(_("%(number)s is not waiting for the CAM.") % {"number": proposal.number})
    budget = budget_for(proposal)
    if budget is None:
        raise ValidationError(
            _(
                "There is no MDF budget for %(region)s covering %(date)s. Channel marketing must create "
                "that quarter's budget first; then confirm again."
            )
            % {"region": proposal.partner.region.name, "date": proposal.starts_on.isoformat()}
        )
    now = timezone.now()
    proposal.budget = budget
    proposal.approval_level = approval_level(proposal.requested_amount, proposal.partner.region.code)
    proposal.status, proposal.cam_aligned_at, proposal.submitted_at = ProposalStatus.SUBMITTED, now, now
    proposal.save()
    event_add(proposal, EventKind.CAM_ALIGNED, actor=by)
    event_add(proposal, EventKind.SUBMITTED, actor=by, amount=proposal.requested_amount)
    _close_cam_task(proposal, by=by)
    _tell_approvers(proposal, by=by)
    return proposal


@transaction.atomic
def proposal_cam_return(*, proposal: Proposal, by: Any, comment: str) -> Proposal:
    """The CAM asks the partner for changes before confirming alignment."""
    proposal = _locked(proposal)
    _require(
        may_align(by, proposal) or proposal.status != ProposalStatus.AWAITING_CAM,
        _("Only the partner's channel account manager reviews this proposal."),
    )
    if proposal.status != ProposalStatus.AWAITING_CAM:
        raise ValidationError(_("%(number)s is not waiting for the CAM.") % {"number": proposal.number})
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what the partner should change.")})
    proposal.status = ProposalStatus.CHANGES_REQUESTED
    proposal.save()
    event_add(proposal, EventKind.CAM_RETURNED, actor=by, comment=comment[:5000])
    _close_cam_task(proposal, by=by)
    _tell_partner(proposal, "changes", comment=comment)
    return proposal


# --- decisions ---------------------------------------------------------------------------------------


def _require_decider(proposal: Proposal, by: Any) -> None:
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ValidationError(
            _("%(number)s is %(status)s: it is not waiting for a decision.")
            % {"number": proposal.number, "status": proposal.get_status_display().lower()}
        )
    _require(
        may_decide(by, proposal),
        _("%(number)s is decided by %(level)s; your role may not decide it.")
        % {"number": proposal.number, "level": proposal.get_approval_level_display().lower()},
    )


@transaction.atomic
def proposal_comment(*, proposal: Proposal, by: Any, comment: str, internal: bool = False) -> Event:
    """Staff comment on a proposal; an internal comment is never shown to the partner."""
    _require(may_comment(by, proposal), _("You may not comment on MDF proposals."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Write a comment.")})
    return event_add(proposal, EventKind.COMMENT, actor=by, comment=comment[:5000], internal=internal)


@transaction.atomic
def proposal_request_changes(*, proposal: Proposal, by: Any, comment: str) -> Proposal:
    """The approver returns the proposal; the partner edits it and sends it to the CAM again."""
    proposal = _locked(proposal)
    _require_decider(proposal, by)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what the partner should change.")})
    proposal.status = ProposalStatus.CHANGES_REQUESTED
    proposal.save()
    event_add(proposal, EventKind.CHANGES_REQUESTED, actor=by, comment=comment[:5000])
    _tell_partner(proposal, "changes", comment=comment)
    return proposal


@transaction.atomic
def proposal_reject(*, proposal: Proposal, by: Any, reason: str) -> Proposal:
    proposal = _locked(proposal)
    _require_decider(proposal, by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the partner the reason.")})
    proposal.status, proposal.decided_by, proposal.decided_at = ProposalStatus.REJECTED, by, timezone.now()
    proposal.save()
    event_add(proposal, EventKind.REJECTED, actor=by, comment=reason[:5000])
    _tell_partner(proposal, "rejected", comment=reason)
    return proposal


def partner_committed(budget: Budget, partner_id: int) -> Decimal:
    """What the partner's approved proposals hold of ``budget``."""
    total = (
        Proposal.objects.filter(budget=budget, partner_id=partner_id, status__in=COMMITTED_STATUSES)
        .annotate(_c=F("approved_amount") - F("released_amount"))
        .aggregate(t=Sum("_c"))["t"]
    )
    return Decimal(total or 0)


@transaction.atomic
def proposal_approve(*, proposal: Proposal, by: Any, amount: Any = None, comment: str = "") -> Proposal:
    """Approve (optionally a lower amount) and reserve the funds.

    The budget row is locked first, so a concurrent approval against the same budget waits here and
    then sees this one's commitment: the budget (and the partner's allocation) is never over-committed.
    """
    proposal = _locked(proposal)
    _require_decider(proposal, by)
    value: Decimal | None = proposal.requested_amount
    if amount not in (None, ""):
        value = _decimal(amount)
        if value is None or value <= 0:
            raise ValidationError({"amount": _("Give the approved amount, more than 0.")})
        if value > proposal.requested_amount:
            raise ValidationError(
                {
                    "amount": _("Approve at most the requested %(amount)s.")
                    % {"amount": amount_text(proposal.requested_amount, currency=True)}
                }
            )
        value = value.quantize(CENT, ROUND_HALF_UP)
    if proposal.budget_id is None:  # pragma: no cover - set when the CAM confirmed alignment
        raise ValidationError(_("The proposal has no budget; ask the CAM to confirm alignment again."))
    Budget.objects.select_for_update(of=("self",)).filter(pk=proposal.budget_id).first()
    budget = Budget.objects.with_balances().select_related("region").get(pk=proposal.budget_id)
    today = timezone.localdate()
    if getattr(settings, "MDF_EXPIRE_UNRESERVED", True) and budget.ends_on < today:
        raise ValidationError(
            _("The %(period)s budget of %(region)s ended on %(date)s; its unreserved funds expired.")
            % {
                "period": budget.period_label,
                "region": budget.region.name,
                "date": budget.ends_on.isoformat(),
            }
        )
    assert value is not None
    remaining = budget.amount - budget.committed
    if value > remaining:
        raise ValidationError(
            _(
                "Approving %(amount)s would over-commit the %(period)s budget of %(region)s: "
                "only %(remaining)s remain."
            )
            % {
                "amount": amount_text(value, currency=True),
                "period": budget.period_label,
                "region": budget.region.name,
                "remaining": amount_text(max(remaining, Decimal("0")), currency=True),
            }
        )
    allocation = Allocation.objects.filter(budget=budget, partner_id=proposal.partner_id).first()
    if allocation is not None:
        used = partner_committed(budget, proposal.partner_id)
        if used + value > allocation.amount:
            raise ValidationError(
                _(
                    "Approving %(amount)s would exceed %(partner)s's allocation of %(allocated)s "
                    "in this budget: %(left)s are left."
                )
                % {
                    "amount": amount_text(value, currency=True),
                    "partner": proposal.partner.legal_name,
                    "allocated": amount_text(allocation.amount, currency=True),
                    "left": amount_text(max(allocation.amount - used, Decimal("0")), currency=True),
                }
            )
    proposal.status = ProposalStatus.APPROVED
    proposal.approved_amount, proposal.decided_by, proposal.decided_at = value, by, timezone.now()
    proposal.claim_deadline = proposal.ends_on + datetime.timedelta(
        days=int(getattr(settings, "MDF_CLAIM_DAYS", 60))
    )
    proposal.save()
    event_add(proposal, EventKind.APPROVED, actor=by, amount=value, comment=(comment or "").strip()[:5000])
    _tell_partner(proposal, "approved", comment=(comment or "").strip())
    return proposal


# --- e-mails -------------------------------------------------------------------------------------------


def _mail_context(proposal: Proposal) -> dict[str, Any]:
    return {
        "proposal": proposal,
        "partner": proposal.partner,
        "currency": program_currency(),
        "requested": amount_text(proposal.requested_amount, currency=True),
        "approved": amount_text(proposal.approved_amount, currency=True),
    }


def _partner_people(proposal: Proposal) -> list[str]:
    """The submitter (when still an active partner person) and the partner's admins."""
    to = list(PartnerMembership.objects.admin_emails(proposal.partner_id))
    creator = proposal.created_by
    if creator is not None and creator.is_active and not creator.is_staff:
        to.append(creator.email)
    return to


def _tell_partner(proposal: Proposal, template: str, *, comment: str = "") -> None:
    email_partner_people(
        _partner_people(proposal),
        f"mdf/email/{template}",
        {
            **_mail_context(proposal),
            "comment": comment,
            "link": absolute_url("portal:mdf_proposal", proposal.pk),
        },
        key=f"mdf-{template}:{proposal.pk}:{proposal.events.count()}",
        partner_id=proposal.partner_id,
    )


def approver_emails(proposal: Proposal) -> list[str]:
    """Who decides the proposal: its CAM (level cam) or the people of the routed role."""
    from channelops.accounts.models import User

    if proposal.approval_level == ApprovalLevel.CAM:
        cam = proposal.partner.cam
        return [cam.email] if cam is not None and cam.is_active else []
    role = LEVEL_ROLES.get(proposal.approval_level)
    return list(
        User.objects.filter(is_active=True, is_staff=True, groups__name=role)
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def _tell_approvers(proposal: Proposal, *, by: Any = None) -> None:
    """E-mail the deciders (not the CAM who just confirmed it and decides it too: they are on the page)."""
    to = [e for e in approver_emails(proposal) if e != getattr(by, "email", None)]
    if not to:
        return
    email_enqueue(
        to=to,
        template="mdf/email/submitted",
        context={**_mail_context(proposal), "link": absolute_url("console:mdf_proposal", proposal.pk)},
        key=f"mdf-submitted:{proposal.pk}:{proposal.events.count()}",
        topic=f"partner:{proposal.partner_id}",
    )
