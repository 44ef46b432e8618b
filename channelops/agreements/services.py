"""Writes for agreements: versions, acceptance, region exceptions, legal requests, re-accept prompts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed
from channelops.core.links import absolute_url
from channelops.core.models import OutboxMessage
from channelops.core.outbox import email_enqueue, outbox_enqueue, register_handler
from channelops.notifications.hooks import legal_request_changed, region_exception_changed
from channelops.partners.models import Partner, PartnerMembership, PartnerStatus, Region

from .models import (
    Acceptance,
    AgreementEvent,
    AgreementTemplate,
    AgreementVersion,
    EventKind,
    ExceptionStatus,
    LegalComment,
    LegalRequest,
    LegalStatus,
    RegionException,
    VersionStatus,
    content_hash,
)
from .querysets import (
    State,
    covered_region_codes,
    current_version_for,
    partner_agreement_rows,
    reaccept_report,
)

MANAGE_PERM = "agreements.add_agreementversion"
LEGAL_PERM = "agreements.change_legalrequest"
DECIDE_REGION_PERM = "agreements.decide_regionexception"


def reaccept_days() -> int:
    return int(getattr(settings, "AGREEMENT_REACCEPT_DAYS", 30))


def reminder_days() -> int:
    return int(getattr(settings, "AGREEMENT_REMINDER_DAYS", 7))


_link = absolute_url


_admin_emails = PartnerMembership.objects.admin_emails


def _staff_emails(role: str) -> list[str]:
    return list(
        User.objects.filter(is_active=True, is_staff=True, groups__name=role)
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def _notify(to: list[str], template: str, context: dict[str, Any], *, key: str, partner_id: int) -> None:
    """Queue one e-mail about a partner to ``to`` (nothing when nobody is to be told)."""
    if to:
        email_enqueue(to=to, template=template, context=context, key=key, topic=f"partner:{partner_id}")


def _event(
    partner: Partner | None, kind: str, by: User | None, version: Any = None, detail: str = ""
) -> None:
    AgreementEvent.objects.create(partner=partner, kind=kind, by=by, version=version, detail=detail[:500])


def _require_staff_perm(by: User, perm: str) -> None:
    if not by.is_staff or not by.has_perm(perm):
        raise NotAllowed(_("Your role does not allow this."))


def _require_partner_admin(partner: Partner, by: User) -> None:
    m = by.partner_membership
    if by.is_staff or m is None or m.partner_id != partner.pk or not m.is_admin:
        raise NotAllowed(_("Only this partner's admins may do this."))


# --- versions ------------------------------------------------------------------------------------


@transaction.atomic
def version_create(
    *, template: AgreementTemplate, body: str, change_summary: str = "", by: User | None
) -> AgreementVersion:
    """Add a draft version (the next number) to a template."""
    if by is not None:
        _require_staff_perm(by, MANAGE_PERM)
    body = (body or "").replace("\r\n", "\n").strip() + "\n"
    if len(body.strip()) < 20:
        raise ValidationError({"body": _("The agreement text is too short.")})
    AgreementTemplate.objects.select_for_update().filter(pk=template.pk).first()
    number = (template.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = AgreementVersion(
        template=template,
        number=number,
        body=body,
        change_summary=change_summary.strip()[:500],
        created_by=by,
    )
    version.full_clean(exclude=["content_hash"])
    version._history_user = by  # type: ignore[attr-defined]
    version.save()
    return version


@transaction.atomic
def version_update_draft(
    *, version: AgreementVersion, body: str, change_summary: str = "", by: User
) -> AgreementVersion:
    _require_staff_perm(by, MANAGE_PERM)
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Published versions never change: create a new version instead."))
    version.body = (body or "").replace("\r\n", "\n").strip() + "\n"
    version.change_summary = change_summary.strip()[:500]
    version.full_clean(exclude=["content_hash"])
    version._history_user = by  # type: ignore[attr-defined]
    version.save()
    return version


@transaction.atomic
def version_publish(
    *, version: AgreementVersion, by: User | None, reaccept_by: date | None = None
) -> AgreementVersion:
    """Publish a draft: it becomes the text partners accept; earlier acceptors re-accept by the deadline.

    The prompts are e-mailed by the worker (one outbox row fans out, idempotently).
    """
    if by is not None:
        _require_staff_perm(by, MANAGE_PERM)
    version = AgreementVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("This version is already published."))
    newer = AgreementVersion.objects.filter(
        template=version.template,
        partner__isnull=True,
        status=VersionStatus.PUBLISHED,
        number__gt=version.number,
    )
    if version.partner_id is None and newer.exists():
        raise ValidationError(_("A newer version of this agreement is already published."))
    today = timezone.localdate()
    has_earlier = AgreementVersion.objects.filter(
        template=version.template, status=VersionStatus.PUBLISHED, partner__isnull=True
    ).exists()
    if has_earlier:
        reaccept_by = reaccept_by or today + timedelta(days=reaccept_days())
        if reaccept_by <= today:
            raise ValidationError({"reaccept_by": _("The re-acceptance deadline must be in the future.")})
    else:
        reaccept_by = None
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = by
    version.reaccept_by = reaccept_by
    version._history_user = by  # type: ignore[attr-defined]
    version.save()
    _event(
        version.partner,
        EventKind.PUBLISHED,
        by,
        version,
        _("%(v)s published%(d)s")
        % {"v": str(version), "d": f"; re-accept by {reaccept_by:%Y-%m-%d}" if reaccept_by else ""},
    )
    if version.partner_id is None and has_earlier:
        outbox_enqueue(
            kind="agreements.prompt_reaccept",
            key=f"agreement-publish:{version.pk}",
            payload={"version": version.pk},
            topic=f"agreement-version:{version.pk}",
        )
    return version


@register_handler("agreements.prompt_reaccept")
def _prompt_reaccept(msg: Any) -> None:
    """Fan out: one prompt e-mail per affected partner (idempotent keys; safe to run again)."""
    version = AgreementVersion.objects.select_related("template").get(pk=msg.payload["version"])
    agreement_prompts_send(version=version, kind="prompt")


def agreement_prompts_send(*, version: AgreementVersion, kind: str) -> int:
    """E-mail each partner that has not accepted ``version`` (its current one); ``kind``: prompt|soon|overdue."""
    sent = 0
    link = _link("portal:agreements")
    for row in reaccept_report(template_id=version.template_id):
        if row.current.pk != version.pk or row.state not in (State.DUE, State.OVERDUE):
            continue  # only partners that accepted an earlier version (not new ones, not negotiating)
        to = _admin_emails(row.partner_id)
        if not to:
            continue
        key = f"agreement-{kind}:{version.pk}:{row.partner_id}"
        if OutboxMessage.objects.filter(idempotency_key=key).exists():
            continue  # already told (a retry or a second run changes nothing)
        with transaction.atomic():
            email_enqueue(
                to=to,
                template=f"agreements/email/reaccept_{kind}",
                context={
                    "partner_name": row.partner_name,
                    "version": version,
                    "template": version.template,
                    "deadline": version.reaccept_by,
                    "link": link,
                },
                key=key,
                topic=f"partner:{row.partner_id}",
            )
            _event(
                Partner(pk=row.partner_id),
                EventKind.PROMPTED if kind == "prompt" else EventKind.REMINDED,
                None,
                version,
                _("E-mailed to %(to)s") % {"to": ", ".join(to)},
            )
        sent += 1
    return sent


def reaccept_reminders(*, today: date | None = None) -> dict[str, int]:
    """Daily: remind partners whose deadline is near, and once more when it has passed."""
    today = today or timezone.localdate()
    counts = {"soon": 0, "overdue": 0}
    versions = AgreementVersion.objects.published().filter(partner__isnull=True, reaccept_by__isnull=False)
    for v in versions.select_related("template"):
        if today <= v.reaccept_by <= today + timedelta(days=reminder_days()):
            counts["soon"] += agreement_prompts_send(version=v, kind="soon")
        elif v.reaccept_by < today <= v.reaccept_by + timedelta(days=reminder_days()):
            counts["overdue"] += agreement_prompts_send(version=v, kind="overdue")
    return counts


# --- acceptance ----------------------------------------------------------------------------------


@transaction.atomic
def agreement_accept(
    *,
    partner: Partner,
    version: AgreementVersion | int,
    submitted_hash: str,
    by: User,
    ip: str | None = None,
    user_agent: str = "",
) -> Acceptance:
    """Record a partner admin's click-through acceptance of the exact text they were shown."""
    _require_partner_admin(partner, by)
    partner = Partner.objects.select_for_update().select_related("region").get(pk=partner.pk)
    if partner.status != PartnerStatus.ACTIVE:
        raise ValidationError(_("Only active partners can accept agreements."))
    vid = version if isinstance(version, int) else version.pk
    rows = {r.current.pk: r for r in partner_agreement_rows(partner) if r.current is not None}
    row = rows.get(vid)
    if row is None:
        raise ValidationError(
            {"version": _("This is not the version your company is asked to accept. Reload the page.")}
        )
    current = row.current
    if submitted_hash != current.content_hash:
        raise ValidationError(
            {"content_hash": _("The text you accepted does not match the published text. Reload the page.")}
        )
    if row.accepted is not None and row.accepted.version_id == current.pk:
        raise ValidationError(_("Your company has already accepted this version."))
    acceptance = Acceptance(
        partner=partner,
        template_id=current.template_id,
        version=current,
        content_hash=content_hash(AgreementVersion.objects.values_list("body", flat=True).get(pk=current.pk)),
        accepted_by=by,
        accepted_by_name=by.get_full_name()[:150],
        accepted_by_email=by.email,
        ip_address=ip or None,
        user_agent=(user_agent or "")[:300],
        regions=",".join(covered_region_codes(partner)),
    )
    acceptance._history_user = by  # type: ignore[attr-defined]
    acceptance.save()
    _event(
        partner,
        EventKind.ACCEPTED,
        by,
        current,
        _("%(v)s accepted from %(ip)s") % {"v": current, "ip": ip or "?"},
    )
    if current.legal_request_id:
        LegalRequest.objects.filter(pk=current.legal_request_id, status=LegalStatus.OFFERED).update(
            status=LegalStatus.ACCEPTED, closed_at=timezone.now(), closed_by=by
        )
        _event(partner, EventKind.LEGAL_CLOSED, by, current, _("Custom version accepted"))
    email_enqueue(
        to=by.email,
        template="agreements/email/accepted",
        context={"acceptance": acceptance, "version": current, "partner": partner},
        key=f"agreement-accepted:{acceptance.pk}",
        topic=f"partner:{partner.pk}",
    )
    return acceptance


def acceptance_edit_refused(*, acceptance: Acceptance, by: User | None, how: str) -> None:
    """Record an attempt to change evidence (the change itself is refused elsewhere)."""
    _event(
        acceptance.partner,
        EventKind.EDIT_REFUSED,
        by,
        acceptance.version,
        _("Attempt to change acceptance #%(pk)s via %(how)s refused") % {"pk": acceptance.pk, "how": how},
    )


# --- region exceptions ---------------------------------------------------------------------------


@transaction.atomic
def region_exception_request(
    *, partner: Partner, regions: list[Region], justification: str, by: User
) -> RegionException:
    """A partner admin asks for its agreement to cover more regions; channel leadership decides."""
    _require_partner_admin(partner, by)
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Explain why your company needs more than one region.")})
    if not regions:
        raise ValidationError({"regions": _("Choose at least one additional region.")})
    covered = set(covered_region_codes(partner))
    for r in regions:
        if not r.active:
            raise ValidationError({"regions": _("%(r)s is not accepting partners.") % {"r": r}})
        if r.code in covered:
            raise ValidationError({"regions": _("Your agreement already covers %(r)s.") % {"r": r}})
    if RegionException.objects.filter(partner=partner, status=ExceptionStatus.PENDING).exists():
        raise ValidationError(_("Your company already has a region request waiting for a decision."))
    exc = RegionException(partner=partner, justification=justification[:5000], requested_by=by)
    exc._history_user = by  # type: ignore[attr-defined]
    exc.save()
    exc.regions.set(regions)
    codes = ", ".join(r.code for r in regions)
    _event(partner, EventKind.REGION_REQUESTED, by, None, codes)
    to = _staff_emails("channel_leadership")
    _notify(
        to,
        "agreements/email/region_requested",
        {
            "exception": exc,
            "partner": partner,
            "codes": codes,
            "link": _link("console:region_exception", exc.pk),
        },
        key=f"region-exception-requested:{exc.pk}",
        partner_id=partner.pk,
    )
    region_exception_changed(exc, by=by, new=True)
    return exc


@transaction.atomic
def region_exception_decide(
    *, exception: RegionException, approve: bool, note: str = "", by: User
) -> RegionException:
    """Channel leadership approves or denies; the partner's admins are told."""
    _require_staff_perm(by, DECIDE_REGION_PERM)
    exc = RegionException.objects.select_for_update().select_related("partner").get(pk=exception.pk)
    if exc.status != ExceptionStatus.PENDING:
        raise ValidationError(_("This request was already %(s)s.") % {"s": exc.get_status_display().lower()})
    if not approve and not note.strip():
        raise ValidationError({"note": _("Give the partner a reason for the denial.")})
    exc.status = ExceptionStatus.APPROVED if approve else ExceptionStatus.DENIED
    exc.decided_by = by
    exc.decided_at = timezone.now()
    exc.decision_note = note.strip()[:5000]
    exc._history_user = by  # type: ignore[attr-defined]
    exc.save()
    codes = ", ".join(exc.regions.values_list("code", flat=True))
    _event(exc.partner, EventKind.REGION_DECIDED, by, None, f"{exc.get_status_display()}: {codes}")
    to = _admin_emails(exc.partner)
    _notify(
        to,
        "agreements/email/region_decided",
        {
            "exception": exc,
            "partner": exc.partner,
            "codes": codes,
            "link": _link("portal:agreements"),
        },
        key=f"region-exception-decided:{exc.pk}",
        partner_id=exc.partner_id,
    )
    region_exception_changed(exc, by=by, new=False)
    return exc


# --- legal requests ------------------------------------------------------------------------------


@transaction.atomic
def legal_request_open(
    *, partner: Partner, template: AgreementTemplate, proposed_changes: str, by: User
) -> LegalRequest:
    """A partner admin who won't accept the terms as they are proposes changes."""
    _require_partner_admin(partner, by)
    proposed_changes = (proposed_changes or "").strip()
    if not proposed_changes:
        raise ValidationError({"proposed_changes": _("Describe the changes your company proposes.")})
    rows = {r.template.pk: r for r in partner_agreement_rows(partner)}
    row = rows.get(template.pk)
    if row is None or row.current is None:
        raise ValidationError({"template": _("This agreement does not apply to your company.")})
    if LegalRequest.objects.open().filter(partner=partner, template=template).exists():
        raise ValidationError(_("A legal request for this agreement is already open."))
    lr = LegalRequest(
        partner=partner,
        template=template,
        version=row.current,
        proposed_changes=proposed_changes[:20000],
        opened_by=by,
    )
    lr._history_user = by  # type: ignore[attr-defined]
    lr.save()
    _event(partner, EventKind.LEGAL_OPENED, by, row.current, str(template))
    to = _staff_emails("legal")
    _notify(
        to,
        "agreements/email/legal_opened",
        {"request": lr, "partner": partner, "link": _link("console:legal_request", lr.pk)},
        key=f"legal-opened:{lr.pk}",
        partner_id=partner.pk,
    )
    legal_request_changed(lr, by=by, event="opened")
    return lr


def _may_discuss(lr: LegalRequest, by: User) -> bool:
    if by.is_staff:
        return by.has_perm(LEGAL_PERM)
    m = by.partner_membership
    return m is not None and m.partner_id == lr.partner_id


@transaction.atomic
def legal_comment_add(*, request: LegalRequest, body: str, by: User) -> LegalComment:
    if not _may_discuss(request, by):
        raise NotAllowed(_("You may not comment on this legal request."))
    lr = LegalRequest.objects.select_for_update().select_related("partner").get(pk=request.pk)
    if not lr.is_open:
        raise ValidationError(_("This legal request is closed."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    comment = LegalComment.objects.create(request=lr, author=by, body=body[:20000])
    _event(lr.partner, EventKind.LEGAL_COMMENT, by, lr.version, body[:200])
    if by.is_staff:
        to, link = _admin_emails(lr.partner), _link("portal:legal_request", lr.pk)
    else:
        to, link = _staff_emails("legal"), _link("console:legal_request", lr.pk)
    _notify(
        to,
        "agreements/email/legal_comment",
        {"request": lr, "comment": comment, "partner": lr.partner, "link": link},
        key=f"legal-comment:{comment.pk}",
        partner_id=lr.partner_id,
    )
    legal_request_changed(lr, by=by, event="comment")
    return comment


@transaction.atomic
def legal_custom_version_offer(
    *, request: LegalRequest, body: str, by: User, note: str = ""
) -> AgreementVersion:
    """Legal offers a custom text for this partner; it becomes the partner's version to accept."""
    _require_staff_perm(by, LEGAL_PERM)
    lr = LegalRequest.objects.select_for_update().select_related("partner", "template").get(pk=request.pk)
    if not lr.is_open:
        raise ValidationError(_("This legal request is closed."))
    version = version_create(
        template=lr.template, body=body, change_summary=note or _("Negotiated terms"), by=None
    )
    version.partner = lr.partner
    version.legal_request = lr
    version.save(update_fields=["partner", "legal_request"])
    version_publish(version=version, by=None)
    AgreementVersion.objects.filter(pk=version.pk).update(published_by=by, created_by=by)
    lr.status = LegalStatus.OFFERED
    lr._history_user = by  # type: ignore[attr-defined]
    lr.save(update_fields=["status"])
    _event(lr.partner, EventKind.LEGAL_OFFERED, by, version, str(version))
    to = _admin_emails(lr.partner)
    _notify(
        to,
        "agreements/email/legal_offered",
        {
            "request": lr,
            "version": version,
            "partner": lr.partner,
            "link": _link("portal:agreements"),
        },
        key=f"legal-offered:{version.pk}",
        partner_id=lr.partner_id,
    )
    legal_request_changed(lr, by=by, event="offered")
    return version


@transaction.atomic
def legal_request_withdraw(*, request: LegalRequest, by: User, note: str = "") -> LegalRequest:
    """Close without a custom version (the partner withdraws, or legal closes it)."""
    if by.is_staff:
        _require_staff_perm(by, LEGAL_PERM)
    else:
        _require_partner_admin(request.partner, by)
    lr = LegalRequest.objects.select_for_update().select_related("partner").get(pk=request.pk)
    if not lr.is_open:
        raise ValidationError(_("This legal request is already closed."))
    lr.status = LegalStatus.WITHDRAWN
    lr.closed_by = by
    lr.closed_at = timezone.now()
    lr.outcome_note = note.strip()[:5000]
    lr._history_user = by  # type: ignore[attr-defined]
    lr.save()
    _event(lr.partner, EventKind.LEGAL_CLOSED, by, lr.version, _("Withdrawn") + (f": {note}" if note else ""))
    legal_request_changed(lr, by=by, event="withdrawn")
    return lr


__all__ = [
    "agreement_accept",
    "agreement_prompts_send",
    "current_version_for",
    "legal_comment_add",
    "legal_custom_version_offer",
    "legal_request_open",
    "legal_request_withdraw",
    "reaccept_reminders",
    "region_exception_decide",
    "region_exception_request",
    "version_create",
    "version_publish",
    "version_update_draft",
]
