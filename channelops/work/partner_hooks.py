"""What the work app does on the partners app's changes (``channelops.partners.hooks``): default
journeys for new partner users, and the workflows (S4). Registered by ``register()`` from
``WorkConfig.ready``; each function runs inside the partner service's transaction."""

from __future__ import annotations

import logging
from typing import Any

from channelops.partners import hooks

log = logging.getLogger(__name__)


def _assign_default_journeys(*, membership: Any, by: Any = None, **kwargs: Any) -> None:
    """Every new partner user gets the journeys marked "assign to every new partner user"."""
    from django.core.exceptions import ValidationError

    from .models import TemplateKind, WorkTemplate
    from .services.templates import journey_assign

    for template in WorkTemplate.objects.filter(
        kind=TemplateKind.JOURNEY, assign_to_new_users=True, active=True
    ):
        try:
            journey_assign(template=template, partner=membership.partner, user=membership.user, by=None)
        except ValidationError as exc:  # e.g. nobody on staff can be its DRI yet
            log.warning("journey %s not assigned to %s: %s", template.slug, membership.user, exc)


# --- workflows (S4): registered after the default journeys, so a workflow assigning the same journey
# finds it open and does not assign it twice. ---------------------------------------------------------


def _workflows_partner_created(*, partner: Any, by: Any = None, **kwargs: Any) -> None:
    from .models import WorkflowTrigger
    from .workflows import workflows_run

    workflows_run(trigger=WorkflowTrigger.PARTNER_CREATED, partner=partner, by=by)


def _workflows_partner_changed(*, partner: Any, by: Any = None, fields: Any = (), **kwargs: Any) -> None:
    from .models import WorkflowTrigger
    from .workflows import workflows_run

    workflows_run(trigger=WorkflowTrigger.PARTNER_CHANGED, partner=partner, by=by, fields=fields)


def _workflows_person_added(*, membership: Any, by: Any = None, **kwargs: Any) -> None:
    from .models import WorkflowTrigger
    from .workflows import workflows_run

    workflows_run(
        trigger=WorkflowTrigger.USER_CREATED, partner=membership.partner, membership=membership, by=by
    )


def _workflows_person_changed(*, membership: Any, by: Any = None, fields: Any = (), **kwargs: Any) -> None:
    from .models import WorkflowTrigger
    from .workflows import workflows_run

    workflows_run(
        trigger=WorkflowTrigger.USER_CHANGED,
        partner=membership.partner,
        membership=membership,
        by=by,
        fields=fields,
    )


def register() -> None:
    """Register on the partners app's hooks (``WorkConfig.ready``); the order matters (above)."""
    hooks.partner_person_added.register(_assign_default_journeys)
    hooks.partner_created.register(_workflows_partner_created)
    hooks.partner_changed.register(_workflows_partner_changed)
    hooks.partner_person_added.register(_workflows_person_added)
    hooks.partner_person_changed.register(_workflows_person_changed)
