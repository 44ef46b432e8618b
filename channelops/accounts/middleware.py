"""Staff must use multi-factor authentication before they reach the console."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .services import user_has_mfa

PROTECTED_PREFIXES = ("/console/", "/accounts/tokens/")


class StaffMfaRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith(PROTECTED_PREFIXES)
            and not user_has_mfa(user)
        ):
            messages.warning(
                request, _("Staff accounts must set up an authenticator app before using the console.")
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
