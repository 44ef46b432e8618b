"""Where an NFR request stands, for its portal page (core/standing.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from channelops.core.standing import Standing

from .models import NfrRequest, RequestStatus


def _help_desk(partner: Any) -> str:
    phd = partner.phd_specialist
    if phd is not None and phd.is_active:
        return _("The partner help desk (%(name)s)") % {"name": phd.get_full_name() or phd.email}
    return _("The partner help desk")


def nfr_standing(req: NfrRequest, *, may_act: bool, license_id: Any = None) -> Standing:
    """``may_act``: the person may answer and withdraw (the partner's admins and the people allowed to
    submit requests)."""
    state = req.get_status_display()
    you = _("Your company") if not may_act else _("You")
    if req.status == RequestStatus.SUBMITTED:
        return Standing(
            state,
            _help_desk(req.partner),
            _(
                "The help desk checks the request: it approves it (the license is e-mailed to the "
                "license contact) or asks you a question. You can withdraw it until then."
            ),
        )
    if req.status == RequestStatus.NEEDS_INFO:
        return Standing(
            state,
            you,
            _("Answer the help desk's question below; you may change the seats, term or contact with it.")
            if may_act
            else _(
                "Your company's partner admin, or a colleague allowed to submit requests, answers the question."
            ),
            yours=True,
            action_label=_("Answer") if may_act else "",
            action_url="#answer" if may_act else "",
        )
    if req.status == RequestStatus.APPROVED:
        return Standing(
            state,
            _("Nobody: done"),
            _("The license was issued. Request its renewal from the license page before it expires."),
            closed=True,
            action_label=_("The license") if license_id else "",
            action_url=reverse("portal:license", args=[license_id]) if license_id else "",
        )
    new = reverse("portal:nfr_request_new") if may_act else ""
    text = (
        _("The request was rejected: %(reason)s Make a new request when your situation changes.")
        % {"reason": req.rejection_reason.rstrip(".") + "." if req.rejection_reason else ""}
        if req.status == RequestStatus.REJECTED
        else _(
            "The request was withdrawn and will not be decided. Make a new request when you need licenses."
        )
    )
    return Standing(
        state,
        _("Nobody: closed"),
        text,
        closed=True,
        action_label=_("New request") if new else "",
        action_url=new,
    )
