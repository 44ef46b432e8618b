"""Shared by the NFR request pages: the submit helper, the timeline, the request's license."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from channelops.core.forms import add_service_errors

from ..forms import NfrRequestForm
from ..models import License, NfrRequest, RequestEvent, RequestStatus
from ..services import DuplicateRequestError, nfr_request_submit

FORM_FIELDS = ("contact_name", "contact_email", "plan", "seats", "term_months", "purpose", "is_renewal")


def _submit(form: NfrRequestForm, *, partner: Any, by: Any, request: HttpRequest) -> tuple[Any, Any]:
    """Call the service with the form's data: (the new request or None, the duplicate or None)."""
    try:
        return nfr_request_submit(
            partner=partner, by=by, **{f: form.cleaned_data[f] for f in FORM_FIELDS}
        ), None
    except DuplicateRequestError as exc:
        add_service_errors(form, exc)
        existing = NfrRequest.objects.visible_to(request.user).filter(pk=exc.existing.pk).first()
        return None, existing
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None, None


# The timeline's words and icons per event kind (unknown kinds show their name).
EVENT_KINDS: dict[str, tuple[Any, str, str]] = {
    "submitted": (gettext_lazy("Submitted"), "send", "blue"),
    "question": (gettext_lazy("Question"), "help", "orange"),
    "answer": (gettext_lazy("Answer"), "mail", "blue"),
    "rejected": (gettext_lazy("Rejected"), "x", "red"),
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
