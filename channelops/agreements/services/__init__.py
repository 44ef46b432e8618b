"""Writes for agreements, one module per sub-domain (a room past ~500 lines becomes a package):

- :mod:`.versions` — drafts, publication, the re-acceptance prompts and reminders;
- :mod:`.acceptance` — a partner admin's click-through acceptance (immutable evidence);
- :mod:`.regions` — region exceptions (more regions under one agreement);
- :mod:`.legal` — legal requests: proposed changes, comments, custom versions, withdrawal;
- :mod:`.translations` — convenience translations of a version's text (not binding);
- :mod:`._common` — permissions, settings and the e-mail and event helpers they share.

Every public name is re-exported here, so ``from channelops.agreements.services import
agreement_accept`` keeps working; importing :mod:`.versions` registers the outbox handler
``agreements.prompt_reaccept`` (``apps.py`` imports this package).
"""

from ..querysets import current_version_for
from ._common import DECIDE_REGION_PERM, LEGAL_PERM, MANAGE_PERM, reaccept_days, reminder_days
from .acceptance import acceptance_edit_refused, agreement_accept
from .legal import legal_comment_add, legal_custom_version_offer, legal_request_open, legal_request_withdraw
from .regions import region_exception_decide, region_exception_request
from .translations import TRANSLATE_PERM, translation_languages, version_translation_save
from .versions import (
    agreement_prompts_send,
    reaccept_reminders,
    version_create,
    version_publish,
    version_update_draft,
)

__all__ = [
    "DECIDE_REGION_PERM",
    "LEGAL_PERM",
    "MANAGE_PERM",
    "TRANSLATE_PERM",
    "acceptance_edit_refused",
    "agreement_accept",
    "agreement_prompts_send",
    "current_version_for",
    "legal_comment_add",
    "legal_custom_version_offer",
    "legal_request_open",
    "legal_request_withdraw",
    "reaccept_days",
    "reaccept_reminders",
    "region_exception_decide",
    "region_exception_request",
    "reminder_days",
    "translation_languages",
    "version_create",
    "version_publish",
    "version_translation_save",
    "version_update_draft",
]
