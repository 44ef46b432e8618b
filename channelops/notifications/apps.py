from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "channelops.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from channelops.accounts import hooks as account_hooks
        from channelops.core.schedules import register_schedule
        from channelops.partners import hooks as partner_hooks
        from channelops.work.hooks import work_item_changed

        from . import hooks
        from .hooks import application_changed, register_watchables
        from .hooks import work_item_changed as on_work_item_changed

        register_watchables()
        partner_hooks.application_changed.register(application_changed)
        work_item_changed.register(on_work_item_changed)
        # The rules suggested for each role (defaults.py): for new people and on role changes.
        account_hooks.person_created.register(hooks.defaults_on_person_created)
        account_hooks.person_access_changed.register(hooks.defaults_on_access_changed)
        partner_hooks.partner_person_added.register(hooks.defaults_on_partner_person_added)
        partner_hooks.partner_person_changed.register(hooks.defaults_on_partner_person_changed)
        register_schedule(
            name="notification_digests",
            rule="FREQ=DAILY;BYHOUR=6;BYMINUTE=0",
            task="channelops.notifications.tasks.digests_send_task",
            description="E-mail each person's daily digest of the changes their notification rules caught.",
        )
