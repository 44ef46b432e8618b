from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "channelops.portal"
    label = "portal"
    verbose_name = _("Partner portal")

    def ready(self) -> None:
        from . import nav
        from .attention import register_defaults

        register_defaults()
        nav.register()
