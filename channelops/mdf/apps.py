from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MdfConfig(AppConfig):
    name = "channelops.mdf"
    label = "mdf"
    verbose_name = _("Market development funds")

    def ready(self) -> None:
        from channelops.core.files import register_file_references
        from channelops.core.schedules import register_schedule
        from channelops.core.status import BLUE, GREEN, GREY, ORANGE, RED, YELLOW, register_status_colors

        register_file_references("proof", _stored_files)
        register_schedule(
            name="mdf_claim_deadlines",
            rule="FREQ=DAILY;BYHOUR=6;BYMINUTE=40",
            task="channelops.mdf.jobs.claim_deadlines_task",
            description="Release unclaimed MDF reservations past their claim deadline; remind before it.",
        )
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
        _register_nav()
        from .budget_nav import register as register_budget_nav

        register_budget_nav()  # MDF budgets and MDF results


def _register_nav() -> None:
    """The portal's and the console's "Marketing funds" (proposals), the console's claim queue, and
    the approval routing's startup check."""
    from django.core.checks import register

    from channelops.core.navigation import CONSOLE, PORTAL, NavItem, register_nav

    from .routing import check_routes

    register(check_routes)
    register_nav(
        NavItem(
            area=PORTAL,
            group="business",
            key="mdf",
            label=_("Marketing funds"),
            url_name="portal:mdf",
            icon="report",
            order=55,
        )
    )
    register_nav(
        NavItem(
            area=CONSOLE,
            group="requests",
            key="mdf",
            label=_("Marketing funds"),
            url_name="console:mdf",
            icon="report",
            perm="mdf.view_proposal",
            order=85,
        )
    )
    register_nav(
        NavItem(
            area=CONSOLE,
            group="requests",
            key="mdf_claims",
            label=_("MDF claims"),
            url_name="console:mdf_claims",
            icon="report",
            perm="mdf.view_proposal",
            order=86,
        )
    )


def _stored_files() -> list[str]:
    from .models import ProofFile

    return list(ProofFile.objects.values_list("file", flat=True))
