"""Operator endpoints (liveness, readiness) and the site icon."""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_safe

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
