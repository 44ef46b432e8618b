"""A proposal's results as the CRM counts them (docs/crm.md, "Market development funds").

The CRM sync (``channelops/crm``, a layer above) reads each synced Campaign's leads and pipeline
and hands the figures to :func:`proposal_crm_results_set`; nothing here knows the CRM. The figures
are written with ``QuerySet.update`` (no history row, ``updated_at`` untouched): they are the
CRM's numbers, not an edit by a person, and writing them must not make the proposal look changed
to the outbound sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Proposal

MAX_PIPELINE = Decimal("999999999999.99")  # max_digits=14, decimal_places=2


@dataclass(frozen=True)
class CrmResults:
    leads: int
    pipeline: Decimal


def crm_results_problem(results: CrmResults) -> str:
    """Why these figures cannot be kept ("" when they can)."""
    if results.leads < 0:
        return _("The number of leads cannot be negative (%(n)s).") % {"n": results.leads}
    if results.pipeline < 0 or results.pipeline > MAX_PIPELINE:
        return _("The pipeline must be between 0 and %(max)s (%(n)s).") % {
            "max": MAX_PIPELINE,
            "n": results.pipeline,
        }
    return ""


def proposal_crm_results_set(figures: dict[int, CrmResults], *, at: datetime) -> int:
    """Keep the CRM's leads and pipeline of these proposals (by id) as read at ``at``; how many
    proposals' figures changed. Invalid figures raise ``ValidationError`` and nothing is written.
    Unknown proposal ids are ignored. Two queries plus one per proposal whose figures changed."""
    problems = {pk: p for pk, r in figures.items() if (p := crm_results_problem(r))}
    if problems:
        raise ValidationError(
            "; ".join(
                _("Proposal %(pk)s: %(problem)s") % {"pk": pk, "problem": p}
                for pk, p in sorted(problems.items())
            )
        )
    if not figures:
        return 0
    changed = 0
    with transaction.atomic():
        current = Proposal.objects.filter(pk__in=list(figures)).values_list("pk", "crm_leads", "crm_pipeline")
        for pk, leads, pipeline in current:
            new = figures[pk]
            pipeline_new = new.pipeline.quantize(Decimal("0.01"))
            if leads != new.leads or pipeline != pipeline_new:
                Proposal.objects.filter(pk=pk).update(crm_leads=new.leads, crm_pipeline=pipeline_new)
                changed += 1
        Proposal.objects.filter(pk__in=list(figures)).update(crm_results_at=at)
    return changed
