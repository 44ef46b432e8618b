"""Work queues this app contributes to the console's work page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from channelops.core.queues import WorkQueue, register_queue


def register() -> None:
    from .models import Partner, PartnerStatus

    register_queue(
        WorkQueue(
            key="partners_applied",
            title=_("Partners awaiting activation"),
            description=_("Partners in the 'applied' status."),
            items=lambda user: Partner.objects.visible_to(user).filter(status=PartnerStatus.APPLIED),
            url=lambda: reverse("console:directory") + "?status=applied",
        )
    )
    register_queue(
        WorkQueue(
            key="partners_unowned",
            title=_("Active partners without a CAM"),
            description=_("Active partners nobody owns yet."),
            items=lambda user: Partner.objects.visible_to(user).filter(
                status=PartnerStatus.ACTIVE, cam__isnull=True
            ),
            url=lambda: reverse("console:directory") + "?status=active&cam=none",
        )
    )
