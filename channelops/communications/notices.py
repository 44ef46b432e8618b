"""Portal notices: shown on the portal home to the partner people of their audience between two
dates, until each person dismisses theirs (docs/communications-other.md).

``notices_for(user)`` reads the notices of the portal home in a constant number of queries (the
current undismissed notices in one; the person's partner programs in one more, only when a notice
filters by program), matching each notice's audience against the person in Python with the same
rules as ``audience.portal_users``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channelops.accounts.models import User
from channelops.core.exceptions import NotAllowed

from .audience import clean_audience
from .models import NoticeDismissal, PortalNotice
from .querysets import MANAGE_NOTICE

FIELDS = ("title", "body", "link_url", "link_label", "urgent", "audience", "starts_on", "ends_on")


def _require(by: User) -> None:
    if not (by.is_active and by.is_staff and by.has_perm(MANAGE_NOTICE)):
        raise NotAllowed(_("Your role may not publish portal notices."))


def _check(n: PortalNotice) -> None:
    errors: dict[str, str] = {}
    if not n.title.strip():
        errors["title"] = _("Give the notice a title.")
    if n.starts_on is None:
        errors["starts_on"] = _("Choose the first day the notice is shown.")
    if n.ends_on is None:
        errors["ends_on"] = _("Choose the last day the notice is shown.")
    elif n.starts_on is not None and n.ends_on < n.starts_on:
        errors["ends_on"] = _("The last day cannot be before the first day (%(d)s).") % {
            "d": n.starts_on.isoformat()
        }
    if n.link_label and not n.link_url:
        errors["link_url"] = _("Give the link's address, or leave the link text empty.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def notice_save(*, notice: PortalNotice | None, data: dict[str, Any], by: User) -> PortalNotice:
    """Create (``notice=None``) or change a notice. The audience has no sign-ups (portal people only)."""
    _require(by)
    n = (
        PortalNotice(created_by=by)
        if notice is None
        else PortalNotice.objects.select_for_update().get(pk=notice.pk)
    )
    for name in FIELDS:
        if name in data:
            value = data[name]
            if name == "audience":
                value = {k: v for k, v in clean_audience(value).items() if k != "signups"}
            elif isinstance(value, str):
                value = value.strip()
            setattr(n, name, value)
    _check(n)
    n.save()
    return n


@transaction.atomic
def notice_delete(*, notice: PortalNotice, by: User) -> None:
    _require(by)
    PortalNotice.objects.filter(pk=notice.pk).delete()


def _facts(user: Any) -> dict[str, Any] | None:
    """What the audience filter looks at, from the person's membership (loaded by the portal pages)."""
    if user is None or not user.is_authenticated or not user.is_active or user.is_staff:
        return None
    m = user.partner_membership
    if m is None or m.partner.status != "active":
        return None
    p = m.partner
    return {
        "partner": p.pk,
        "region": p.region.code if p.region_id else None,
        "tier": p.tier.slug if p.tier_id else None,
        "role": m.role,
        "language": user.language,
        "partner_obj": p,
    }


def _matches(audience: dict[str, Any], facts: dict[str, Any], programs: Any) -> bool:
    a = clean_audience(audience)
    checks = (
        ("partners", facts["partner"]),
        ("regions", facts["region"]),
        ("tiers", facts["tier"]),
        ("roles", facts["role"]),
        ("languages", facts["language"]),
    )
    for key, value in checks:
        if a.get(key) and value not in a[key]:
            return False
    return not (a.get("programs") and not set(a["programs"]) & programs())


def notices_for(user: Any, today: Any = None) -> list[PortalNotice]:
    """The current notices addressed to ``user`` that they have not dismissed, urgent first."""
    facts = _facts(user)
    if facts is None:
        return []
    rows = list(
        PortalNotice.objects.current(today)
        .exclude(dismissals__user=user)
        .order_by("-urgent", "-starts_on", "-pk")
    )
    cache: dict[str, set[str]] = {}

    def programs() -> set[str]:
        if "p" not in cache:
            cache["p"] = set(facts["partner_obj"].programs.values_list("slug", flat=True))
        return cache["p"]

    return [n for n in rows if _matches(n.audience, facts, programs)]


def addressed_to(notice: PortalNotice, user: Any, today: Any = None) -> bool:
    """Whether ``notice`` is current and addressed to ``user`` (dismissed or not)."""
    facts = _facts(user)
    if facts is None:
        return False
    today = today or timezone.localdate()
    if not (notice.starts_on <= today <= notice.ends_on):
        return False
    return _matches(
        notice.audience, facts, lambda: set(facts["partner_obj"].programs.values_list("slug", flat=True))
    )


@transaction.atomic
def notice_dismiss(*, notice: PortalNotice, user: User) -> None:
    """The person hides the notice for good (a second dismissal changes nothing)."""
    if not addressed_to(notice, user):
        raise NotAllowed(_("This notice is not addressed to you."))
    if NoticeDismissal.objects.filter(notice=notice, user=user).exists():
        return
    try:
        with transaction.atomic():
            NoticeDismissal.objects.create(notice=notice, user=user)
    except IntegrityError:
        return
