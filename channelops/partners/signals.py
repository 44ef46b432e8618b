"""Sign-ins of partner people are engagement events."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in)
def _record_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from .models import EngagementKind
    from .services import engagement_record

    pid = getattr(user, "partner_id", None)
    if pid:
        engagement_record(partner=pid, kind=EngagementKind.SIGN_IN, user=user)
