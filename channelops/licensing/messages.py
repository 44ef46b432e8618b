"""Staff-editable e-mail texts (``MessageTemplate``): Markdown with ``{{ placeholders }}``.

Only the documented placeholders are given to a template; staff edit the text in the console
(``/console/nfr/templates/<key>/``) and a syntax error is refused with the line it is on.
"""

from __future__ import annotations

from html import escape
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
    *,
    template: MessageTemplate,
    subject: str,
    body: str,
    by: Any,
    translations: dict[str, dict[str, str]] | None = None,
) -> MessageTemplate:
    """Save the English text and, when ``translations`` is given, the other languages' versions
    (``{"de": {"subject": …, "body": …}}``; a language with an empty subject and body is removed,
    its readers then get the English text)."""
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
    if translations is not None:
        tpl.translations = _clean_translations(translations)
    tpl.subject, tpl.body, tpl.updated_by = subject, body, by
    tpl._history_user = by  # type: ignore[attr-defined]
    tpl.save()
    return tpl


def _clean_translations(translations: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    from django.conf import settings

    offered = {code for code, _name in settings.LANGUAGES} - {"en"}
    out: dict[str, dict[str, str]] = {}
    for code, version in translations.items():
        subject = (version.get("subject") or "").strip()
        body = (version.get("body") or "").strip()
        if code not in offered or not (subject or body):
            continue
        if not (subject and body):
            field = "subject" if not subject else "body"
            raise ValidationError({f"{field}_{code}": _("Give both the subject and the text, or neither.")})
        if len(subject) > 200 or len(body) > 20000:
            raise ValidationError({f"body_{code}": _("The subject is at most 200 characters.")})
        try:
            check_message(subject, body)
        except ValidationError as exc:
            raise ValidationError({f"{k}_{code}": v for k, v in exc.message_dict.items()}) from exc
        out[code] = {"subject": subject, "body": body + "\n"}
    return out


def render_message_for(template: MessageTemplate, context: dict[str, Any], language: str) -> dict[str, str]:
    """The template rendered for a reader of ``language``: its version in that language, else the
    English text with a first line saying it is available in English only (in their language)."""
    from django.utils import translation

    subject, body, english_only = template.for_language(language)
    rendered = render_message(subject, body, context)
    if english_only:
        with translation.override(language):
            note = _("This text is available in English only.")
        rendered["text"] = f"({note})\n\n{rendered['text']}"
        rendered["html"] = f'<p><em>{escape(note)}</em></p><div lang="en">{rendered["html"]}</div>'
    return rendered


@transaction.atomic
def message_template_reset(*, template: MessageTemplate, by: Any) -> MessageTemplate:
    """Back to the shipped default text (every language)."""
    default: dict[str, Any] = TEMPLATES[template.key]
    return message_template_update(
        template=template,
        subject=default["subject"],
        body=default["body"],
        by=by,
        translations=default.get("translations", {}),
    )
