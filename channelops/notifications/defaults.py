"""The notification rules suggested for each role: what people get without setting anything up.

A new person gets the rules of their roles (staff roles of ``channelops.accounts.roles``, or
partner admin / partner user of their membership) when they are created; a person whose role
changes gets the new role's rules (``services.notification_defaults_sync``); people who existed
before these defaults got them once through the data migration ``0002`` (``backfill``). The rules are
ordinary rules marked ``default_role``: the person may change or delete them. A deleted one is
recorded (``DismissedDefault``) and never suggested again; a person who already has a rule for the
same queue keeps theirs (one rule per queue).

This module holds only the table and plain functions over it (no database access besides
``backfill``, which takes the model classes so the data migration can pass its historical ones).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from channelops.accounts import roles as staff_roles

from .models import How, Scope, When

# The watch keys registered today (hooks.py, licensing/services/common.py): repeated here as plain
# strings so the data migration does not depend on the registry.
APPLICATIONS = "applications"
NFR_REQUESTS = "nfr_requests"
LEGAL_REQUESTS = "legal_requests"
REGION_EXCEPTIONS = "region_exceptions"
WORK_ITEMS = "work_items"

PARTNER_ADMIN = "partner_admin"
PARTNER_USER = "partner_user"


@dataclass(frozen=True)
class DefaultRule:
    watch: str
    when: str
    how: str
    scope: str = Scope.ALL


def _rule(watch: str, when: str, how: str, scope: str = Scope.ALL) -> DefaultRule:
    return DefaultRule(watch=watch, when=when, how=how, scope=scope)


NEW, ANY = When.NEW_SUBMISSION.value, When.ANY_CHANGE.value
NOW, DIGEST = How.IMMEDIATE.value, How.DIGEST.value
REGIONS, MINE, ALL = Scope.MY_REGIONS.value, Scope.MY_PARTNERS.value, Scope.ALL.value

#: Role → the rules suggested for it. A person with several roles gets, per queue, the rule of
#: the first of their roles in this order (the roles that act on an item come before those that
#: only follow it).
DEFAULTS: dict[str, tuple[DefaultRule, ...]] = {
    # Reviews NFR requests and applications of the regions routed to them: right away.
    staff_roles.PHD: (
        _rule(NFR_REQUESTS, NEW, NOW, REGIONS),
        _rule(APPLICATIONS, NEW, NOW, REGIONS),
    ),
    # Follows everything about their own partners: one e-mail a day.
    staff_roles.CAM: (
        _rule(NFR_REQUESTS, ANY, DIGEST, MINE),
        _rule(LEGAL_REQUESTS, ANY, DIGEST, MINE),
        _rule(REGION_EXCEPTIONS, ANY, DIGEST, MINE),
        _rule(WORK_ITEMS, ANY, DIGEST, MINE),
    ),
    # Answers legal requests: every change right away; new region requests in the digest.
    staff_roles.LEGAL: (
        _rule(LEGAL_REQUESTS, ANY, NOW),
        _rule(REGION_EXCEPTIONS, NEW, DIGEST),
    ),
    # Decides region requests (right away); follows new legal requests, applications and NFR requests.
    staff_roles.LEADERSHIP: (
        _rule(REGION_EXCEPTIONS, NEW, NOW),
        _rule(LEGAL_REQUESTS, NEW, DIGEST),
        _rule(APPLICATIONS, NEW, DIGEST),
        _rule(NFR_REQUESTS, NEW, DIGEST),
    ),
    # Runs the program and its agreements: new applications, region and legal requests, daily.
    staff_roles.PROGRAM_MANAGER: (
        _rule(APPLICATIONS, NEW, DIGEST),
        _rule(REGION_EXCEPTIONS, NEW, DIGEST),
        _rule(LEGAL_REQUESTS, NEW, DIGEST),
    ),
    # Sets up the people of new partners: new applications and decisions, daily.
    staff_roles.ADMINISTRATOR: (_rule(APPLICATIONS, ANY, DIGEST),),
    # The teams that welcome and train new partners: new applications, daily.
    staff_roles.EDUCATION: (_rule(APPLICATIONS, NEW, DIGEST),),
    staff_roles.MARKETING: (_rule(APPLICATIONS, NEW, DIGEST),),
    staff_roles.PROFESSIONAL_SERVICES: (_rule(APPLICATIONS, NEW, DIGEST),),
    # Partner people only ever see their own partner's items.
    PARTNER_ADMIN: (
        _rule(NFR_REQUESTS, ANY, DIGEST),
        _rule(LEGAL_REQUESTS, ANY, DIGEST),
        _rule(REGION_EXCEPTIONS, ANY, DIGEST),
        _rule(WORK_ITEMS, ANY, DIGEST),
    ),
    PARTNER_USER: (_rule(WORK_ITEMS, ANY, DIGEST),),
}

ROLE_ORDER = {role: i for i, role in enumerate(DEFAULTS)}


def role_label(role: str) -> str:
    """The role's name as people read it (staff roles, partner admin, partner user)."""
    from django.utils.translation import gettext as _

    if role == PARTNER_ADMIN:
        return _("Partner admin")
    if role == PARTNER_USER:
        return _("Partner user")
    return staff_roles.role_label(role)


def roles_of(*, is_staff: bool, groups: Iterable[str], membership_role: str | None) -> list[str]:
    """The roles defaults are suggested for: staff roles (groups) of staff; the membership role of
    partner people (``"admin"``/``"user"``). In the table's order."""
    if is_staff:
        found = set(groups)
    elif membership_role:
        found = {PARTNER_ADMIN if membership_role == "admin" else PARTNER_USER}
    else:
        found = set()
    return sorted((r for r in found if r in DEFAULTS), key=ROLE_ORDER.__getitem__)


def wanted(roles: Iterable[str]) -> dict[str, tuple[str, DefaultRule]]:
    """Queue → (role, rule) for these roles: per queue the rule of the first role in table order."""
    found: dict[str, tuple[str, DefaultRule]] = {}
    for role in sorted(set(roles) & set(DEFAULTS), key=ROLE_ORDER.__getitem__):
        for rule in DEFAULTS[role]:
            found.setdefault(rule.watch, (role, rule))
    return found


def backfill(*, user_model: Any, rule_model: Any, dismissed_model: Any, batch: int = 500) -> int:
    """Give every person the rules of their roles that they do not have yet; returns how many.

    Adds only: a queue the person already has a rule for (whatever its settings: an equivalent
    rule) or deleted a suggestion for is skipped, so running it again creates nothing. Takes the
    model classes (the data migration passes its historical ones). Queries: one per ``batch``
    people to read them, their roles, rules and deleted suggestions, then the INSERTs.
    """
    created = 0
    ids = list(user_model.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        people = user_model.objects.filter(pk__in=chunk).values("pk", "is_staff", "membership__role")
        groups: dict[int, list[str]] = {}
        for uid, name in user_model.groups.through.objects.filter(user_id__in=chunk).values_list(
            "user_id", "group__name"
        ):
            groups.setdefault(uid, []).append(name)
        have: set[tuple[int, str]] = set(
            rule_model.objects.filter(user_id__in=chunk).values_list("user_id", "watch")
        )
        have |= set(dismissed_model.objects.filter(user_id__in=chunk).values_list("user_id", "watch"))
        rows = []
        for person in people:
            roles = roles_of(
                is_staff=person["is_staff"],
                groups=groups.get(person["pk"], []),
                membership_role=person["membership__role"],
            )
            for watch, (role, rule) in wanted(roles).items():
                if (person["pk"], watch) in have:
                    continue
                have.add((person["pk"], watch))
                rows.append(
                    rule_model(
                        user_id=person["pk"],
                        watch=watch,
                        when=rule.when,
                        how=rule.how,
                        scope=rule.scope,
                        default_role=role,
                    )
                )
        rule_model.objects.bulk_create(rows, ignore_conflicts=True)
        created += len(rows)
    return created
