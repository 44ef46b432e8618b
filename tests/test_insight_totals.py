"""The overview's partner tables read ``PartnerMonthTotal`` (issue 13, docs/insight.md): the same
figures as the ``PartnerMonth`` rows they sum, kept by every refresh, also the on-change one."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q

from channelops.insight import querysets as q
from channelops.insight.models import PartnerMonth
from channelops.insight.querysets import OverviewFilters
from channelops.insight.services import partner_months_refresh
from channelops.partners.models import PartnerStatus, Program, Tier

from .test_insight import TODAY, clock, world  # noqa: F401 - fixtures

__all__ = ["clock", "world"]


def _from_partner_months(f: OverviewFilters) -> dict[tuple[object, str], tuple[int, int]]:
    """(month, status) -> (partners, MAP) straight from the per-partner rows (the page's query
    before the totals)."""
    qs = PartnerMonth.objects.filter(month__gte=f.start, month__lte=f.month_list[-1])
    if f.region is not None:
        qs = qs.filter(region=f.region)
    if f.tier is not None:
        qs = qs.filter(tier=f.tier)
    if f.program is not None:
        qs = qs.filter(partner__programs=f.program)
    out: dict[tuple[object, str], tuple[int, int]] = defaultdict(lambda: (0, 0))
    for r in qs.values("month", "status").annotate(
        n=Count("id"), m=Count("id", filter=Q(active=True, status=PartnerStatus.ACTIVE))
    ):
        out[(r["month"], r["status"])] = (r["n"], r["m"])
    return out


def test_totals_equal_the_partner_month_rows_for_every_filter(world):  # noqa: F811
    msp, csp = Program.objects.get(slug="msp"), Program.objects.get(slug="csp")
    world["p1"].programs.set([msp])
    world["p3"].programs.set([msp, csp])
    world["p4"].programs.set([csp])
    partner_months_refresh(today=TODAY)
    tier = Tier.objects.get(slug="open")
    for region in (None, world["emea"], world["amer"]):
        for program in (None, msp, csp):
            for t in (None, tier):
                f = OverviewFilters(today=TODAY, months=6, region=region, program=program, tier=t)
                expected = _from_partner_months(f)
                for row in q.partners_over_time(f):
                    for status in PartnerStatus.values:
                        assert row[status] == expected[(row["month"], status)][0], (f, row)
                    assert row["map"] == sum(expected[(row["month"], s)][1] for s in PartnerStatus.values)
    by_program = {r["key"]: r["total"] for r in q.partners_now(OverviewFilters(today=TODAY), "program")}
    assert by_program == {"msp": 2, "csp": 2}  # P3 counts in both
    emea_csp = q.partners_now(OverviewFilters(today=TODAY, region=world["emea"], program=csp), "region")
    assert [(r["key"], r["total"], r["suspended"]) for r in emea_csp] == [("EMEA", 1, 1)]


def test_totals_follow_a_status_change_at_once(world, administrator):  # noqa: F811
    from channelops.partners.services import partner_set_status

    partner_months_refresh(today=TODAY)
    emea = OverviewFilters(today=TODAY, months=3, region=world["emea"])
    before = q.partners_now(emea, "region")[0]
    assert (before["active"], before["suspended"]) == (2, 1)
    partner_set_status(partner=world["p1"], to="suspended", by=administrator, note="test")
    after = q.partners_now(emea, "region")[0]
    assert (after["active"], after["suspended"], after["total"]) == (1, 2, 3)
    assert q.partners_over_time(emea)[-1]["suspended"] == 2


def test_a_partner_refresh_leaves_the_totals_a_full_refresh_would_write(world, administrator):  # noqa: F811
    from channelops.insight.models import PartnerMonthTotal
    from channelops.insight.services import partner_month_totals_refresh
    from channelops.partners.services import partner_set_status, partner_update_classification

    msp = Program.objects.get(slug="msp")
    world["p1"].programs.set([msp])
    partner_months_refresh(today=TODAY)
    p1 = world["p1"]
    # P1 moves to AMER (its old and new group change), P2 joins a program and is suspended.
    partner_update_classification(
        partner=p1, by=administrator, tier=p1.tier, cam=None, region=world["amer"], reason="moved"
    )
    world["p2"].programs.set([msp])
    partner_set_status(partner=world["p2"], to="suspended", by=administrator, note="test")

    def snapshot() -> list[tuple[object, ...]]:
        return sorted(
            PartnerMonthTotal.objects.filter(month=TODAY.replace(day=1)).values_list(
                "region_id", "tier_id", "program_id", "status", "partners", "active"
            ),
            key=str,
        )

    after_hooks = snapshot()
    partner_month_totals_refresh(months=[TODAY.replace(day=1)])
    assert snapshot() == after_hooks
    amer_msp = q.partners_now(OverviewFilters(today=TODAY, region=world["amer"], program=msp), "region")
    assert [(r["key"], r["total"]) for r in amer_msp] == [("AMER", 1)]
