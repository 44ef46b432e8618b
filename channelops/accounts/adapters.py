"""allauth adapters: e-mail goes through the outbox with links to the configured site address;
sign-up is by invitation only."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from channelops.core.i18n import recipient_languages
from channelops.core.links import absolute_url
from channelops.core.outbox import outbox_enqueue


def configured_site() -> SimpleNamespace:
    """The site's name and domain for e-mail templates, from the configured site address."""
    domain = urlsplit(settings.SITE_URL).netloc
    return SimpleNamespace(name=domain, domain=domain)


def on_site(url: str) -> str:
    """``url`` (absolute or a path) moved onto the configured site address: its path, query and
    fragment after CHANNELOPS_SITE_URL, whatever host and scheme the request had."""
    if not url:
        return url
    bits = urlsplit(url)
    return absolute_url(urlunsplit(("", "", bits.path or "/", bits.query, bits.fragment)))


class AccountAdapter(DefaultAccountAdapter):
    def get_reset_password_from_key_url(self, key: str) -> str:
        return on_site(super().get_reset_password_from_key_url(key))

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        return on_site(super().get_email_confirmation_url(request, emailconfirmation))

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join by invitation (and, later, by partner registration).
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        # allauth builds its links (password reset, address confirmation, sign-up…) and the site
        # name from the request's Host header; a forged header would poison them. Every link
        # and the site's name come from the configured site address (CHANNELOPS_SITE_URL).
        context = {
            **{k: on_site(v) if k.endswith("_url") and isinstance(v, str) else v for k, v in context.items()},
            "current_site": configured_site(),
        }
        # In the recipient's language when their account says; else the page's (a person who
        # asks for a password reset reads the page in the language they will read the e-mail in).
        language = recipient_languages([email], default="").get(email) or translation.get_language()
        with translation.override(language):
            msg = self.render_mail(template_prefix, email, context)
        payload: dict[str, Any] = {"to": list(msg.to), "subject": msg.subject, "text": msg.body}
        for content, mimetype in getattr(msg, "alternatives", []) or []:
            if mimetype == "text/html":
                payload["html"] = content
        if getattr(msg, "content_subtype", "") == "html":
            payload["html"], payload["text"] = msg.body, ""
        outbox_enqueue(
            kind="email",
            key=f"allauth:{template_prefix}:{uuid.uuid4()}",
            payload=payload,
            topic=f"email:{email}",
        )

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        user = request.user
        if getattr(user, "is_staff", False):
            return "/console/"
        return "/portal/"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Single sign-on signs in existing people; it does not create accounts.
        return False
