"""Writes for partners: every change goes through one of these functions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.accounts.services import invitation_send, user_create
from channelops.core.exceptions import NotAllowed

from . import hooks
from .models import (
    ENGAGEMENT_WEIGHTS,
    PARTNER_TRANSITIONS,
    Contact,
    EngagementDaily,
    EngagementEvent,
    EngagementKind,
    MembershipRole,
    Partner,
    PartnerMembership,
    PartnerStatus,
    PartnerStatusChange,
    Region,
    RegionRouting,
    Tier,
)

SCORE_WINDOW_DAYS = 90
PROFILE_FIELDS = ("website", "phone", "description")


def _require_staff(by: User | None) -> None:
    if by is not None and not by.is_staff:
        raise NotAllowed(_("Only staff may do this."))


def _require_partner_admin(*, partner: Partner, by: User, perm: str = "partners.change_partner") -> None:
    """A partner admin of this partner, or staff whose role grants ``perm``."""
    if by.is_staff:
        if not by.has_perm(perm):
            raise NotAllowed(_("Your staff role does not allow this."))
        return
    m = by.partner_membership
    if m is None or m.partner_id != partner.pk or not m.is_admin:
        raise NotAllowed(_("Only this partner's admins may do this."))


@transaction.atomic
def partner_create(
    *,
    legal_name: str,
    country: str,
    region: Region,
    tier: Tier,
    website: str = "",
    cam: User | None = None,
    status: str = PartnerStatus.APPLIED,
    by: User | None = None,
    reason: str = "",
    programs: Any = None,
) -> Partner:
    """Create a partner (validated) in ``programs`` and record its first status (``reason``: the
    history's change reason, e.g. "CRM sync"). The programs are set before the hooks run, so what
    they derive (e.g. the agreements the partner must accept) includes the programs' own."""
    _require_staff(by)
    if not region.active:
        raise ValidationError({"region": _("This region is not accepting partners.")})
    partner = Partner(
        legal_name=legal_name.strip(),
        country=str(country).strip().upper(),
        region=region,
        tier=tier,
        website=website,
        cam=cam,
        status=status,
    )
    partner.full_clean()
    partner._history_user = by  # type: ignore[attr-defined]
    if reason:
        partner._change_reason = reason[:100]  # type: ignore[attr-defined]
    partner.save()
    PartnerStatusChange.objects.create(partner=partner, from_status="", to_status=status, by=by)
    if programs is not None:
        partner.programs.set(programs)
    hooks.partner_created.call(partner=partner, by=by)
    return partner


def _clean_only(partner: Partner, fields: Any) -> None:
    """Validate the fields being changed: a legacy value in another field (a country code of no
    country, kept by migration 0003) must not block an edit the person cannot fix themselves."""
    partner.full_clean(exclude=[f.name for f in Partner._meta.fields if f.name not in set(fields)])


@transaction.atomic
def partner_profile_update(*, partner: Partner, by: User, data: dict[str, Any]) -> Partner:
    """A partner admin (or staff) updates the company profile fields partners may edit."""
    _require_partner_admin(partner=partner, by=by)
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    for k, v in data.items():
        setattr(partner, k, v)
    _clean_only(partner, data)
    partner._history_user = by  # type: ignore[attr-defined]
    partner.save()
    hooks.partner_changed.call(partner=partner, by=by, fields=sorted(data))
    return partner


@transaction.atomic
def partner_set_status(*, partner: Partner, to: str, by: User | None, note: str = "") -> Partner:
    """Move a partner through applied → active → suspended/terminated, recording the change."""
    _require_staff(by)
    original = partner
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if to not in PartnerStatus.values:
        raise ValidationError(_("Unknown status %(s)s.") % {"s": to})
    if to not in PARTNER_TRANSITIONS[partner.status]:
        raise ValidationError(
            _("A partner cannot go from %(a)s to %(b)s.")
            % {"a": partner.get_status_display(), "b": PartnerStatus(to).label}
        )
    PartnerStatusChange.objects.create(
        partner=partner, from_status=partner.status, to_status=to, by=by, note=note
    )
    partner.status = to
    partner._history_user = by  # type: ignore[attr-defined]
    partner.save(update_fields=["status", "updated_at"])
    original.status = to  # the caller's instance stays current
    hooks.partner_changed.call(partner=partner, by=by, fields=["status"])
    return partner


@transaction.atomic
def partner_assign_cam(*, partner: Partner, cam: User | None, by: User) -> Partner:
    _require_staff(by)
    if cam is not None and not cam.is_staff:
        raise ValidationError({"cam": _("The channel account manager must be staff.")})
    partner.cam = cam
    partner._history_user = by  # type: ignore[attr-defined]
    partner.save(update_fields=["cam", "updated_at"])
    hooks.partner_changed.call(partner=partner, by=by, fields=["cam"])
    return partner


STAFF_FIELDS = ("tier", "cam", "account_notes", "phone", "website", "description")


@transaction.atomic
def partner_fields_set(
    *, partner: Partner, by: User | None, data: dict[str, Any], reason: str = ""
) -> Partner:
    """Staff (or the system, ``by=None``: workflows) set partner fields (``STAFF_FIELDS``; ``tier`` a
    ``Tier``, ``cam`` a staff ``User`` or None). Validated; only fields that really change are saved,
    recorded in the history (with ``reason``) and announced with ``partner_changed``."""
    _require_staff(by)
    unknown = set(data) - set(STAFF_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    cam = data.get("cam")
    if cam is not None and not (cam.is_staff and cam.is_active):
        raise ValidationError({"cam": _("The channel account manager must be active staff.")})
    original = partner
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    changed = []
    for k, v in data.items():
        current = getattr(partner, f"{k}_id") if k in ("tier", "cam") else getattr(partner, k)
        new = (v.pk if v is not None else None) if k in ("tier", "cam") else v
        if current != new:
            changed.append(k)
            setattr(partner, k, v)
    if not changed:
        return partner
    _clean_only(partner, changed)
    partner._history_user = by  # type: ignore[attr-defined]
    if reason:
        partner._change_reason = reason[:100]  # type: ignore[attr-defined]
    partner.save(update_fields=[*changed, "updated_at"])
    for k in changed:  # the caller's instance stays current
        setattr(original, k, getattr(partner, k))
    hooks.partner_changed.call(partner=partner, by=by, fields=sorted(changed))
    return partner


CLASSIFICATION_PERM = "partners.change_partner"


def may_classify_partner(user: Any) -> bool:
    """Whether a staff member may change partners' tier, CAM, region and status.

    The roles that hold ``partners.change_partner`` (accounts/roles.py: channel account managers,
    PHD specialists, channel leadership, administrators); the others only read partners."""
    return bool(getattr(user, "is_staff", False) and user.has_perm(CLASSIFICATION_PERM))


@transaction.atomic
def partner_update_classification(
    *,
    partner: Partner,
    by: User,
    tier: Tier,
    cam: User | None,
    region: Region,
    status: str | None = None,
    reason: str = "",
) -> Partner:
    """Staff change a partner's tier, channel account manager, region and (optionally) status.

    Only what really changes is saved: the fields in the partner's history (with ``reason``), a
    status change as a ``PartnerStatusChange`` (allowed transitions only, ``reason`` as its note),
    both announced with ``partner_changed``. The CAM must be active staff with the CAM role; a
    partner can only move to a region that accepts partners."""
    if by is None or not may_classify_partner(by):
        raise NotAllowed(_("Your staff role does not allow changing partners."))
    errors: dict[str, str] = {}
    if cam is not None and not (cam.is_staff and cam.is_active and cam.has_role("cam")):
        errors["cam"] = _("The channel account manager must be active staff with the CAM role.")
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if region.pk != locked.region_id and not region.active:
        errors["region"] = _("This region is not accepting partners.")
    if status and status != locked.status:
        if status not in PartnerStatus.values:
            errors["status"] = _("Unknown status %(s)s.") % {"s": status}
        elif status not in PARTNER_TRANSITIONS[locked.status]:
            errors["status"] = _("A partner cannot go from %(a)s to %(b)s.") % {
                "a": locked.get_status_display(),
                "b": PartnerStatus(status).label,
            }
    if errors:
        raise ValidationError(errors)
    wanted = {"tier": tier, "cam": cam, "region": region}
    changed = [
        k for k, v in wanted.items() if getattr(locked, f"{k}_id") != (v.pk if v is not None else None)
    ]
    if changed:
        for k in changed:
            setattr(locked, k, wanted[k])
        locked.full_clean()
        locked._history_user = by  # type: ignore[attr-defined]
        if reason:
            locked._change_reason = reason[:100]  # type: ignore[attr-defined]
        locked.save(update_fields=[*changed, "updated_at"])
        for k in changed:  # the caller's instance stays current
            setattr(partner, k, getattr(locked, k))
        hooks.partner_changed.call(partner=locked, by=by, fields=sorted(changed))
    if status and status != locked.status:
        partner_set_status(partner=partner, to=status, by=by, note=reason)
    return partner


@transaction.atomic
def region_routing_set(*, region: Region, phd_specialist: User | None, by: User) -> RegionRouting:
    _require_staff(by)
    if phd_specialist is not None and not phd_specialist.is_staff:
        raise ValidationError({"phd_specialist": _("The PHD specialist must be staff.")})
    routing, _created = RegionRouting.objects.get_or_create(region=region)
    routing.phd_specialist = phd_specialist
    routing.save()
    return routing


@transaction.atomic
def contact_create(
    *,
    partner: Partner,
    first_name: str,
    last_name: str,
    email: str,
    title: str = "",
    phone: str = "",
    is_primary: bool = False,
    user: User | None = None,
    by: User | None = None,
    audit_as: User | None = None,
    reason: str = "",
) -> Contact:
    """Add a contact to a partner (``by``: the acting person, checked when given).

    ``audit_as`` (with ``by=None``): the system acts, recorded in the history as this staff
    account (the CRM sync user), with ``reason`` as the change reason."""
    if by is not None:
        _require_partner_admin(partner=partner, by=by, perm="partners.add_contact")
    _require_staff(audit_as)
    contact = Contact(
        partner=partner,
        first_name=first_name,
        last_name=last_name,
        email=email.lower(),
        title=title,
        phone=phone,
        is_primary=is_primary,
        user=user,
    )
    contact.full_clean()
    if by is not None or audit_as is not None:  # else the request's user, as simple-history finds it
        contact._history_user = by or audit_as  # type: ignore[attr-defined]
    if reason:
        contact._change_reason = reason[:100]  # type: ignore[attr-defined]
    contact.save()
    return contact


CONTACT_STAFF_FIELDS = ("phone", "title")


@transaction.atomic
def contact_fields_set(
    *, contact: Contact, by: User | None, data: dict[str, Any], reason: str = ""
) -> Contact:
    """Staff (or the system, ``by=None``) set a contact's phone and job title
    (``CONTACT_STAFF_FIELDS``; name and e-mail belong to the person's account). Validated; only
    fields that really change are saved and recorded in the history (with ``reason``)."""
    _require_staff(by)
    unknown = set(data) - set(CONTACT_STAFF_FIELDS)
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))}
        )
    original = contact
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changed = [k for k, v in data.items() if getattr(contact, k) != v]
    if not changed:
        return contact
    for k in changed:
        setattr(contact, k, data[k])
    contact.full_clean(exclude=[f.name for f in Contact._meta.fields if f.name not in set(changed)])
    contact._history_user = by  # type: ignore[attr-defined]
    if reason:
        contact._change_reason = reason[:100]  # type: ignore[attr-defined]
    contact.save(update_fields=changed)
    for k in changed:  # the caller's instance stays current
        setattr(original, k, getattr(contact, k))
    return contact


@transaction.atomic
def partner_person_add(
    *,
    partner: Partner,
    email: str,
    full_name: str,
    role: str = MembershipRole.USER,
    can_submit_requests: bool = False,
    by: User | None,
    password: str | None = None,
    email_verified: bool = False,
    invite: bool = True,
) -> PartnerMembership:
    """Add a person to a partner (user, membership, contact) and, by default, e-mail an invitation."""
    if by is not None:
        _require_partner_admin(partner=partner, by=by)
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Unknown role.")})
    if partner.status == PartnerStatus.TERMINATED:
        raise ValidationError(_("People cannot be added to a terminated partner."))
    user = user_create(email=email, full_name=full_name, password=password, email_verified=email_verified)
    membership = PartnerMembership.objects.create(
        user=user,
        partner=partner,
        role=role,
        can_submit_requests=can_submit_requests or role == MembershipRole.ADMIN,
    )
    first, _sp, last = full_name.strip().partition(" ")
    if not partner.contacts.filter(email=user.email).exists():
        contact_create(
            partner=partner,
            first_name=first or user.email,
            last_name=last or "-",
            email=user.email,
            user=user,
        )
    else:
        partner.contacts.filter(email=user.email).update(user=user)
    if invite:
        invitation_send(user=user, invited_by=by, context={"partner": partner})
    engagement_record(partner=partner, kind=EngagementKind.USER_ADDED, user=by, detail=user.email)
    hooks.partner_person_added.call(membership=membership, by=by)
    return membership


@transaction.atomic
def partner_person_deactivate(*, membership: PartnerMembership, by: User) -> PartnerMembership:
    """Deactivate a partner person (they can no longer sign in); an admin cannot remove the last admin."""
    _require_partner_admin(partner=membership.partner, by=by)
    if membership.user_id == by.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    if membership.is_admin:
        admins = PartnerMembership.objects.filter(
            partner=membership.partner, role=MembershipRole.ADMIN, user__is_active=True
        ).exclude(pk=membership.pk)
        if not admins.exists():
            raise ValidationError(_("A partner needs at least one active admin."))
    user = membership.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
    hooks.partner_person_changed.call(membership=membership, by=by, fields=["is_active"])
    return membership


@transaction.atomic
def partner_invitation_resend(*, membership: PartnerMembership, by: User) -> Any:
    """A partner admin (or staff) sends a new invitation to a colleague who has not accepted theirs."""
    from channelops.accounts.services import invitation_resend

    _require_partner_admin(partner=membership.partner, by=by)
    return invitation_resend(user=membership.user, by=by, context={"partner": membership.partner})


@transaction.atomic
def partner_invitation_cancel(*, membership: PartnerMembership, by: User) -> PartnerMembership:
    """A partner admin (or staff) cancels a colleague's pending invitation: the links stop working and
    the person is deactivated (shown as such on the users page; an admin can invite them again later
    under another address, or staff reactivate them)."""
    from channelops.accounts.services import invitation_cancel

    _require_partner_admin(partner=membership.partner, by=by)
    invitation_cancel(user=membership.user, by=by)
    user = membership.user
    user.is_active = False
    user._history_user = by  # type: ignore[attr-defined]
    user.save(update_fields=["is_active"])
    hooks.partner_person_changed.call(membership=membership, by=by, fields=["is_active"])
    return membership


def engagement_record(
    *, partner: Partner | int, kind: str, user: User | None = None, detail: str = ""
) -> None:
    """Record a partner action (cheap: one insert; rolled up by the hourly job)."""
    pid = partner if isinstance(partner, int) else partner.pk
    EngagementEvent.objects.create(partner_id=pid, kind=kind, user=user, detail=detail[:200])


def _points_case():
    from django.db.models import Case, IntegerField, Value, When

    return Case(
        *[When(kind=k, then=Value(w)) for k, w in ENGAGEMENT_WEIGHTS.items()],
        default=Value(1),
        output_field=IntegerField(),
    )


def engagement_rollup(*, since: date | None = None, now: datetime | None = None) -> dict[str, int]:
    """Recompute daily rollups from ``since`` (default: yesterday) and refresh every partner's score.

    Idempotent: rows are upserted per (partner, day). The score is the sum of the
    points of the last 90 days.
    """
    now = now or timezone.now()
    # Days are days of settings.TIME_ZONE, as TruncDate counts them — not the UTC date of `now`.
    today = timezone.localdate(now)
    since = since or today - timedelta(days=1)
    start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
    rows = (
        EngagementEvent.objects.filter(at__gte=start)
        .annotate(day=TruncDate("at"))
        .values("partner_id", "day")
        .annotate(
            events=Count("id"),
            points=Sum(_points_case()),
            sign_ins=Count("id", filter=Q(kind=EngagementKind.SIGN_IN)),
            downloads=Count("id", filter=Q(kind=EngagementKind.DOWNLOAD)),
            requests=Count("id", filter=Q(kind=EngagementKind.REQUEST)),
        )
    )
    objs = [EngagementDaily(**r) for r in rows.iterator(chunk_size=5000)]
    with transaction.atomic():
        EngagementDaily.objects.bulk_create(
            objs,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["partner", "day"],
            update_fields=["events", "points", "sign_ins", "downloads", "requests"],
        )
        window = today - timedelta(days=SCORE_WINDOW_DAYS)
        scores = dict(
            EngagementDaily.objects.filter(day__gt=window)
            .values("partner_id")
            .annotate(total=Sum("points"))
            .values_list("partner_id", "total")
        )
        changed = []
        for pid, old in Partner.objects.values_list("pk", "engagement_score").iterator(chunk_size=5000):
            new = int(scores.get(pid) or 0)
            if new != old:
                changed.append(Partner(pk=pid, engagement_score=new))
        Partner.objects.bulk_update(changed, ["engagement_score"], batch_size=1000)
    return {"days": len(objs), "scores_changed": len(changed)}


@transaction.atomic
def partner_review_record(*, partner: Partner, reviewed_on: date, notes: str, by: User | None) -> Partner:
    """Record a completed PHD account review (S9): sets Last PHD Review and replaces Account Notes.

    The previous notes stay in the partner's history (simple-history) and on each review.
    """
    _require_staff(by)
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if locked.last_phd_review is None or reviewed_on >= locked.last_phd_review:
        locked.last_phd_review = reviewed_on
    locked.account_notes = notes
    locked._history_user = by  # type: ignore[attr-defined]
    locked.save(update_fields=["last_phd_review", "account_notes", "updated_at"])
    partner.last_phd_review, partner.account_notes = locked.last_phd_review, locked.account_notes
    hooks.partner_changed.call(partner=locked, by=by, fields=["last_phd_review", "account_notes"])
    return locked
