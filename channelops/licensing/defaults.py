"""Default rows for licensing: the editable encouragement e-mail (the seed's sample e-mail).

Created after every migrate (and test flush) by ``ensure_defaults``; idempotent: a template
that exists, possibly edited by staff, is left alone.
"""

from __future__ import annotations

from typing import Any

ENCOURAGEMENT = "nfr_encouragement"

ENCOURAGEMENT_SUBJECT = "NFR License Request"
ENCOURAGEMENT_BODY = """Hi {{ contact_name }},

We just sent you an email with your NFR license, please let us know if you did not receive it.

To ensure you receive the most value from this license, we encourage you or someone in your \
organization to complete the available parts of the Solution Architect Core certification in \
the [Partner Portal]({{ portal_url }}).

Please let us know if you need anything else.

Kind regards,

{{ sender }}
"""

# The German version (docs/i18n.md, "Content that is data"): recipients whose language is German
# get it; a language with no version gets the English text, marked as such.
ENCOURAGEMENT_SUBJECT_DE = "Ihre NFR-Lizenzanfrage"
ENCOURAGEMENT_BODY_DE = """Hallo {{ contact_name }},

wir haben Ihnen soeben eine E-Mail mit Ihrer NFR-Lizenz gesendet. Bitte geben Sie uns Bescheid, \
falls sie nicht angekommen ist.

Damit Sie den größten Nutzen aus dieser Lizenz ziehen, empfehlen wir Ihnen oder jemandem in \
Ihrem Unternehmen, die verfügbaren Teile der Zertifizierung Solution Architect Core im \
[Partnerportal]({{ portal_url }}) abzuschließen.

Bitte melden Sie sich, wenn Sie noch etwas benötigen.

Mit freundlichen Grüßen

{{ sender }}
"""

TEMPLATES = {
    ENCOURAGEMENT: {
        "name": "NFR encouragement to certify",
        "subject": ENCOURAGEMENT_SUBJECT,
        "body": ENCOURAGEMENT_BODY,
        "translations": {"de": {"subject": ENCOURAGEMENT_SUBJECT_DE, "body": ENCOURAGEMENT_BODY_DE}},
    },
}


def ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    from .models import MessageTemplate

    for key, fields in TEMPLATES.items():
        tpl, created = MessageTemplate.objects.using(using).get_or_create(key=key, defaults=fields)
        if created:
            continue
        # A shipped language the row lacks (installed before it was shipped) is added; versions
        # staff wrote or removed on purpose are left alone once the row has any.
        if not tpl.translations and fields.get("translations"):
            tpl.translations = fields["translations"]
            tpl.save(update_fields=["translations"])
