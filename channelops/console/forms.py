"""Choice lists for the console's filters, memoised per process (the directory's query count)."""

from __future__ import annotations

import time

from channelops.accounts.models import User
from channelops.partners.models import Program, Region, Tier

_CHOICES_TTL = 60.0
_choices_cache: dict[str, tuple[float, tuple]] = {}


def _choice_lists() -> tuple:
    """Regions, tiers, programs and CAMs for the filters, memoised per process for a minute."""
    hit = _choices_cache.get("lists")
    now = time.monotonic()
    if hit and now - hit[0] < _CHOICES_TTL:
        return hit[1]
    cams = User.objects.with_role("cam").order_by("full_name").values_list("pk", "full_name", "email")
    lists = (
        [(r.code, r.name) for r in Region.objects.all()],
        [(t.slug, t.name) for t in Tier.objects.all()],
        [(p.slug, p.name) for p in Program.objects.all()],
        [(str(pk), name or email) for pk, name, email in cams],
    )
    _choices_cache["lists"] = (now, lists)
    return lists


def clear_choice_cache() -> None:
    _choices_cache.clear()
