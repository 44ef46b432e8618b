"""core.union: several differently shaped reads in one query, their types kept (the portal home's
attention items use it)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channelops.core.union import shaped, union_rows
from channelops.partners.models import Partner, Tier, TierBenefit

from .factories import PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_clock")]


def test_ordered_cut_and_aggregated_reads_come_back_in_one_query_with_their_types():
    a = PartnerFactory(legal_name="Alpha", last_phd_review=date(2026, 1, 2))
    PartnerFactory(legal_name="Beta")
    PartnerFactory(legal_name="Gamma")
    newest = Partner.objects.order_by("-pk")
    per_tier = Tier.objects.filter(slug="open").annotate(last=Max("partners__created_at"))
    parts = [
        shaped(newest, pk="pk", t1="legal_name")[:2],
        shaped(Partner.objects.filter(pk=a.pk), pk="pk", due="last_phd_review", at="created_at"),
        shaped(per_tier, n="pk", at="last", t1="slug"),
        shaped(TierBenefit.objects.none(), pk="pk"),
    ]
    with CaptureQueriesContext(connection) as queries:
        first, second, third, empty = union_rows(parts)
    assert len(queries) == 1
    assert sorted(r["t1"] for r in first) == ["Beta", "Gamma"]  # the part's order and cut
    assert first[0]["due"] is None and first[0]["at"] is None and isinstance(first[0]["pk"], int)
    [row] = second
    assert row["due"] == date(2026, 1, 2) and row["at"] == a.created_at  # aware, microseconds kept
    assert timezone.is_aware(row["at"]) and abs(row["at"] - timezone.now()) < timedelta(days=1)
    [tier] = third
    assert tier["t1"] == "open" and tier["at"] == Partner.objects.latest("created_at").created_at
    assert empty == []
