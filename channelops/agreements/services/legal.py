"""Legal requests: a partner proposes changes, the discussion, legal's custom version, withdrawal."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed
from channelops.notifications.hooks import legal_request_changed
from channelops.partners.models import Partner

from ..compliance import compliance_refresh
from ..models import AgreementTemplate, AgreementVersion, EventKind, LegalComment, LegalRequest, LegalStatus
from ..querysets import partner_agreement_rows
from ._common import (
    LEGAL_PERM,
    _admin_emails,
    _event,
    _link,
    _notify,
    _require_partner_admin,
    _require_staff_perm,
    _staff_emails,
)
from .versions import version_create, version_publish


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
    compliance_refresh(partner_ids=[partner.pk])
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
    compliance_refresh(partner_ids=[lr.partner_id])
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
    compliance_refresh(partner_ids=[lr.partner_id])
    legal_request_changed(lr, by=by, event="withdrawn")
    return lr
