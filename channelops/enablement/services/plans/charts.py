"""Targets vs people certified now, per certification: the data the plan pages draw with Chart.js and
show in a table beside the chart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from ...models import (
    BusinessPlan,
)
from .entries import EntryProgress


@dataclass
class Bar:
    label: str
    target: int
    actual: int
    note: str = ""


@dataclass
class Chart:
    """Targets vs people certified now, per certification: drawn by Chart.js
    (``static/channelops/plan-chart.js``) from :attr:`data_json`, with the same numbers in a table
    beside it (``enablement/plan_chart.html``)."""

    title: str
    bars: list[Bar]

    @property
    def data_json(self) -> str:
        return json.dumps(
            {
                "title": str(self.title),
                "xTitle": str(_("People")),
                "labels": [b.label for b in self.bars],
                "series": [
                    {"label": str(_("Target")), "data": [b.target for b in self.bars]},
                    {"label": str(_("Certified now")), "data": [b.actual for b in self.bars]},
                ],
            }
        )


def make_chart(title: str, bars: list[Bar]) -> Chart:
    return Chart(title=title, bars=bars)


def enablement_chart(progress: list[EntryProgress]) -> Chart:
    """Per certification: people planned (target) vs planned people certified now (actual)."""
    by_cert: dict[int, Bar] = {}
    for p in progress:
        bar = by_cert.setdefault(
            p.entry.certification_id, Bar(label=p.entry.certification.name, target=0, actual=0)
        )
        bar.target += 1
        bar.actual += int(p.certified)
    return make_chart(_("Enablement plan: people certified vs planned"), list(by_cert.values()))


def business_plan_chart(plan: BusinessPlan | None, actual: dict[tuple[int, int], int]) -> Chart:
    """Per certification target of the plan: the target number vs people certified at the partner now."""
    bars = []
    if plan is not None:
        for t in plan.targets.all():
            bars.append(
                Bar(
                    label=t.certification.name,
                    target=t.people,
                    actual=actual.get((plan.partner_id, t.certification_id), 0),
                    note=t.by_date.isoformat(),
                )
            )
    return make_chart(_("Business plan: certified people vs targets"), bars)
