"""Pre-filling review checklists from what the system knows (SPEC S9 details).

:func:`check_data` loads, for a batch of partners, everything the checks need with a
constant number of queries; each check then answers ``(status, detail)`` for one partner
from that data: "passed", "failed", or "unknown" where the system cannot know (deal
registration, the CRM's own fields, a locator…). A checklist item whose key has no check
here starts as "unknown".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from .models import ItemStatus

PASSED, FAILED, UNKNOWN = ItemStatus.PASSED, ItemStatus.FAILED, ItemStatus.UNKNOWN
ACTION_STATES = ("required", "overdue", "due")  # agreement states that need the partner's action


def aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()))


def agreement_states(today: date) -> dict[int, list[tuple[str, str]]]:
    """Active partner id → [(agreement name, state)] of the agreements not accepted in their
    current version (one ``reaccept_report`` for every partner: one query on the maintained
    compliance table)."""
    from channelops.agreements.querysets import reaccept_report

    out: dict[int, list[tuple[str, str]]] = {}
    for row in reaccept_report(today=today):
        out.setdefault(row.partner_id, []).append((row.template.name, row.state))
    return out


@dataclass
class CheckData:
    """What the checks know about a batch of partners; ``window`` is "last month" [start, end)."""

    today: date
    window: tuple[date, date]
    agreements: dict[int, list[tuple[str, str]]]
    sign_ins: dict[int, int] = field(default_factory=dict)
    training: dict[int, int] = field(default_factory=dict)
    people: dict[int, dict[str, int]] = field(default_factory=dict)
    invitations: dict[int, dict[str, int]] = field(default_factory=dict)
    primary: dict[int, dict[str, Any]] = field(default_factory=dict)
    journeys: dict[int, dict[str, int]] = field(default_factory=dict)
    legal_open: set[int] = field(default_factory=set)
    questions: dict[int, dict[str, Any]] = field(default_factory=dict)
    crm: dict[int, tuple[str, str]] | None = None  # None: no CRM connected

    @property
    def month_label(self) -> str:
        return f"{self.window[0]:%B %Y}"


def check_data(
    partner_ids: list[int],
    *,
    today: date,
    window: tuple[date, date],
    agreements: dict[int, list[tuple[str, str]]] | None = None,
) -> CheckData:
    """Load the data of the checks for these partners (9 queries, plus 7 without ``agreements``,
    plus 3 when a CRM is connected)."""
    from channelops.accounts.models import Invitation
    from channelops.agreements.models import LegalRequest
    from channelops.core.crm import partner_crm_status
    from channelops.partners.models import Contact, EngagementEvent, EngagementKind, PartnerMembership
    from channelops.work.models import TemplateKind, WorkItem

    data = CheckData(
        today=today, window=window, agreements=agreement_states(today) if agreements is None else agreements
    )
    if not partner_ids:
        return data
    ws, we = aware(window[0]), aware(window[1])
    events = (
        EngagementEvent.objects.filter(
            partner_id__in=partner_ids,
            at__gte=ws,
            at__lt=we,
            kind__in=[EngagementKind.SIGN_IN, EngagementKind.TRAINING],
        )
        .values("partner_id", "kind")
        .annotate(n=Count("id"))
    )
    for ev in events:
        target = data.sign_ins if ev["kind"] == EngagementKind.SIGN_IN else data.training
        target[ev["partner_id"]] = ev["n"]
    active = Q(user__is_active=True)
    for people in (
        PartnerMembership.objects.filter(partner_id__in=partner_ids)
        .values("partner_id")
        .annotate(
            users=Count("id", filter=active),
            admins=Count("id", filter=active & Q(role="admin")),
            added=Count("id", filter=Q(created_at__gte=ws, created_at__lt=we)),
            signed_in_ever=Count("id", filter=Q(user__last_login__isnull=False)),
        )
    ):
        data.people[people["partner_id"]] = {k: int(v) for k, v in people.items() if k != "partner_id"}  # type: ignore[call-overload]
    for inv in (
        Invitation.objects.filter(user__membership__partner_id__in=partner_ids)
        .values("user__membership__partner_id")
        .annotate(sent=Count("id"), accepted=Count("id", filter=Q(accepted_at__isnull=False)))
    ):
        data.invitations[inv["user__membership__partner_id"]] = {
            "sent": inv["sent"],
            "accepted": inv["accepted"],
        }
    for contact in Contact.objects.filter(partner_id__in=partner_ids, is_primary=True).values(
        "partner_id", "email", "user_id", "user__is_active", "user__last_login", "user__membership__role"
    ):
        data.primary.setdefault(contact["partner_id"], dict(contact))
    for journey in (
        WorkItem.objects.filter(partner_id__in=partner_ids, template__kind=TemplateKind.JOURNEY)
        .exclude(status="cancelled")
        .values("partner_id")
        .annotate(
            n_items=Count("id", distinct=True),
            n_tasks=Count("tasks"),
            n_done=Count("tasks", filter=Q(tasks__done_at__isnull=False)),
            n_done_window=Count("tasks", filter=Q(tasks__done_at__gte=ws, tasks__done_at__lt=we)),
        )
    ):
        data.journeys[journey["partner_id"]] = {k: int(v) for k, v in journey.items() if k != "partner_id"}  # type: ignore[call-overload]
    data.legal_open = set(
        LegalRequest.objects.filter(partner_id__in=partner_ids, status__in=("open", "offered")).values_list(
            "partner_id", flat=True
        )
    )
    data.questions = open_questions(partner_ids, window=(ws, we))
    data.crm = partner_crm_status(partner_ids)
    return data


def open_questions(
    partner_ids: list[int], *, window: tuple[datetime, datetime] | None = None
) -> dict[int, dict[str, Any]]:
    """Partner id → the partner's questions to the help desk (one query): ``open`` (new, open or
    waiting on the partner), ``overdue`` (open and past a target), ``asked`` (in ``window``) and
    the numbers of the open ones."""
    from .models import Question

    now = timezone.now()
    out: dict[int, dict[str, Any]] = {}
    rows = Question.objects.filter(partner_id__in=partner_ids)
    if window is not None:
        rows = rows.filter(
            Q(status__in=("new", "open", "waiting")) | Q(created_at__gte=window[0], created_at__lt=window[1])
        )
    else:
        rows = rows.active()
    for pid, number, status, created, first_at, first_due, res_due in rows.order_by("number").values_list(
        "partner_id",
        "number",
        "status",
        "created_at",
        "first_response_at",
        "first_response_due",
        "resolution_due",
    ):
        entry = out.setdefault(pid, {"open": 0, "overdue": 0, "asked": 0, "numbers": []})
        if window is not None and window[0] <= created < window[1]:
            entry["asked"] += 1
        if status in ("new", "open", "waiting"):
            entry["open"] += 1
            entry["numbers"].append(number)
            late_first = first_at is None and first_due is not None and first_due < now
            if late_first or (res_due is not None and res_due < now):
                entry["overdue"] += 1
    return out


# --- the checks: (partner, data) -> (status, detail) ----------------------------------------------

Check = Callable[[Any, CheckData], tuple[str, str]]
CHECKS: dict[str, Check] = {}


def check(key: str) -> Callable[[Check], Check]:
    def deco(func: Check) -> Check:
        CHECKS[key] = func
        return func

    return deco


def prefill(key: str, partner: Any, data: CheckData) -> tuple[str, str]:
    func = CHECKS.get(key)
    if func is None:
        return UNKNOWN, ""
    status, detail = func(partner, data)
    return status, detail[:300]


@check("company_real")
def _company_real(p: Any, d: CheckData) -> tuple[str, str]:
    if not p.website:
        return FAILED, "no website on the partner record"
    return UNKNOWN, f"website {p.website} — check it is a real company"


@check("right_region")
def _right_region(p: Any, d: CheckData) -> tuple[str, str]:
    return UNKNOWN, f"country {p.country}, region {p.region.code}"


@check("welcome_email")
def _welcome_email(p: Any, d: CheckData) -> tuple[str, str]:
    inv = d.invitations.get(p.pk, {"sent": 0, "accepted": 0})
    people = d.people.get(p.pk, {})
    if inv["accepted"] or people.get("signed_in_ever"):
        return PASSED, f"{inv['accepted']} of {inv['sent']} invitations accepted; a user has signed in"
    if inv["sent"]:
        return FAILED, f"{inv['sent']} invitations sent, none accepted, nobody signed in"
    return FAILED, "no portal user invited yet"


@check("crm_link")
def _crm_link(p: Any, d: CheckData) -> tuple[str, str]:
    if p.crm_account_id:
        return PASSED, f"CRM account id {p.crm_account_id} — check it is the right account"
    return FAILED, "no CRM account id set"


@check("crm_fields")
def _crm_fields(p: Any, d: CheckData) -> tuple[str, str]:
    if d.crm is None:
        return UNKNOWN, "no CRM is connected to channelops: check the account's fields in the CRM"
    status, detail = d.crm.get(p.pk, (FAILED, "not in the CRM yet"))
    return (PASSED if status == "passed" else FAILED), detail


@check("locator_admin")
def _locator_admin(p: Any, d: CheckData) -> tuple[str, str]:
    primary = d.primary.get(p.pk)
    if primary is None:
        return FAILED, "no primary contact"
    if primary["user__membership__role"] == "admin" and primary["user__is_active"]:
        return PASSED, f"primary contact {primary['email']} is a partner admin"
    return FAILED, f"primary contact {primary['email']} is not an active partner admin"


@check("cam_owner")
def _cam_owner(p: Any, d: CheckData) -> tuple[str, str]:
    if p.cam_id is None:
        return FAILED, "no channel account manager set"
    return PASSED, f"CAM: {p.cam} — check it is the right one for the region"


@check("phone_set")
def _phone_set(p: Any, d: CheckData) -> tuple[str, str]:
    return (PASSED, f"phone {p.phone}") if p.phone else (FAILED, "no phone number on the partner record")


@check("agreement_accepted")
def _agreement(p: Any, d: CheckData) -> tuple[str, str]:
    if p.status != "active":
        return UNKNOWN, f"the partner is {p.status}"
    rows = d.agreements.get(p.pk, [])
    pending = [(name, state) for name, state in rows if state in ACTION_STATES]
    if not pending:
        if rows:
            return UNKNOWN, "; ".join(f"{n}: {s}" for n, s in rows)
        return PASSED, "every agreement is accepted in its current version"
    return FAILED, "; ".join(f"{n}: {s}" for n, s in pending)


@check("flagged_to_cam")
def _flagged(p: Any, d: CheckData) -> tuple[str, str]:
    if p.pk in d.legal_open:
        return UNKNOWN, "a legal request (contract question) is open — flag it to the CAM"
    return UNKNOWN, "no open legal request"


@check("signed_in")
def _signed_in(p: Any, d: CheckData) -> tuple[str, str]:
    n = d.sign_ins.get(p.pk, 0)
    if n:
        return PASSED, f"{n} sign-ins in {d.month_label}"
    return FAILED, f"nobody signed in during {d.month_label}"


@check("users_added")
def _users_added(p: Any, d: CheckData) -> tuple[str, str]:
    people = d.people.get(p.pk, {"users": 0, "added": 0})
    detail = f"{people['users']} active users; {people['added']} added in {d.month_label}"
    return (PASSED if people["users"] >= 2 else FAILED), detail


@check("journeys")
def _journeys(p: Any, d: CheckData) -> tuple[str, str]:
    j = d.journeys.get(p.pk)
    if j is None:
        return FAILED, "no journey assigned"
    detail = (
        f"{j['n_items']} journeys: {j['n_done']} of {j['n_tasks']} tasks done "
        f"({j['n_done_window']} in {d.month_label})"
    )
    return (PASSED if j["n_done"] else FAILED), detail


@check("training")
def _training(p: Any, d: CheckData) -> tuple[str, str]:
    n = d.training.get(p.pk, 0)
    if n:
        return PASSED, f"{n} trainings completed in {d.month_label}"
    return FAILED, f"no training completed in {d.month_label} (training starts are not recorded)"


@check("primary_user_current")
def _primary_current(p: Any, d: CheckData) -> tuple[str, str]:
    primary = d.primary.get(p.pk)
    if primary is None:
        return FAILED, "no primary contact"
    if primary["user_id"] is None:
        return UNKNOWN, f"primary contact {primary['email']} has no portal account"
    if not primary["user__is_active"]:
        return FAILED, f"primary contact {primary['email']} is deactivated"
    last = primary["user__last_login"]
    if last is None:
        return UNKNOWN, f"primary contact {primary['email']} has never signed in"
    return PASSED, f"primary contact {primary['email']}; last sign-in {last:%Y-%m-%d}"


@check("enough_admins")
def _enough_admins(p: Any, d: CheckData) -> tuple[str, str]:
    admins = d.people.get(p.pk, {}).get("admins", 0)
    minimum = int(getattr(settings, "REVIEW_MIN_ADMINS", 2))
    return (
        PASSED if admins >= minimum else FAILED
    ), f"active partner admins: {admins} (at least {minimum} wanted)"


@check("open_questions")
def _open_questions(p: Any, d: CheckData) -> tuple[str, str]:
    q = d.questions.get(p.pk, {"open": 0, "overdue": 0, "asked": 0, "numbers": []})
    asked = f"{q['asked']} asked in {d.month_label}"
    if not q["open"]:
        return PASSED, f"no open questions; {asked}"
    numbers = ", ".join(q["numbers"][:5]) + (" …" if len(q["numbers"]) > 5 else "")
    if q["overdue"]:
        return FAILED, f"{q['open']} open questions ({numbers}), {q['overdue']} past their target; {asked}"
    return UNKNOWN, f"{q['open']} open questions ({numbers}), none past its target — check them; {asked}"


def _not_known(p: Any, d: CheckData, *, why: str) -> tuple[str, str]:
    return UNKNOWN, why


for _key, _why in (
    ("deal_registration_access", "deal-registration access is not recorded in channelops"),
    ("cam_notified", "check the regional CAM's inbox or the new-partner work item"),
    ("deals", "deal registrations are not recorded in channelops"),
    ("deal_registered", "deal registrations are not recorded in channelops"),
    ("training_requirements", "certification requirements are not recorded yet"),
    ("certified_people", "ask the CAM or the partner"),
    ("locator_current", "the partner locator is not part of channelops"),
    ("case_study", "ask the CAM"),
):
    CHECKS[_key] = functools.partial(_not_known, why=_why)
