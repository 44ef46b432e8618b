"""Enablement plans and business plans (S6): services (writes) and reads.

Public entry points used by other modules:

* :func:`business_plan_on_file` — True when the partner has a submitted or accepted, current
  business plan (a partner-certification requirement).
* :func:`business_plan_required` — True when the business plan is required for the partner
  (a Certified Training Partner invitee), not only suggested.

Writes are keyword-only, atomic and take ``by=`` the acting person. Validation errors are
``ValidationError`` with a message per field; a failed write changes nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.outbox import email_partner_people
from channelops.partners.models import MembershipRole, Partner, PartnerMembership

from ..models import (
    BusinessPlan,
    BusinessPlanState,
    BusinessPlanTarget,
    Certification,
    EnablementPlanEntry,
    PractitionerRecord,
)
from ..models.plans import BUSINESS_PLAN_SECTIONS

VIEW_PERM = "enablement.view_businessplan"
VIEW_ENTRIES_PERM = "enablement.view_enablementplanentry"
REVIEW_PERM = "enablement.change_businessplan"
SECTION_FIELDS = [f for f, _label, _help in BUSINESS_PLAN_SECTIONS]
MAX_TARGET_PEOPLE = 1000


# === who may do what ==============================================================================


def may_edit_plans(user: Any, partner: Partner) -> bool:
    """Partner admins of the partner edit its enablement plan and business plan."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.is_staff:
        return False
    m = user.partner_membership
    return m is not None and m.partner_id == partner.pk and m.role == MembershipRole.ADMIN


def may_view_plans(user: Any) -> bool:
    """Staff with the view permission (partner people see their own partner's plans in the portal)."""
    return bool(user.is_staff and (user.has_perm(VIEW_PERM) or user.has_perm(VIEW_ENTRIES_PERM)))


def may_review(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False) and user.has_perm(REVIEW_PERM))


# === business plan: on file / required ============================================================


def business_plan_on_file(partner: Partner | int) -> bool:
    """True when the partner has a submitted or accepted business plan that no newer version superseded."""
    pid = partner if isinstance(partner, int) else partner.pk
    return BusinessPlan.objects.filter(partner_id=pid).on_file().exists()


_REQUIREMENT_CHECKS: list[Callable[[Partner], bool]] = []


def register_business_plan_requirement(check: Callable[[Partner], bool]) -> None:
    """Add a predicate ``check(partner) -> bool``: when one returns True, the business plan is required."""
    if check not in _REQUIREMENT_CHECKS:
        _REQUIREMENT_CHECKS.append(check)


def business_plan_required(partner: Partner) -> bool:
    """True when the business plan (slide 19) is required for this partner — a Certified Training Partner
    invitee — rather than suggested.

    Registered checks (``register_business_plan_requirement``) decide first. Then the partner-certification
    models of ``channelops/enablement/models/awards.py`` (another feature) are looked up lazily: the partner
    has a status row, for a certification admitted by invitation/onboarding (the Certified Training
    Partner), that was invited or joined (any state but "not certified"/"lapsed"). If those models do not
    exist (ImportError/LookupError) nothing is required. One query.
    """
    if any(check(partner) for check in _REQUIREMENT_CHECKS):
        return True
    return _training_partner_attempt_exists(partner)


def _training_partner_attempt_exists(partner: Partner) -> bool:
    try:
        from ..models import awards  # noqa: F401  (the module may not exist in every version)

        status = apps.get_model("enablement", "PartnerCertificationStatus")
    except (ImportError, LookupError):
        return False
    try:
        return bool(
            status._default_manager.filter(partner=partner, certification__admission="onboarding")
            .exclude(state__in=["none", "lapsed"])
            .exists()
        )
    except FieldError:  # the models changed shape: fail safe (suggested, not required)
        return False


# === enablement plan: writes ======================================================================


def _clean_entry(
    *,
    partner: Partner,
    full_name: str,
    email: str,
    certification: Certification | int | None,
    target_date: date | None,
    note: str,
    exclude_pk: int | None = None,
    check_date: bool = True,
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    full_name = (full_name or "").strip()
    email = (email or "").strip().lower()
    note = (note or "").strip()
    if not full_name:
        errors["full_name"] = [_("Enter the person's name.")]
    elif len(full_name) > 150:
        errors["full_name"] = [_("The name is at most 150 characters.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address, e.g. maria@example.com.")]
    cert = None
    if isinstance(certification, Certification):
        cert = certification if certification.active else None
    elif certification not in (None, ""):
        try:
            cert = Certification.objects.filter(pk=int(certification), active=True).first()
        except (TypeError, ValueError):
            cert = None
    if cert is None:
        errors["certification"] = [_("Choose a certification from the catalog.")]
    if target_date is None:
        errors["target_date"] = [_("Enter the target date (YYYY-MM-DD).")]
    elif check_date and target_date < timezone.localdate():
        errors["target_date"] = [_("The target date cannot be in the past.")]
    if len(note) > 500:
        errors["note"] = [_("The note is at most 500 characters.")]
    if cert is not None and "email" not in errors:
        dup = EnablementPlanEntry.objects.filter(partner=partner, email=email, certification=cert)
        if exclude_pk is not None:
            dup = dup.exclude(pk=exclude_pk)
        if dup.exists():
            errors["email"] = [
                _("%(email)s is already in the plan for %(cert)s.") % {"email": email, "cert": cert.name}
            ]
    if errors:
        raise ValidationError(errors)
    return {
        "full_name": full_name,
        "email": email,
        "certification": cert,
        "target_date": target_date,
        "note": note,
    }


def _require_editor(by: Any, partner: Partner) -> None:
    if not may_edit_plans(by, partner):
        raise NotAllowed(_("Only the partner's admins can change its plans."))


@transaction.atomic
def enablement_plan_entry_add(
    *,
    partner: Partner,
    by: Any,
    full_name: str,
    email: str,
    certification: Certification | int | None,
    target_date: date | None,
    note: str = "",
) -> EnablementPlanEntry:
    """Add a key employee to the partner's enablement plan (the target date may not be in the past)."""
    _require_editor(by, partner)
    data = _clean_entry(
        partner=partner,
        full_name=full_name,
        email=email,
        certification=certification,
        target_date=target_date,
        note=note,
    )
    entry = EnablementPlanEntry(partner=partner, created_by=by, **data)
    entry._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError as exc:  # a concurrent duplicate
        raise ValidationError(
            {"email": [_("This person is already in the plan for that certification.")]}
        ) from exc
    return entry


@transaction.atomic
def enablement_plan_entry_update(
    *,
    entry: EnablementPlanEntry,
    by: Any,
    full_name: str,
    email: str,
    certification: Certification | int | None,
    target_date: date | None,
    note: str = "",
) -> EnablementPlanEntry:
    """Change a row; a changed target date may not be in the past (an unchanged past date may stay)."""
    _require_editor(by, entry.partner)
    data = _clean_entry(
        partner=entry.partner,
        full_name=full_name,
        email=email,
        certification=certification,
        target_date=target_date,
        note=note,
        exclude_pk=entry.pk,
        check_date=target_date != entry.target_date,
    )
    for k, v in data.items():
        setattr(entry, k, v)
    entry._history_user = by  # type: ignore[attr-defined]
    entry.save()
    return entry


@transaction.atomic
def enablement_plan_entry_remove(*, entry: EnablementPlanEntry, by: Any) -> None:
    _require_editor(by, entry.partner)
    entry._history_user = by  # type: ignore[attr-defined]
    entry.delete()


@transaction.atomic
def enablement_plan_replace(
    *, partner: Partner, by: Any, entries: list[dict[str, Any]]
) -> list[EnablementPlanEntry]:
    """Replace the whole plan with ``entries`` (the API's PUT). Rows that keep a person and certification
    keep their id; rows are validated together and any error changes nothing (errors keyed ``row N: field``).
    New or re-dated rows may not be dated in the past."""
    _require_editor(by, partner)
    existing = {(e.email, e.certification_id): e for e in EnablementPlanEntry.objects.filter(partner=partner)}
    errors: dict[str, list[str]] = {}
    seen: set[tuple[str, int]] = set()
    cleaned: list[tuple[dict[str, Any], EnablementPlanEntry | None]] = []
    for i, row in enumerate(entries, start=1):
        email = (row.get("email") or "").strip().lower()
        cert_id = row.get("certification") or row.get("certification_id")
        old = existing.get((email, _as_int(cert_id) or 0))
        try:
            data = _clean_entry(
                partner=partner,
                full_name=row.get("full_name", ""),
                email=email,
                certification=cert_id,
                target_date=row.get("target_date"),
                note=row.get("note", ""),
                exclude_pk=old.pk if old else None,
                check_date=old is None or old.target_date != row.get("target_date"),
            )
        except ValidationError as exc:
            for f, msgs in exc.message_dict.items():
                errors[f"row {i}: {f}"] = msgs
            continue
        key = (data["email"], data["certification"].pk)
        if key in seen:
            errors[f"row {i}: email"] = [
                _("%(email)s is listed twice for the same certification.") % {"email": email}
            ]
            continue
        seen.add(key)
        cleaned.append((data, old))
    if errors:
        raise ValidationError(errors)
    keep = {old.pk for _d, old in cleaned if old is not None}
    for e in existing.values():
        if e.pk not in keep:
            e._history_user = by  # type: ignore[attr-defined]
            e.delete()
    out = []
    for data, old in cleaned:
        entry = old or EnablementPlanEntry(partner=partner, created_by=by)
        for k, v in data.items():
            setattr(entry, k, v)
        entry._history_user = by  # type: ignore[attr-defined]
        entry.save()
        out.append(entry)
    return out


def _as_int(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


# === enablement plan: reads =======================================================================


@dataclass
class EntryProgress:
    entry: EnablementPlanEntry
    certified: bool
    overdue: bool


def certified_people(
    partner_ids: Iterable[int], today: date | None = None
) -> dict[tuple[int, int], set[str]]:
    """{(partner_id, certification_id): e-mails certified now} — one query."""
    out: dict[tuple[int, int], set[str]] = defaultdict(set)
    rows = (
        PractitionerRecord.objects.certified(today)
        .filter(partner_id__in=list(partner_ids))
        .values_list("partner_id", "certification_id", "email")
        .distinct()
    )
    for pid, cid, email in rows:
        out[(pid, cid)].add(email.lower())
    return out


def certified_counts(partner_ids: Iterable[int], today: date | None = None) -> dict[tuple[int, int], int]:
    """{(partner_id, certification_id): number of people certified now} — one grouped query."""
    rows = (
        PractitionerRecord.objects.certified(today)
        .filter(partner_id__in=list(partner_ids))
        .values("partner_id", "certification_id")
        .annotate(n=Count("email", distinct=True))
    )
    return {(r["partner_id"], r["certification_id"]): r["n"] for r in rows}


def enablement_progress(partner: Partner, today: date | None = None) -> list[EntryProgress]:
    """Each plan row with whether its person is certified now (by e-mail) and whether it is overdue. 2 queries."""
    today = today or timezone.localdate()
    entries = list(
        EnablementPlanEntry.objects.filter(partner=partner)
        .select_related("certification")
        .order_by("target_date", "full_name", "pk")
    )
    certified = certified_people([partner.pk], today) if entries else {}
    out = []
    for e in entries:
        done = e.email.lower() in certified.get((partner.pk, e.certification_id), set())
        out.append(EntryProgress(entry=e, certified=done, overdue=not done and e.target_date < today))
    return out


# === charts =======================================================================================


@dataclass
class Bar:
    label: str
    target: int
    actual: int
    note: str = ""


@dataclass
class Chart:
    """Targets vs people certified now, per certification: drawn by Chart.js
    (``static/channelops/plan-chart.js``) from :attr:`data_json`, with the same numbers in a table
    beside it (``enablement/plan_chart.html``)."""

    title: str
    bars: list[Bar]

    @property
    def data_json(self) -> str:
        return json.dumps(
            {
                "title": str(self.title),
                "xTitle": str(_("People")),
                "labels": [b.label for b in self.bars],
                "series": [
                    {"label": str(_("Target")), "data": [b.target for b in self.bars]},
                    {"label": str(_("Certified now")), "data": [b.actual for b in self.bars]},
                ],
            }
        )


def make_chart(title: str, bars: list[Bar]) -> Chart:
    return Chart(title=title, bars=bars)


def enablement_chart(progress: list[EntryProgress]) -> Chart:
    """Per certification: people planned (target) vs planned people certified now (actual)."""
    by_cert: dict[int, Bar] = {}
    for p in progress:
        bar = by_cert.setdefault(
            p.entry.certification_id, Bar(label=p.entry.certification.name, target=0, actual=0)
        )
        bar.target += 1
        bar.actual += int(p.certified)
    return make_chart(_("Enablement plan: people certified vs planned"), list(by_cert.values()))


def business_plan_chart(plan: BusinessPlan | None, actual: dict[tuple[int, int], int]) -> Chart:
    """Per certification target of the plan: the target number vs people certified at the partner now."""
    bars = []
    if plan is not None:
        for t in plan.targets.all():
            bars.append(
                Bar(
                    label=t.certification.name,
                    target=t.people,
                    actual=actual.get((plan.partner_id, t.certification_id), 0),
                    note=t.by_date.isoformat(),
                )
            )
    return make_chart(_("Business plan: certified people vs targets"), bars)


# === business plan: writes ========================================================================


def _locked_partner_plans(partner: Partner) -> list[BusinessPlan]:
    Partner.objects.select_for_update(of=("self",)).filter(pk=partner.pk).first()
    return list(BusinessPlan.objects.filter(partner=partner).order_by("-version"))


def _clean_targets(targets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    errors: dict[str, list[str]] = {}
    out: list[dict[str, Any]] = []
    seen: set[int] = set()
    certs = {c.pk: c for c in Certification.objects.filter(active=True)}
    for i, row in enumerate(targets, start=1):
        cid = _as_int(row.get("certification") or row.get("certification_id"))
        people = _as_int(row.get("people"))
        by_date = row.get("by_date")
        if isinstance(by_date, str):
            try:
                by_date = date.fromisoformat(by_date)
            except ValueError:
                by_date = None
        row_errors = []
        if cid not in certs:
            row_errors.append(_("choose a certification from the catalog"))
        elif cid in seen:
            row_errors.append(_("%(cert)s has two targets") % {"cert": certs[cid].name})
        if people is None or not 1 <= people <= MAX_TARGET_PEOPLE:
            row_errors.append(
                _("the number of people is a whole number from 1 to %(max)s") % {"max": MAX_TARGET_PEOPLE}
            )
        if by_date is None:
            row_errors.append(_("enter the date (YYYY-MM-DD)"))
        if row_errors:
            errors["targets"] = errors.get("targets", []) + [
                _("Target %(n)s: %(what)s.") % {"n": i, "what": "; ".join(row_errors)}
            ]
            continue
        seen.add(cid)  # type: ignore[arg-type]
        out.append({"certification": certs[cid], "people": people, "by_date": by_date})  # type: ignore[index]
    if errors:
        raise ValidationError(errors)
    return out


@transaction.atomic
def business_plan_save(
    *, partner: Partner, by: Any, sections: dict[str, str], targets: list[dict[str, Any]]
) -> BusinessPlan:
    """Save the partner's draft business plan: the current draft is edited; without one a new version is
    started (copying nothing — the form starts from the latest version). Sections may be incomplete
    in a draft; targets are validated (known certification, 1–1000 people, a date)."""
    _require_editor(by, partner)
    errors: dict[str, list[str]] = {}
    clean_sections = {}
    for f in SECTION_FIELDS:
        text = (sections.get(f) or "").strip()
        if len(text) > 5000:
            errors[f] = [_("At most 5,000 characters.")]
        clean_sections[f] = text
    try:
        clean_targets = _clean_targets(targets)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    plans = _locked_partner_plans(partner)
    draft = next((p for p in plans if p.state == BusinessPlanState.DRAFT), None)
    if draft is None:
        draft = BusinessPlan(partner=partner, version=(plans[0].version + 1) if plans else 1, created_by=by)
    for f, v in clean_sections.items():
        setattr(draft, f, v)
    draft._history_user = by  # type: ignore[attr-defined]
    draft.save()
    old = {t.certification_id: t for t in draft.targets.all()}
    keep = set()
    for t in clean_targets:
        row = old.get(t["certification"].pk) or BusinessPlanTarget(
            plan=draft, certification=t["certification"]
        )
        row.people, row.by_date = t["people"], t["by_date"]
        row._history_user = by  # type: ignore[attr-defined]
        row.save()
        keep.add(row.pk)
    for row in old.values():
        if row.pk not in keep:
            row._history_user = by  # type: ignore[attr-defined]
            row.delete()
    return draft


_admin_emails = PartnerMembership.objects.admin_emails


_link = absolute_url


def _mail(to: list[str], template: str, context: dict[str, Any], *, key: str, partner_id: int) -> None:
    email_partner_people(to, f"enablement/email/{template}", context, key=key, partner_id=partner_id)


@transaction.atomic
def business_plan_submit(*, partner: Partner, by: Any) -> BusinessPlan:
    """Submit the partner's draft: every section filled in and at least one certification target. The
    previous submitted/accepted/returned version is superseded (kept as history). The CAM is e-mailed."""
    _require_editor(by, partner)
    plans = _locked_partner_plans(partner)
    draft = next((p for p in plans if p.state == BusinessPlanState.DRAFT), None)
    if draft is None:
        raise ValidationError(_("There is no draft to submit: save the business plan first."))
    errors: dict[str, list[str]] = {}
    for f, label, _help in BUSINESS_PLAN_SECTIONS:
        if not getattr(draft, f).strip():
            errors[f] = [_("Fill in “%(section)s” before submitting.") % {"section": label}]
    if not draft.targets.exists():
        errors["targets"] = [_("Add at least one certification target before submitting.")]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for p in plans:
        if p.pk != draft.pk and p.superseded_at is None:
            p.superseded_at = now
            p._history_user = by  # type: ignore[attr-defined]
            p.save(update_fields=["superseded_at", "updated_at"])
    draft.state = BusinessPlanState.SUBMITTED
    draft.submitted_at, draft.submitted_by = now, by
    draft._history_user = by  # type: ignore[attr-defined]
    draft.save()
    cam = partner.cam
    if cam is not None and cam.is_active:
        _mail(
            [cam.email],
            "plan_submitted",
            {"partner": partner, "plan": draft, "link": _link("console:plan_detail", partner.pk)},
            key=f"bplan-submitted:{draft.pk}",
            partner_id=partner.pk,
        )
    return draft


def _decide(*, plan: BusinessPlan, by: Any, state: str, comment: str) -> BusinessPlan:
    if not may_review(by):
        raise NotAllowed(_("Your role does not allow reviewing business plans."))
    plan = BusinessPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    if plan.state != BusinessPlanState.SUBMITTED or plan.superseded_at is not None:
        raise ValidationError(_("Only a submitted, current business plan can be accepted or returned."))
    plan.state = state
    plan.decided_at, plan.decided_by = timezone.now(), by
    plan.review_comment = comment
    plan._history_user = by  # type: ignore[attr-defined]
    plan.save()
    partner = Partner.objects.get(pk=plan.partner_id)
    _mail(
        _admin_emails(plan.partner_id),
        f"plan_{state}",
        {"partner": partner, "plan": plan, "comment": comment, "link": _link("portal:business_plan")},
        key=f"bplan-{state}:{plan.pk}",
        partner_id=plan.partner_id,
    )
    return plan


@transaction.atomic
def business_plan_accept(*, plan: BusinessPlan, by: Any, comment: str = "") -> BusinessPlan:
    """Accept a submitted plan (CAM or Education Services); the partner's admins are e-mailed."""
    return _decide(plan=plan, by=by, state=BusinessPlanState.ACCEPTED, comment=(comment or "").strip())


@transaction.atomic
def business_plan_return(*, plan: BusinessPlan, by: Any, comment: str) -> BusinessPlan:
    """Return a submitted plan with a comment saying what to change; the partner's admins are e-mailed."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": [_("Say what the partner should change.")]})
    return _decide(plan=plan, by=by, state=BusinessPlanState.RETURNED, comment=comment)


# === business plan: reads =========================================================================


def business_plan_versions(partner: Partner) -> list[BusinessPlan]:
    """Every version, newest first, with targets (2 queries)."""
    return list(
        BusinessPlan.objects.filter(partner=partner)
        .select_related("submitted_by", "decided_by")
        .prefetch_related("targets__certification")
        .order_by("-version")
    )


def current_plan(versions: list[BusinessPlan]) -> BusinessPlan | None:
    """The version to show: the newest that is not superseded and not a draft, else the draft."""
    live = [p for p in versions if p.superseded_at is None and p.state != BusinessPlanState.DRAFT]
    return live[0] if live else next((p for p in versions if p.state == BusinessPlanState.DRAFT), None)


@dataclass
class PartnerPlanRow:
    partner: Partner
    entries: int = 0
    entries_certified: int = 0
    entries_overdue: int = 0
    plan: BusinessPlan | None = None
    draft: BusinessPlan | None = None
    target_people: int = 0
    actual_people: int = 0


def partners_with_plans(user: Any) -> Any:
    """Partners visible to ``user`` that have an enablement plan row or a business plan, by name."""
    return (
        Partner.objects.visible_to(user)
        .filter(
            Exists(EnablementPlanEntry.objects.filter(partner_id=OuterRef("pk")))
            | Exists(BusinessPlan.objects.filter(partner_id=OuterRef("pk")))
        )
        .select_related("cam")
        .order_by("legal_name", "pk")
    )


def plan_rows(partners: list[Partner], today: date | None = None) -> list[PartnerPlanRow]:
    """The console list's rows for these partners with a constant number of queries (4): plan rows with
    their certified flags, current plans, their targets, certified counts."""
    today = today or timezone.localdate()
    ids = [p.pk for p in partners]
    rows = {p.pk: PartnerPlanRow(partner=p) for p in partners}
    if not ids:
        return []
    certified = certified_people(ids, today)
    for pid, cid, email, target in EnablementPlanEntry.objects.filter(partner_id__in=ids).values_list(
        "partner_id", "certification_id", "email", "target_date"
    ):
        r = rows[pid]
        r.entries += 1
        if email.lower() in certified.get((pid, cid), set()):
            r.entries_certified += 1
        elif target < today:
            r.entries_overdue += 1
    plans = list(
        BusinessPlan.objects.filter(partner_id__in=ids, superseded_at__isnull=True)
        .prefetch_related("targets")
        .order_by("-version")
    )
    for p in plans:
        r = rows[p.partner_id]
        if p.state == BusinessPlanState.DRAFT:
            r.draft = p
        elif r.plan is None:
            r.plan = p
    for r in rows.values():
        shown = r.plan or r.draft
        if shown is not None:
            for t in shown.targets.all():
                r.target_people += t.people
                r.actual_people += min(
                    t.people, len(certified.get((r.partner.pk, t.certification_id), set()))
                )
    return [rows[p.pk] for p in partners]


def next_version_number(partner: Partner) -> int:
    return (BusinessPlan.objects.filter(partner=partner).aggregate(m=Max("version"))["m"] or 0) + 1
