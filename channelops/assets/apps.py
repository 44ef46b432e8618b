from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "channelops.assets"
    label = "assets"
    verbose_name = _("Asset library")

    def ready(self) -> None:
        from channelops.core.status import GREEN, GREY, ORANGE, register_status_colors

        register_status_colors("asset", {"draft": GREY, "published": GREEN, "archived": ORANGE})
        from channelops.core.files import register_file_references

        register_file_references("asset", _stored_files)
        _register_nav()


def _register_nav() -> None:
    """The portal's Asset library (every partner person) and the console's (staff who may view assets)."""
    from channelops.core.navigation import CONSOLE, PORTAL, NavItem, register_nav

    register_nav(
        NavItem(
            area=PORTAL,
            group="enablement",
            key="assets",
            label=_("Asset library"),
            url_name="portal:assets",
            icon="download",
            order=75,
        )
    )
    register_nav(
        NavItem(
            area=CONSOLE,
            group="enablement",
            key="assets",
            label=_("Asset library"),
            url_name="console:assets",
            icon="download",
            perm="assets.view_asset",
            order=75,
        )
    )


def _stored_files() -> list[str]:
    from .models import AssetVersion

    return list(AssetVersion.objects.values_list("file", flat=True))
