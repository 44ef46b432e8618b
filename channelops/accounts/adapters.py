"""allauth adapters: e-mail goes through the outbox; sign-up is by invitation only."""

from __future__ import annotations

import uuid
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest

from channelops.core.outbox import outbox_enqueue


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join by invitation (and, later, by partner registration).
        return False

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
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
