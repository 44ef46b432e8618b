"""Agreement pages, split by sub-domain: the portal (partner people) and the console (staff).

Every write calls a service; reads start from ``visible_to(user)``. ``urls.py`` refers to the
views through this package.
"""

from .console_diff import console_diff
from .console_report import console_report
from .console_requests import (
    console_legal_offer,
    console_legal_request,
    console_legal_requests,
    console_legal_withdraw,
    console_region_exception,
    console_region_exceptions,
)
from .console_versions import (
    console_template,
    console_templates,
    console_version,
    console_version_publish,
    console_version_translation,
)
from .portal import (
    portal_agreements,
    portal_legal_request,
    portal_legal_requests,
    portal_legal_withdraw,
    portal_region_request,
    portal_version,
)

__all__ = [
    "portal_agreements",
    "portal_region_request",
    "portal_version",
    "portal_legal_requests",
    "portal_legal_request",
    "portal_legal_withdraw",
    "console_templates",
    "console_version_translation",
    "console_template",
    "console_version",
    "console_version_publish",
    "console_diff",
    "console_report",
    "console_region_exceptions",
    "console_region_exception",
    "console_legal_requests",
    "console_legal_request",
    "console_legal_offer",
    "console_legal_withdraw",
]
