from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "channelops.helpdesk"
    label = "helpdesk"
    verbose_name = _("Help desk")

    def ready(self) -> None:
        from .attention import register_attention_items

        register_attention_items()  # the portal home's items (core/attention.py)
        from django.db.models.signals import post_migrate

        from channelops.core.schedules import register_schedule
        from channelops.core.status import BLUE, GREEN, GREY, ORANGE, RED, YELLOW, register_status_colors

        from . import crm  # noqa: F401  (registers the crm.partner_update outbox handler)
        from .defaults import ensure_defaults
        from .queues import register

        register()
        from channelops.work.services.escalation import register_escalator

        from .question_services import questions_escalate_overdue

        register_escalator("questions", questions_escalate_overdue)
        from .inbound import register as register_inbound

        register_inbound()  # e-mail to the help-desk address becomes questions and replies
        register_status_colors("review", {"open": YELLOW, "done": GREEN, "overdue": ORANGE})
        from channelops.core.files import register_file_references

        register_file_references("attachment", _stored_attachments)
        register_status_colors("review_item", {"passed": GREEN, "failed": RED, "unknown": GREY})
        register_status_colors("faq", {"draft": GREY, "published": GREEN})
        register_status_colors(
            "question",
            {
                "new": BLUE,
                "open": YELLOW,
                "waiting": GREY,
                "resolved": GREEN,
                "closed": GREY,
                "overdue": ORANGE,
            },
        )
        _register_nav()
        post_migrate.connect(ensure_defaults, sender=self)
        register_schedule(
            name="reviews_materialise",
            rule="FREQ=DAILY;BYHOUR=5;BYMINUTE=30",
            task="channelops.helpdesk.tasks.reviews_materialise_task",
            description="Create the PHD account reviews due (weekly, monthly, quarterly rotation).",
        )


def _register_nav() -> None:
    """The portal's Help and the console's FAQ (every staff person reads the published articles)."""
    from channelops.core.navigation import CONSOLE, PORTAL, NavItem, register_nav

    register_nav(
        NavItem(
            area=PORTAL,
            group="home",
            key="help",
            label=_("Help"),
            url_name="portal:help",
            icon="help",
            order=25,
        )
    )
    register_nav(
        NavItem(
            area=CONSOLE,
            group="work",
            key="faq",
            label=_("FAQ"),
            url_name="console:faq",
            icon="help",
            order=25,
        )
    )
    register_nav(
        NavItem(
            area=CONSOLE,
            group="work",
            key="questions",
            label=_("Questions"),
            url_name="console:questions",
            icon="inbox",
            order=24,
        )
    )


def _stored_attachments() -> list[str]:
    from .question_models import QuestionAttachment

    return list(QuestionAttachment.objects.values_list("file", flat=True))
