"""What needs a partner's attention: features register items for the portal dashboard.

Each provider receives the partner and the person and returns a list of
``Attention`` items (title, detail, link). Providers must run a constant number
of queries whatever the data size.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channelops.core.attention import Attention, attention_for, register_attention  # noqa: F401 (re-exported)


def _pending_invitations(partner: Any, user: Any) -> list[Attention]:
    from channelops.accounts.models import Invitation

    n = Invitation.objects.filter(
        user__membership__partner=partner, accepted_at__isnull=True, expires_at__gt=timezone.now()
    ).count()
    if not n:
        return []
    return [
        Attention(
            title=ngettext(
                "%(n)d colleague has not accepted their invitation",
                "%(n)d colleagues have not accepted their invitations",
                n,
            )
            % {"n": n},
            detail=_("Remind them to check their e-mail."),
            url=reverse("portal:users"),
        )
    ]


def _profile_incomplete(partner: Any, user: Any) -> list[Attention]:
    missing = [
        label
        for field, label in (("website", _("website")), ("phone", _("phone")))
        if not getattr(partner, field)
    ]
    if not missing:
        return []
    return [
        Attention(
            title=_("Complete your company profile"),
            detail=_("Missing: %(fields)s.") % {"fields": ", ".join(missing)},
            url=reverse("portal:company"),
        )
    ]


def _not_active(partner: Any, user: Any) -> list[Attention]:
    if partner.status == "active":
        return []
    return [
        Attention(
            title=_("Your partnership is %(status)s") % {"status": partner.get_status_display().lower()},
            detail=_("Your channel account manager will contact you."),
            url=reverse("portal:company"),
        )
    ]


def register_defaults() -> None:
    for p in (_not_active, _profile_incomplete, _pending_invitations):
        register_attention(p)
