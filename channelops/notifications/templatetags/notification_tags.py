"""``{% notifications_unread as n %}``: the signed-in person's unread count, for the nav badge."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def notifications_unread(context: Any) -> int:
    """One COUNT on the partial index of unread rows; computed once per request."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is None or not getattr(user, "is_authenticated", False):
        return 0
    cached = getattr(request, "_notifications_unread", None)
    if cached is None:
        from channelops.notifications.models import Notification

        cached = Notification.objects.filter(user=user, read_at__isnull=True).count()
        request._notifications_unread = cached
    return cached
