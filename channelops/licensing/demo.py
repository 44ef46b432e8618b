"""Demo data for NFR licenses (called by ``channelops demo``; idempotent).

Acme (agreements accepted) holds one license, approved by its region's PHD specialist and
delivered through the outbox, and has a second request waiting in the queue; Globex's request
waits for Globex's answer to the help desk's question.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def demo_nfr(*, partners: dict[str, Any], domain: str) -> None:
    from channelops.accounts.models import User
    from channelops.accounts.privileges import has_privilege

    from .models import NfrRequest
    from .services import ISSUE_PERM, nfr_request_approve, nfr_request_ask, nfr_request_submit

    acme, globex = partners["acme"], partners["globex"]
    if NfrRequest.objects.filter(partner__in=[acme, globex]).exists():
        return
    alice = User.objects.get(email="admin@acme.example")
    grace = User.objects.get(email="admin@globex.example")
    phd = acme.phd_specialist or User.objects.filter(email=f"phd.emea@{domain}").first()
    first = nfr_request_submit(
        partner=acme,
        contact_name="Alice Acme",
        contact_email="lab@acme.example",
        plan="ultimate",
        seats=5,
        term_months=12,
        purpose="Demo lab for customer workshops in Munich.",
        by=alice,
    )
    if phd is not None and has_privilege(phd, ISSUE_PERM):
        nfr_request_approve(request=first, by=phd)
    else:
        log.warning("demo: no PHD specialist with the issuing privilege; the Acme request stays submitted")
    nfr_request_submit(
        partner=acme,
        contact_name="Bob Acme",
        contact_email="user@acme.example",
        plan="premium",
        seats=2,
        term_months=6,
        purpose="Proof of concept for a public-sector customer.",
        by=alice,
    )
    question = nfr_request_submit(
        partner=globex,
        contact_name="Grace Globex",
        contact_email="admin@globex.example",
        plan="ultimate",
        seats=3,
        term_months=12,
        purpose="Training our new engineers.",
        by=grace,
    )
    reviewer = globex.phd_specialist or phd
    if reviewer is not None:
        nfr_request_ask(
            request=question,
            by=reviewer,
            question="Which of your engineers will take the Solution Architect Core certification, and when?",
        )
