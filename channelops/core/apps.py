from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "channelops.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.core import checks

        from . import outbox  # noqa: F401  (registers the e-mail handler)
        from .deploy_checks import check_deployment_settings

        checks.register(check_deployment_settings, checks.Tags.security, deploy=True)
        from .schedules import register_schedule

        register_schedule(
            name="outbox_sweep",
            rule="FREQ=MINUTELY;INTERVAL=1",
            task="channelops.core.tasks.deliver_outbox",
            description="Deliver due outbox messages and retries.",
        )
        register_schedule(
            name="database_analyze",
            rule="FREQ=DAILY;BYHOUR=3;BYMINUTE=45",
            task="channelops.core.tasks.database_analyze",
            description="Refresh SQLite's query-planner statistics (ANALYZE).",
        )
        register_schedule(
            name="prune_schedule_runs",
            rule="FREQ=DAILY;BYHOUR=3;BYMINUTE=15",
            task="channelops.core.tasks.prune_schedule_runs",
            description="Forget scheduler ledger rows older than 30 days.",
        )
