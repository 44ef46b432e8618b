"""The console's partner page ("Partner 360", docs/partners.md): one tab per kind of record.

Each tab (``?tab=<key>``, plain links: no JavaScript needed) is a :class:`Section`: who may see it
(``allowed``, the same permissions the record's own console pages check) and what it shows
(``build``: :class:`channelops.core.listing.Table` s read from the owning app's querysets,
``Model.objects.visible_to(user).for_partner(partner)``). A tab runs only its own queries, a
fixed number whatever the partner's data size: each table shows its first ``LIMIT`` rows and
the number in all, with a "See all N" link to the filtered list page when there is one the
viewer may open. A row links to its detail page only when the viewer may open that page.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _l

from channelops.communications.views_metrics import may_see_partner_tab as may_see_comms_tab
from channelops.communications.views_metrics import partner_tab as comms_partner_tab

from .account import (
    agreements_tab,
    crm_url,
    engagement_tab,
    overview_tab,
    people_tab,
    reviews_tab,
    timeline_tab,
)
from .base import CONTACTS_PERM, ENGAGEMENT_PERM, LIMIT, RECORDS_PERM, Section
from .records import badges_tab, certifications_tab, enablement_tab, may_see_badges, may_see_nfr, nfr_tab
from .work import work_tab

__all__ = ["LIMIT", "SECTIONS", "SECTIONS_BY_KEY", "Section", "crm_url", "sections_for"]

SECTIONS: list[Section] = [
    Section("overview", _l("Overview"), "building", "console/partner360/overview.html", overview_tab),
    Section(
        "people",
        _l("People"),
        "users",
        "console/partner360/tables.html",
        people_tab,
        lambda u: u.has_perm(CONTACTS_PERM),
    ),
    Section(
        "agreements",
        _l("Agreements"),
        "file-certificate",
        "console/partner360/agreements.html",
        agreements_tab,
    ),
    Section("work", _l("Work"), "checklist", "console/partner360/tables.html", work_tab),
    Section("nfr", _l("NFR and licenses"), "license", "console/partner360/tables.html", nfr_tab, may_see_nfr),
    Section(
        "certifications",
        _l("Certifications"),
        "certificate",
        "console/partner360/tables.html",
        certifications_tab,
        lambda u: u.has_perm(RECORDS_PERM),
    ),
    Section(
        "badges", _l("Badges"), "shield-check", "console/partner360/tables.html", badges_tab, may_see_badges
    ),
    Section(
        "enablement",
        _l("Partner certifications and plans"),
        "award",
        "console/partner360/tables.html",
        enablement_tab,
    ),
    Section("reviews", _l("Reviews"), "clipboard-list", "console/partner360/tables.html", reviews_tab),
    Section(
        "mailings",
        _l("Partner Flash & mailings"),
        "mail",
        "communications/tracking/_partner_tab.html",
        comms_partner_tab,
        may_see_comms_tab,
    ),
    Section(
        "engagement",
        _l("Engagement"),
        "chart-bar",
        "console/partner360/engagement.html",
        engagement_tab,
        lambda u: u.has_perm(ENGAGEMENT_PERM),
    ),
    Section("timeline", _l("Timeline"), "clock", "console/partner360/timeline.html", timeline_tab),
]
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}


def sections_for(user: Any) -> list[Section]:
    """The tabs ``user`` may open (a tab not listed here answers 403)."""
    return [s for s in SECTIONS if s.allowed(user)]
