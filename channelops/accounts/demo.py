"""Demo data for access requests: the PHD specialists hold ``licensing.issue_license``."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger(__name__)

DEMO_PRIVILEGE = "licensing.issue_license"


@transaction.atomic
def demo_access(*, domain: str) -> int:
    """Give every demo PHD specialist the license-issuing privilege through an access request
    approved by the demo leadership person (idempotent). Returns how many grants it made."""
    from .models import AccessRequest, AccessStatus, User
    from .privileges import privileges
    from .roles import PHD
    from .services import access_request_approve, access_request_create

    if DEMO_PRIVILEGE not in privileges():
        log.warning("%s is not registered (licensing app not ready): no demo grants.", DEMO_PRIVILEGE)
        return 0
    leadership = User.objects.get(email=f"leadership@{domain}")
    made = 0
    for phd in User.objects.with_role(PHD).filter(email__endswith=f"@{domain}").order_by("email"):
        req = AccessRequest.objects.filter(
            user=phd, perm=DEMO_PRIVILEGE, status__in=[AccessStatus.REQUESTED, AccessStatus.APPROVED]
        ).first()
        if req is None:
            req = access_request_create(
                perm=DEMO_PRIVILEGE,
                justification="I review NFR requests for my region and issue the approved licenses.",
                by=phd,
            )
        if req.status == AccessStatus.REQUESTED:
            access_request_approve(request=req, by=leadership, note="Demo data: approved for the PHD team.")
            made += 1
    return made
