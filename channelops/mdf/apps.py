from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MdfConfig(AppConfig):
    name = "channelops.mdf"
    label = "mdf"
    verbose_name = _("Market development funds")

    def ready(self) -> None:
        from channelops.core.files import register_file_references

        register_file_references("proof", _stored_files)
        from channelops.core.status import BLUE, GREEN, GREY, ORANGE, RED, YELLOW, register_status_colors

        register_status_colors(
            "mdf_proposal",
            {
                "draft": GREY,
                "awaiting_cam": YELLOW,
                "submitted": BLUE,
                "changes_requested": ORANGE,
                "approved": GREEN,
                "rejected": RED,
                "withdrawn": GREY,
                "closed": GREY,
            },
        )
        register_status_colors(
            "mdf_claim",
            {"submitted": BLUE, "more_proof": ORANGE, "approved": GREEN, "rejected": RED, "paid": GREEN},
        )


def _stored_files() -> list[str]:
    from .models import ProofFile

    return list(ProofFile.objects.values_list("file", flat=True))
