"""The start-up registrations of each part of the app (navigation, schedules, hooks, handlers).

Each part owns one function below and fills it in; ``CommunicationsConfig.ready`` calls them all.
"""

from __future__ import annotations


def ready() -> None:
    sending_ready()
    audience_ready()
    editions_ready()
    tracking_ready()
    other_ready()


def sending_ready() -> None:
    """Sending (sending.py): outbox handlers, the sending task."""


def audience_ready() -> None:
    """Audience, consent, suppression and bounces (audience.py, consent.py, bounces.py)."""


def editions_ready() -> None:
    """Partner Flash editions: navigation, the quarterly and Friday schedules (editions.py, schedule.py)."""
    from django.utils.translation import gettext_lazy as _

    from channelops.core.navigation import CONSOLE, PORTAL, NavItem, register_nav, register_nav_group
    from channelops.core.schedules import register_schedule

    from . import editions, hooks

    register_schedule(
        name="comms_editions_quarter",
        rule="FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=5;BYMINUTE=10",
        task="channelops.communications.jobs_editions.editions_quarter_task",
        description="Open the Partner Flash editions and work items of the fiscal quarter (idempotent).",
    )
    register_schedule(
        name="comms_editions_figures",
        rule="FREQ=DAILY;BYHOUR=14;BYMINUTE=20",
        task="channelops.communications.jobs_editions.editions_figures_task",
        description="On the Friday after a Partner Flash is sent, write its figures into its work item and close it.",
    )
    hooks.mailing_sent.register(editions.on_mailing_sent)
    register_nav_group(CONSOLE, "communications", _("Communications"))
    register_nav(
        NavItem(
            area=CONSOLE,
            group="communications",
            key="comms_editions",
            label=_("Partner Flash"),
            url_name="console:comms_editions",
            icon="news",
            perm="communications.view_mailing",
            order=120,
        )
    )
    register_nav(
        NavItem(
            area=PORTAL,
            group="home",
            key="comms_flash",
            label=_("Partner Flash"),
            url_name="portal:comms_flash",
            icon="news",
            order=15,
        )
    )


def tracking_ready() -> None:
    """Opens, clicks, feedback, metrics, engagement and webhook events (tracking.py, metrics.py)."""


def other_ready() -> None:
    """Announcements, webcasts, portal notices and special notices (announcements.py, webcasts.py, notices.py)."""
