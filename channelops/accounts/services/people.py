"""People: creating a person, their staff flag, superuser flag, roles and direct permissions (issue 11
item 5), role permissions, and staff teams."""

from __future__ import annotations

from collections.abc import Iterable

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed

from .. import hooks
from ..models import AccessEvent, AccessEventKind, StaffTeam, User
from ..roles import PRIVILEGED
from ._common import _access_event, _forget_perm_cache


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str = "",
    password: str | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    roles: list[str] | None = None,
    email_verified: bool = False,
) -> User:
    """Create a person with their (verified or not) primary e-mail address and staff roles.

    For set-up code (demo data, partner people, tests), not for a person acting in a page: the
    staff flag, superuser flag and roles given here are recorded as access events without an
    actor. Changing them later is ``user_access_change`` (a superuser, never on their own account)."""
    email = User.objects.normalize_email(email).strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A person with this e-mail address already exists.")})
    user = User.objects.create_user(
        email=email, password=password, full_name=full_name, is_staff=is_staff, is_superuser=is_superuser
    )
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=email_verified)
    groups = list(Group.objects.filter(name__in=roles or []).order_by("name"))
    if groups:
        user.groups.add(*groups)
    added = [name for name, on in ((STAFF, is_staff), (SUPERUSER, is_superuser)) if on]
    added += [_role_key(g) for g in groups]
    for what in added:
        _access_event(
            request=None, user=user, perm=what, kind=AccessEventKind.ACCESS_ADDED, by=None, detail="created"
        )
    hooks.person_created.call(user=user, by=None)
    return user


# --- a person's staff flag, superuser flag, roles and direct permissions (issue 11 item 5) -------

STAFF = "staff"
SUPERUSER = "superuser"
ACCESS_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")


def _role_key(group: Group) -> str:
    return f"role:{group.name}"


def _perm_key(permission: Permission) -> str:
    return f"{permission.content_type.app_label}.{permission.codename}"


def may_change_access(*, user: User, by: User | None) -> bool:
    """Who may change ``user``'s staff flag, superuser flag, roles or direct permissions: an active
    superuser, and never on their own account."""
    return bool(
        by is not None
        and by.is_authenticated
        and by.is_active
        and by.is_staff
        and by.is_superuser
        and by.pk != user.pk
    )


def user_access_refused(*, user: User, by: User, fields: list[str]) -> AccessEvent:
    """Record a refused attempt to change ``fields`` of ``user``'s access (call it outside the
    refused change's transaction, or it is rolled back with it)."""
    return _access_event(
        request=None,
        user=user,
        perm="account",
        kind=AccessEventKind.ACCESS_REFUSED,
        by=by,
        detail=_("Refused change of %(fields)s") % {"fields": ", ".join(sorted(fields))},
    )


def user_access_change(
    *,
    user: User,
    by: User,
    is_staff: bool | None = None,
    is_superuser: bool | None = None,
    groups: Iterable[Group] | None = None,
    permissions: Iterable[Permission] | None = None,
) -> list[AccessEvent]:
    """Set ``user``'s staff flag, superuser flag, roles (groups) and direct permissions (None: leave
    as it is). Only an active superuser, never on their own account (``NotAllowed``; the
    refusal is recorded). Privileged permissions are not given or taken here: they come only from
    approved access requests (a ``ValidationError`` if asked; existing grants are kept). Each
    change is an ``AccessEvent`` (``access_added``/``access_removed``); returns them."""
    if not may_change_access(user=user, by=by):
        asked = [
            name
            for name, value in zip(ACCESS_FIELDS, (is_staff, is_superuser, groups, permissions), strict=True)
            if value is not None
        ]
        if by is not None and by.is_authenticated:
            user_access_refused(user=user, by=by, fields=asked)  # kept unless the caller rolls back
        raise NotAllowed(
            _("Only a superuser can change staff, superuser, role or permission settings, never their own.")
        )
    return _user_access_apply(
        user=user, by=by, is_staff=is_staff, is_superuser=is_superuser, groups=groups, permissions=permissions
    )


@transaction.atomic
def role_permissions_change(
    *, group: Group, by: User, permissions: Iterable[Permission]
) -> list[AccessEvent]:
    """Set the permissions of a role (group). Only an active superuser; privileged permissions
    are never part of a role (``ValidationError``). Each added or removed permission is an
    access event for every member of the role (detail ``through role:<name>``)."""
    if not (by.is_active and by.is_staff and by.is_superuser):
        raise NotAllowed(_("Only a superuser can change the permissions of a role."))
    wanted = {p.pk: p for p in Permission.objects.filter(pk__in=[p.pk for p in permissions])}
    privileged = sorted(_perm_key(p) for p in wanted.values() if _perm_key(p) in PRIVILEGED)
    if privileged:
        raise ValidationError(
            {
                "permissions": _("%(perms)s can only be granted through an access request.")
                % {"perms": ", ".join(privileged)}
            }
        )
    current = {p.pk: p for p in group.permissions.select_related("content_type")}
    changes = [(AccessEventKind.ACCESS_ADDED, wanted[pk]) for pk in sorted(set(wanted) - set(current))]
    changes += [(AccessEventKind.ACCESS_REMOVED, current[pk]) for pk in sorted(set(current) - set(wanted))]
    group.permissions.set(list(wanted.values()))
    members = list(User.objects.filter(groups=group).order_by("pk"))
    return [
        _access_event(
            request=None,
            user=member,
            perm=_perm_key(p),
            kind=kind,
            by=by,
            detail=f"through {_role_key(group)}",
        )
        for kind, p in changes
        for member in members
    ]


@transaction.atomic
def _user_access_apply(
    *,
    user: User,
    by: User,
    is_staff: bool | None,
    is_superuser: bool | None,
    groups: Iterable[Group] | None,
    permissions: Iterable[Permission] | None,
) -> list[AccessEvent]:
    target = User.objects.select_for_update().get(pk=user.pk)
    changes: list[tuple[str, str]] = []  # (kind, what)
    changed_fields: list[str] = []
    for field, key, value in (("is_staff", STAFF, is_staff), ("is_superuser", SUPERUSER, is_superuser)):
        if value is not None and bool(value) != getattr(target, field):
            setattr(target, field, bool(value))
            changes.append((AccessEventKind.ACCESS_ADDED if value else AccessEventKind.ACCESS_REMOVED, key))
            changed_fields.append(field)
    if changes:
        target._history_user = by
        target.save(update_fields=["is_staff", "is_superuser"])
    if groups is not None:
        wanted = {g.pk: g for g in groups}
        current = {g.pk: g for g in target.groups.all()}
        for pk in sorted(set(wanted) - set(current)):
            changes.append((AccessEventKind.ACCESS_ADDED, _role_key(wanted[pk])))
        for pk in sorted(set(current) - set(wanted)):
            changes.append((AccessEventKind.ACCESS_REMOVED, _role_key(current[pk])))
        if set(wanted) != set(current):
            changed_fields.append("groups")
        target.groups.set(list(wanted.values()))
    if permissions is not None:
        wanted_p = {p.pk: p for p in Permission.objects.filter(pk__in=[p.pk for p in permissions])}
        privileged = [_perm_key(p) for p in wanted_p.values() if _perm_key(p) in PRIVILEGED]
        if privileged:
            raise ValidationError(
                {
                    "user_permissions": _("%(perms)s can only be granted through an access request.")
                    % {"perms": ", ".join(sorted(privileged))}
                }
            )
        current_p = {p.pk: p for p in target.user_permissions.select_related("content_type")}
        kept = [p for p in current_p.values() if _perm_key(p) in PRIVILEGED]  # granted by requests
        for pk in sorted(set(wanted_p) - set(current_p)):
            changes.append((AccessEventKind.ACCESS_ADDED, _perm_key(wanted_p[pk])))
        for pk in sorted(set(current_p) - set(wanted_p)):
            if _perm_key(current_p[pk]) not in PRIVILEGED:
                changes.append((AccessEventKind.ACCESS_REMOVED, _perm_key(current_p[pk])))
        if set(wanted_p) != {pk for pk, p in current_p.items() if _perm_key(p) not in PRIVILEGED}:
            changed_fields.append("user_permissions")
        target.user_permissions.set([*wanted_p.values(), *kept])
    _forget_perm_cache(user)
    user.__dict__.pop("staff_roles", None)
    user.is_staff, user.is_superuser = target.is_staff, target.is_superuser
    if changed_fields:
        hooks.person_access_changed.call(user=target, by=by, fields=changed_fields)
    return [_access_event(request=None, user=target, perm=what, kind=kind, by=by) for kind, what in changes]


# --- staff teams ------------------------------------------------------------------------------------

TEAM_EDIT_PERM = "accounts.change_staffteam"


@transaction.atomic
def staff_team_update(
    *, team: StaffTeam, name: str, lead: User | None, members: Iterable[User], by: User
) -> StaffTeam:
    """Staff with ``accounts.change_staffteam`` set a team's name, lead and members (RACI routing
    and escalations read them). The lead is always a member; only active staff belong to a team."""
    if not (by.is_active and by.is_staff and by.has_perm(TEAM_EDIT_PERM)):
        raise NotAllowed(_("Your role does not allow changing staff teams."))
    people = list(members)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the team a name.")
    if lead is not None and not (lead.is_staff and lead.is_active):
        errors["lead"] = _("The lead must be an active staff member.")
    outsiders = [u.email for u in people if not (u.is_staff and u.is_active)]
    if outsiders:
        errors["members"] = _("Only active staff can be members: %(who)s.") % {"who": ", ".join(outsiders)}
    if errors:
        raise ValidationError(errors)
    team = StaffTeam.objects.select_for_update().get(pk=team.pk)
    team.name = name
    team.lead = lead
    team._history_user = by  # type: ignore[attr-defined]
    team.save()
    if lead is not None and all(u.pk != lead.pk for u in people):
        people.append(lead)
    team.members.set(people)
    return team


@transaction.atomic
def user_set_language(*, user: User, language: str, by: User) -> User:
    """A person's own language preference ("" = automatic); only they change it."""
    from django.conf import settings

    if by.pk != user.pk:
        raise NotAllowed(_("Only the person themselves chooses their language."))
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose one of the languages offered.")})
    if user.language != language:
        user.language = language
        user._history_user = by  # type: ignore[attr-defined]
        user.save(update_fields=["language"])
    return user
