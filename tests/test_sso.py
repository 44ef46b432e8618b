"""Single sign-on: allauth's flows against local stand-ins that speak the providers' wire protocols.

GitLab and an OpenID Connect identity provider cannot run here, so small HTTP servers answer
the endpoints allauth uses and record what they were sent:
- GitLab: `/oauth/authorize` (only a redirect target), `/oauth/token`, `/api/v4/user`;
- OIDC: `/.well-known/openid-configuration`, `/authorize`, `/token` (with an RS256-signed
  id_token), `/userinfo`, `/jwks`.
The providers are configured by environment variables only, so each flow runs in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

FLOW = r"""
import json, os
import django
django.setup()
from urllib.parse import parse_qs, urlparse
from django.test import Client
from channelops.partners.models import Region, Tier
from channelops.partners.services import partner_create, partner_person_add

partner = partner_create(legal_name="SSO Partner", country="DE", region=Region.objects.get(code="EMEA"),
                         tier=Tier.objects.get(slug="open"), status="active")
person = partner_person_add(partner=partner, email="alice@sso.test", full_name="Alice SSO", role="admin",
                            by=None, password="correct-horse-battery-9", email_verified=True, invite=False).user
LOGIN, CALLBACK = os.environ["SSO_LOGIN"], os.environ["SSO_CALLBACK"]
out = {}
c = Client()
login_page = c.get("/accounts/login/").content.decode()
out["button"] = os.environ["SSO_BUTTON"] in login_page

# 1. A stranger's GitLab account does not create a channelops account (sign-up is by invitation).
r = c.post(LOGIN)
q = parse_qs(urlparse(r["Location"]).query)
out["authorize_url"] = r["Location"].split("?")[0]
out["client_id"] = q["client_id"][0]
r = c.get(CALLBACK, {"code": "code-stranger", "state": q["state"][0]}, follow=True)
out["stranger_signed_in"] = "_auth_user_id" in c.session

# 2. Alice, signed in with her password, connects her GitLab account.
c.post("/accounts/login/", {"login": "alice@sso.test", "password": "correct-horse-battery-9"})
r = c.post(LOGIN, {"process": "connect"})
q = parse_qs(urlparse(r["Location"]).query)
r = c.get(CALLBACK, {"code": "code-alice", "state": q["state"][0]})
from allauth.socialaccount.models import SocialAccount
out["connected"] = list(SocialAccount.objects.filter(user=person).values_list("provider", "uid"))
c.post("/accounts/logout/")
out["signed_out"] = "_auth_user_id" not in c.session

# 3. Later she signs in with GitLab alone and lands in the portal.
r = c.post(LOGIN)
q = parse_qs(urlparse(r["Location"]).query)
r = c.get(CALLBACK, {"code": "code-alice", "state": q["state"][0]})
out["redirect"] = r.get("Location")
out["signed_in_as"] = c.session.get("_auth_user_id")
out["alice_id"] = str(person.pk)

# 4. A tampered state is refused.
c.post("/accounts/logout/")
c.post(LOGIN)
r = c.get(CALLBACK, {"code": "code-alice", "state": "forged"})
out["forged_state_signed_in"] = "_auth_user_id" in c.session
print(json.dumps(out))
"""


class _FakeGitLab(BaseHTTPRequestHandler):
    users = {
        "code-alice": {"id": 4242, "username": "alice", "name": "Alice SSO", "email": "alice@sso.test"},
        "code-stranger": {"id": 777, "username": "mallory", "name": "Mallory", "email": "mallory@evil.test"},
    }
    tokens: dict[str, dict] = {}
    requests: list[tuple[str, str, dict]] = []

    def log_message(self, *args):  # keep the test output clean
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.requests.append(("POST", self.path, form))
        if urlparse(self.path).path != "/oauth/token":
            return self._json(404, {"message": "404 Not Found"})
        if form.get("client_id") != "cid" or form.get("client_secret") != "csecret":
            return self._json(
                401, {"error": "invalid_client", "error_description": "Client authentication failed"}
            )
        if form.get("grant_type") != "authorization_code" or form.get("code") not in self.users:
            return self._json(400, {"error": "invalid_grant", "error_description": "The code is invalid"})
        token = f"tok-{form['code']}"
        self.tokens[token] = self.users[form["code"]]
        return self._json(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": 7200, "scope": "read_user"}
        )

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.requests.append(("GET", url.path, query))
        if url.path != "/api/v4/user":
            return self._json(404, {"message": "404 Not Found"})
        auth = self.headers.get("Authorization", "")
        token = query.get("access_token") or auth.removeprefix("Bearer ").strip()
        if token not in self.tokens:
            return self._json(401, {"message": "401 Unauthorized"})
        return self._json(200, self.tokens[token])


@contextmanager
def _serve(handler, prepare=lambda base: None):
    """Run ``handler`` on a free local port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    handler.requests = []
    prepare(base)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield base
    finally:
        server.shutdown()


@pytest.fixture
def fake_gitlab():
    with _serve(_FakeGitLab) as base:
        yield base, _FakeGitLab


def _run_flow(migrated_sqlite, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "DJANGO_SETTINGS_MODULE": "channelops.settings",
        "CHANNELOPS_TESTING": "0",
        "DATABASE_URL": f"sqlite:///{migrated_sqlite}",
        "CHANNELOPS_VAR_DIR": str(migrated_sqlite.parent),
        **extra,
    }
    result = subprocess.run(
        [sys.executable, "-c", FLOW], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _assert_connected_people_only(out: dict, authorize_url: str, client_id: str, account: list) -> None:
    assert out["button"] is True  # "Login with …" on the sign-in page
    assert out["authorize_url"] == authorize_url
    assert out["client_id"] == client_id
    assert out["stranger_signed_in"] is False  # no account is created from a provider sign-in
    assert out["connected"] == [account]
    assert out["signed_out"] is True
    assert out["signed_in_as"] == out["alice_id"]
    assert out["redirect"] == "/portal/"
    assert out["forged_state_signed_in"] is False


def test_login_with_gitlab_signs_in_connected_people_only(migrated_sqlite, fake_gitlab):
    url, gitlab = fake_gitlab
    out = _run_flow(
        migrated_sqlite,
        GITLAB_CLIENT_ID="cid",
        GITLAB_CLIENT_SECRET="csecret",
        GITLAB_URL=url,
        SSO_LOGIN="/accounts/gitlab/login/",
        SSO_CALLBACK="/accounts/gitlab/login/callback/",
        SSO_BUTTON="Login with GitLab",
    )
    _assert_connected_people_only(out, f"{url}/oauth/authorize", "cid", ["gitlab", "4242"])
    token_calls = [r for r in gitlab.requests if r[1] == "/oauth/token"]
    assert token_calls and all(r[2]["client_secret"] == "csecret" for r in token_calls)
    assert any(r[1] == "/api/v4/user" for r in gitlab.requests)


class _FakeOidc(BaseHTTPRequestHandler):
    """An OpenID Connect provider (authorization code flow, client_secret_basic/post)."""

    base = ""
    users = {"code-alice": {"sub": "oidc-alice-1", "email": "alice@sso.test", "email_verified": True,
                            "name": "Alice SSO"},
             "code-stranger": {"sub": "oidc-mallory", "email": "mallory@evil.test", "email_verified": True,
                               "name": "Mallory"}}  # fmt: skip
    tokens: dict[str, dict] = {}
    requests: list[tuple[str, str, dict]] = []
    key = None

    def log_message(self, *args):
        pass

    _json = _FakeGitLab._json

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        self.requests.append(("GET", url.path, {k: v[0] for k, v in parse_qs(url.query).items()}))
        if url.path == "/.well-known/openid-configuration":
            return self._json(200, {
                "issuer": self.base,
                "authorization_endpoint": f"{self.base}/authorize",
                "token_endpoint": f"{self.base}/token",
                "userinfo_endpoint": f"{self.base}/userinfo",
                "jwks_uri": f"{self.base}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            })  # fmt: skip
        if url.path == "/jwks":
            from jwt.algorithms import RSAAlgorithm

            jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
            return self._json(200, {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]})
        if url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if token not in self.tokens:
                return self._json(401, {"error": "invalid_token"})
            return self._json(200, self.tokens[token])
        return self._json(404, {"error": "not_found"})

    def do_POST(self):  # noqa: N802
        import base64
        import time as _time

        import jwt
        from time_machine import escape_hatch

        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self.requests.append(("POST", self.path, form))
        if urlparse(self.path).path != "/token":
            return self._json(404, {"error": "not_found"})
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            cid, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        else:
            cid, secret = form.get("client_id"), form.get("client_secret")
        if (cid, secret) != ("oidc-client", "oidc-secret"):
            return self._json(401, {"error": "invalid_client"})
        user = self.users.get(form.get("code", ""))
        if form.get("grant_type") != "authorization_code" or user is None:
            return self._json(400, {"error": "invalid_grant"})
        # This provider runs in the test process, where time-machine may move the clock
        # (CHANNELOPS_TEST_CLOCK); the product checks iat/exp in its subprocess on the real clock.
        # (escape_hatch.time raises when nothing travels.)
        now = int(escape_hatch.time.time() if escape_hatch.is_travelling() else _time.time())
        id_token = jwt.encode(
            {"iss": self.base, "aud": "oidc-client", "sub": user["sub"], "iat": now, "exp": now + 300,
             "email": user["email"], "email_verified": True},
            self.key, algorithm="RS256", headers={"kid": "k1"},
        )  # fmt: skip
        token = f"at-{form['code']}"
        self.tokens[token] = user
        return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 300,
                                "id_token": id_token})  # fmt: skip


@pytest.fixture
def fake_oidc():
    from cryptography.hazmat.primitives.asymmetric import rsa

    def prepare(base: str) -> None:
        _FakeOidc.base = base
        _FakeOidc.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    with _serve(_FakeOidc, prepare) as base:
        yield base, _FakeOidc


def test_login_with_generic_oidc_signs_in_connected_people_only(migrated_sqlite, fake_oidc):
    url, idp = fake_oidc
    out = _run_flow(
        migrated_sqlite,
        OIDC_CLIENT_ID="oidc-client",
        OIDC_CLIENT_SECRET="oidc-secret",
        OIDC_SERVER_URL=url,
        OIDC_PROVIDER_ID="sso",
        OIDC_PROVIDER_NAME="Example SSO",
        SSO_LOGIN="/accounts/oidc/sso/login/",
        SSO_CALLBACK="/accounts/oidc/sso/login/callback/",
        SSO_BUTTON="Login with Example SSO",
    )
    _assert_connected_people_only(out, f"{url}/authorize", "oidc-client", ["sso", "oidc-alice-1"])
    assert any(r[1] == "/.well-known/openid-configuration" for r in idp.requests)
    assert any(r[1] == "/token" for r in idp.requests)
