"""Who a mailing or a portal notice is for: the audience filter shared by every kind.

An audience is a dict (stored on ``Mailing.audience`` and ``PortalNotice.audience``); every key is
optional and an empty or missing list means "any":

- ``partners``: partner ids; ``regions``: region codes; ``tiers``: tier slugs;
- ``programs``: program slugs (the partner types); ``roles``: ``admin`` / ``user`` (the person's
  role at the partner); ``languages``: language codes (the person's, or the subscriber's);
- ``signups`` (mailings only, default true): include confirmed sign-ups who are not portal users.
  Sign-ups are filtered by language only (they have no partner, region or tier).

Portal users count when they are active, belong to an active partner and, for a mailing, have not
unsubscribed from its topic. ``portal_users(audience)`` is the users' queryset (one query); the
recipient list of a mailing is built from it by ``build_audience`` in the audience part.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

AUDIENCE_KEYS = ("partners", "regions", "tiers", "programs", "roles", "languages", "signups")


def clean_audience(data: dict[str, Any] | None) -> dict[str, Any]:
    """Only the known keys, lists of strings (ids as ints), ``signups`` a bool."""
    data = data or {}
    out: dict[str, Any] = {}
    for key in AUDIENCE_KEYS:
        if key not in data:
            continue
        value = data[key]
        if key == "signups":
            out[key] = bool(value)
        elif key == "partners":
            out[key] = sorted({int(v) for v in value or []})
        else:
            out[key] = sorted({str(v) for v in value or [] if str(v)})
    return out


def portal_users_q(audience: dict[str, Any] | None, prefix: str = "") -> Q:
    """The Q over users (``prefix`` for a related path, e.g. ``user__``) of the audience's partner people."""
    a = clean_audience(audience)
    p = prefix
    q = Q(**{f"{p}is_active": True, f"{p}is_staff": False, f"{p}membership__partner__status": "active"})
    if a.get("partners"):
        q &= Q(**{f"{p}membership__partner_id__in": a["partners"]})
    if a.get("regions"):
        q &= Q(**{f"{p}membership__partner__region__code__in": a["regions"]})
    if a.get("tiers"):
        q &= Q(**{f"{p}membership__partner__tier__slug__in": a["tiers"]})
    if a.get("programs"):
        q &= Q(**{f"{p}membership__partner__programs__slug__in": a["programs"]})
    if a.get("roles"):
        q &= Q(**{f"{p}membership__role__in": a["roles"]})
    if a.get("languages"):
        q &= Q(**{f"{p}language__in": a["languages"]})
    return q


def portal_users(audience: dict[str, Any] | None) -> QuerySet:
    """Active partner people the audience names (distinct: a program filter joins several rows)."""
    qs = get_user_model().objects.filter(portal_users_q(audience))
    if clean_audience(audience).get("programs"):
        qs = qs.distinct()
    return qs


def user_matches(audience: dict[str, Any] | None, user: Any) -> bool:
    """Whether one partner person is in the audience (portal notices)."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_staff:
        return False
    return portal_users(audience).filter(pk=user.pk).exists()
