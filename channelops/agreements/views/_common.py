"""Helpers shared by the agreement pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest
from django.utils.translation import gettext as _

PAGE_SIZE = 50
REPORT_PAGE_SIZE = 100


def add_errors(form: Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form (unknown fields become form-wide errors)."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def require_partner_admin(request: HttpRequest) -> None:
    if not request.membership.is_admin:  # type: ignore[attr-defined]
        raise PermissionDenied(_("Only your company's partner admins can do this."))


def require_perm(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):  # type: ignore[union-attr]
        raise PermissionDenied(_("Your role does not allow this."))
