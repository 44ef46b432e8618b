"""factory_boy factories of MDF (channelops/mdf): budgets, proposals and claims in any state.

A factory writes rows directly (no service rules): use it to arrange a state, and the services or
the pages to act on it.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from channelops.mdf.models import Allocation, Budget, Claim, Proposal, ProposalStatus
from channelops.partners.models import Region

from .factories import PartnerFactory, StaffFactory, UserFactory


class BudgetFactory(factory.django.DjangoModelFactory):
    """FY27 Q4 of EMEA by default (November 2026 – January 2027 with the default fiscal year)."""

    class Meta:
        model = Budget
        django_get_or_create = ("region", "fiscal_year", "quarter")

    region = factory.LazyFunction(lambda: Region.objects.get(code="EMEA"))
    fiscal_year = 2027
    quarter = 4
    starts_on = datetime.date(2026, 11, 1)
    ends_on = datetime.date(2027, 1, 31)
    amount = Decimal("100000.00")
    created_by = factory.SubFactory(StaffFactory, roles=["channel_marketing"])


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    budget = factory.SubFactory(BudgetFactory)
    partner = factory.SubFactory(PartnerFactory, country="GB")
    amount = Decimal("20000.00")


class ProposalFactory(factory.django.DjangoModelFactory):
    """A submitted-for-approval proposal; pass ``status`` and ``approved_amount`` for others."""

    class Meta:
        model = Proposal

    number = factory.Sequence(lambda n: f"MDF-{n + 1:06d}")
    partner = factory.SubFactory(PartnerFactory, country="GB")
    budget = factory.SubFactory(BudgetFactory)
    title = factory.Sequence(lambda n: f"Security roadshow {n}")
    activity_type = "event"
    starts_on = datetime.date(2026, 12, 10)
    ends_on = datetime.date(2026, 12, 11)
    requested_amount = Decimal("4000.00")
    entered_currency = "USD"
    entered_amount = factory.SelfAttribute("requested_amount")
    expected_leads = 40
    expected_pipeline = Decimal("120000.00")
    status = ProposalStatus.SUBMITTED
    created_by = factory.SubFactory(UserFactory)
    reviewed_with_cam = True


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    number = factory.Sequence(lambda n: f"CLM-{n + 1:06d}")
    proposal = factory.SubFactory(
        ProposalFactory, status=ProposalStatus.APPROVED, approved_amount=Decimal("4000.00")
    )
    amount = Decimal("1000.00")
    entered_currency = "USD"
    entered_amount = factory.SelfAttribute("amount")
    submitted_by = factory.SubFactory(UserFactory)
