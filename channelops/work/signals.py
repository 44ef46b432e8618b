"""Signals of the work app, and its receivers of partner events (journeys for new partner users)."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import Signal, receiver

from channelops.partners.signals import (
    partner_changed,
    partner_created,
    partner_person_added,
    partner_person_changed,
)

log = logging.getLogger(__name__)

# Sent after a work item is created or changed (kwargs: item, by, new). Notification rules and
# the GitLab mirror listen to it.
work_item_changed = Signal()


@receiver(partner_person_added)
def _assign_default_journeys(sender: Any, membership: Any, by: Any, **kwargs: Any) -> None:
    """Every new partner user gets the journeys marked "assign to every new partner user"."""
    from django.core.exceptions import ValidationError

    from .models import TemplateKind, WorkTemplate
    from .services import journey_assign

    for template in WorkTemplate.objects.filter(
        kind=TemplateKind.JOURNEY, assign_to_new_users=True, active=True
    ):
        try:
            journey_assign(template=template, partner=membership.partner, user=membership.user, by=None)
        except ValidationError as exc:  # e.g. nobody on staff can be its DRI yet
            log.warning("journey %s not assigned to %s: %s", template.slug, membership.user, exc)


# --- workflows (S4): connected after the default journeys, so a workflow assigning the same journey
# finds it open and does not assign it twice. ---------------------------------------------------------


@receiver(partner_created)
def _workflows_partner_created(sender: Any, partner: Any, by: Any = None, **kwargs: Any) -> None:
    from .models import WorkflowTrigger
    from .workflows import workflows_run

    workflows_run(trigger=WorkflowTrigger.PARTNER_CREATED, partner=partner, by=by)


@receiver(partner_changed)
def _workflows_partner_changed(
    sender: Any, partner: Any, by: Any = None, fields: Any = (), **kwargs: Any
) -> None:
    from .models import WorkflowTrigger
    from .workflows import workflows_run

    workflows_run(trigger=WorkflowTrigger.PARTNER_CHANGED, partner=partner, by=by, fields=fields)


@receiver(partner_person_added)
def _workflows_person_added(sender: Any, membership: Any, by: Any = None, **kwargs: Any) -> None:
    from .models import WorkflowTrigger
    from .workflows import workflows_run

    workflows_run(
        trigger=WorkflowTrigger.USER_CREATED, partner=membership.partner, membership=membership, by=by
    )


@receiver(partner_person_changed)
def _workflows_person_changed(
    sender: Any, membership: Any, by: Any = None, fields: Any = (), **kwargs: Any
) -> None:
    from .models import WorkflowTrigger
    from .workflows import workflows_run

    workflows_run(
        trigger=WorkflowTrigger.USER_CHANGED,
        partner=membership.partner,
        membership=membership,
        by=by,
        fields=fields,
    )
