"""The language each e-mail recipient reads (``core.i18n.recipient_languages``): a person's
profile language, else the language of their partner's country; addresses of no account are left
to the default."""

from __future__ import annotations

from channelops.accounts.models import User
from channelops.core.i18n import language_for_country, supported


def people_languages(addresses: list[str]) -> dict[str, str]:
    if not addresses:
        return {}
    rows = User.objects.filter(email__in=[a.lower() for a in addresses]).values_list(
        "email", "language", "membership__partner__country"
    )
    out: dict[str, str] = {}
    for email, language, country in rows:
        chosen = supported(language) or language_for_country(country)
        if chosen:
            out[email] = chosen
    return out
