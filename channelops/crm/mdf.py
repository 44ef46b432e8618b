"""Market development funds in the CRM (docs/crm.md, "Market development funds").

Outbound, with the partners and contacts of the same run (``services._sync_out``):

- an approved (or closed) MDF proposal is a **Campaign**, upserted by ``Channelops_Id__c``
  (``proposal-<id>``) under the partner's Account (the custom lookup ``Partner_Account__c``, set
  by the Account's external id); its id is kept in ``Proposal.crm_campaign_id``;
- each claim of such a proposal is an ``MDF_Claim__c`` record (``claim-<id>``) under the Campaign
  (``Campaign__c``), with its status, payment and the links to its proof files in the console
  (staff sign in to open them); its id is kept in ``Claim.crm_id``.

Incremental like partners: the records whose history changed since the ``out:proposal`` /
``out:claim`` cursor (a claim's change or paid amount also re-sends its proposal; a proof file
added re-sends its claim), plus refused records due again — and of those only the ones whose
payload differs from what was last synced (``SyncState``), so nothing is sent twice. Refusals are
``SyncError`` s with Salesforce's code and message (the console's CRM page), retried with backoff.
Above ``CHANNELOPS_CRM_BULK_THRESHOLD`` records a run uses Bulk API 2.0 jobs, as for partners.

Inbound (``read_results``): the leads and pipeline of every synced Campaign — the standard
roll-ups ``NumberOfLeads`` and ``AmountAllOpportunities`` — in one SOQL query per 200 Campaigns
(``WHERE Id IN (…)``), at most every ``CHANNELOPS_CRM_MDF_RESULTS_MINUTES``, written through the
MDF app's ``proposal_crm_results_set``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery, Sum
from django.utils import timezone

from channelops.core.links import absolute_url
from channelops.mdf.models import (
    COMMITTED_STATUSES,
    Claim,
    ClaimStatus,
    ProofFile,
    Proposal,
    ProposalStatus,
)
from channelops.mdf.results_sync import CrmResults, crm_results_problem, proposal_crm_results_set

from . import services as engine
from .adapter import CrmAdapter
from .mapping import EXTERNAL_ID, external_id
from .models import Direction, SyncError, SyncObject, SyncRun, SyncState

CAMPAIGN = "Campaign"
CLAIM_OBJECT = "MDF_Claim__c"
REMOTE = {SyncObject.PROPOSAL: CAMPAIGN, SyncObject.CLAIM: CLAIM_OBJECT}
# Salesforce's standard Campaign Type values (Setup → Object Manager → Campaign → Type).
CAMPAIGN_TYPES = {
    "event": "Conference",
    "webinar": "Webinar",
    "digital": "Advertisement",
    "content": "Other",
    "email": "Email",
    "tradeshow": "Trade Show",
    "training": "Other",
    "other": "Other",
}
# Salesforce's standard Campaign Status values.
CAMPAIGN_STATUS = {ProposalStatus.APPROVED: "In Progress", ProposalStatus.CLOSED: "Completed"}
ABORTED = "Aborted"  # an approved proposal that is no longer (withdrawn after approval)
# The fields `channelops crm describe` checks (besides Channelops_Id__c).
FIELDS = {
    CAMPAIGN: [
        "Name",
        "Type",
        "Status",
        "IsActive",
        "StartDate",
        "EndDate",
        "BudgetedCost",
        "ActualCost",
        "ExpectedRevenue",
        "Released_Amount__c",
        "Partner_Account__c",
        "NumberOfLeads",
        "AmountAllOpportunities",
    ],
    CLAIM_OBJECT: [
        "Name",
        "Campaign__c",
        "Amount__c",
        "Status__c",
        "Paid_On__c",
        "Payment_Reference__c",
        "Proof_Links__c",
    ],
}
RESULT_FIELDS = ["NumberOfLeads", "AmountAllOpportunities"]
RESULTS_DAYS = 365  # results are read until a year after the activity ended
INVALID = "INVALID_VALUE"


def enabled() -> bool:
    return bool(settings.CRM_SYNC_MDF)


def proof_url(claim_number: str, proof_id: int) -> str:
    """The absolute URL of a proof file's view in the console (staff sign in to open it; the view
    checks ``mdf.view_proposal`` before serving the file or issuing a signed S3 URL)."""
    return absolute_url("console:mdf_claim_file", claim_number, proof_id)


def _money(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


# --- payloads ------------------------------------------------------------------------------------


def campaign_payload(proposal: Proposal, paid: Decimal) -> dict[str, Any]:
    return {
        EXTERNAL_ID: external_id(SyncObject.PROPOSAL, proposal.pk),
        "Name": f"{proposal.number} {proposal.title}"[:80],
        "Type": CAMPAIGN_TYPES.get(proposal.activity_type, "Other"),
        "Status": CAMPAIGN_STATUS.get(proposal.status, ABORTED),  # type: ignore[call-overload]
        "IsActive": proposal.status == ProposalStatus.APPROVED,
        "StartDate": proposal.starts_on.isoformat(),
        "EndDate": proposal.ends_on.isoformat(),
        "BudgetedCost": _money(proposal.approved_amount),
        "ActualCost": _money(paid),
        "ExpectedRevenue": _money(proposal.expected_pipeline),
        "Released_Amount__c": _money(proposal.released_amount),
        "Partner_Account__r": {EXTERNAL_ID: external_id(SyncObject.PARTNER, proposal.partner_id)},
    }


def claim_payload(claim: Claim, proofs: list[int]) -> dict[str, Any]:
    return {
        EXTERNAL_ID: external_id(SyncObject.CLAIM, claim.pk),
        "Name": claim.number,
        "Campaign__r": {EXTERNAL_ID: external_id(SyncObject.PROPOSAL, claim.proposal_id)},
        "Amount__c": _money(claim.amount),
        "Status__c": claim.status,
        "Paid_On__c": claim.paid_on.isoformat() if claim.paid_on else None,
        "Payment_Reference__c": claim.payment_reference or None,
        "Proof_Links__c": "\n".join(proof_url(claim.number, pk) for pk in proofs) or None,
    }


def _payloads(obj: str, ids: list[int]) -> list[tuple[Any, dict[str, Any]]]:
    """The records ``ids`` with their payloads, in a constant number of queries."""
    if obj == SyncObject.PROPOSAL:
        proposals = list(Proposal.objects.filter(pk__in=ids).order_by("pk"))
        paid = dict(
            Claim.objects.filter(proposal_id__in=ids, status=ClaimStatus.PAID)
            .values("proposal_id")
            .annotate(total=Sum("amount"))
            .values_list("proposal_id", "total")
        )
        return [(p, campaign_payload(p, paid.get(p.pk, Decimal("0")))) for p in proposals]
    claims = list(Claim.objects.filter(pk__in=ids).order_by("pk"))
    proofs: dict[int, list[int]] = {}
    for claim_id, proof_id in (
        ProofFile.objects.filter(claim_id__in=ids).order_by("uploaded_at", "pk").values_list("claim_id", "pk")
    ):
        proofs.setdefault(claim_id, []).append(proof_id)
    return [(c, claim_payload(c, proofs.get(c.pk, []))) for c in claims]


# --- what to send --------------------------------------------------------------------------------


def _eligible_proposals() -> Any:
    """Proposals that are (or were) Campaigns: approved or closed, or already sent."""
    return Proposal.objects.filter(Q(status__in=COMMITTED_STATUSES) | ~Q(crm_campaign_id=""))


def _candidates(obj: str, since: datetime | None) -> set[int]:
    proposals = _eligible_proposals()
    if obj == SyncObject.PROPOSAL:
        if since is None:
            return set(proposals.values_list("pk", flat=True))
        ids = set(Proposal.history.filter(history_date__gt=since).values_list("id", flat=True))
        ids |= set(Claim.history.filter(history_date__gt=since).values_list("proposal_id", flat=True))
        return set(proposals.filter(pk__in=ids).values_list("pk", flat=True))
    claims = Claim.objects.filter(proposal__in=proposals)
    if since is None:
        return set(claims.values_list("pk", flat=True))
    ids = set(Claim.history.filter(history_date__gt=since).values_list("id", flat=True))
    ids |= set(ProofFile.objects.filter(uploaded_at__gt=since).values_list("claim_id", flat=True))
    # A proposal approved since: its claims (if any) go with its new Campaign.
    ids |= set(
        Claim.objects.filter(
            proposal_id__in=Proposal.history.filter(history_date__gt=since).values("id")
        ).values_list("pk", flat=True)
    )
    return set(claims.filter(pk__in=ids).values_list("pk", flat=True))


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _unchanged(obj: str, pairs: list[tuple[Any, dict[str, Any]]], retry: set[int]) -> set[int]:
    """The records whose payload is what was last synced (and not due for a retry)."""
    states = dict(
        SyncState.objects.filter(object=obj, local_id__in=[r.pk for r, _p in pairs]).values_list(
            "local_id", "values"
        )
    )
    return {r.pk for r, payload in pairs if r.pk not in retry and states.get(r.pk) == payload}


def _record_sent(obj: str, pairs: list[tuple[Any, dict[str, Any]]], results: list[Any]) -> int:
    """Keep a batch's outcome: errors for refused records; the synced payload and CRM id of the
    others (a handful of queries per batch; the id is written with ``update``, no history row)."""
    model: Any = Proposal if obj == SyncObject.PROPOSAL else Claim
    id_field = "crm_campaign_id" if obj == SyncObject.PROPOSAL else "crm_id"
    sent = [(r, p, res) for (r, p), res in zip(pairs, results, strict=True) if res.success]
    now = timezone.now()
    with transaction.atomic():
        for (record, _payload), result in zip(pairs, results, strict=True):
            if not result.success:
                engine._record_error(
                    obj=obj,
                    direction=Direction.OUT,
                    local_id=record.pk,
                    code=result.code,
                    message=result.message,
                )
        SyncState.objects.filter(object=obj, local_id__in=[r.pk for r, _p, _s in sent]).delete()
        SyncState.objects.bulk_create(
            [
                SyncState(object=obj, local_id=r.pk, remote_id=res.remote_id, values=p, synced_at=now)
                for r, p, res in sent
            ]
        )
        relinked = [r.pk for r, _p, res in sent if getattr(r, id_field) != res.remote_id]
        if relinked:
            remote_id = SyncState.objects.filter(object=obj, local_id=OuterRef("pk")).values("remote_id")[:1]
            model.objects.filter(pk__in=relinked).update(**{id_field: Subquery(remote_id)})
        engine._resolve_errors(obj, Direction.OUT, [r.pk for r, _p, _s in sent])
    return len(sent)


def sync_out_mdf(
    adapter: CrmAdapter,
    run: SyncRun,
    *,
    full: bool,
    since: datetime | None,
    budget: int,
    progress: engine.Progress | None,
    started: datetime,
) -> None:
    """Send the proposals' Campaigns, then the claims (their lookup needs the Campaign)."""
    if not enabled():
        return
    for obj in (SyncObject.PROPOSAL, SyncObject.CLAIM):
        cursor = engine._cursor(f"out:{obj}")
        window = since if since is not None else (None if full else cursor.value)
        retry = engine._due_retries(obj)
        ids = sorted(_candidates(obj, window) | retry)
        bulk = len(ids) > settings.CRM_BULK_THRESHOLD
        done = 0
        for chunk in _chunks(ids, settings.CRM_BULK_JOB_RECORDS if bulk else engine.BATCH):
            pairs = _payloads(obj, chunk)
            same = _unchanged(obj, pairs, retry)
            pairs = [(r, p) for r, p in pairs if r.pk not in same]
            if pairs and run.dry_run:
                run.records_out += len(pairs)
            elif pairs:
                if adapter.calls + (engine.BULK_JOB_CALLS if bulk else 1) > budget:
                    raise engine.BudgetExhausted
                send = adapter.bulk_upsert if bulk else adapter.upsert
                results = send(REMOTE[obj], EXTERNAL_ID, [p for _r, p in pairs])
                sent = _record_sent(obj, pairs, results)
                run.records_out += sent
                run.errors += len(pairs) - sent
                run.api_calls = adapter.calls
                run.save(update_fields=["records_out", "errors", "api_calls"])
            done += len(chunk)
            if progress:
                progress(f"{obj} → CRM", done, len(ids))
        if not run.dry_run:
            cursor.value = started
            cursor.save(update_fields=["value", "updated_at"])


# --- results read back ---------------------------------------------------------------------------


def _figures(row: dict[str, Any]) -> CrmResults | None:
    try:
        return CrmResults(
            leads=int(row.get("NumberOfLeads") or 0),
            pipeline=Decimal(str(row.get("AmountAllOpportunities") or 0)).quantize(Decimal("0.01")),
        )
    except (ValueError, TypeError, InvalidOperation):
        return None


def read_results(adapter: CrmAdapter, run: SyncRun, *, full: bool, budget: int) -> None:
    """Read the leads and pipeline of every synced Campaign (approved or closed proposals until a
    year after the activity) — one SOQL query per 200 — at most every
    ``CHANNELOPS_CRM_MDF_RESULTS_MINUTES`` (every run with ``full``)."""
    if not enabled():
        return
    cursor = engine._cursor(f"in:{SyncObject.PROPOSAL}")
    now = timezone.now()
    if (
        not full
        and cursor.value is not None
        and cursor.value > now - timedelta(minutes=settings.CRM_MDF_RESULTS_MINUTES)
    ):
        return
    since_day = timezone.localdate() - timedelta(days=RESULTS_DAYS)
    campaigns = dict(
        Proposal.objects.filter(status__in=COMMITTED_STATUSES, ends_on__gte=since_day)
        .exclude(crm_campaign_id="")
        .values_list("crm_campaign_id", "pk")
    )
    figures: dict[int, CrmResults] = {}
    for chunk in _chunks(sorted(campaigns), engine.BATCH):
        if adapter.calls + 1 > budget:
            raise engine.BudgetExhausted
        for row in adapter.read(CAMPAIGN, RESULT_FIELDS, chunk):
            pk = campaigns.get(row.get("Id") or "")
            if pk is None:
                continue
            results = _figures(row)
            problem = crm_results_problem(results) if results is not None else "not a number"
            if results is None or problem:
                engine._record_error(
                    obj=SyncObject.PROPOSAL,
                    direction=Direction.IN,
                    local_id=pk,
                    remote_id=row.get("Id") or "",
                    code=INVALID,
                    message=f"Campaign results not kept: {problem}",
                )
                run.errors += 1
                continue
            figures[pk] = results
    if run.dry_run:
        run.records_in += len(figures)
        return
    run.records_in += proposal_crm_results_set(figures, at=now)
    engine._resolve_errors(SyncObject.PROPOSAL, Direction.IN, list(figures))
    run.api_calls = adapter.calls
    run.save(update_fields=["records_in", "errors", "api_calls"])
    cursor.value = now
    cursor.save(update_fields=["value", "updated_at"])


# --- the console page ----------------------------------------------------------------------------


def record_labels(records: Iterable[SyncError | Any]) -> dict[tuple[str, int], str]:
    """(object, local id) → the proposal's or claim's number, for the CRM page's lists."""
    wanted: dict[str, set[int]] = {SyncObject.PROPOSAL: set(), SyncObject.CLAIM: set()}
    for r in records:
        if r.object in wanted and r.local_id:
            wanted[r.object].add(r.local_id)
    out: dict[tuple[str, int], str] = {}
    if wanted[SyncObject.PROPOSAL]:
        for pk, number in Proposal.objects.filter(pk__in=wanted[SyncObject.PROPOSAL]).values_list(
            "pk", "number"
        ):
            out[(SyncObject.PROPOSAL, pk)] = number
    if wanted[SyncObject.CLAIM]:
        for pk, number in Claim.objects.filter(pk__in=wanted[SyncObject.CLAIM]).values_list("pk", "number"):
            out[(SyncObject.CLAIM, pk)] = number
    return out
