from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "channelops.partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from channelops.core.i18n import register_recipient_languages
        from channelops.core.schedules import register_schedule
        from channelops.core.status import BLUE, GREY, register_status_colors

        from . import signals  # noqa: F401
        from .defaults import ensure_defaults
        from .languages import people_languages
        from .queues import register
        from .search import register as register_search

        register()
        register_recipient_languages(people_languages)  # e-mails in each recipient's language
        register_search()  # partners, people and applications in the global search
        # Status badges (core/status.py): an applied partner waits for activation; an application
        # whose e-mail address is not confirmed yet is not in anyone's queue.
        register_status_colors("partner", {"applied": BLUE})
        register_status_colors("application", {"unverified": GREY})
        post_migrate.connect(ensure_defaults, sender=self)
        register_schedule(
            name="engagement_rollup",
            rule="FREQ=HOURLY;BYMINUTE=7",
            task="channelops.partners.tasks.engagement_rollup_task",
            description="Roll engagement events up per partner and day, and refresh the scores.",
        )
