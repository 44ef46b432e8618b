"""Writes of MDF proposals (S8, issue 17): drafts, the CAM's alignment, routing, decisions, reservation.

Shared helpers used by the claims services too (claim_services.py): :func:`next_number`,
:func:`save_numbered` and :func:`event_add`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from .models import Claim, Event, Proposal

#: Number prefixes and the model numbered with each.
_NUMBERED: dict[str, type[models.Model]] = {"MDF": Proposal, "CLM": Claim}


class NotAllowed(Exception):
    """The person may not do this (a 403-style refusal with a message for them)."""


# --- shared helpers --------------------------------------------------------------------------------


def next_number(prefix: str) -> str:
    """The next free number for ``prefix`` ("MDF" → MDF-000124, "CLM" → CLM-000007)."""
    model = _NUMBERED[prefix]
    last = model._default_manager.filter(number__startswith=f"{prefix}-").aggregate(m=Max("number"))["m"]
    n = int(last.split("-", 1)[1]) + 1 if last else 1
    return f"{prefix}-{n:06d}"


def save_numbered(obj: Any, prefix: str) -> Any:
    """Give ``obj`` the next number and insert it, taking the next one if a concurrent save took it."""
    for _attempt in range(5):
        obj.number = next_number(prefix)
        try:
            with transaction.atomic():
                obj.save()
            return obj
        except IntegrityError:
            obj.pk = None
    raise IntegrityError(f"no free {prefix} number after 5 attempts")  # pragma: no cover


def event_add(
    proposal: Proposal,
    kind: str,
    *,
    actor: Any,
    comment: str = "",
    internal: bool = False,
    amount: Decimal | None = None,
    claim: Claim | None = None,
) -> Event:
    """Add one step to the proposal's timeline (``internal`` comments are staff-only)."""
    return Event.objects.create(
        proposal=proposal,
        claim=claim,
        kind=kind,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment or "",
        internal=internal,
        amount=amount,
        at=timezone.now(),
    )
