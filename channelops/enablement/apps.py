from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnablementConfig(AppConfig):
    name = "channelops.enablement"
    label = "enablement"
    verbose_name = _("Enablement")

    def ready(self) -> None:
        from .attention import register_attention_items

        register_attention_items()  # the portal home's items (core/attention.py)
        from django.db.models.signals import post_migrate

        from .defaults import ensure_defaults

        post_migrate.connect(ensure_defaults, sender=self)

        # Partner certifications (services/awards/): defaults after the catalog's, hooks, queue, daily job
        from .services import awards

        post_migrate.connect(
            awards.ensure_defaults, sender=self, dispatch_uid="enablement_partner_certifications"
        )
        awards.connect()

        # NFR eligibility (S7): "at least one employee holds SAC or PSE" counts practitioner records
        from channelops.licensing.eligibility import register_certification_source

        from .querysets import certified_people_count

        register_certification_source(certified_people_count)

        from channelops.core.status import BLUE, GREEN, GREY, ORANGE, RED, YELLOW, register_status_colors

        register_status_colors("certification", {"active": GREEN, "retired": GREY})
        register_status_colors("practitioner", {"certified": GREEN, "in_progress": YELLOW, "expired": ORANGE})
        register_status_colors(
            "import",
            {
                "queued": BLUE,
                "validating": YELLOW,
                "writing": YELLOW,
                "done": GREEN,
                "refused": ORANGE,
                "failed": RED,
            },
        )
        register_status_colors(
            "partner_certification",
            {
                "none": GREY,
                "invited": BLUE,
                "onboarding": YELLOW,
                "in_award": YELLOW,
                "awarded": GREEN,
                "under_review": ORANGE,
                "lapsed": RED,
            },
        )
        register_status_colors(
            "business_plan",
            {"draft": BLUE, "submitted": YELLOW, "accepted": GREEN, "returned": ORANGE, "superseded": GREY},
        )
        register_status_colors(
            "plan_entry", {"certified": GREEN, "planned": BLUE, "overdue": ORANGE, "in_progress": YELLOW}
        )
        register_status_colors("requirement", {"met": GREEN, "missing": ORANGE})
