"""Who may submit MDF proposals (S8): the partner's eligibility and the person's right to submit.

A partner may submit when (program settings, docs/configuration.md):

- its tier is one of ``settings.MDF_ELIGIBLE_TIERS`` (default Select and Open);
- it is active;
- when ``settings.MDF_REQUIRE_AGREEMENTS`` (default on): its agreements are accepted — the rule
  of the NFR criterion "authorised" (licensing/eligibility.py): every applicable agreement
  accepted, or accepted in an earlier version with re-acceptance still due.

A partner person additionally needs the partner admin role or "may submit requests" (the rule
of NFR requests, ``PartnerMembership.may_submit``).

:func:`reasons` returns what stands in the way, each with what to do, in plain words; an empty
list means the partner (and the person, when given) may submit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

TIER = "tier"
INACTIVE = "inactive"
AGREEMENTS = "agreements"
PERSON = "person"


@dataclass(frozen=True)
class Reason:
    code: str  # tier | inactive | agreements | person
    text: str  # why, in plain words
    todo: str  # what to do about it


def eligible_tiers() -> list[str]:
    return [str(t).strip().lower() for t in getattr(settings, "MDF_ELIGIBLE_TIERS", ["select", "open"])]


def partner_reasons(partner: Any) -> list[Reason]:
    """Why ``partner`` cannot submit MDF proposals (empty: it can)."""
    out: list[Reason] = []
    if partner.tier.slug not in eligible_tiers():
        out.append(
            Reason(
                TIER,
                _("Market development funds are open to %(tiers)s partners; %(name)s is a %(tier)s partner.")
                % {
                    "tiers": _(" and ").join(t.capitalize() for t in eligible_tiers()) or "—",
                    "name": partner.legal_name,
                    "tier": partner.tier.name,
                },
                _("Talk to your channel account manager about moving up a tier."),
            )
        )
    if partner.status != "active":
        out.append(
            Reason(
                INACTIVE,
                _("%(name)s is %(status)s, not active.")
                % {"name": partner.legal_name, "status": partner.get_status_display().lower()},
                _("Contact your channel account manager to reactivate the partnership."),
            )
        )
    if getattr(settings, "MDF_REQUIRE_AGREEMENTS", True) and partner.status == "active":
        from channelops.agreements.querysets import State, partner_agreement_rows

        missing = [r for r in partner_agreement_rows(partner) if r.state not in (State.ACCEPTED, State.DUE)]
        if missing:
            out.append(
                Reason(
                    AGREEMENTS,
                    _("These agreements are not accepted yet: %(names)s.")
                    % {"names": ", ".join(r.template.name for r in missing)},
                    _("Your partner admin accepts them on the Agreements page."),
                )
            )
    return out


def person_may_submit(user: Any, partner: Any) -> bool:
    """A partner person of ``partner`` who is its admin or may submit requests."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or user.is_staff:
        return False
    m = user.partner_membership
    return m is not None and m.partner_id == partner.pk and bool(m.may_submit)


def reasons(partner: Any, user: Any = None) -> list[Reason]:
    """Why ``user`` (a partner person, when given) cannot submit proposals for ``partner``."""
    out = partner_reasons(partner)
    if user is not None and not person_may_submit(user, partner):
        out.append(
            Reason(
                PERSON,
                _("Your account may not submit requests for %(name)s.") % {"name": partner.legal_name},
                _("Ask your company's partner admin to allow you to submit requests."),
            )
        )
    return out
