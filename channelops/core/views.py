"""Operator endpoints (liveness, readiness), the site icon, CSP reports and the CSRF failure page."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import RawPostDataException
from django.shortcuts import render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST, require_safe

from . import jsonlimits

log = logging.getLogger(__name__)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive (touches no database)."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_queue() -> str | None:
    backend = str(settings.TASKS["default"]["BACKEND"])
    try:
        if backend.startswith("django_tasks_rq"):
            import django_rq

            django_rq.get_connection("default").ping()
        elif backend.startswith("django_tasks_db"):
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.exists()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """The database and the task queue answer."""
    checks = {"database": _check_database(), "queue": _check_queue()}
    ok = all(v is None for v in checks.values())
    for name, problem in checks.items():
        if problem:
            log.error("readiness check %s failed: %s", name, problem)
    # The details (hosts, ports, driver messages) go to the log, not to the public answer.
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {k: ("ok" if v is None else "unavailable") for k, v in checks.items()},
    }
    return JsonResponse(body, status=200 if ok else 503)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the sign-in rate limits see it (proxy-aware: CHANNELOPS_TRUSTED_PROXY_COUNT)."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request) or None
    except Exception:
        return request.META.get("REMOTE_ADDR") or None


@cache
def _favicon_bytes() -> bytes:
    return (Path(__file__).resolve().parent.parent / "static" / "channelops" / "favicon.ico").read_bytes()


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on every page that names no icon (admin, API docs)."""
    return HttpResponse(_favicon_bytes(), content_type="image/vnd.microsoft.icon")


CSP_REPORT_MAX_BYTES = 16 * 1024


@csrf_exempt
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Browsers post Content-Security-Policy violations here (the policy's ``report-uri``); they
    are logged at WARNING for operators. Oversized or malformed reports are dropped."""
    try:
        body = request.body[: CSP_REPORT_MAX_BYTES + 1]
    except RawPostDataException:  # a form post (read by an earlier middleware) is no CSP report
        return HttpResponse(status=400)
    if len(body) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=413)
    try:
        report = jsonlimits.loads(body.decode("utf-8", "replace"), max_depth=8).get("csp-report", {})
    except (ValueError, AttributeError, jsonlimits.JsonTooDeep):
        return HttpResponse(status=400)
    log.warning(
        "CSP violation: %s blocked %s on %s",
        str(report.get("violated-directive", ""))[:200],
        str(report.get("blocked-uri", ""))[:200],
        str(report.get("document-uri", ""))[:200],
    )
    return HttpResponse(status=204)


def _error_page(
    request: HttpRequest, template: str, status: int, context: dict[str, Any] | None = None
) -> HttpResponse:
    return render(request, template, context or {}, status=status)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The CSRF check failed (an expired form, cookies blocked): say so in the site's layout."""
    return _error_page(request, "403_csrf.html", 403)
