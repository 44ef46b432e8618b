"""The navigation of the portal and the console, as data.

Each app registers its entries in ``AppConfig.ready`` with :func:`register_nav`; the shell
(``core/templates/core/shell.html``) shows, grouped by area, only the entries the person may
open: an entry is visible when ``perm`` is held (if given) and ``visible(user)`` is true (if
given). The navigation test opens every visible entry as every role and expects 200, so the
predicates here must say what the views check.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Count, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.functional import Promise

PORTAL = "portal"
CONSOLE = "console"

# The groups of each area, in display order: key -> label (lazy translated strings).
_GROUPS: dict[str, list[tuple[str, Any]]] = {PORTAL: [], CONSOLE: []}


@dataclass(frozen=True)
class NavItem:
    """One navigation entry. ``key`` matches the ``nav`` context variable of its pages."""

    area: str
    group: str
    key: str
    label: str | Promise
    url_name: str
    icon: str = "point"
    perm: str | None = None
    visible: Callable[[Any], bool] | None = None
    # The rows a badge counts (e.g. unread notifications): a queryset, counted in the nav's one query.
    badge: Callable[[Any], Any] | None = None
    order: int = 100
    url_args: tuple[Any, ...] = field(default=())

    def allowed(self, user: Any) -> bool:
        if self.perm and not user.has_perm(self.perm):
            return False
        return self.visible is None or bool(self.visible(user))

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args)


_ITEMS: dict[str, list[NavItem]] = {PORTAL: [], CONSOLE: []}


def register_nav_group(area: str, key: str, label: str | Promise) -> None:
    """Declare a group of an area (its place in the sidebar is the order of declaration)."""
    groups = _GROUPS[area]
    if all(k != key for k, _ in groups):
        groups.append((key, label))


def register_nav(item: NavItem) -> None:
    """Add (or replace, by area and key) a navigation entry."""
    items = _ITEMS[item.area]
    items[:] = [i for i in items if i.key != item.key] + [item]


def nav_items(area: str) -> list[NavItem]:
    return sorted(_ITEMS[area], key=lambda i: i.order)


def _access_rows(
    user: Any, counts: dict[str, Any]
) -> tuple[set[str] | None, set[str] | None, dict[str, int]]:
    """One query for what the navigation needs: the person's permissions and group names (when
    not loaded yet; Django would take three queries) and each badge's count, as a UNION."""
    from django.contrib.auth.models import Group, Permission

    parts: list[Any] = []
    load_perms = not user.is_superuser and user.is_active and not hasattr(user, "_perm_cache")
    inner = getattr(user, "_wrapped", user)
    load_groups = (
        user.is_staff and "staff_roles" in type(inner).__dict__ and "staff_roles" not in inner.__dict__
    )
    if load_perms:
        parts.append(
            Permission.objects.filter(user=user).order_by().values_list("content_type__app_label", "codename")
        )
        parts.append(
            Permission.objects.filter(group__user=user)
            .order_by()
            .values_list("content_type__app_label", "codename")
        )
    if load_groups:
        parts.append(
            Group.objects.filter(user=user)
            .order_by()
            .annotate(kind=Value("", output_field=CharField()))
            .values_list("kind", "name")
        )
    for key, qs in counts.items():
        parts.append(
            qs.order_by()
            .annotate(kind=Value("#" + key, output_field=CharField()))
            .values("kind")
            .annotate(n=Cast(Count("pk"), output_field=CharField()))
            .values_list("kind", "n")
        )
    if not parts:
        return None, None, {}
    query = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    perms: set[str] = set()
    names: set[str] = set()
    badges: dict[str, int] = {}
    for kind, value in query:
        if kind.startswith("#"):
            badges[kind[1:]] = int(value)
        elif kind:
            perms.add(f"{kind}.{value}")
        else:
            names.add(value)
    return (perms if load_perms else None), (names if load_groups else None), badges


def _prime(user: Any, perms: set[str] | None, names: set[str] | None) -> None:
    """Fill the caches ``has_perm`` (ModelBackend's ``_perm_cache``) and ``staff_roles`` read."""
    user = getattr(user, "_wrapped", user)  # request.user is a lazy object: prime the real one
    if perms is not None:
        user._perm_cache = perms
    if names is not None:
        user.__dict__["staff_roles"] = frozenset(names)


def nav_for(area: str, user: Any, current: str | None = None) -> list[dict[str, Any]]:
    """The groups of ``area`` with the entries ``user`` may open, empty groups left out."""
    items = nav_items(area)
    counts = {item.key: item.badge(user) for item in items if item.badge}
    perms, names, badges = _access_rows(user, counts)
    _prime(user, perms, names)
    groups = []
    for key, label in _GROUPS[area]:
        entries = []
        for item in items:
            if item.group != key or not item.allowed(user):
                continue
            entries.append(
                {
                    "key": item.key,
                    "label": item.label,
                    "url": item.url,
                    "icon": item.icon,
                    "active": item.key == current,
                    "badge": badges.get(item.key, 0),
                }
            )
        if entries:
            groups.append({"key": key, "label": label, "entries": entries})
    return groups
