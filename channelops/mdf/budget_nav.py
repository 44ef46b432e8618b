"""The console's navigation entries of the MDF budget and results pages (staff who view MDF)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


def register() -> None:
    from channelops.core.navigation import CONSOLE, NavItem, register_nav

    register_nav(
        NavItem(
            area=CONSOLE,
            group="requests",
            key="mdf_budgets",
            label=_("MDF budgets"),
            url_name="console:mdf_budgets",
            icon="briefcase",
            perm="mdf.view_proposal",
            order=62,
        )
    )
    register_nav(
        NavItem(
            area=CONSOLE,
            group="requests",
            key="mdf_results",
            label=_("MDF results"),
            url_name="console:mdf_results",
            icon="chart-bar",
            perm="mdf.view_proposal",
            order=63,
        )
    )
