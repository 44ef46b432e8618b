from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MdfConfig(AppConfig):
    name = "channelops.mdf"
    label = "mdf"
    verbose_name = _("Market development funds")

    def ready(self) -> None:
        from channelops.core.schedules import register_schedule

        register_schedule(
            name="mdf_claim_deadlines",
            rule="FREQ=DAILY;BYHOUR=6;BYMINUTE=40",
            task="channelops.mdf.jobs.claim_deadlines_task",
            description="Release unclaimed MDF reservations past their claim deadline; remind before it.",
        )
        _register_nav()
        from channelops.core.status import BLUE, GREEN, GREY, ORANGE, RED, YELLOW, register_status_colors

        register_status_colors(
            "mdf_proposal",
            {
                "draft": GREY,
                "awaiting_cam": YELLOW,
                "submitted": BLUE,
                "changes_requested": ORANGE,
                "approved": GREEN,
                "rejected": RED,
                "withdrawn": GREY,
                "closed": GREY,
            },
        )
        register_status_colors(
            "mdf_claim",
            {"submitted": BLUE, "more_proof": ORANGE, "approved": GREEN, "rejected": RED, "paid": GREEN},
        )


def _register_nav() -> None:
    """The console's claim queue (staff who see MDF; the proposal pages add their own entries)."""
    from channelops.core.navigation import CONSOLE, NavItem, register_nav

    register_nav(
        NavItem(
            area=CONSOLE,
            group="requests",
            key="mdf_claims",
            label=_("MDF claims"),
            url_name="console:mdf_claims",
            icon="report",
            perm="mdf.view_proposal",
            order=80,
        )
    )
