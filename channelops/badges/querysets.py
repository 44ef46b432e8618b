"""Reads for badges: staff see every badge; partner people only their partner's."""

from __future__ import annotations

from channelops.partners.querysets import PartnerScopedQuerySet


class BadgeQuerySet(PartnerScopedQuerySet):
    def for_list(self) -> BadgeQuerySet:
        return self.select_related("partner", "certification")
