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


@receiver(user_logged_in)
def _remember_country_language(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """The language of the partner's country, for pages when neither the person's profile nor
    their browser names one (``core.i18n.request_language``): looked up once per sign-in."""
    from channelops.core.i18n import COUNTRY_LANGUAGE_SESSION_KEY, language_for_country

    from .models import Partner

    session = getattr(request, "session", None)
    pid = getattr(user, "partner_id", None)
    if session is None or not pid:
        return
    country = Partner.objects.filter(pk=pid).values_list("country", flat=True).first()
    language = language_for_country(country)
    if language:
        session[COUNTRY_LANGUAGE_SESSION_KEY] = language
    else:
        session.pop(COUNTRY_LANGUAGE_SESSION_KEY, None)
