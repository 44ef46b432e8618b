from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MdfConfig(AppConfig):
    name = "channelops.mdf"
    label = "mdf"
    verbose_name = _("Market development funds")

    def ready(self) -> None:
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
