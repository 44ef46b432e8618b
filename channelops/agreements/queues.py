"""The approvals queues (S3) on the console's work page: applications, region exceptions, legal requests."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from channelops.accounts.roles import ADMINISTRATOR, CAM, LEADERSHIP, LEGAL, PHD
from channelops.core.queues import WorkQueue, register_queue


def register() -> None:
    from channelops.partners.models import Application, ApplicationStatus

    from .models import ExceptionStatus, LegalRequest, RegionException

    register_queue(
        WorkQueue(
            key="applications",
            title=_("Partner applications to decide"),
            description=_("Verified applications waiting for approval or rejection."),
            items=lambda user: Application.objects.visible_to(user).filter(
                status=ApplicationStatus.SUBMITTED
            ),
            url=lambda: reverse("console:applications") + "?status=submitted",
            roles=frozenset({CAM, PHD, LEADERSHIP, ADMINISTRATOR}),
        )
    )
    register_queue(
        WorkQueue(
            key="region_exceptions",
            title=_("Region exceptions to decide"),
            description=_("Partners asking for their agreement to cover more than one region."),
            items=lambda user: RegionException.objects.visible_to(user).filter(
                status=ExceptionStatus.PENDING
            ),
            url=lambda: reverse("console:region_exceptions") + "?status=pending",
            roles=frozenset({LEADERSHIP, ADMINISTRATOR}),
        )
    )
    register_queue(
        WorkQueue(
            key="legal_requests",
            title=_("Open legal requests"),
            description=_("Partners negotiating agreement terms."),
            items=lambda user: LegalRequest.objects.visible_to(user).open(),
            url=lambda: reverse("console:legal_requests") + "?status=open",
            roles=frozenset({LEGAL, LEADERSHIP, ADMINISTRATOR}),
        )
    )
