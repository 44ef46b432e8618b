from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "channelops.agreements"
    label = "agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from channelops.core.schedules import register_schedule
        from channelops.core.status import (
            BLUE,
            GREEN,
            GREY,
            ORANGE,
            PURPLE,
            RED,
            YELLOW,
            register_status_colors,
        )

        from . import services  # noqa: F401  (registers the outbox handler)
        from .attention import register_attention_items
        from .defaults import ensure_defaults
        from .queues import register

        register()
        # what a partner must do about an agreement (querysets.State)
        register_status_colors(
            "agreement_state",
            {"accepted": GREEN, "due": YELLOW, "overdue": RED, "required": ORANGE, "negotiating": PURPLE},
        )
        register_status_colors("agreement_version", {"draft": BLUE, "published": GREEN})
        register_status_colors("region_exception", {"pending": YELLOW, "approved": GREEN, "denied": RED})
        register_status_colors(
            "legal_request", {"open": YELLOW, "offered": BLUE, "accepted": GREEN, "withdrawn": GREY}
        )
        register_attention_items()
        post_migrate.connect(ensure_defaults, sender=self)
        register_schedule(
            name="agreement_reminders",
            rule="FREQ=DAILY;BYHOUR=8;BYMINUTE=15",
            task="channelops.agreements.tasks.reaccept_reminders_task",
            description="Remind partners whose agreement re-acceptance deadline is near or has passed.",
        )
        from .search import register as register_search

        register_search()  # legal requests in the global search (channelops/core/search.py)
