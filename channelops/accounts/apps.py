from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "channelops.accounts"
    label = "accounts"
    verbose_name = _("People and sign-in")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from channelops.core.navigation import CONSOLE, NavItem, register_nav
        from channelops.core.schedules import register_schedule
        from channelops.core.status import GREY, register_status_colors

        from .roles import sync_roles

        register_status_colors("access", {"withdrawn": GREY, "expired": GREY})

        register_nav(
            NavItem(
                area=CONSOLE,
                group="admin",
                key="teams",
                label=_("Staff teams"),
                url_name="console:staff_teams",
                icon="users",
                perm="accounts.view_staffteam",
                order=195,
            )
        )

        post_migrate.connect(
            sync_roles, dispatch_uid="channelops.sync_roles"
        )  # runs once per migrate, for the last app
        register_schedule(
            name="access_grants_expire",
            rule="FREQ=DAILY;BYHOUR=0;BYMINUTE=20",
            task="channelops.accounts.tasks.access_grants_expire_task",
            description="End the privileged-permission grants whose access request ran out (granted_until).",
        )
