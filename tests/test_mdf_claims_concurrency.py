"""Two claims sent at the same moment cannot both take the last amount of a proposal: the check
runs under a row lock on the proposal (PostgreSQL; SQLite serialises writers anyway)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from channelops.mdf import claim_services as svc
from channelops.mdf.models import Claim, ProposalStatus

from .assets_helpers import pdf
from .factories import MembershipFactory, PartnerFactory, UserFactory
from .mdf_factories import ProposalFactory

# Skipped before any database set-up (a skip from a fixture would still flush the database).
pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the row lock is exercised on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_two_claims_at_once_cannot_both_take_the_last_amount(media):
    partner = PartnerFactory(country="GB")
    people = [
        MembershipFactory(partner=partner, role="admin", user=UserFactory(email=f"p{i}@race.test")).user
        for i in range(2)
    ]
    proposal = ProposalFactory(
        partner=partner, status=ProposalStatus.APPROVED, approved_amount=Decimal("4000")
    )
    barrier = threading.Barrier(2)
    results: list[str] = []

    def claim(person) -> None:
        from django.db import connection as conn

        try:
            barrier.wait(timeout=10)
            svc.claim_submit(
                proposal=proposal, by=person, amount="3000", files=[("invoice", ("i.pdf", pdf()))]
            )
            results.append("ok")
        except ValidationError:
            results.append("refused")
        finally:
            conn.close()

    threads = [threading.Thread(target=claim, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["ok", "refused"]
    assert Claim.objects.filter(proposal=proposal).count() == 1
    stored = [p for p in media.rglob("*") if p.is_file()]
    assert len(stored) == 1  # the refused claim stored nothing
