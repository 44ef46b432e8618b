"""Where a region exception or a legal request stands, for the portal pages (core/standing.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from channelops.core.standing import Standing

from .models import ExceptionStatus, LegalRequest, LegalStatus, RegionException


def region_exception_standing(exc: RegionException | None, *, is_admin: bool) -> Standing | None:
    """The partner's latest request for more regions (None: never asked)."""
    if exc is None:
        return None
    state = exc.get_status_display()
    title = _("Your request for more regions: where it stands")
    if exc.status == ExceptionStatus.PENDING:
        return Standing(
            state,
            _("Channel leadership"),
            _("Channel leadership approves or denies the request; you are e-mailed the decision."),
            title=title,
        )
    if exc.status == ExceptionStatus.APPROVED:
        return Standing(
            state,
            _("Nobody: done"),
            _("Your agreements now cover the regions approved. Accept any agreement the page asks you to."),
            closed=True,
            title=title,
        )
    return Standing(
        state,
        _("Nobody: closed"),
        (
            _("Denied: %(note)s You can request other regions, or the same ones with more reasons, below.")
            % {"note": (exc.decision_note.rstrip(".") + ".") if exc.decision_note else ""}
        )
        if is_admin
        else _("Denied. Your company's partner admins can request regions again."),
        closed=True,
        yours=is_admin,
        action_label=_("Request regions") if is_admin else "",
        action_url="#region-form-h" if is_admin else "",
        title=title,
    )


def legal_request_standing(lr: LegalRequest, *, is_admin: bool, offered: Any = None) -> Standing:
    state = lr.get_status_display()
    if lr.status == LegalStatus.OPEN:
        return Standing(
            state,
            _("The vendor's legal team"),
            _(
                "Legal reviews your proposed changes: it answers in the comments or offers a custom "
                "version for you to accept. Add a comment any time; your partner admins can withdraw it."
            ),
            action_label=_("Comment"),
            action_url="#comment-h",
        )
    if lr.status == LegalStatus.OFFERED:
        first = next(iter(offered or []), None)
        return Standing(
            state,
            _("Your company's partner admins") if not is_admin else _("You"),
            _("Read the custom version offered and accept it, or comment to discuss it further."),
            yours=True,
            action_label=_("Read and accept") if first is not None else "",
            action_url=reverse("portal:agreement_version", args=[first.pk]) if first is not None else "",
        )
    if lr.status == LegalStatus.ACCEPTED:
        return Standing(state, _("Nobody: done"), _("Your company accepted the custom version."), closed=True)
    return Standing(
        state,
        _("Nobody: closed"),
        _("The request was withdrawn. Open a new legal request to discuss the terms again."),
        closed=True,
        action_label=_("Legal requests"),
        action_url=reverse("portal:legal_requests"),
    )
