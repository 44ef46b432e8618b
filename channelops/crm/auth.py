"""OAuth 2.0 for the CRM (docs/crm.md): the JWT bearer flow (recommended for servers: a Connected
App with a certificate, no password) or the client credentials flow. Secrets come from the
environment (docs/configuration.md, "CRM sync")."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings

from .adapter import CrmUnavailable


@dataclass
class Token:
    access_token: str
    instance_url: str


def configured() -> bool:
    """Whether a CRM connection is configured (else the sync does nothing and says so)."""
    return bool(settings.CRM_ENABLED and settings.SALESFORCE_CLIENT_ID)


def _jwt_assertion() -> str:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key_text = settings.SALESFORCE_PRIVATE_KEY or Path(settings.SALESFORCE_PRIVATE_KEY_FILE).read_text()
    key = RSAKey.import_key(key_text)
    now = int(time.time())
    claims = {
        "iss": settings.SALESFORCE_CLIENT_ID,
        "sub": settings.SALESFORCE_USERNAME,
        "aud": settings.SALESFORCE_LOGIN_URL,
        "exp": now + 180,
    }
    return jwt.encode({"alg": "RS256"}, claims, key)


def obtain_token() -> Token:
    """A fresh access token (one HTTP call)."""
    url = settings.SALESFORCE_LOGIN_URL.rstrip("/") + "/services/oauth2/token"
    if settings.SALESFORCE_USERNAME and (
        settings.SALESFORCE_PRIVATE_KEY or settings.SALESFORCE_PRIVATE_KEY_FILE
    ):
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": _jwt_assertion()}
    else:
        form = {
            "grant_type": "client_credentials",
            "client_id": settings.SALESFORCE_CLIENT_ID,
            "client_secret": settings.SALESFORCE_CLIENT_SECRET,
        }
    try:
        response = requests.post(
            url, data=form, timeout=settings.CRM_TIMEOUT_SECONDS, verify=settings.CRM_CA_BUNDLE or True
        )
    except requests.RequestException as exc:
        raise CrmUnavailable(f"cannot reach {url}: {exc}") from exc
    if response.status_code != 200:
        raise CrmUnavailable(f"sign-in refused by {url}: {response.status_code} {response.text[:200]}")
    data = response.json()
    return Token(access_token=data["access_token"], instance_url=data["instance_url"])
