"""Request guards: JSON errors for the API, no NUL characters in input, the Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _

MESSAGE = _("The request contains a NUL character (\\x00), which is not allowed in any field.")


API_PREFIX = "/api/"


class ApiJsonErrorsMiddleware:
    """Every error answer under ``/api/`` is JSON ``{"detail": ...}``, also those produced before
    django-ninja sees the request (docs/api.md, "Errors").

    - A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is read here first, so it answers a JSON 413
      instead of Django's HTML 400 (raised by the first ``request.body`` read, in a middleware).
    - Any other error answer that is not JSON (Django's 400 for a form with too many fields, its 404
      page for an unknown path, the plain-text 405) is replaced by ``{"detail": <reason>}`` with the
      same status and headers such as ``Allow``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            _body = request.body  # kept on the request for everything after this
        except RequestDataTooBig:
            return JsonResponse({"detail": "The request body is too large."}, status=413)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            json_response = JsonResponse({"detail": response.reason_phrase}, status=response.status_code)
            for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                if header in response:
                    json_response[header] = response[header]
            return json_response
        return response


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


# The data console (django-unfold) runs Alpine.js, which evaluates expressions with Function(),
# and sets style attributes in its templates; only administrators use it. Everything else gets the
# strict policy of settings.CONTENT_SECURITY_POLICY.
RELAXED_CSP_PREFIXES = ("/console/admin/",)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the data console's two relaxations (see above)."""

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.path.startswith(RELAXED_CSP_PREFIXES):
            response._csp_update = {  # type: ignore[attr-defined]
                "script-src": ["'unsafe-eval'"],
                "style-src": ["'unsafe-inline'"],
            }
        return super().process_response(request, response)
