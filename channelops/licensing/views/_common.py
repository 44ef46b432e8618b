"""Shared by the NFR request pages: submitting (and the duplicate it may find), the timeline, the
request's license."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from channelops.accounts.pages import SignedInRequest
from channelops.partners.models import Partner

from ..models import License, NfrRequest, RequestEvent, RequestStatus
from ..services import DuplicateRequestError, nfr_request_submit

FORM_FIELDS = ("contact_name", "contact_email", "plan", "seats", "term_months", "purpose", "is_renewal")

# Where a refused submission keeps the open request it duplicates, for the page's link.
_DUPLICATE = "nfr_duplicate"


def keep_duplicate(request: SignedInRequest, exc: DuplicateRequestError) -> None:
    """Keep the open request ``exc`` names for :func:`duplicate_of` (when the person may see it)."""
    existing = NfrRequest.objects.visible_to(request.user).filter(pk=exc.existing.pk).first()
    setattr(request, _DUPLICATE, existing)


def duplicate_of(request: HttpRequest) -> NfrRequest | None:
    """The open request a refused submission of this request duplicates, if the person may see it."""
    return getattr(request, _DUPLICATE, None)


def submit(request: SignedInRequest, partner: Partner, data: dict[str, Any]) -> NfrRequest:
    """``nfr_request_submit`` with a request form's data; a duplicate is kept for the page (and refused)."""
    try:
        return nfr_request_submit(partner=partner, by=request.user, **{f: data[f] for f in FORM_FIELDS})
    except DuplicateRequestError as exc:
        keep_duplicate(request, exc)
        raise


# The timeline's words and icons per event kind (unknown kinds show their name).
EVENT_KINDS: dict[str, tuple[Any, str, str]] = {
    "submitted": (gettext_lazy("Submitted"), "send", "blue"),
    "question": (gettext_lazy("Question"), "help", "orange"),
    "answer": (gettext_lazy("Answer"), "mail", "blue"),
    "rejected": (gettext_lazy("Rejected"), "x", "red"),
    "amended": (gettext_lazy("Amended by the partner"), "pencil", "blue"),
    "corrected": (gettext_lazy("Corrected by the help desk"), "pencil", "orange"),
    "withdrawn": (gettext_lazy("Withdrawn"), "arrow-left", "secondary"),
    "approved": (gettext_lazy("Approved"), "circle-check", "green"),
    "license_issued": (gettext_lazy("License signed"), "key", "green"),
    "license_emailed": (gettext_lazy("License e-mailed"), "mail", "green"),
    "crm_logged": (gettext_lazy("Logged in the CRM"), "database", "secondary"),
    "encouragement_sent": (gettext_lazy("Encouragement to certify sent"), "school", "secondary"),
    "requester_informed": (gettext_lazy("Requester informed"), "bell", "secondary"),
    "license_revoked": (gettext_lazy("License revoked"), "x", "red"),
    "reminder_sent": (gettext_lazy("Expiry reminder sent"), "clock", "orange"),
}


def _timeline(req: NfrRequest) -> list[RequestEvent]:
    """The request's events, oldest first, each with ``kind_label``, ``kind_icon`` and ``kind_color``."""
    events = list(RequestEvent.objects.filter(request=req).select_related("by").order_by("at", "pk"))
    for e in events:
        label, icon, color = EVENT_KINDS.get(e.kind, (e.kind, "info-circle", "secondary"))
        e.kind_label, e.kind_icon, e.kind_color = label, icon, color  # type: ignore[attr-defined]
    return events


def _license_of(req: NfrRequest) -> License | None:
    if req.status != RequestStatus.APPROVED:
        return None
    return License.objects.filter(request_id=req.pk).defer("file_text").first()
