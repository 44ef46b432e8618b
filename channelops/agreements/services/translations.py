"""Convenience translations of agreement versions (issue 14): not binding, never accepted."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from channelops.accounts.models import User

from ..models import AgreementTranslation, AgreementVersion
from ._common import _require_staff_perm

TRANSLATE_PERM = "agreements.change_agreementtranslation"


def translation_languages() -> list[tuple[str, str]]:
    """The languages a version's text may be translated into: every language but the binding one
    (code, name in the active language: "German", „Deutsch“)."""
    return [
        (code, str(get_language_info(code)["name_translated"]))
        for code, _name in settings.LANGUAGES
        if code != settings.LANGUAGE_CODE
    ]


@transaction.atomic
def version_translation_save(
    *, version: AgreementVersion, language: str, body: str, by: User | None
) -> AgreementTranslation | None:
    """Set (or, with an empty ``body``, remove) the convenience translation of ``version`` into
    ``language``. Drafts and published versions alike: the binding text and its hash do not change,
    and acceptances keep recording the binding text's hash. The history records who changed what."""
    if by is not None:
        _require_staff_perm(by, TRANSLATE_PERM)
    if language not in dict(translation_languages()):
        raise ValidationError({"language": _("Choose a language to translate into.")})
    version = AgreementVersion.objects.select_for_update().get(pk=version.pk)
    body = (body or "").replace("\r\n", "\n").strip()
    existing = AgreementTranslation.objects.filter(version=version, language=language).first()
    if not body:
        if existing is not None:
            existing._history_user = by  # type: ignore[attr-defined]
            existing.delete()
        return None
    if len(body) < 20:
        raise ValidationError({"body": _("The translated text is too short.")})
    translation = existing or AgreementTranslation(version=version, language=language)
    translation.body = body + "\n"
    translation.updated_by = by
    translation.updated_at = timezone.now()
    translation.full_clean(exclude=["content_hash", "version"])
    translation._history_user = by  # type: ignore[attr-defined]
    translation.save()
    return translation
