from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "channelops.communications"
    label = "communications"
    verbose_name = _("Partner communications")

    def ready(self) -> None:
        from channelops.core.status import BLUE, GREEN, GREY, ORANGE, RED, YELLOW, register_status_colors

        register_status_colors(
            "mailing",
            {
                "draft": GREY,
                "scheduled": BLUE,
                "sending": YELLOW,
                "sent": GREEN,
                "cancelled": GREY,
            },
        )
        register_status_colors(
            "recipient",
            {
                "pending": GREY,
                "sending": YELLOW,
                "sent": GREEN,
                "failed": RED,
                "bounced": ORANGE,
                "suppressed": GREY,
            },
        )
        register_status_colors(
            "subscriber",
            {"pending": YELLOW, "subscribed": GREEN, "unsubscribed": GREY},
        )
        # Each part registers its own navigation, schedules, handlers and hooks here (one call per
        # part, so that parts built side by side never edit the same lines).
        from . import parts

        parts.ready()
