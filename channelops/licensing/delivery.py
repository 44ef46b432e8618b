"""Delivering an issued license (S7 step 4): each step an outbox message, once.

:func:`delivery_queue` runs inside the approval's transaction and writes one outbox message per
step, each with an idempotency key derived from the license id — so a second approval, a
retried request or a crashed worker cannot add or lose a step:

1. ``license_emailed``: the license file, attached, to the license contact (who need not be a
   portal user);
2. ``crm_logged``: the e-mail as an activity under the contact in the CRM (kind
   ``crm.activity``; subject "E-mail: Ultimate NFR license key for <address>", the request's
   reference number) — the CRM sync (issue 13) consumes it;
3. ``encouragement_sent`` (only when approved without a certified employee): the editable
   encouragement e-mail to the license contact and the CAM;
4. ``requester_informed``: the requester (or, for a CAM's request, the CAM and the partner's
   admins) is told the license was sent.

When the worker has performed a step, its handler records the step on the request's timeline
(once: the event is keyed by the step and its detail).
"""

from __future__ import annotations

from typing import Any

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from channelops.core.crm import crm_enabled, crm_placeholder
from channelops.core.emails import render_email
from channelops.core.i18n import common_language
from channelops.core.links import absolute_url
from channelops.core.models import OutboxMessage
from channelops.core.outbox import outbox_enqueue, register_handler, send_email_message
from channelops.partners.models import Contact

from .defaults import ENCOURAGEMENT
from .messages import message_template, render_message_for
from .models import License, NfrRequest, Plan, RequestEvent

EMAIL_KIND = "licensing.email"
CRM_KIND = "crm.activity"
LICENSE_MIMETYPE = "application/x-channelops-license"

STEP_LICENSE = "license_emailed"
STEP_CRM = "crm_logged"
STEP_ENCOURAGEMENT = "encouragement_sent"
STEP_REQUESTER = "requester_informed"


def delivery_keys(license_id: Any) -> dict[str, str]:
    """The outbox idempotency key prefixes of a license's delivery steps."""
    return {
        STEP_LICENSE: f"nfr-license:{license_id}",
        STEP_CRM: f"nfr-crm:{license_id}",
        STEP_ENCOURAGEMENT: f"nfr-encourage:{license_id}",
        STEP_REQUESTER: f"nfr-informed:{license_id}",
    }


def crm_subject(*, plan: str, email: str) -> str:
    """ "E-mail: Ultimate NFR license key for alex@example.com" (English: it is a CRM record)."""
    with translation.override("en"):
        label = str(Plan(plan).label) if plan in Plan.values else plan
    return f"E-mail: {label} NFR license key for {email}"


_link = absolute_url


def _email_step(
    *,
    req: NfrRequest,
    step: str,
    key: str,
    to: list[str],
    rendered: dict[str, str],
    detail: str,
    attachments: list[dict[str, str]] | None = None,
) -> OutboxMessage | None:
    to = sorted({a for a in to if a})
    if not to:
        return None
    payload: dict[str, Any] = {
        "to": to,
        **rendered,
        "request_id": req.pk,
        "step": step,
        "detail": detail,
    }
    if attachments:
        payload["attachments"] = attachments
    return outbox_enqueue(kind=EMAIL_KIND, key=key, payload=payload, topic=f"partner:{req.partner_id}")


def delivery_queue(*, request: NfrRequest, license: License) -> list[OutboxMessage]:
    """Queue every delivery step of ``license`` (call inside the approval's transaction)."""
    from .services import _partner_side  # the requesting side, as for every other request e-mail

    req, lic = request, license
    keys = delivery_keys(lic.id)
    partner = req.partner
    ctx = {
        "req": req,
        "lic": lic,
        "partner": partner,
        "note": lic.payload.get("note", ""),
        "verify_url": absolute_url("/licenses/keys.json"),
    }
    out: list[OutboxMessage | None] = []
    license_mail = render_email("licensing/email/license", ctx, language=common_language([lic.contact_email]))
    out.append(
        _email_step(
            req=req,
            step=STEP_LICENSE,
            key=keys[STEP_LICENSE],
            to=[lic.contact_email],
            rendered=license_mail,
            detail=lic.contact_email,
            attachments=[{"filename": lic.filename, "content": lic.file_text, "mimetype": LICENSE_MIMETYPE}],
        )
    )
    contact = (
        Contact.objects.filter(partner_id=partner.pk, email__iexact=lic.contact_email)
        .only("pk", "crm_contact_id")
        .first()
    )
    activity = {
        "type": "email",
        "subject": crm_subject(plan=lic.plan, email=lic.contact_email),
        "reference": req.reference,
        "who_email": lic.contact_email,
        "who_name": req.contact_name,
        "crm_contact_id": getattr(contact, "crm_contact_id", "") or "",
        "partner_id": partner.pk,
        "crm_account_id": partner.crm_account_id,
        "license_id": str(lic.id),
        "date": timezone.now().isoformat(),
        "body": license_mail["text"],
    }
    out.append(
        outbox_enqueue(
            kind=CRM_KIND,
            key=keys[STEP_CRM],
            payload={
                "request_id": req.pk,
                "step": STEP_CRM,
                "detail": activity["subject"],
                "activity": activity,
            },
            topic=f"partner:{partner.pk}",
        )
    )
    if req.encouraged:
        tpl = message_template(ENCOURAGEMENT)
        cam = partner.cam if partner.cam_id else None
        sender = req.decided_by.get_full_name() if req.decided_by else ""
        to = [lic.contact_email] + ([cam.email] if cam is not None and cam.is_active else [])
        language = common_language(to)
        with translation.override(language):
            help_desk = _("The Partner Help Desk")
            expires = formats.date_format(lic.expires, "SHORT_DATE_FORMAT")
        rendered = render_message_for(
            tpl,
            {
                "contact_name": req.contact_name,
                "contact_email": lic.contact_email,
                "partner": partner.legal_name,
                "cam": cam.get_full_name() if cam else "",
                "sender": sender or help_desk,
                "reference": req.reference,
                "plan": lic.get_plan_display(),
                "users": lic.users,
                "expires": expires,
                "portal_url": _link("portal:dashboard"),
            },
            language,
        )
        out.append(
            _email_step(
                req=req,
                step=STEP_ENCOURAGEMENT,
                key=keys[STEP_ENCOURAGEMENT],
                to=to,
                rendered=rendered,
                detail=", ".join(sorted(set(to))),
            )
        )
    partner_people, staff = _partner_side(req)
    for to, page, suffix in (
        (partner_people, "portal:nfr_request", ""),
        (staff, "console:nfr_request", "-staff"),
    ):
        out.append(
            _email_step(
                req=req,
                step=STEP_REQUESTER,
                key=keys[STEP_REQUESTER] + suffix,
                to=to,
                rendered=render_email(
                    "licensing/email/approved",
                    {**ctx, "link": _link(page, req.pk)},
                    language=common_language(to),
                ),
                detail=", ".join(sorted(set(to))),
            )
        )
    return [m for m in out if m is not None]


def delivery_status(license: License | None) -> list[OutboxMessage]:
    """The outbox messages of a license's delivery, in step order (for the review page)."""
    if license is None:
        return []
    prefixes = delivery_keys(license.id)
    order = list(prefixes)
    rows = list(
        OutboxMessage.objects.filter(
            idempotency_key__startswith="nfr-", topic=f"partner:{license.partner_id}"
        )
        .filter(idempotency_key__in=[*prefixes.values(), prefixes[STEP_REQUESTER] + "-staff"])
        .only("pk", "kind", "idempotency_key", "status", "attempts", "sent_at", "last_error", "payload")
    )
    return sorted(rows, key=lambda m: (order.index(m.payload.get("step", STEP_REQUESTER)), m.pk))


def _record_step(msg: OutboxMessage, detail: str) -> None:
    """The step's event on the request's timeline, once (a redelivery does not add a second)."""
    p = msg.payload
    RequestEvent.objects.get_or_create(
        request_id=p["request_id"], kind=p["step"], detail=detail[:500], defaults={"by": None}
    )


@register_handler(EMAIL_KIND)
def deliver_license_email(msg: OutboxMessage) -> None:
    send_email_message(msg)
    _record_step(msg, msg.payload.get("detail", ""))


@register_handler(CRM_KIND)
def deliver_crm_activity(msg: OutboxMessage) -> None:
    """Until the CRM sync (issue 13) replaces this handler: see :mod:`channelops.core.crm`."""
    crm_placeholder(msg)
    detail = msg.payload.get("detail", "")
    if not crm_enabled():
        detail = f"{detail} (no CRM connected: recorded here only)"
    _record_step(msg, detail)
