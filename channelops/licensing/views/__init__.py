"""Licensing pages, split by sub-domain (``urls.py`` refers to the views through this package):

- :mod:`.portal_requests` — the partner's NFR requests in the portal (list, new request, a request: answer and amend, withdraw);
- :mod:`.console_requests` — the console's queue ("spreadsheet"), a request on a partner's behalf,
  the review (reject, ask, correct, approve);
- :mod:`.message_templates` — the staff-editable e-mail templates;
- :mod:`.licenses` — license pages in the portal and the console (file, renewal, revocation).

Every write calls a service; reads start from ``visible_to(user)``.
"""

from .console_requests import (
    console_nfr_request,
    console_nfr_request_approve,
    console_nfr_request_ask,
    console_nfr_request_correct,
    console_nfr_request_new,
    console_nfr_request_reject,
    console_nfr_requests,
    console_nfr_requests_export,
)
from .licenses import (
    console_license,
    console_license_file,
    console_license_revoke,
    console_licenses,
    portal_license,
    portal_license_file,
    portal_licenses,
)
from .message_templates import console_message_template, console_message_templates
from .portal_requests import (
    portal_nfr_request,
    portal_nfr_request_new,
    portal_nfr_request_withdraw,
    portal_nfr_requests,
)

__all__ = [
    "portal_nfr_requests",
    "portal_nfr_request_new",
    "portal_nfr_request",
    "portal_nfr_request_withdraw",
    "console_nfr_requests",
    "console_nfr_requests_export",
    "console_nfr_request_new",
    "console_nfr_request",
    "console_nfr_request_reject",
    "console_nfr_request_ask",
    "console_nfr_request_approve",
    "console_nfr_request_correct",
    "console_message_templates",
    "console_message_template",
    "portal_licenses",
    "portal_license",
    "portal_license_file",
    "console_licenses",
    "console_license",
    "console_license_file",
    "console_license_revoke",
]
