"""Keeping the "who has not (re-)accepted" table current (docs/agreements.md, issue 13).

``AgreementCompliance`` holds, per active partner and applicable agreement, the rows
``querysets.compute_not_accepted`` computes. It is refreshed

- for one partner, inside the change's transaction, when the agreement services record an
  acceptance, offer a custom version, open or close a legal request or decide a region exception,
  and when the partner services create or change a partner (status, region, programs);
- for every partner when a general version is published or a template's rules change, and
  nightly (``agreement_compliance_refresh``) as a safety net;
- on demand: ``channelops agreement_compliance --refresh``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from .models import AgreementCompliance
from .querysets import compute_not_accepted

FIELDS = (
    "current_id",
    "accepted_version",
    "accepted_at",
    "negotiating",
    "reaccept_by",
    "partner_name",
    "region",
)


@transaction.atomic
def compliance_refresh(*, partner_ids: Iterable[int] | None = None) -> int:
    """Recompute the rows of ``partner_ids`` (default: every partner); returns how many there are.

    Only the difference is written: rows that no longer apply are deleted, changed ones updated,
    new ones inserted — a nightly run over an unchanged program writes nothing."""
    pids = sorted(set(partner_ids)) if partner_ids is not None else None
    wanted = {
        (r.partner_id, r.template.pk): AgreementCompliance(
            partner_id=r.partner_id,
            template_id=r.template.pk,
            current_id=r.current.pk,
            accepted_version=r.accepted_version,
            accepted_at=r.accepted_at,
            negotiating=r.state == "negotiating",
            reaccept_by=r.current.reaccept_by,
            partner_name=r.partner_name,
            region=r.region,
        )
        for r in compute_not_accepted(partner_ids=pids)
    }
    existing = AgreementCompliance.objects.all()
    if pids is not None:
        existing = existing.filter(partner_id__in=pids)
    have = {(row.partner_id, row.template_id): row for row in existing}
    gone = [row.pk for key, row in have.items() if key not in wanted]
    changed = []
    for key, row in have.items():
        new = wanted.get(key)
        if new is not None and any(getattr(row, f) != getattr(new, f) for f in FIELDS):
            for f in FIELDS:
                setattr(row, f, getattr(new, f))
            changed.append(row)
    for i in range(0, len(gone), 500):
        AgreementCompliance.objects.filter(pk__in=gone[i : i + 500]).delete()
    AgreementCompliance.objects.bulk_update(changed, FIELDS, batch_size=1000)
    AgreementCompliance.objects.bulk_create(
        [row for key, row in wanted.items() if key not in have], batch_size=1000
    )
    return len(wanted)


def refresh_partner(*, partner: Any, **_kwargs: Any) -> None:
    """Hook function (partners.hooks.partner_created / partner_changed): that partner's rows."""
    compliance_refresh(partner_ids=[partner.pk])


def refresh_all(**_kwargs: Any) -> None:
    compliance_refresh()
