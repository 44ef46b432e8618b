from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "channelops.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from channelops.core.schedules import register_schedule
        from channelops.partners import hooks as partner_hooks
        from channelops.work.hooks import work_item_changed

        from .hooks import application_changed, register_watchables
        from .hooks import work_item_changed as on_work_item_changed

        register_watchables()
        partner_hooks.application_changed.register(application_changed)
        work_item_changed.register(on_work_item_changed)
        register_schedule(
            name="notification_digests",
            rule="FREQ=DAILY;BYHOUR=6;BYMINUTE=0",
            task="channelops.notifications.tasks.digests_send_task",
            description="E-mail each person's daily digest of the changes their notification rules caught.",
        )
