from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BadgesConfig(AppConfig):
    name = "channelops.badges"
    label = "badges"
    verbose_name = _("Badges")

    def ready(self) -> None:
        from channelops.enablement.hooks import practitioner_records_changed

        from .services import on_records_changed  # also registers the badges.sign outbox handler

        practitioner_records_changed.register(on_records_changed)
