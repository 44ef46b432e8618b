"""Reads for licensing: staff see everything; partner people only their partner's requests and licenses."""

from __future__ import annotations

from channelops.partners.querysets import PartnerScopedQuerySet


class NfrRequestQuerySet(PartnerScopedQuerySet):
    def open(self) -> NfrRequestQuerySet:
        return self.filter(status__in=("submitted", "needs_info"))


class LicenseQuerySet(PartnerScopedQuerySet):
    def active(self) -> LicenseQuerySet:
        return self.filter(revoked_at__isnull=True)


class RequestEventQuerySet(PartnerScopedQuerySet):
    partner_field = "request__partner_id"


class LicenseReminderQuerySet(PartnerScopedQuerySet):
    partner_field = "license__partner_id"
