"""Writes for people, one module per sub-domain (a room past ~500 lines becomes a package):

- :mod:`.people` — creating a person; staff flag, superuser flag, roles and direct permissions;
  role permissions; staff teams;
- :mod:`.credentials` — invitations, personal API tokens, the TOTP authenticator;
- :mod:`.access` — access requests for privileged permissions (docs/access-requests.md);
- :mod:`._common` — the access event log and the permission cache they share.

Every public name is re-exported here, so ``from channelops.accounts.services import
api_token_create`` keeps working.
"""

from .access import (
    access_grants_expire,
    access_managers,
    access_may_decide,
    access_may_revoke,
    access_request_approve,
    access_request_create,
    access_request_reject,
    access_request_revoke,
    access_request_withdraw,
)
from .credentials import (
    INVITATION_DAYS,
    TOKEN_PREFIX,
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    invitation_accept,
    invitation_cancel,
    invitation_for_token,
    invitation_resend,
    invitation_send,
    pending_invitations,
    user_has_mfa,
    user_totp_activate,
)
from .people import (
    ACCESS_FIELDS,
    STAFF,
    SUPERUSER,
    TEAM_EDIT_PERM,
    may_change_access,
    role_permissions_change,
    staff_team_update,
    user_access_change,
    user_access_refused,
    user_create,
    user_set_language,
)

__all__ = [
    "ACCESS_FIELDS",
    "INVITATION_DAYS",
    "STAFF",
    "SUPERUSER",
    "TEAM_EDIT_PERM",
    "TOKEN_PREFIX",
    "access_grants_expire",
    "access_managers",
    "access_may_decide",
    "access_may_revoke",
    "access_request_approve",
    "access_request_create",
    "access_request_reject",
    "access_request_revoke",
    "access_request_withdraw",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "invitation_accept",
    "invitation_cancel",
    "invitation_for_token",
    "invitation_resend",
    "invitation_send",
    "pending_invitations",
    "may_change_access",
    "role_permissions_change",
    "staff_team_update",
    "user_access_change",
    "user_access_refused",
    "user_create",
    "user_set_language",
    "user_has_mfa",
    "user_totp_activate",
]
