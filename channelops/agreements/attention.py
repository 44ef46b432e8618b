"""Portal dashboard items: agreements to accept or re-accept."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from channelops.core.attention import Attention, register_attention


def _agreements_due(partner: Any, user: Any) -> list[Attention]:
    from .querysets import State, partner_outstanding_agreements

    if partner.status != "active":
        return []
    needs_action = (State.DUE, State.OVERDUE, State.REQUIRED)
    rows = [r for r in partner_outstanding_agreements(partner) if r.state in needs_action]
    if not rows:
        return []
    deadlines = sorted(r.deadline for r in rows if r.deadline)
    overdue = any(r.state == State.OVERDUE for r in rows)
    if overdue:
        detail = _("The deadline has passed: accept the new version now.")
    elif deadlines:
        detail = _("Accept by %(date)s.") % {"date": date_format(deadlines[0], "j F Y")}
    else:
        detail = _("Your company must accept these before using the program.")
    return [
        Attention(
            title=ngettext(
                "%(n)d agreement needs your company's acceptance",
                "%(n)d agreements need your company's acceptance",
                len(rows),
            )
            % {"n": len(rows)},
            detail=detail + " " + ", ".join(str(r.template) for r in rows),
            url=reverse("portal:agreements"),
            kind="agreements",
            due=deadlines[0] if deadlines else None,
            action=_("Accept"),
        )
    ]


def _all_accepted(partner: Any, user: Any) -> bool:
    """The condition of the journey task "accept the partner agreements" (work/auto_tasks.py)."""
    from .querysets import partner_agreement_rows

    return not any(r.needs_action for r in partner_agreement_rows(partner))


def register_attention_items() -> None:
    from channelops.work.auto_tasks import register_condition

    register_attention(_agreements_due)
    register_condition("agreements_accepted", _all_accepted)
