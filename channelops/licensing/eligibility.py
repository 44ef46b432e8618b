"""NFR eligibility (S7 step 3): the criteria a PHD specialist reviews a request against.

The criteria are program settings with the handbook's defaults:

- ``authorised``: the partner is active and has accepted its agreements (every applicable
  agreement accepted, or accepted in an earlier version with re-acceptance still due);
- ``allowance``: the users of the partner's active NFR licenses plus this request stay within
  the tier's allowance (``settings.NFR_ALLOWANCE``, default Select 25, Open 10);
- ``certification``: at least one person at the partner holds one of
  ``settings.NFR_CERTIFICATIONS`` (default Solution Architect Core, Professional Services Engineer).

Only a failed certification criterion leaves the request approvable (the license e-mail then
encourages the partner to certify). Certifications live in another app (issue 6): it calls
:func:`register_certification_source` with a callable ``(partner, names) -> int`` counting the
partner's people who hold one of ``names``. Until one is registered the criterion is "unknown"
and treated like a failed one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

AUTHORISED = "authorised"
ALLOWANCE = "allowance"
CERTIFICATION = "certification"

CertificationSource = Callable[[Any, list[str]], int]
_CERTIFICATION_SOURCES: list[CertificationSource] = []


def register_certification_source(source: CertificationSource) -> CertificationSource:
    """Register ``source(partner, certification_names) -> number of people holding one``."""
    if source not in _CERTIFICATION_SOURCES:
        _CERTIFICATION_SOURCES.append(source)
    return source


def unregister_certification_source(source: CertificationSource) -> None:
    if source in _CERTIFICATION_SOURCES:
        _CERTIFICATION_SOURCES.remove(source)


@dataclass(frozen=True)
class Criterion:
    name: str  # authorised | allowance | certification
    label: str
    passed: bool
    reason: str
    blocking: bool  # a failure prevents approval

    @property
    def fails_approval(self) -> bool:
        return not self.passed and self.blocking


def allowance_for(tier_slug: str) -> int | None:
    """The NFR allowance (licensed users) of a tier, or None when the tier has none."""
    value = getattr(settings, "NFR_ALLOWANCE", {"select": 25, "open": 10}).get(tier_slug)
    return int(value) if value is not None else None


def certification_names() -> list[str]:
    return list(
        getattr(settings, "NFR_CERTIFICATIONS", ["Solution Architect Core", "Professional Services Engineer"])
    )


def licensed_users(partner: Any, *, today: Any = None) -> int:
    """Users across the partner's active (not revoked, not expired) NFR licenses."""
    from .models import License

    today = today or timezone.localdate()
    total = (
        License.objects.active()
        .filter(partner_id=partner.pk, expires__gte=today)
        .aggregate(total=Sum("users"))["total"]
    )
    return int(total or 0)


def _authorised(partner: Any) -> Criterion:
    from channelops.agreements.querysets import State, partner_agreement_rows

    label = _("Partner authorised")
    if partner.status != "active":
        return Criterion(
            AUTHORISED,
            label,
            False,
            _("The partner is %(status)s, not active.") % {"status": partner.get_status_display().lower()},
            True,
        )
    missing = [r for r in partner_agreement_rows(partner) if r.state not in (State.ACCEPTED, State.DUE)]
    if missing:
        return Criterion(
            AUTHORISED,
            label,
            False,
            _("Agreement not accepted: %(names)s.")
            % {"names": ", ".join(f"{r.template.name} ({r.state_label.lower()})" for r in missing)},
            True,
        )
    return Criterion(AUTHORISED, label, True, _("Active, and its agreements are accepted."), True)


def _allowance(request: Any) -> Criterion:
    partner = request.partner
    label = _("Within the NFR allowance")
    allowance = allowance_for(partner.tier.slug)
    if allowance is None:
        return Criterion(
            ALLOWANCE,
            label,
            False,
            _("The %(tier)s tier has no NFR allowance.") % {"tier": partner.tier.name},
            True,
        )
    held = licensed_users(partner)
    total = held + request.seats
    params = {
        "held": held,
        "seats": request.seats,
        "total": total,
        "allowance": allowance,
        "tier": partner.tier.name,
    }
    if total > allowance:
        return Criterion(
            ALLOWANCE,
            label,
            False,
            _(
                "%(held)s licensed users held + %(seats)s requested = %(total)s, "
                "over the %(tier)s allowance of %(allowance)s."
            )
            % params,
            True,
        )
    return Criterion(
        ALLOWANCE,
        label,
        True,
        _(
            "%(held)s licensed users held + %(seats)s requested = %(total)s of the %(tier)s allowance of %(allowance)s."
        )
        % params,
        True,
    )


def _certification(partner: Any) -> Criterion:
    names = certification_names()
    label = _("Certified employee")
    wanted = " or ".join(names)
    if not _CERTIFICATION_SOURCES:
        return Criterion(
            CERTIFICATION,
            label,
            False,
            _("Unknown — no certification records yet (needs %(names)s); approvable with an encouragement.")
            % {"names": wanted},
            False,
        )
    count = sum(int(source(partner, names) or 0) for source in _CERTIFICATION_SOURCES)
    if count <= 0:
        return Criterion(
            CERTIFICATION,
            label,
            False,
            _("No one at the partner holds %(names)s; approvable with an encouragement.") % {"names": wanted},
            False,
        )
    return Criterion(
        CERTIFICATION,
        label,
        True,
        _("%(count)s person(s) hold %(names)s.") % {"count": count, "names": wanted},
        False,
    )


def evaluate(request: Any) -> list[Criterion]:
    """Each criterion for this request, passed or failed, with the reason."""
    partner = request.partner
    return [_authorised(partner), _allowance(request), _certification(partner)]


def approvable(criteria: list[Criterion]) -> bool:
    """No blocking criterion failed (a failed certification alone does not block)."""
    return not any(c.fails_approval for c in criteria)
