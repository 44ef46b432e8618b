"""Reads of the asset library: who sees which asset.

- staff with ``assets.view_asset`` (channel marketing, PHD specialists, CAMs, channel leadership,
  administrators): every asset, drafts, archived and expired ones included;
- a partner person: published assets that have not expired, whose tiers include their partner's
  tier (no tier: every tier) and whose programs include one of their partner's programs (no
  program: every program);
- anyone else: nothing.

The tier and program checks are ``EXISTS`` subqueries on the partner id: no extra query, no
duplicate rows, whatever the number of assets.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

VIEW_PERM = "assets.view_asset"
MANAGE_PERM = "assets.manage_asset"


def _active(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def may_view_assets(user: Any) -> bool:
    """Staff who see the console's asset library."""
    return _active(user) and user.is_staff and user.has_perm(VIEW_PERM)


def may_manage_assets(user: Any) -> bool:
    """Staff who create, edit, publish and upload assets (channel marketing, administrators)."""
    return _active(user) and user.is_staff and user.has_perm(MANAGE_PERM)


class AssetQuerySet(models.QuerySet):
    def published(self) -> AssetQuerySet:
        return self.filter(status="published")

    def unexpired(self, today: Any = None) -> AssetQuerySet:
        today = today or timezone.localdate()
        return self.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))

    def for_partner(self, partner_id: int) -> AssetQuerySet:
        """Published, unexpired assets whose tiers and programs let partner ``partner_id`` in."""
        from channelops.partners.models import Partner

        model: Any = self.model
        tiers = model.tiers.through.objects.filter(asset_id=OuterRef("pk"))
        programs = model.programs.through.objects.filter(asset_id=OuterRef("pk"))
        # The partner's tier and programs as uncorrelated subqueries: evaluated once per query.
        tier_id = Subquery(Partner.objects.filter(pk=partner_id).values("tier_id")[:1])
        program_ids = Partner.programs.through.objects.filter(partner_id=partner_id).values("program_id")
        return (
            self.published()
            .unexpired()
            .filter(~Exists(tiers) | Exists(tiers.filter(tier_id=tier_id)))
            .filter(~Exists(programs) | Exists(programs.filter(program_id__in=program_ids)))
        )

    def visible_to(self, user: Any) -> AssetQuerySet:
        if not _active(user):
            return self.none()
        if user.is_staff:
            return self if user.has_perm(VIEW_PERM) else self.none()
        pid = user.partner_id
        if pid is None:
            return self.none()
        return self.for_partner(pid)

    def search(self, text: str) -> AssetQuerySet:
        """Title, description or a tag's name contains ``text`` (each word, in any of them)."""
        qs = self
        model: Any = self.model
        for word in (text or "").split()[:8]:
            tagged = model.tags.through.objects.filter(asset_id=OuterRef("pk"), tag__name__icontains=word)
            qs = qs.filter(Q(title__icontains=word) | Q(description__icontains=word) | Exists(tagged))
        return qs
