"""What every tab of the partner page shares: the tab, the row limit, the permissions, URL and first-rows helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, QuerySet, Window
from django.urls import reverse
from django.utils.functional import Promise

from channelops.partners.models import Partner

LIMIT = 10  # rows per table; the rest behind "See all N"

NFR_PERM = "licensing.view_nfrrequest"
LICENSE_PERM = "licensing.view_license"
RECORDS_PERM = "enablement.view_practitionerrecord"
BADGES_PERM = "badges.view_badge"
CONTACTS_PERM = "partners.view_contact"
LEGAL_PERM = "agreements.view_legalrequest"
ENGAGEMENT_PERM = "partners.view_engagementdaily"


@dataclass(frozen=True)
class Section:
    key: str
    label: str | Promise
    icon: str
    template: str
    build: Callable[[Any, Partner], dict[str, Any]]
    allowed: Callable[[Any], bool] = lambda user: True


def url(name: str, *args: Any, **params: Any) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(params)}" if params else url


def first_rows(qs: QuerySet) -> tuple[list[Any], int]:
    """The first ``LIMIT`` rows and the number in all (``COUNT(*) OVER ()``): one query, whatever the size."""
    rows = list(qs.annotate(rows_in_all=Window(Count("pk")))[:LIMIT])
    return rows, (rows[0].rows_in_all if rows else 0)
