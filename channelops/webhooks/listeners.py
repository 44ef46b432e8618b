"""Where webhooks listen: the domain events of ``channelops.core.events`` (published by the owning
services) and the partner and work hooks those apps already call."""

from __future__ import annotations

from typing import Any


def _partner_data(partner: Any) -> dict[str, Any]:
    return {
        "partner_id": partner.pk,
        "name": partner.legal_name,
        "status": partner.status,
        "tier": partner.tier.slug if partner.tier_id else None,
        "region": getattr(partner.region, "code", None) if partner.region_id else None,
        "cam_email": partner.cam.email if partner.cam_id else None,
        "crm_account_id": partner.crm_account_id or None,
    }


def partner_created(*, partner: Any, by: Any) -> None:
    from channelops.core.events import publish

    publish("partner.created", key=str(partner.pk), data=_partner_data(partner))


def partner_changed(*, partner: Any, by: Any, fields: Any) -> None:
    from channelops.core.events import publish

    publish(
        "partner.changed",
        key=str(partner.pk),
        data={**_partner_data(partner), "fields": sorted(fields or [])},
    )


def application_changed(*, application: Any, by: Any, new: bool) -> None:
    from channelops.core.events import publish

    if application.status not in ("approved", "rejected"):
        return
    publish(
        "application.decided",
        key=str(application.pk),
        data={
            "application_id": application.pk,
            "company": application.company_name,
            "decision": application.status,
            "partner_id": application.partner_id,
        },
    )


def work_item_changed(*, item: Any, by: Any, new: bool) -> None:
    from channelops.core.events import publish

    publish(
        "work_item.changed",
        key=str(item.pk),
        data={
            "work_item_id": item.pk,
            "title": item.title,
            "status": item.status,
            "partner_id": item.partner_id,
            "created": bool(new),
        },
    )


def register() -> None:
    from channelops.core.events import event_published
    from channelops.partners import hooks as partner_hooks
    from channelops.work import hooks as work_hooks

    from .services import event_fan_out

    event_published.register(event_fan_out)
    partner_hooks.partner_created.register(partner_created)
    partner_hooks.partner_changed.register(partner_changed)
    partner_hooks.application_changed.register(application_changed)
    work_hooks.work_item_changed.register(work_item_changed)
