"""Counts portal page views per partner and day (docs/insight.md, engagement analytics)."""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .services import portal_views_add

logger = logging.getLogger(__name__)


class PortalViewMiddleware:
    """A successful GET of a partner page (``partner_required`` set ``request.partner``) adds one
    to that partner's views of the day. Nothing else is recorded: no path, no person.

    The counts are kept in the process and written at most once per
    ``CHANNELOPS_PAGE_VIEW_FLUSH_SECONDS`` (by the request that finds the interval passed), so a
    page view costs no query; a process killed between two writes loses at most that interval's
    views (documented in docs/insight.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.counts: Counter[tuple[int, date]] = Counter()
        self.lock = threading.Lock()
        self.last_flush = time.monotonic()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        partner = getattr(request, "partner", None)
        if partner is not None and request.method == "GET" and response.status_code == 200:
            with self.lock:
                self.counts[(partner.pk, timezone.localdate())] += 1
            if time.monotonic() - self.last_flush >= settings.PAGE_VIEW_FLUSH_SECONDS:
                self.flush()
        return response

    def flush(self) -> None:
        with self.lock:
            counts, self.counts = dict(self.counts), Counter()
            self.last_flush = time.monotonic()
        if counts:
            try:
                portal_views_add(counts=counts)
            except DatabaseError:  # counting views must never break the page being shown
                logger.exception("Could not write %s portal page-view counters", len(counts))
