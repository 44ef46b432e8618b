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

TEMPLATES = {
    ENCOURAGEMENT: {
        "name": "NFR encouragement to certify",
        "subject": ENCOURAGEMENT_SUBJECT,
        "body": ENCOURAGEMENT_BODY,
    },
}


def ensure_defaults(sender: Any = None, using: str = "default", **kwargs: Any) -> None:
    from .models import MessageTemplate

    for key, fields in TEMPLATES.items():
        MessageTemplate.objects.using(using).get_or_create(key=key, defaults=fields)
