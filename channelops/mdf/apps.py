from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MdfConfig(AppConfig):
    name = "channelops.mdf"
    label = "mdf"
    verbose_name = _("Market development funds")

    def ready(self) -> None:
        from channelops.core.files import register_file_references

        register_file_references("proof", _stored_files)
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
        from .budget_nav import register as register_budget_nav

        register_budget_nav()
        register_status_colors(
            "mdf_claim",
            {"submitted": BLUE, "more_proof": ORANGE, "approved": GREEN, "rejected": RED, "paid": GREEN},
        )
        _register_proposals()


def _register_proposals() -> None:
    """The portal's and the console's "Marketing funds" (proposals), and the routing's startup check."""
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


def _stored_files() -> list[str]:
    from .models import ProofFile

    return list(ProofFile.objects.values_list("file", flat=True))
