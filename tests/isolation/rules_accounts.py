"""Isolation rules of accounts (channelops/accounts).

API tokens, invitations, allauth (sign-in, e-mail, passwords, two-factor, third-party sign-in),
privileged-access requests and staff teams.
"""

from __future__ import annotations

from .base import B_LEGAL_NAME, DENIED, OWN, PUBLIC, Rule, get_post

RULES: dict[str, Rule] = {
    # --- channelops accounts ---
    "accounts:invitation_accept": Rule(
        DENIED,
        get_post("/accounts/invitation/not-a-real-token/", {"password1": "x", "password2": "x"}),
        note="a capability URL: only the clear token (e-mailed to the invitee, never stored) opens it",
    ),
    "accounts:tokens": Rule(OWN, get_post("/accounts/tokens/", {"name": "mine"})),
    "accounts:token_revoke": Rule(DENIED, get_post(lambda w: f"/accounts/tokens/{w.token_a.pk}/revoke/")),
    "accounts:settings": Rule(
        OWN,
        get_post("/accounts/settings/", {"language": "de"}),
        note="the person's own settings (language); there is no other person's page to ask for",
    ),
    "accounts:language": Rule(
        PUBLIC,
        get_post("/accounts/language/", {"language": "de", "next": "/"}),
        note="the switcher changes only the signed-in person's own language (or a visitor's cookie)",
    ),
    # --- allauth: account ---
    ":account_login": Rule(
        PUBLIC, get_post("/accounts/login/", {"login": "admin@b.test", "password": "wrong"})
    ),
    ":account_logout": Rule(OWN, get_post("/accounts/logout/")),
    ":account_inactive": Rule(PUBLIC, get_post("/accounts/inactive/")),
    ":account_signup": Rule(PUBLIC, get_post("/accounts/signup/", {"email": "new@evil.test"})),
    ":account_reauthenticate": Rule(OWN, get_post("/accounts/reauthenticate/")),
    ":account_request_reauthentication_code": Rule(OWN, get_post("/accounts/reauthenticate/code/")),
    ":account_confirm_reauthentication_code": Rule(OWN, get_post("/accounts/reauthenticate/code/confirm/")),
    ":account_email": Rule(OWN, get_post("/accounts/email/")),
    ":account_email_verification_sent": Rule(PUBLIC, get_post("/accounts/confirm-email/")),
    ":account_change_password": Rule(OWN, get_post("/accounts/password/change/")),
    ":account_set_password": Rule(OWN, get_post("/accounts/password/set/")),
    ":account_reset_password": Rule(PUBLIC, get_post("/accounts/password/reset/")),
    ":account_confirm_login_code": Rule(PUBLIC, get_post("/accounts/login/code/confirm/")),
    ":account_confirm_email": Rule(
        PUBLIC,
        get_post("/accounts/confirm-email/not-a-real-key/"),
        note="allauth's e-mail confirmation key is a signed token; probed with an invalid one",
    ),
    ":account_reset_password_from_key_done": Rule(PUBLIC, get_post("/accounts/password/reset/key/done/")),
    ":account_reset_password_from_key": Rule(
        PUBLIC,
        get_post(lambda w: f"/accounts/password/reset/key/{_b36(w.admin_a.pk)}-not-a-real-key/"),
        note="the reset key is a token e-mailed to partner A's person; probed with their id and a wrong key",
    ),
    ":account_reset_password_done": Rule(PUBLIC, get_post("/accounts/password/reset/done/")),
    # --- allauth: MFA ---
    ":mfa_index": Rule(OWN, get_post("/accounts/2fa/")),
    ":mfa_authenticate": Rule(PUBLIC, get_post("/accounts/2fa/authenticate/")),
    ":mfa_reauthenticate": Rule(OWN, get_post("/accounts/2fa/reauthenticate/")),
    ":mfa_activate_totp": Rule(OWN, get_post("/accounts/2fa/totp/activate/")),
    ":mfa_deactivate_totp": Rule(OWN, get_post("/accounts/2fa/totp/deactivate/")),
    ":mfa_view_recovery_codes": Rule(OWN, get_post("/accounts/2fa/recovery-codes/")),
    ":mfa_generate_recovery_codes": Rule(OWN, get_post("/accounts/2fa/recovery-codes/generate/")),
    ":mfa_download_recovery_codes": Rule(OWN, get_post("/accounts/2fa/recovery-codes/download/")),
    # --- allauth: third-party sign-in ---
    ":socialaccount_login_cancelled": Rule(PUBLIC, get_post("/accounts/3rdparty/login/cancelled/")),
    ":socialaccount_login_error": Rule(PUBLIC, get_post("/accounts/3rdparty/login/error/")),
    ":socialaccount_signup": Rule(PUBLIC, get_post("/accounts/3rdparty/signup/")),
    ":socialaccount_connections": Rule(OWN, get_post("/accounts/3rdparty/")),
    "accounts/social/login/cancelled/": Rule(PUBLIC, get_post("/accounts/social/login/cancelled/")),
    "accounts/social/login/error/": Rule(PUBLIC, get_post("/accounts/social/login/error/")),
    "accounts/social/signup/": Rule(PUBLIC, get_post("/accounts/social/signup/")),
    "accounts/social/connections/": Rule(PUBLIC, get_post("/accounts/social/connections/")),
    # Installed only when GITLAB_CLIENT_ID is set (settings.py).
    ":gitlab_login": Rule(PUBLIC, get_post("/accounts/gitlab/login/"), optional=True),
    ":gitlab_callback": Rule(PUBLIC, get_post("/accounts/gitlab/login/callback/"), optional=True),
    ":openid_connect_login": Rule(PUBLIC, get_post("/accounts/oidc/sso/login/")),
    ":openid_connect_callback": Rule(PUBLIC, get_post("/accounts/oidc/sso/login/callback/")),
    # --- access requests for privileged permissions (staff only) ---
    # ACCESS-RULES
    "console:access": Rule(DENIED, get_post("/console/access/?user=vendor")),
    "console:access_request": Rule(
        DENIED,
        get_post("/console/access/request/", {"perm": "licensing.issue_license", "justification": "x" * 40}),
    ),
    "console:access_events_export": Rule(DENIED, get_post("/console/access/events.csv")),
    "console:access_detail": Rule(DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/")),
    "console:access_approve": Rule(
        DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/approve/", {"note": "pwned"})
    ),
    "console:access_reject": Rule(
        DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/reject/", {"note": "pwned"})
    ),
    "console:access_revoke": Rule(
        DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/revoke/", {"reason": "pwned"})
    ),
    "console:access_withdraw": Rule(
        DENIED, get_post(lambda w: f"/console/access/{w.access_request_a.pk}/withdraw/")
    ),
    # --- staff teams: console (staff only; the POST would change one) ---
    "console:staff_teams": Rule(DENIED, get_post("/console/teams/")),
    "console:staff_team": Rule(DENIED, get_post("/console/teams/1/")),
    "console:staff_team_change": Rule(
        DENIED, get_post("/console/teams/1/change/", {"name": f"Pwned by {B_LEGAL_NAME}"})
    ),
}


def _b36(n: int) -> str:
    from django.utils.http import int_to_base36

    return int_to_base36(n)
