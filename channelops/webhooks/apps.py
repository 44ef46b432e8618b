from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "channelops.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from channelops.core.navigation import CONSOLE, NavItem, register_nav
        from channelops.core.status import GREEN, GREY, ORANGE, RED, register_status_colors

        from . import listeners, services  # noqa: F401  (services registers the outbox handler)

        listeners.register()
        register_status_colors(
            "webhook_delivery",
            {"pending": GREY, "retrying": ORANGE, "succeeded": GREEN, "failed": RED, "skipped": GREY},
        )
        register_status_colors("webhook_endpoint", {"active": GREEN, "disabled": RED})
        register_nav(
            NavItem(
                area=CONSOLE,
                group="admin",
                key="webhooks",
                label=_("Webhooks"),
                url_name="console:webhooks",
                icon="send",
                perm="webhooks.view_webhookendpoint",
                order=196,
            )
        )
