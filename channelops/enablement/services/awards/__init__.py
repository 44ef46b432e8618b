"""Partner certifications (S6): default data, progress, re-evaluation and the award workflow.

Reads:

* :func:`partner_progress` — for one partner, each partner certification with what it has and
  exactly what it still needs (constant number of queries).

Writes (services, keyword-only, ``by=`` the acting person):

* :func:`partner_certifications_evaluate` — re-evaluate partners (batched; called on every
  ``practitioner_records_changed`` and daily): opens exactly one "Partner Certification Award"
  work item when a partner first meets an automatic certification's requirements; flags a held
  certification "under review" when the partner falls below them (and restores it when met again).
* :func:`partner_certification_award` — record the award (closing the award or onboarding work
  item with every task done calls it), e-mail the partner admins, queue the CRM update.
* :func:`partner_certification_review_resolve` — staff keep or withdraw a certification under review.
* Certified Training Partners (invitation, application, candidates, deadlines): ``services/training_partners.py``.
* :func:`partner_certifications_daily` — the daily job (expiries and onboarding deadlines).

The package's modules (import the public names from the package, ``from
channelops.enablement.services.awards import partner_progress``; the modules import each other):

- :mod:`.catalog` — the default partner certifications and the settings that shape them;
- :mod:`.progress` — :func:`partner_progress`, :func:`next_certification`;
- :mod:`.evaluation` — re-evaluation and the daily job;
- :mod:`.workflow` — award, review, who awards an onboarding, :func:`connect`;
- :mod:`._common` — helpers shared with ``services/training_partners.py``.
"""

from __future__ import annotations

from ._common import CHUNK, CRM_KIND, JOINABLE_STATES, OPENABLE_STATES
from .catalog import (
    PARTNER_CERTIFICATIONS,
    applications_open,
    ensure_defaults,
    expiry_warning_days,
    invite_only_until,
    reminder_days,
)
from .evaluation import (
    partner_certifications_daily,
    partner_certifications_evaluate,
)
from .progress import (
    Expiring,
    Progress,
    RequirementProgress,
    business_plan_of,
    compliance_of,
    next_certification,
    partner_progress,
)
from .workflow import (
    connect,
    may_award_onboarding,
    partner_certification_award,
    partner_certification_review_resolve,
)

__all__ = [
    "CHUNK",
    "CRM_KIND",
    "JOINABLE_STATES",
    "OPENABLE_STATES",
    "PARTNER_CERTIFICATIONS",
    "ensure_defaults",
    "invite_only_until",
    "applications_open",
    "reminder_days",
    "expiry_warning_days",
    "Expiring",
    "RequirementProgress",
    "Progress",
    "compliance_of",
    "business_plan_of",
    "partner_progress",
    "next_certification",
    "partner_certifications_evaluate",
    "partner_certifications_daily",
    "partner_certification_award",
    "partner_certification_review_resolve",
    "may_award_onboarding",
    "connect",
]
