"""The NFR request queue on the console's work page (S7 step 2)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from channelops.accounts.roles import ADMINISTRATOR, CAM, LEADERSHIP, PHD
from channelops.core.queues import WorkQueue, register_queue


def register() -> None:
    from .models import NfrRequest

    register_queue(
        WorkQueue(
            key="nfr_requests",
            title=_("Open NFR license requests"),
            description=_("Requests to review, and those waiting for the partner's answer."),
            items=lambda user: NfrRequest.objects.visible_to(user).open(),
            url=lambda: reverse("console:nfr_requests") + "?status=open",
            roles=frozenset({CAM, PHD, LEADERSHIP, ADMINISTRATOR}),
        )
    )
