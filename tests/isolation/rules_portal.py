"""Isolation rules of the portal's own pages: dashboard, company profile, users (channelops/portal)."""

from __future__ import annotations

from .base import DENIED, FORGED_PROFILE, OWN, Rule, get_post

FORGED_PERSON = {"email": "intruder@evil.test", "full_name": "In Truder", "role": "admin"}

RULES: dict[str, Rule] = {
    # --- partner portal ---
    "portal:dashboard": Rule(OWN, get_post("/portal/"), own_page=True),
    "portal:company": Rule(OWN, get_post("/portal/company/", FORGED_PROFILE), own_page=True),
    "portal:users": Rule(OWN, get_post("/portal/users/"), own_page=True),
    "portal:user_invite": Rule(OWN, get_post("/portal/users/invite/", FORGED_PERSON)),
    "portal:user_deactivate": Rule(
        DENIED, get_post(lambda w: f"/portal/users/{w.membership_a.pk}/deactivate/")
    ),
    "portal:user_invitation_resend": Rule(
        DENIED, get_post(lambda w: f"/portal/users/{w.membership_a.pk}/invitation/resend/")
    ),
    "portal:user_invitation_cancel": Rule(
        DENIED, get_post(lambda w: f"/portal/users/{w.membership_a.pk}/invitation/cancel/")
    ),
}
