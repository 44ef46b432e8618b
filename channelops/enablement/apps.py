from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnablementConfig(AppConfig):
    name = "channelops.enablement"
    label = "enablement"
    verbose_name = _("Enablement")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .defaults import ensure_defaults

        post_migrate.connect(ensure_defaults, sender=self)
