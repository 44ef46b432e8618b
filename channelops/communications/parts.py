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
    from channelops.core.outbox import register_handler
    from channelops.core.schedules import register_schedule

    from .sending import OUTBOX_KIND, handle_outbox

    register_handler(OUTBOX_KIND)(handle_outbox)
    register_schedule(
        name="comms_send_due",
        rule="FREQ=MINUTELY;INTERVAL=1",
        task="channelops.communications.jobs_send.send_due_task",
        description="Start scheduled partner mailings whose time has come; resume interrupted sends.",
    )


def audience_ready() -> None:
    """Audience, consent, suppression and bounces (audience.py, consent.py, bounces.py): the
    inbound handlers (bounces at 20, mailto unsubscribes at 30: before the help desk's 100), the
    anymail tracking receiver, the portal's and the console's navigation."""
    from django.utils.translation import gettext_lazy as _

    from channelops.core.navigation import CONSOLE, PORTAL, NavItem, register_nav
    from channelops.inbound.registry import register_handler

    from . import bounces, unsubscribe_mail

    register_handler("comms_bounces", bounces.bounce_inbound, order=20)
    register_handler("comms_unsubscribe", unsubscribe_mail.unsubscribe_inbound, order=30)
    bounces.connect()
    register_nav(
        NavItem(
            area=CONSOLE,
            group="communications",
            key="comms_subscribers",
            label=_("Subscribers"),
            url_name="console:comms_subscribers",
            icon="users",
            perm="communications.view_subscriber",
            order=140,
        )
    )
    register_nav(
        NavItem(
            area=PORTAL,
            group="company",
            key="comms_preferences",
            label=_("Newsletter preferences"),
            url_name="portal:comms_preferences",
            icon="mail",
            order=95,
        )
    )


def editions_ready() -> None:
    """Partner Flash editions: navigation, the quarterly and Friday schedules (editions.py, schedule.py)."""
    from django.utils.translation import gettext_lazy as _

    from channelops.core.navigation import CONSOLE, PORTAL, NavItem, register_nav
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
    from . import tracking

    tracking.register()  # hooks.recipient_event → webhook events and partner engagement
    from django.utils.translation import gettext_lazy as _

    from channelops.core.navigation import CONSOLE, NavItem, register_nav

    register_nav(
        NavItem(
            area=CONSOLE,
            group="communications",
            key="comms_metrics",
            label=_("Mailing metrics"),
            url_name="console:comms_metrics",
            icon="chart-bar",
            perm="communications.view_mailing",
            order=125,
        )
    )


def other_ready() -> None:
    """Announcements, webcasts, portal notices and special notices (announcements.py, webcasts.py, notices.py):
    the console's entries in the "communications" group (declared by the console's nav) and the
    portal's "Webcasts"."""
    from django.utils.translation import gettext_lazy as _

    from channelops.core.navigation import CONSOLE, PORTAL, NavItem, register_nav

    from .views_other import may_view_notices, may_view_webcasts

    register_nav(
        NavItem(
            area=CONSOLE,
            group="communications",
            key="comms_announcements",
            label=_("Announcements and notices"),
            url_name="console:comms_announcements",
            icon="news",
            perm="communications.view_mailing",
            order=212,
        )
    )
    register_nav(
        NavItem(
            area=CONSOLE,
            group="communications",
            key="comms_webcasts",
            label=_("Webcasts"),
            url_name="console:comms_webcasts",
            icon="calendar",
            visible=may_view_webcasts,
            order=213,
        )
    )
    register_nav(
        NavItem(
            area=CONSOLE,
            group="communications",
            key="comms_notices",
            label=_("Portal notices"),
            url_name="console:comms_notices",
            icon="info-circle",
            visible=may_view_notices,
            order=214,
        )
    )
    register_nav(
        NavItem(
            area=PORTAL,
            group="enablement",
            key="comms_webcasts",
            label=_("Webcasts"),
            url_name="portal:comms_webcasts",
            icon="calendar",
            order=45,
        )
    )
