"""Privileged permissions: a registry, the grant check and the "used" audit row.

A privileged permission (for example ``licensing.issue_license``) is never part of a role
group (see ``roles.PRIVILEGED``). Staff obtain it through an access request (justification,
manager approval; ``services.access_request_*``), and it is granted, used and revoked with an
audit trail (``AccessEvent``). See docs/access-requests.md.

The app that owns the permission registers it in its ``AppConfig.ready``::

    register_privilege("licensing.issue_license", label=_("Issue NFR licenses"), description=…)

and, where the privilege is exercised::

    if not has_privilege(user, "licensing.issue_license"):
        raise NotAllowed(...)
    ...
    privilege_used(user=user, perm="licensing.issue_license", detail=f"license {lic.pk}")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone


@dataclass(frozen=True)
class Privilege:
    perm: str  # "app_label.codename"
    label: str
    description: str


_REGISTRY: dict[str, Privilege] = {}


def register_privilege(perm: str, *, label: Any, description: Any) -> None:
    """Make ``perm`` requestable through access requests (idempotent: registering again replaces)."""
    app_label, _sep, codename = perm.partition(".")
    if not app_label or not codename or "." in codename:
        raise ValueError(f"A privileged permission is named 'app_label.codename', not {perm!r}.")
    _REGISTRY[perm] = Privilege(perm=perm, label=str(label), description=str(description))


def privileges() -> dict[str, Privilege]:
    """The registered privileges, by permission name (a copy, sorted by label)."""
    return dict(sorted(_REGISTRY.items(), key=lambda kv: kv[1].label.lower()))


def has_privilege(user: Any, perm: str) -> bool:
    """True when ``user`` is active staff holding an unexpired, unrevoked grant of ``perm``.
    Superusers too need a grant: they may approve someone else's request, never skip their own.
    One query at most; it reads the grants, never a permission cache (nor ``is_superuser``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not user.is_staff:
        return False
    from .models import AccessRequest

    return AccessRequest.objects.active_grants().filter(user_id=user.pk, perm=perm).exists()


def privilege_used(*, user: Any, perm: str, detail: str) -> None:
    """Record that ``user`` exercised ``perm`` (call inside the caller's transaction, once per use)."""
    from .models import AccessEvent, AccessEventKind, AccessRequest

    grant = AccessRequest.objects.active_grants().filter(user_id=user.pk, perm=perm).order_by("-pk").first()
    AccessEvent.objects.create(
        request=grant,
        user=user,
        perm=perm,
        kind=AccessEventKind.USED,
        by=user,
        at=timezone.now(),
        detail=detail[:1000],
    )
