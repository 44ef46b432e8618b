"""Reads for agreements: ``visible_to(user)`` scopes, and what each partner must accept.

``partner_agreement_rows`` answers "what is accepted, what is due" for one partner and
``reaccept_report`` answers "who has not re-accepted" for all; both run a constant
number of queries whatever the number of partners.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models
from django.utils import timezone

from channelops.core.memo import memoized
from channelops.partners.querysets import PartnerScopedQuerySet, _partner_scope


class AgreementVersionQuerySet(models.QuerySet):
    def published(self) -> AgreementVersionQuerySet:
        return self.filter(status="published")

    def visible_to(self, user: Any) -> AgreementVersionQuerySet:
        """Staff see every version; partner people see published general versions and their own custom ones."""
        scope, pid = _partner_scope(user)
        if scope == "all":
            return self
        if scope == "partner":
            return self.filter(status="published").filter(
                models.Q(partner__isnull=True) | models.Q(partner_id=pid)
            )
        return self.none()


class AcceptanceQuerySet(PartnerScopedQuerySet):
    def delete(self):
        from .models import ImmutableEvidenceError

        raise ImmutableEvidenceError("Acceptance evidence cannot be deleted.")

    def update(self, **kwargs):
        from .models import ImmutableEvidenceError

        raise ImmutableEvidenceError("Acceptance evidence cannot be changed.")


class RegionExceptionQuerySet(PartnerScopedQuerySet):
    pass


class LegalRequestQuerySet(PartnerScopedQuerySet):
    def open(self) -> LegalRequestQuerySet:
        return self.filter(status__in=("open", "offered"))


class AgreementEventQuerySet(PartnerScopedQuerySet):
    pass


# --- what applies to whom ----------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRule:
    """A template with what it applies to (loaded once)."""

    template: Any
    program_ids: frozenset[int]
    region_ids: frozenset[int]

    def applies(self, program_ids: set[int] | frozenset[int], region_id: int) -> bool:
        if self.region_ids and region_id not in self.region_ids:
            return False
        return self.template.required_for_all or bool(self.program_ids & set(program_ids))


def template_rules() -> list[TemplateRule]:
    """Every active template with its programs and regions (3 queries)."""
    from .models import AgreementTemplate

    templates = list(
        AgreementTemplate.objects.filter(active=True)
        .prefetch_related("programs", "regions")
        .order_by("position")
    )
    return [
        TemplateRule(
            template=t,
            program_ids=frozenset(p.pk for p in t.programs.all()),
            region_ids=frozenset(r.pk for r in t.regions.all()),
        )
        for t in templates
    ]


def _latest_published(
    partner_ids: list[int] | None = None,
) -> tuple[dict[int, Any], dict[tuple[int, int], Any]]:
    """Latest general version per template, and latest custom version per (template, partner)."""
    from .models import AgreementVersion

    general: dict[int, Any] = {}
    custom: dict[tuple[int, int], Any] = {}
    qs = AgreementVersion.objects.published().order_by("template_id", "number")
    if partner_ids is not None:
        qs = qs.filter(models.Q(partner__isnull=True) | models.Q(partner_id__in=partner_ids))
    for v in qs.defer("body"):
        if v.partner_id is None:
            general[v.template_id] = v
        else:
            custom[(v.template_id, v.partner_id)] = v
    return general, custom


def current_version_for(
    template_id: int, partner_id: int, general: dict[int, Any], custom: dict[tuple[int, int], Any]
) -> Any:
    """The version a partner must have accepted: the newest of the general one and its own custom one."""
    g = general.get(template_id)
    c = custom.get((template_id, partner_id))
    if c is None:
        return g
    if g is None:
        return c
    return c if (c.published_at or timezone.now()) >= (g.published_at or timezone.now()) else g


class State:
    ACCEPTED = "accepted"
    DUE = "due"  # an earlier version is accepted; re-accept by the deadline
    OVERDUE = "overdue"  # the deadline passed without re-acceptance
    REQUIRED = "required"  # never accepted
    NEGOTIATING = "negotiating"  # a legal request is open


STATE_LABELS = {
    State.ACCEPTED: "Accepted",
    State.DUE: "Re-acceptance due",
    State.OVERDUE: "Re-acceptance overdue",
    State.REQUIRED: "Acceptance required",
    State.NEGOTIATING: "In negotiation (legal request)",
}


@dataclass
class AgreementRow:
    template: Any
    current: Any  # AgreementVersion or None (no published version yet)
    accepted: Any  # the latest Acceptance of this template, or None
    state: str
    deadline: date | None
    legal_request: Any = None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def needs_action(self) -> bool:
        return self.state in (State.DUE, State.OVERDUE, State.REQUIRED)


def _state(current: Any, accepted: Any, legal: Any, today: date) -> tuple[str, date | None]:
    if current is None:
        return State.ACCEPTED, None
    if accepted is not None and accepted.version_id == current.pk:
        return State.ACCEPTED, None
    if legal is not None:
        return State.NEGOTIATING, current.reaccept_by
    if accepted is None:
        return State.REQUIRED, None
    deadline = current.reaccept_by
    if deadline is not None and deadline < today:
        return State.OVERDUE, deadline
    return State.DUE, deadline


def partner_outstanding_agreements(partner: Any, today: date | None = None) -> list[Any]:
    """The partner's applicable agreements not accepted in their current version, from the maintained
    ``AgreementCompliance`` table (one query; once per page inside ``core.memo.read_memo``): rows with
    ``template``, ``current``, ``state`` (due, overdue, required, negotiating) and ``deadline``, in the
    templates' order. Empty for a partner that is not active (the table holds active partners only).
    :func:`partner_agreement_rows` computes the same (and the accepted ones) from the versions,
    acceptances and legal requests."""
    today = today or timezone.localdate()
    return memoized(
        ("partner_outstanding_agreements", partner.pk, today),
        lambda: list(
            compliance_rows(today=today)
            .filter(partner_id=partner.pk)
            .order_by("template__position", "template_id")
        ),
    )


def partner_agreement_rows(partner: Any, today: date | None = None) -> list[AgreementRow]:
    """What this partner must accept, and the state of each (constant number of queries)."""
    return _partner_agreement_rows(partner, today or timezone.localdate())


def _partner_agreement_rows(partner: Any, today: date) -> list[AgreementRow]:
    from .models import Acceptance, LegalRequest

    program_ids = set(partner.programs.values_list("pk", flat=True))
    general, custom = _latest_published([partner.pk])
    latest: dict[int, Any] = {}
    for a in (
        Acceptance.objects.filter(partner_id=partner.pk).select_related("version").order_by("accepted_at")
    ):
        latest[a.template_id] = a
    legal = {lr.template_id: lr for lr in LegalRequest.objects.open().filter(partner_id=partner.pk)}
    rows = []
    for rule in template_rules():
        if not rule.applies(program_ids, partner.region_id):
            continue
        t = rule.template
        current = current_version_for(t.pk, partner.pk, general, custom)
        accepted = latest.get(t.pk)
        negotiating = legal.get(t.pk) if legal.get(t.pk) and legal[t.pk].status == "open" else None
        state, deadline = _state(current, accepted, negotiating, today)
        rows.append(AgreementRow(t, current, accepted, state, deadline, legal.get(t.pk)))
    return rows


@dataclass
class ReportRow:
    partner_id: int
    partner_name: str
    region: str
    template: Any
    current: Any
    accepted_version: int | None
    accepted_at: Any
    state: str
    deadline: date | None

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


def compute_not_accepted(*, partner_ids: list[int] | None = None) -> list[ReportRow]:
    """Every active partner (of ``partner_ids``, default all) and applicable agreement not accepted
    in its current version, computed from the versions, acceptances and legal requests (7 queries).
    This is what the maintained ``AgreementCompliance`` table holds (``compliance.py``); the
    report reads the table (:func:`reaccept_report`)."""
    from channelops.partners.models import Partner, PartnerStatus

    from .models import Acceptance, LegalRequest

    today = timezone.localdate()
    rules = template_rules()
    general, custom = _latest_published(partner_ids)
    partners = Partner.objects.filter(status=PartnerStatus.ACTIVE)
    through = Partner.programs.through.objects.all()
    acceptances = Acceptance.objects.all()
    legal_qs = LegalRequest.objects.filter(status="open")
    if partner_ids is not None:
        partners = partners.filter(pk__in=partner_ids)
        through = through.filter(partner_id__in=partner_ids)
        acceptances = acceptances.filter(partner_id__in=partner_ids)
        legal_qs = legal_qs.filter(partner_id__in=partner_ids)
    programs: dict[int, set[int]] = {}
    for pid, prog in through.values_list("partner_id", "program_id"):
        programs.setdefault(pid, set()).add(prog)
    accepted: dict[tuple[int, int], tuple[int, int, Any]] = {}
    for pid, tid, vid, number, at in acceptances.order_by("accepted_at").values_list(
        "partner_id", "template_id", "version_id", "version__number", "accepted_at"
    ):
        accepted[(pid, tid)] = (vid, number, at)
    legal = set(legal_qs.values_list("partner_id", "template_id"))
    out: list[ReportRow] = []
    for pid, name, region_id, region_code in partners.order_by("legal_name", "pk").values_list(
        "pk", "legal_name", "region_id", "region__code"
    ):
        for rule in rules:
            if not rule.applies(programs.get(pid, set()), region_id):
                continue
            current = current_version_for(rule.template.pk, pid, general, custom)
            if current is None:
                continue
            acc = accepted.get((pid, rule.template.pk))
            if acc is not None and acc[0] == current.pk:
                continue
            if (pid, rule.template.pk) in legal:
                row_state, deadline = State.NEGOTIATING, current.reaccept_by
            elif acc is None:
                row_state, deadline = State.REQUIRED, None
            elif current.reaccept_by is not None and current.reaccept_by < today:
                row_state, deadline = State.OVERDUE, current.reaccept_by
            else:
                row_state, deadline = State.DUE, current.reaccept_by
            out.append(
                ReportRow(
                    partner_id=pid,
                    partner_name=name,
                    region=region_code,
                    template=rule.template,
                    current=current,
                    accepted_version=acc[1] if acc else None,
                    accepted_at=acc[2] if acc else None,
                    state=row_state,
                    deadline=deadline,
                )
            )
    return out


def compliance_rows(
    *,
    template_id: int | None = None,
    state: str = "",
    region: str = "",
    tier: str = "",
    program: str = "",
    today: date | None = None,
) -> Any:
    """The maintained "not accepted" rows as a queryset, with ``state`` and ``deadline`` annotated
    for ``today`` (one query; sortable and paginated in the database)."""
    from .models import AgreementCompliance

    today = today or timezone.localdate()
    qs = AgreementCompliance.objects.select_related("template", "current").annotate(
        state=models.Case(
            models.When(negotiating=True, then=models.Value(State.NEGOTIATING)),
            models.When(accepted_version__isnull=True, then=models.Value(State.REQUIRED)),
            models.When(reaccept_by__lt=today, then=models.Value(State.OVERDUE)),
            default=models.Value(State.DUE),
            output_field=models.CharField(),
        ),
        deadline=models.Case(
            models.When(negotiating=False, accepted_version__isnull=True, then=models.Value(None)),
            default=models.F("reaccept_by"),
            output_field=models.DateField(),
        ),
    )
    if template_id is not None:
        qs = qs.filter(template_id=template_id)
    if region:
        qs = qs.filter(region=region)
    if tier:
        qs = qs.filter(partner__tier__slug=tier)
    if program:  # a partner has a program at most once: no duplicate rows
        qs = qs.filter(partner__programs__slug=program)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("partner_name", "partner_id", "template__position", "template_id")


def reaccept_report(
    *, template_id: int | None = None, state: str = "", region: str = "", today: date | None = None
) -> list[ReportRow]:
    """Every active partner and applicable agreement not accepted in its current version, from the
    maintained ``AgreementCompliance`` table (one query)."""
    return [
        ReportRow(
            partner_id=r.partner_id,
            partner_name=r.partner_name,
            region=r.region,
            template=r.template,
            current=r.current,
            accepted_version=r.accepted_version,
            accepted_at=r.accepted_at,
            state=r.state,
            deadline=r.deadline,
        )
        for r in compliance_rows(template_id=template_id, state=state, region=region, today=today)
    ]


def covered_region_codes(partner: Any) -> list[str]:
    """The partner's own region plus those of approved region exceptions."""
    from channelops.partners.models import Region

    extra = Region.objects.filter(
        region_exceptions__partner=partner, region_exceptions__status="approved"
    ).values_list("code", flat=True)
    codes = [partner.region.code, *sorted(set(extra) - {partner.region.code})]
    return codes
