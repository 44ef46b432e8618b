"""Domain events for integrations (outgoing webhooks, docs/webhooks.md).

The service that owns a change publishes its event inside its transaction::

    publish("license.issued", key=str(license.pk), data={"license_id": ..., "partner_id": ...})

``key`` names the record; ``data`` is the event's JSON body (ids and the fields a receiver needs,
never secrets). Listeners (the webhooks app) register on :data:`event_published` and run in the
publishing transaction, so an event exists exactly when its change commits. Heavy work (HTTP
deliveries) goes to the outbox.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .hooks import Hook

EVENT_KINDS: dict[str, Any] = {
    "partner.created": _("Partner created"),
    "partner.changed": _("Partner changed (tier, region, status, CAM, profile)"),
    "application.decided": _("Partner application approved or rejected"),
    "agreement.accepted": _("Agreement accepted"),
    "nfr_request.decided": _("NFR request approved or rejected"),
    "license.issued": _("License issued"),
    "license.revoked": _("License revoked"),
    "badge.issued": _("Badge issued"),
    "badge.revoked": _("Badge revoked"),
    "review.completed": _("Account review completed"),
    "work_item.changed": _("Work item created or changed"),
    "mailing.sent": _("Partner Flash edition or other mailing sent"),
    "mailing.opened": _("Mailing opened by a recipient"),
    "mailing.clicked": _("Link in a mailing clicked"),
    "mailing.unsubscribed": _("Recipient unsubscribed"),
    "mailing.bounced": _("Mailing bounced"),
    "mailing.complained": _("Mailing reported as spam"),
    "mailing.feedback": _("Reader feedback on a mailing"),
}

event_published = Hook("event_published", "kind, key, data")


def publish(kind: str, *, key: str, data: dict[str, Any]) -> None:
    """Announce ``kind`` about the record ``key`` to the listeners, in the caller's transaction."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"Unknown event kind {kind!r}")
    event_published.call(kind=kind, key=key, data=data)
