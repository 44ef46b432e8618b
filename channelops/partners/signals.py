"""Sign-ins of partner people are engagement events."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import Signal, receiver

# Sent inside the service's transaction, so receivers' writes commit or roll back with it.
partner_created = Signal()  # kwargs: partner, by
partner_changed = Signal()  # kwargs: partner, by, fields (names of the changed fields)
partner_person_added = Signal()  # kwargs: membership, by
partner_person_changed = Signal()  # kwargs: membership, by, fields


@receiver(user_logged_in)
def _record_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .models import EngagementKind
    from .services import engagement_record

    pid = getattr(user, "partner_id", None)
    if pid:
        engagement_record(partner=pid, kind=EngagementKind.SIGN_IN, user=user)
