from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgreementsConfig(AppConfig):
    name = "channelops.agreements"
    label = "agreements"
    verbose_name = _("Agreements")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from channelops.core.schedules import register_schedule
        from channelops.core.status import (
            BLUE,
            GREEN,
            GREY,
            ORANGE,
            PURPLE,
            RED,
            YELLOW,
            register_status_colors,
        )

        from . import services  # noqa: F401  (registers the outbox handler)
        from .attention import register_attention_items
        from .defaults import ensure_defaults
        from .queues import register

        register()
        # what a partner must do about an agreement (querysets.State)
        register_status_colors(
            "agreement_state",
            {"accepted": GREEN, "due": YELLOW, "overdue": RED, "required": ORANGE, "negotiating": PURPLE},
        )
        register_status_colors("agreement_version", {"draft": BLUE, "published": GREEN})
        register_status_colors("region_exception", {"pending": YELLOW, "approved": GREEN, "denied": RED})
        register_status_colors(
            "legal_request", {"open": YELLOW, "offered": BLUE, "accepted": GREEN, "withdrawn": GREY}
        )
        register_attention_items()
        from channelops.partners import hooks as partner_hooks

        from .compliance import refresh_partner

        # A partner's status, region or programs decide what it must accept (compliance.py).
        partner_hooks.partner_created.register(refresh_partner)
        partner_hooks.partner_changed.register(refresh_partner)
        post_migrate.connect(ensure_defaults, sender=self)
        post_migrate.connect(_fill_compliance_after_upgrade, sender=self)
        register_schedule(
            name="agreement_reminders",
            rule="FREQ=DAILY;BYHOUR=8;BYMINUTE=15",
            task="channelops.agreements.tasks.reaccept_reminders_task",
            description="Remind partners whose agreement re-acceptance deadline is near or has passed.",
        )
        register_schedule(
            name="agreement_compliance_refresh",
            rule="FREQ=DAILY;BYHOUR=3;BYMINUTE=5",
            task="channelops.agreements.tasks.compliance_refresh_task",
            description="Rebuild the table of agreements not accepted in their current version (a safety net).",
        )

        from .search import register as register_search

        register_search()  # legal requests in the global search (channelops/core/search.py)


def _fill_compliance_after_upgrade(plan: list | None = None, **_kwargs: object) -> None:
    """The migration that creates the compliance table leaves it empty: fill it once, right after
    that migration ran (an existing installation's upgrade). Later the services keep it current."""
    if not plan or not any(
        getattr(migration, "app_label", "") == "agreements"
        and migration.name == "0003_compliance"
        and not backwards
        for migration, backwards in plan
    ):
        return
    from .compliance import compliance_refresh

    compliance_refresh()
