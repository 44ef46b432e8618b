from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "channelops.licensing"
    label = "licensing"
    verbose_name = _("Licensing")

    def ready(self) -> None:
        from .attention import register_attention_items

        register_attention_items()  # the portal home's items (core/attention.py)
        from django.db.models.signals import post_migrate

        from channelops.accounts.privileges import register_privilege

        from . import delivery  # noqa: F401  (registers the licensing.email and crm.activity outbox handlers)
        from .defaults import ensure_defaults
        from .queues import register
        from .services import ISSUE_PERM, register_watchables

        register()
        register_watchables()
        _register_status_colors()
        post_migrate.connect(ensure_defaults, sender=self)
        register_privilege(
            ISSUE_PERM,
            label=_("Issue NFR licenses"),
            description=_(
                "Sign and send NFR licenses when approving requests (S7). Needs the PHD specialist role too."
            ),
        )

        from channelops.core.schedules import register_schedule

        register_schedule(
            name="license_reminders",
            rule="FREQ=DAILY;BYHOUR=7;BYMINUTE=45",
            task="channelops.licensing.tasks.license_reminders_task",
            description="E-mail license contacts and partner admins before their NFR licenses expire.",
        )
        from .search import register as register_search

        register_search()  # NFR requests and licenses in the global search (channelops/core/search.py)


def _register_status_colors() -> None:
    """NFR requests: waiting on the reviewer (blue), on the partner (orange), decided (green/red), withdrawn by the partner (grey).
    Licenses as :func:`~channelops.licensing.lifecycle.license_status` names them; eligibility checks."""
    from channelops.core.status import BLUE, GREEN, GREY, ORANGE, RED, YELLOW, register_status_colors

    register_status_colors(
        "nfr",
        {"submitted": BLUE, "needs_info": ORANGE, "approved": GREEN, "rejected": RED, "withdrawn": GREY},
    )
    register_status_colors("license", {"active": GREEN, "expiring": ORANGE, "expired": GREY, "revoked": RED})
    register_status_colors("eligibility", {"passed": GREEN, "approvable": YELLOW, "failed": RED})
    register_status_colors("delivery", {"sent": GREEN, "queued": GREY, "retrying": ORANGE, "dead": RED})
