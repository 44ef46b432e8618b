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

        # Partner certifications (services/awards.py): defaults after the catalog's, hooks, queue, daily job
        from .services import awards

        post_migrate.connect(
            awards.ensure_defaults, sender=self, dispatch_uid="enablement_partner_certifications"
        )
        awards.connect()

        # NFR eligibility (S7): "at least one employee holds SAC or PSE" counts practitioner records
        from channelops.licensing.eligibility import register_certification_source

        from .querysets import certified_people_count

        register_certification_source(certified_people_count)
