"""Where a business plan or a Certified Training Partner application stands, for the portal pages
(core/standing.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from channelops.core.standing import Standing

from .models import BusinessPlan, BusinessPlanState, CertState


def business_plan_standing(
    shown: BusinessPlan | None, draft: BusinessPlan | None, *, is_admin: bool
) -> Standing:
    admins = _("You") if is_admin else _("Your company's partner admins")
    if shown is None or (draft is not None and shown.pk == draft.pk):
        return Standing(
            _("Draft") if draft is not None else _("Not started"),
            admins,
            _(
                "Write the plan and its certification targets, then submit it: your channel account manager reviews it."
            ),
            yours=True,
            action_label=_("Edit the plan") if is_admin else "",
            action_url="#edit-h" if is_admin else "",
        )
    state = shown.get_state_display()
    if shown.state == BusinessPlanState.SUBMITTED:
        return Standing(
            state,
            _("Your channel account manager"),
            _(
                "Your CAM accepts the plan or returns it with comments; you are e-mailed either way. You can "
                "submit a newer version meanwhile."
            ),
        )
    if shown.state == BusinessPlanState.RETURNED:
        return Standing(
            state,
            admins,
            _("Revise the plan with the comments (%(comment)s) and submit it again.")
            % {"comment": shown.review_comment or "—"},
            yours=True,
            action_label=_("Revise the plan") if is_admin else "",
            action_url="#edit-h" if is_admin else "",
        )
    return Standing(
        state,
        _("Nobody: on file"),
        _("The plan is on file. Submit a new version when your targets change."),
        closed=True,
    )


def training_partner_standing(progress: Any, *, is_admin: bool) -> Standing | None:
    """A partner certification with an onboarding admission (Certified Training Partner)."""
    pc = progress.certification
    if pc.admission != "onboarding":
        return None
    admins = _("You") if is_admin else _("Your company's partner admins")
    state, label = progress.state, progress.state_label
    title = _("Your %(name)s application: where it stands") % {"name": pc.short_name or pc.name}
    if state == CertState.INVITED:
        return Standing(
            label, admins, _("Accept the invitation to start onboarding."), yours=True, title=title
        )
    if state in (CertState.NONE, CertState.LAPSED):
        if progress.applications_open:
            return Standing(label, admins, _("Apply to start onboarding."), yours=True, title=title)
        until = progress.invite_only_until
        return Standing(
            label,
            _("Your channel account manager"),
            _("By invitation only until %(date)s: ask your CAM to invite you.")
            % {"date": date_format(until, "j F Y") if until else "—"},
            title=title,
        )
    if state == CertState.ONBOARDING:
        deadline = progress.status.deadline
        item = progress.status.onboarding_item_id
        return Standing(
            label,
            admins,
            _(
                "Complete every requirement by %(date)s (trainer candidates, business plan); Education "
                "Services then awards the certification."
            )
            % {"date": date_format(deadline, "j F Y") if deadline else "—"},
            yours=True,
            action_label=_("The requirements") if item else "",
            action_url=reverse("portal:work_item", args=[item]) if item else "",
            title=title,
        )
    if state == CertState.IN_AWARD:
        return Standing(
            label, _("Education Services"), _("Education Services reviews the award."), title=title
        )
    return Standing(
        label, _("Nobody: certified"), _("Keep the requirements met to keep it."), closed=True, title=title
    )
