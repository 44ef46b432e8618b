from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "channelops.partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from channelops.core.schedules import register_schedule

        from . import signals  # noqa: F401
        from .queues import register

        register()
        register_schedule(
            name="engagement_rollup",
            rule="FREQ=HOURLY;BYMINUTE=7",
            task="channelops.partners.tasks.engagement_rollup_task",
            description="Roll engagement events up per partner and day, and refresh the scores.",
        )
