"""Market development funds (S8, issue 17): budgets, proposals, claims with proof, payments, results.

The money model, in the program currency (``settings.MDF_CURRENCY``, decimals, never floats):

- a :class:`Budget` holds the funds of one fiscal quarter (the fiscal calendar of work items) and
  one region, optionally split into per-partner :class:`Allocation` s;
- a :class:`Proposal` (partner activity) is approved for ``approved_amount``; that amount, less
  what was ``released`` later (an unclaimed reservation after the claim deadline, a smaller final
  claim), is the proposal's **commitment** against its budget;
- a :class:`Claim` asks for (part of) the commitment back with :class:`ProofFile` s; approved
  claims are "claimed", paid claims are "paid".

A budget's balances (querysets.py, ``Budget.objects.with_balances()``) are always derived from
these rows, never kept as running totals, so they cannot drift:

    reserved  = Σ commitments of its approved proposals − Σ approved and paid claims
    claimed   = Σ approved (not yet paid) claims
    paid      = Σ paid claims
    remaining = budgeted − reserved − claimed − paid − expired
    expired   = what was unreserved after the period's last day, when unreserved funds expire
                (``MDF_EXPIRE_UNRESERVED``); remaining is then 0

Approving a proposal locks the budget row (``select_for_update``) and checks the remaining
funds (and the partner's allocation) inside that lock: concurrent approvals cannot over-commit.
Reads live in ``querysets.py``, writes in ``services.py``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .querysets import BudgetQuerySet, ClaimQuerySet, ProposalQuerySet

VIEW_PERM = "mdf.view_proposal"
MANAGE_BUDGETS_PERM = "mdf.manage_budget"
REVIEW_CLAIMS_PERM = "mdf.review_claim"

POSITIVE = [MinValueValidator(Decimal("0.01"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class ActivityType(models.TextChoices):
    EVENT = "event", _("Event")
    WEBINAR = "webinar", _("Webinar")
    DIGITAL = "digital", _("Digital campaign")
    CONTENT = "content", _("Content")
    EMAIL = "email", _("E-mail campaign")
    TRADESHOW = "tradeshow", _("Trade show")
    TRAINING = "training", _("Customer training")
    OTHER = "other", _("Other")


class ApprovalLevel(models.TextChoices):
    """Who approves a proposal, by amount and region (``settings.MDF_APPROVAL_ROUTES``)."""

    CAM = "cam", _("Channel account manager")
    MARKETING = "channel_marketing", _("Channel marketing")
    LEADERSHIP = "channel_leadership", _("Channel leadership")


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_CAM = "awaiting_cam", _("Waiting for the CAM")
    SUBMITTED = "submitted", _("Waiting for approval")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLOSED = "closed", _("Closed")


#: Statuses whose commitment counts against the budget.
COMMITTED_STATUSES = (ProposalStatus.APPROVED, ProposalStatus.CLOSED)
#: Statuses a partner may still edit.
EDITABLE_STATUSES = (ProposalStatus.DRAFT, ProposalStatus.CHANGES_REQUESTED)


class ClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for review")
    MORE_PROOF = "more_proof", _("More proof requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    PAID = "paid", _("Paid")


#: Claim statuses that hold part of a proposal's commitment (a claim may not exceed what is left).
OPEN_CLAIM_STATUSES = (ClaimStatus.SUBMITTED, ClaimStatus.MORE_PROOF, ClaimStatus.APPROVED, ClaimStatus.PAID)


class ProofKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    PHOTO = "photo", _("Photo")
    ATTENDEES = "attendees", _("Attendee list")
    SCREENSHOT = "screenshot", _("Screenshot")
    REPORT = "report", _("Report")
    OTHER = "other", _("Other")


class Budget(models.Model):
    """The funds of one fiscal quarter in one region."""

    region = models.ForeignKey(
        "partners.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="mdf_budgets"
    )
    fiscal_year = models.PositiveIntegerField(_("fiscal year"))  # e.g. 2027 for FY27
    quarter = models.PositiveSmallIntegerField(_("quarter"))  # 1–4
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    amount = models.DecimalField(_("budgeted"), validators=NON_NEGATIVE, max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    history = HistoricalRecords()

    objects = BudgetQuerySet.as_manager()

    class Meta:
        verbose_name = _("MDF budget")
        verbose_name_plural = _("MDF budgets")
        ordering = ["-fiscal_year", "-quarter", "region__code"]
        permissions = [("manage_budget", "Can create and change MDF budgets and allocations")]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year", "quarter"], name="mdf_budget_once_per_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="mdf_budget_quarter_1_4"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="mdf_budget_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"FY{self.fiscal_year % 100:02d}Q{self.quarter} {self.region_id}"

    @property
    def period_label(self) -> str:
        return f"FY{self.fiscal_year % 100:02d} Q{self.quarter}"


class Allocation(models.Model):
    """Part of a budget set aside for one partner: its approved proposals stay within it."""

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="allocations"
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="mdf_allocations",
    )
    amount = models.DecimalField(_("allocated"), validators=NON_NEGATIVE, max_digits=14, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("MDF allocation")
        verbose_name_plural = _("MDF allocations")
        ordering = ["budget", "partner__legal_name"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "partner"], name="mdf_allocation_once_per_partner"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="mdf_allocation_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.budget} → {self.partner_id}"


class Proposal(models.Model):
    """A partner's marketing activity asking for funds."""

    number = models.CharField(_("number"), max_length=20, unique=True)  # MDF-000123
    partner = models.ForeignKey(
        "partners.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="mdf_proposals"
    )
    budget = models.ForeignKey(
        Budget,
        verbose_name=_("budget"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals",
        help_text=_("The quarter and region the activity is funded from (set when it is submitted)."),
    )
    title = models.CharField(_("title"), max_length=200)
    activity_type = models.CharField(_("activity type"), max_length=12, choices=ActivityType.choices)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    audience = models.TextField(_("audience"), max_length=2000, blank=True)
    target_accounts = models.TextField(_("target accounts"), max_length=2000, blank=True)
    # The requested amount in the program currency, and as the partner entered it.
    requested_amount = models.DecimalField(
        _("requested amount"), validators=POSITIVE, max_digits=14, decimal_places=2
    )
    entered_currency = models.CharField(_("currency"), max_length=3)
    entered_amount = models.DecimalField(
        _("amount as entered"), validators=POSITIVE, max_digits=14, decimal_places=2
    )
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=18, decimal_places=8, default=Decimal("1")
    )  # program currency per unit of the entered currency, when the proposal was saved
    expected_leads = models.PositiveIntegerField(_("expected leads"), default=0)
    expected_pipeline = models.DecimalField(
        _("expected pipeline"), default=Decimal("0"), validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProposalStatus.choices,
        default=ProposalStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # The partner confirms the plan was reviewed with the CAM; the CAM confirms alignment.
    reviewed_with_cam = models.BooleanField(_("reviewed with our CAM"), default=False)
    cam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("CAM"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cam_aligned_at = models.DateTimeField(_("CAM aligned at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    # Routing and the decision.
    approval_level = models.CharField(
        _("approved by"), max_length=20, choices=ApprovalLevel.choices, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    approved_amount = models.DecimalField(
        _("approved amount"), default=Decimal("0"), validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )
    released_amount = models.DecimalField(
        _("released"), default=Decimal("0"), validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    claim_deadline = models.DateField(_("claim by"), null=True, blank=True)
    claim_reminder_sent_at = models.DateTimeField(_("claim reminder sent"), null=True, blank=True)
    # Results: reported by the partner, and read from the CRM when connected.
    reported_leads = models.PositiveIntegerField(_("leads (reported)"), null=True, blank=True)
    reported_pipeline = models.DecimalField(
        _("pipeline (reported)"),
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        max_digits=14,
        decimal_places=2,
    )
    results_reported_at = models.DateTimeField(_("results reported"), null=True, blank=True)
    crm_campaign_id = models.CharField(_("CRM campaign id"), max_length=40, blank=True, db_index=True)
    crm_leads = models.PositiveIntegerField(_("leads (CRM)"), null=True, blank=True)
    crm_pipeline = models.DecimalField(
        _("pipeline (CRM)"), null=True, blank=True, validators=NON_NEGATIVE, max_digits=14, decimal_places=2
    )
    crm_results_at = models.DateTimeField(_("CRM results read"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("MDF proposal")
        verbose_name_plural = _("MDF proposals")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("decide_proposal", "Can approve, reject or return MDF proposals routed to their role")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="mdf_proposal_dates"
            ),
            models.CheckConstraint(
                condition=models.Q(released_amount__lte=models.F("approved_amount")),
                name="mdf_proposal_release_within_approval",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status"], name="mdf_proposal_partner_idx"),
            models.Index(fields=["budget", "status"], name="mdf_proposal_budget_idx"),
            models.Index(fields=["status", "claim_deadline"], name="mdf_proposal_deadline_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def committed_amount(self) -> Decimal:
        """What the proposal holds of its budget: approved less released (0 unless approved)."""
        if self.status not in COMMITTED_STATUSES:
            return Decimal("0")
        return self.approved_amount - self.released_amount

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class Claim(models.Model):
    """A partner's claim of (part of) an approved proposal's funds, with proof of performance."""

    number = models.CharField(_("number"), max_length=20, unique=True)  # CLM-000123
    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.PROTECT, related_name="claims"
    )
    amount = models.DecimalField(_("claimed amount"), validators=POSITIVE, max_digits=14, decimal_places=2)
    entered_currency = models.CharField(_("currency"), max_length=3)
    entered_amount = models.DecimalField(
        _("amount as entered"), validators=POSITIVE, max_digits=14, decimal_places=2
    )
    exchange_rate = models.DecimalField(
        _("exchange rate"), max_digits=18, decimal_places=8, default=Decimal("1")
    )
    is_final = models.BooleanField(
        _("final claim"),
        default=False,
        help_text=_("Releases what is left of the approved funds once approved."),
    )
    note = models.TextField(_("note"), max_length=3000, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), max_length=3000, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    paid_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payment recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    crm_id = models.CharField(_("CRM id"), max_length=40, blank=True, db_index=True)
    history = HistoricalRecords()

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("MDF claim")
        verbose_name_plural = _("MDF claims")
        ordering = ["-submitted_at", "-pk"]
        permissions = [
            ("review_claim", "Can approve, return or reject MDF claims"),
            ("record_payment", "Can record MDF claim payments"),
        ]
        indexes = [models.Index(fields=["proposal", "status"], name="mdf_claim_proposal_idx")]

    def __str__(self) -> str:
        return self.number


class ProofFile(models.Model):
    """One file of a claim's proof of performance, kept through the storage API (core/files.py)."""

    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="proof_files"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ProofKind.choices, default=ProofKind.OTHER)
    file = models.CharField(_("stored file"), max_length=300)  # the storage's generated name
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.BigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("proof file")
        verbose_name_plural = _("proof files")
        ordering = ["claim", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.filename


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    EDITED = "edited", _("Edited")
    SENT_TO_CAM = "sent_to_cam", _("Sent to the CAM")
    CAM_ALIGNED = "cam_aligned", _("CAM confirmed alignment")
    CAM_RETURNED = "cam_returned", _("CAM asked for changes")
    SUBMITTED = "submitted", _("Submitted for approval")
    COMMENT = "comment", _("Comment")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    CLAIM_SUBMITTED = "claim_submitted", _("Claim submitted")
    PROOF_ADDED = "proof_added", _("Proof added")
    MORE_PROOF = "more_proof", _("More proof requested")
    CLAIM_APPROVED = "claim_approved", _("Claim approved")
    CLAIM_REJECTED = "claim_rejected", _("Claim rejected")
    PAID = "paid", _("Paid")
    REMINDED = "reminded", _("Claim deadline reminder")
    RELEASED = "released", _("Funds released")
    RESULTS = "results", _("Results reported")
    CLOSED = "closed", _("Closed")


class Event(models.Model):
    """The timeline of a proposal and its claims: every step, comment and decision, with who and when.

    ``internal`` comments are staff-only (never shown in the portal or e-mailed to the partner)."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("proposal"), on_delete=models.CASCADE, related_name="events"
    )
    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.TextField(_("comment"), max_length=5000, blank=True)
    internal = models.BooleanField(_("internal"), default=False)
    amount = models.DecimalField(_("amount"), null=True, blank=True, max_digits=14, decimal_places=2)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("MDF event")
        verbose_name_plural = _("MDF events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["proposal", "at"], name="mdf_event_proposal_idx")]

    def __str__(self) -> str:
        return f"{self.proposal_id} {self.kind}"


class ExchangeRate(models.Model):
    """Program-currency units per unit of ``currency``, maintained by staff (finance)."""

    currency = models.CharField(_("currency"), max_length=3, unique=True)
    rate = models.DecimalField(
        _("rate"), max_digits=18, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency"]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate}"
