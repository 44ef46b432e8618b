from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "channelops.licensing"
    label = "licensing"
    verbose_name = _("Licensing")

    def ready(self) -> None:
        from .queues import register
        from .services import register_watchables

        register()
        register_watchables()
