"""What can be watched today, and the one-line hooks the features call on each change.

Features above notifications (agreements, licensing) call these functions (one line each) from
their services; ``application_changed`` and ``work_item_changed`` are registered on the partners'
and the work app's hooks (``channelops.core.hooks``) by ``NotificationsConfig.ready``. This module imports the features'
models only inside functions, so importing it never creates an import cycle.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .registry import notify, register_watchable

APPLICATIONS = "applications"
LEGAL_REQUESTS = "legal_requests"
REGION_EXCEPTIONS = "region_exceptions"
WORK_ITEMS = "work_items"


def _same_partner(user: Any, obj: Any) -> bool:
    """Staff: the permission (checked in the query) is enough. Partner people: their own partner's."""
    return user.is_staff or (user.partner_id is not None and user.partner_id == obj.partner_id)


def _work_item_visible(user: Any, obj: Any) -> bool:
    """Partner people see only the work items shared with their partner (``WorkItem.visible_to``)."""
    return user.is_staff or (
        bool(obj.shared_with_partner) and user.partner_id is not None and user.partner_id == obj.partner_id
    )


def register_watchables() -> None:
    register_watchable(
        APPLICATIONS,
        gettext_lazy("Partner applications"),
        perm="partners.view_application",
        description=gettext_lazy("Verified applications, approvals and rejections."),
    )
    register_watchable(
        LEGAL_REQUESTS,
        gettext_lazy("Legal requests"),
        _same_partner,
        perm="agreements.view_legalrequest",
        staff_only=False,
        description=gettext_lazy("Requests to change agreement terms, their comments and offers."),
    )
    register_watchable(
        REGION_EXCEPTIONS,
        gettext_lazy("Region requests"),
        _same_partner,
        perm="agreements.view_regionexception",
        staff_only=False,
        description=gettext_lazy("Requests for an agreement to cover more regions, and decisions."),
    )
    register_watchable(
        WORK_ITEMS,
        gettext_lazy("Work items"),
        _work_item_visible,
        staff_only=False,
        description=gettext_lazy("Work items (partner people: those shared with their company)."),
    )


# --- hooks called by the features' services --------------------------------------------------------


def application_changed(*, application: Any, by: Any, new: bool) -> None:
    """An application entered the queue (verified, or registered by staff) or was decided."""
    name = application.company_name
    if new:
        title = _("New partner application: %(name)s") % {"name": name}
    elif application.status == "approved":
        title = _("Partner application approved: %(name)s") % {"name": name}
    elif application.status == "rejected":
        title = _("Partner application rejected: %(name)s") % {"name": name}
    else:
        title = _("Partner application changed: %(name)s") % {"name": name}
    notify(
        watch=APPLICATIONS,
        obj=application,
        actor=by,
        new=new,
        title=title,
        url=reverse("console:application_detail", args=[application.pk]),
        partner_id=None,
        region_id=application.region_id,
    )


_LEGAL_TITLES = {
    "opened": gettext_lazy("New legal request from %(partner)s: %(agreement)s"),
    "comment": gettext_lazy("New comment on the legal request of %(partner)s: %(agreement)s"),
    "offered": gettext_lazy("Custom terms offered to %(partner)s: %(agreement)s"),
    "withdrawn": gettext_lazy("Legal request of %(partner)s closed: %(agreement)s"),
}


def legal_request_changed(request: Any, *, by: Any, event: str) -> None:
    """``event``: opened (a new submission), comment, offered or withdrawn."""
    title = str(_LEGAL_TITLES[event]) % {
        "partner": request.partner.legal_name,
        "agreement": request.template.name,
    }
    notify(
        watch=LEGAL_REQUESTS,
        obj=request,
        actor=by,
        new=event == "opened",
        title=title,
        url=reverse("console:legal_request", args=[request.pk]),
        partner_id=request.partner_id,
        partner_url=reverse("portal:legal_request", args=[request.pk]),
    )


def region_exception_changed(exception: Any, *, by: Any, new: bool) -> None:
    partner = exception.partner.legal_name
    if new:
        title = _("New region request from %(partner)s") % {"partner": partner}
    else:
        title = _("Region request of %(partner)s %(status)s") % {
            "partner": partner,
            "status": exception.get_status_display().lower(),
        }
    notify(
        watch=REGION_EXCEPTIONS,
        obj=exception,
        actor=by,
        new=new,
        title=title,
        url=reverse("console:region_exception", args=[exception.pk]),
        partner_id=exception.partner_id,
        partner_url=reverse("portal:agreements"),
    )


def work_item_changed(*, item: Any, by: Any = None, new: bool = False, **kwargs: Any) -> None:
    """Registered on ``channelops.work.hooks.work_item_changed``."""
    if new:
        title = _("New work item: %(title)s") % {"title": item.title}
    else:
        title = _("Work item updated: %(title)s") % {"title": item.title}
    shared = bool(item.shared_with_partner and item.partner_id)
    notify(
        watch=WORK_ITEMS,
        obj=item,
        actor=by,
        new=new,
        title=title,
        url=reverse("console:work_item", args=[item.pk]),
        partner_id=item.partner_id,
        partner_url=reverse("portal:work_item", args=[item.pk]) if shared else "",
    )


# --- the rules suggested for each role (defaults.py), kept in step with people's roles -----------


def defaults_on_person_created(*, user: Any, by: Any = None, **kwargs: Any) -> None:
    """Registered on ``accounts.hooks.person_created``: a new staff person's suggested rules."""
    from .services import notification_defaults_sync

    notification_defaults_sync(user=user)


def defaults_on_access_changed(*, user: Any, by: Any = None, fields: Any = (), **kwargs: Any) -> None:
    """Registered on ``accounts.hooks.person_access_changed``: roles or the staff flag changed."""
    from .services import notification_defaults_sync

    if {"groups", "is_staff", "user_permissions"} & set(fields):
        notification_defaults_sync(user=user)


def defaults_on_partner_person_added(*, membership: Any, by: Any = None, **kwargs: Any) -> None:
    """Registered on ``partners.hooks.partner_person_added``: a partner admin's or user's rules."""
    from .services import notification_defaults_sync

    notification_defaults_sync(user=membership.user)


def defaults_on_partner_person_changed(
    *, membership: Any, by: Any = None, fields: Any = (), **kwargs: Any
) -> None:
    """Registered on ``partners.hooks.partner_person_changed``: a changed membership role."""
    from .services import notification_defaults_sync

    if "role" in fields:
        notification_defaults_sync(user=membership.user)
