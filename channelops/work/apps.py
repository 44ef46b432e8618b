from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "channelops.work"
    label = "work"
    verbose_name = _("Work")

    def ready(self) -> None:
        from .attention import register_attention_items

        register_attention_items()  # the portal home's items (core/attention.py)
        from django.db.models.signals import post_migrate

        from channelops.core.schedules import register_schedule
        from channelops.core.status import BLUE, GREEN, GREY, RED, YELLOW, register_status_colors

        from . import gitlab_mirror, partner_hooks  # gitlab_mirror also registers its outbox handler
        from .defaults import ensure_defaults
        from .hooks import work_item_changed
        from .queues import register

        register()
        register_status_colors(
            "work",
            {"open": BLUE, "in_progress": YELLOW, "blocked": RED, "done": GREEN, "cancelled": GREY},
        )
        register_status_colors("epic", {"open": BLUE, "closed": GREY})
        partner_hooks.register()  # default journeys and workflows on partner changes
        from . import auto_tasks

        auto_tasks.register()  # tasks the data answers tick themselves (after the journeys: registered later)
        work_item_changed.register(gitlab_mirror.on_work_item_changed)  # registered first: the mirror
        post_migrate.connect(ensure_defaults, sender=self)
        register_schedule(
            name="work_escalations",
            rule="FREQ=DAILY;BYHOUR=7;BYMINUTE=30",
            task="channelops.work.tasks.overdue_tasks_escalate_task",
            description=(
                "E-mail the DRI of each overdue task, then the lead of the assignee's team; "
                "run the registered escalators (overdue questions)."
            ),
        )
        register_schedule(
            name="work_escalators_hourly",
            rule="FREQ=HOURLY;BYMINUTE=25",
            task="channelops.work.tasks.escalators_run_task",
            description="Run the registered escalators (overdue help-desk questions) every hour.",
        )
        from .search import register as register_search

        register_search()  # work items in the global search (channelops/core/search.py)
