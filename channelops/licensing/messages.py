"""Staff-editable e-mail texts (``MessageTemplate``): Markdown with ``{{ placeholders }}``.

Only the documented placeholders are given to a template; staff edit the text in the console
(``/console/nfr/templates/<key>/``) and a syntax error is refused with the line it is on.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template import Context, Engine, TemplateSyntaxError
from django.utils.translation import gettext as _

from channelops.core.exceptions import NotAllowed
from channelops.core.markup import markdown_html

from .defaults import TEMPLATES
from .models import MessageTemplate

# The placeholders a template may use, with a sample value for the preview and the check.
PLACEHOLDERS = {
    "contact_name": "Alex Example",
    "contact_email": "alex@partner.example",
    "partner": "Acme Solutions GmbH",
    "cam": "Casey CAM",
    "sender": "The Partner Help Desk",
    "reference": "NFR-000042",
    "plan": "Ultimate",
    "users": "25",
    "expires": "2027-11-28",
    "portal_url": "https://partners.example/portal/",
}

# A plain engine: no app template directories, no loaders, autoescape off (text first; the
# HTML part is rendered from the Markdown, which escapes raw HTML).
_ENGINE = Engine(autoescape=False, debug=False, loaders=[])


def render_message(subject: str, body: str, context: dict[str, Any]) -> dict[str, str]:
    """{subject, text, html} of a template with ``context`` (unknown placeholders render empty)."""
    values = {k: str(context.get(k, "")) for k in PLACEHOLDERS}
    ctx = Context(values, autoescape=False)
    text = _ENGINE.from_string(body).render(ctx)
    subj = " ".join(_ENGINE.from_string(subject).render(ctx).split())
    return {"subject": subj, "text": text, "html": markdown_html(text)}


def check_message(subject: str, body: str) -> None:
    """Raise ValidationError (per field) when the subject or body is not a valid template."""
    errors: dict[str, str] = {}
    for field, value in (("subject", subject), ("body", body)):
        if not (value or "").strip():
            errors[field] = _("This field cannot be empty.")
            continue
        try:
            _ENGINE.from_string(value)
        except TemplateSyntaxError as exc:
            errors[field] = _("Not a valid template: %(error)s") % {"error": exc}
    if errors:
        raise ValidationError(errors)


def message_template(key: str) -> MessageTemplate:
    """The template for ``key`` (created from the defaults if missing)."""
    tpl = MessageTemplate.objects.filter(key=key).first()
    if tpl is None:
        tpl, _created = MessageTemplate.objects.get_or_create(key=key, defaults=TEMPLATES[key])
    return tpl


@transaction.atomic
def message_template_update(
    *, template: MessageTemplate, subject: str, body: str, by: Any
) -> MessageTemplate:
    if not (getattr(by, "is_staff", False) and by.has_perm("licensing.change_messagetemplate")):
        raise NotAllowed(_("Your role does not allow editing e-mail templates."))
    subject = (subject or "").strip()
    body = (body or "").strip() + "\n"
    if len(subject) > 200:
        raise ValidationError({"subject": _("The subject is at most 200 characters.")})
    if len(body) > 20000:
        raise ValidationError({"body": _("The text is at most 20000 characters.")})
    check_message(subject, body)
    tpl = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    tpl.subject, tpl.body, tpl.updated_by = subject, body, by
    tpl._history_user = by  # type: ignore[attr-defined]
    tpl.save()
    return tpl


@transaction.atomic
def message_template_reset(*, template: MessageTemplate, by: Any) -> MessageTemplate:
    """Back to the shipped default text."""
    default = TEMPLATES[template.key]
    return message_template_update(template=template, subject=default["subject"], body=default["body"], by=by)
