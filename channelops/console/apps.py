from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "channelops.console"
    label = "console"
    verbose_name = _("Staff console")

    def ready(self) -> None:
        from django.urls import reverse

        from . import nav

        nav.register()

        from channelops.core.models import OutboxMessage, OutboxStatus
        from channelops.core.queues import WorkQueue, register_queue

        register_queue(
            WorkQueue(
                key="outbox_dead",
                title=_("Undelivered messages (dead letters)"),
                description=_("Side effects that failed after every retry."),
                items=lambda user: OutboxMessage.objects.filter(status=OutboxStatus.DEAD),
                url=lambda: reverse("console:dead_letters"),
                roles=frozenset({"administrator", "channel_leadership"}),
            )
        )
