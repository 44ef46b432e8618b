from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "channelops.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from django.core import checks

        from . import crm, outbox  # noqa: F401  (register the e-mail and crm.task handlers)
        from .deploy_checks import check_deployment_settings

        checks.register(check_deployment_settings, checks.Tags.security, deploy=True)
        from django.db.models.signals import post_migrate

        post_migrate.connect(_ensure_search_index, dispatch_uid="channelops.core.search_index")
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
        register_schedule(
            name="files_sweep",
            rule="FREQ=DAILY;BYHOUR=4;BYMINUTE=15",
            task="channelops.core.tasks.files_sweep",
            description="Delete stored files no row names (left by a process killed mid-write).",
        )


def _ensure_search_index(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After ``migrate`` (once, after the last app): build the search index if it is empty."""
    from django.apps import apps

    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    if with_models and sender is with_models[-1]:
        from .search import ensure_index

        ensure_index(using)
