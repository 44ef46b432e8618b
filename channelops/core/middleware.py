"""Reject NUL characters in input before they reach a database that cannot store them."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext_lazy as _

MESSAGE = _("The request contains a NUL character (\\x00), which is not allowed in any field.")


class RejectNulCharactersMiddleware:
    """PostgreSQL text fields cannot hold NUL; SQLite would store it silently. Either way it is
    never meaningful input, so every request carrying one (query string, form fields, JSON body)
    is refused with 400 and changes nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": str(MESSAGE)}, status=400)
            return HttpResponseBadRequest(str(MESSAGE))
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.GET.items()):
            return True
        if request.method in {"POST", "PUT", "PATCH"}:
            content_type = request.content_type or ""
            if content_type == "application/json":
                body = request.body
                return b"\\u0000" in body or b"\x00" in body
            if content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
                if request.path.startswith("/api/"):
                    # The API reads request.body itself; reading POST first would consume the stream.
                    _body = request.body
                return any("\x00" in v for values in request.POST.lists() for v in values[1])
        return False


class ServicePermissionErrorMiddleware:
    """Services raise ``PermissionError`` when the acting person may not do something; a page
    answers that with the same 403 as Django's ``PermissionDenied`` (the API maps it itself)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PermissionError):
            from django.core.exceptions import PermissionDenied
            from django.views.defaults import permission_denied

            return permission_denied(request, PermissionDenied(str(exception)))
        return None
