from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboundConfig(AppConfig):
    name = "channelops.inbound"
    label = "inbound"
    verbose_name = _("Inbound e-mail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings

        from channelops.core.navigation import CONSOLE, NavItem, register_nav
        from channelops.core.schedules import register_schedule
        from channelops.core.status import GREEN, GREY, ORANGE, RED, register_status_colors

        from . import webhooks

        webhooks.connect()
        register_status_colors(
            "inbound",
            {"received": GREY, "routed": GREEN, "ignored": GREY, "dead": RED, "discarded": ORANGE},
        )
        register_nav(
            NavItem(
                area=CONSOLE,
                group="admin",
                key="inbound",
                label=_("Inbound e-mail"),
                url_name="console:inbound_messages",
                icon="mail",
                perm="inbound.view_inboundmessage",
                order=198,
            )
        )
        register_schedule(
            name="inbound_mail",
            rule=f"FREQ=MINUTELY;INTERVAL={max(1, settings.INBOUND_POLL_SECONDS // 60)}",
            task="channelops.inbound.tasks.inbound_task",
            description="Poll the inbound IMAP mailbox (when configured) and route stored messages.",
        )
