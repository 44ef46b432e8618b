from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "channelops.work"
    label = "work"
    verbose_name = _("Work")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from channelops.core.schedules import register_schedule

        from . import gitlab_mirror, signals  # noqa: F401  (receivers; the GitLab outbox handler)
        from .defaults import ensure_defaults
        from .queues import register

        register()
        post_migrate.connect(ensure_defaults, sender=self)
        register_schedule(
            name="work_escalations",
            rule="FREQ=DAILY;BYHOUR=7;BYMINUTE=30",
            task="channelops.work.tasks.overdue_tasks_escalate_task",
            description="E-mail the DRI of each overdue task, then the lead of the assignee's team.",
        )
