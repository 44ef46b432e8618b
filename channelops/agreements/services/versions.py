"""Agreement versions: drafts, publication, and the re-acceptance prompts and reminders it starts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.models import OutboxMessage
from channelops.core.outbox import email_enqueue, outbox_enqueue, register_handler
from channelops.partners.models import Partner

from ..compliance import compliance_refresh
from ..models import AgreementTemplate, AgreementVersion, EventKind, VersionStatus
from ..querysets import State, reaccept_report
from ._common import (
    MANAGE_PERM,
    _admin_emails,
    _event,
    _link,
    _require_staff_perm,
    reaccept_days,
    reminder_days,
)


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
    # who must (re-)accept changed: the partner's rows for a custom version, everyone's otherwise
    compliance_refresh(partner_ids=[version.partner_id] if version.partner_id else None)
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
