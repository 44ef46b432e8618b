from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BadgesConfig(AppConfig):
    name = "channelops.badges"
    label = "badges"
    verbose_name = _("Badges")

    def ready(self) -> None:
        from channelops.enablement.hooks import practitioner_records_changed

        from .services import on_records_changed  # also registers the badges.sign outbox handler

        practitioner_records_changed.register(on_records_changed)

        from channelops.core.status import BLUE, GREEN, ORANGE, RED, YELLOW, register_status_colors

        # Badge.state(): what the pages say about a badge
        register_status_colors(
            "badge", {"valid": GREEN, "expired": ORANGE, "revoked": RED, "pending": YELLOW, "signing": BLUE}
        )
