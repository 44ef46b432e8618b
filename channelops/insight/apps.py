from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightConfig(AppConfig):
    name = "channelops.insight"
    label = "insight"
    verbose_name = _("Program insight")

    def ready(self) -> None:
        from channelops.core.navigation import CONSOLE, NavItem, register_nav
        from channelops.core.schedules import register_schedule
        from channelops.partners import hooks as partner_hooks

        from .services import refresh_partner_now

        partner_hooks.partner_created.register(refresh_partner_now)
        partner_hooks.partner_changed.register(refresh_partner_now)
        register_schedule(
            name="insight_refresh_month",
            rule="FREQ=HOURLY;BYMINUTE=17",
            task="channelops.insight.tasks.refresh_current_month",
            description="Recompute this month's program-overview rollup (after the hourly engagement rollup).",
        )
        register_schedule(
            name="insight_refresh_year",
            rule="FREQ=DAILY;BYHOUR=2;BYMINUTE=37",
            task="channelops.insight.tasks.refresh_recent_months",
            description="Recompute the program-overview rollup of the last 13 months (status history corrections).",
        )
        register_nav(
            NavItem(
                area=CONSOLE,
                group="work",
                key="overview",
                label=_("Program overview"),
                url_name="console:overview",
                icon="chart-bar",
                order=-10,
            )
        )
        register_nav(
            NavItem(
                area=CONSOLE,
                group="work",
                key="engagement",
                label=_("Engagement analytics"),
                url_name="console:engagement",
                icon="report",
                order=-5,
            )
        )
