from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "channelops.crm"
    label = "crm"
    verbose_name = _("CRM sync")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.urls import reverse

        from channelops.accounts.roles import ADMINISTRATOR, PHD
        from channelops.core.crm import register_crm_writer, register_partner_crm_status
        from channelops.core.events import event_published
        from channelops.core.navigation import CONSOLE, NavItem, register_nav
        from channelops.core.outbox import email_delivered
        from channelops.core.queues import WorkQueue, register_queue
        from channelops.core.schedules import register_schedule
        from channelops.core.status import GREEN, GREY, ORANGE, RED, register_status_colors

        from . import activities, querysets, writers

        register_crm_writer("crm.partner_update", writers.write_partner_update)
        register_crm_writer("crm.activity", writers.write_activity)
        register_crm_writer("crm.task", writers.write_activity)
        email_delivered.register(activities.log_email)
        event_published.register(activities.log_review)
        register_partner_crm_status(querysets.partner_status)
        register_queue(
            WorkQueue(
                key="crm_sync_errors",
                title=_("CRM sync errors"),
                description=_(
                    "Records the CRM refused and CRM changes that could not be applied: fix the record "
                    "(here or in the CRM); the next sync run retries it."
                ),
                items=lambda user: querysets.open_errors(),
                url=lambda: reverse("console:crm") + "#errors",
                roles=frozenset({PHD, ADMINISTRATOR}),
            )
        )
        register_status_colors(
            "crm_run",
            {"running": GREY, "succeeded": GREEN, "partial": ORANGE, "paused": ORANGE, "failed": RED},
        )
        register_nav(
            NavItem(
                area=CONSOLE,
                group="admin",
                key="crm",
                label=_("CRM sync"),
                url_name="console:crm",
                icon="refresh",
                perm="crm.view_syncrun",
                order=197,
            )
        )
        register_schedule(
            name="crm_sync",
            rule=f"FREQ=MINUTELY;INTERVAL={max(1, settings.CRM_SYNC_MINUTES)}",
            task="channelops.crm.tasks.crm_sync_task",
            description="Incremental CRM sync both ways (nothing when no CRM is connected).",
        )
