"""Login with GitLab: allauth's OAuth2 flow against a local stand-in that speaks GitLab's wire protocol.

GitLab cannot run here, so a small HTTP server answers the three GitLab endpoints allauth uses
(`/oauth/authorize` is only a redirect target; `/oauth/token` and `/api/v4/user`) and records
what it was sent. The provider is configured by environment variables only, so the flow runs
in a subprocess with GITLAB_CLIENT_ID / GITLAB_CLIENT_SECRET / GITLAB_URL set.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
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
gitlab = os.environ["GITLAB_URL"]
out = {}
c = Client()
login_page = c.get("/accounts/login/").content.decode()
out["button"] = "Login with GitLab" in login_page

# 1. A stranger's GitLab account does not create a channelops account (sign-up is by invitation).
r = c.post("/accounts/gitlab/login/")
q = parse_qs(urlparse(r["Location"]).query)
out["authorize_url"] = r["Location"].split("?")[0]
out["client_id"] = q["client_id"][0]
r = c.get("/accounts/gitlab/login/callback/", {"code": "code-stranger", "state": q["state"][0]}, follow=True)
out["stranger_signed_in"] = "_auth_user_id" in c.session

# 2. Alice, signed in with her password, connects her GitLab account.
c.post("/accounts/login/", {"login": "alice@sso.test", "password": "correct-horse-battery-9"})
r = c.post("/accounts/gitlab/login/", {"process": "connect"})
q = parse_qs(urlparse(r["Location"]).query)
r = c.get("/accounts/gitlab/login/callback/", {"code": "code-alice", "state": q["state"][0]})
from allauth.socialaccount.models import SocialAccount
out["connected"] = list(SocialAccount.objects.filter(user=person).values_list("provider", "uid"))
c.post("/accounts/logout/")
out["signed_out"] = "_auth_user_id" not in c.session

# 3. Later she signs in with GitLab alone and lands in the portal.
r = c.post("/accounts/gitlab/login/")
q = parse_qs(urlparse(r["Location"]).query)
r = c.get("/accounts/gitlab/login/callback/", {"code": "code-alice", "state": q["state"][0]})
out["redirect"] = r.get("Location")
out["signed_in_as"] = c.session.get("_auth_user_id")
out["alice_id"] = str(person.pk)

# 4. A tampered state is refused.
c.post("/accounts/logout/")
c.post("/accounts/gitlab/login/")
r = c.get("/accounts/gitlab/login/callback/", {"code": "code-alice", "state": "forged"})
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


@pytest.fixture
def fake_gitlab():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeGitLab)
    _FakeGitLab.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _FakeGitLab
    server.shutdown()


def test_login_with_gitlab_signs_in_connected_people_only(migrated_sqlite, fake_gitlab):
    url, gitlab = fake_gitlab
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "DJANGO_SETTINGS_MODULE": "channelops.settings",
        "CHANNELOPS_TESTING": "0",
        "DATABASE_URL": f"sqlite:///{migrated_sqlite}",
        "CHANNELOPS_VAR_DIR": str(migrated_sqlite.parent),
        "GITLAB_CLIENT_ID": "cid",
        "GITLAB_CLIENT_SECRET": "csecret",
        "GITLAB_URL": url,
    }
    result = subprocess.run(
        [sys.executable, "-c", FLOW], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["button"] is True
    assert out["authorize_url"] == f"{url}/oauth/authorize"
    assert out["client_id"] == "cid"
    assert out["stranger_signed_in"] is False  # no account is created from a GitLab sign-in
    assert out["connected"] == [["gitlab", "4242"]]
    assert out["signed_out"] is True
    assert out["signed_in_as"] == out["alice_id"]
    assert out["redirect"] == "/portal/"
    assert out["forged_state_signed_in"] is False
    token_calls = [r for r in gitlab.requests if r[1] == "/oauth/token"]
    assert token_calls and all(r[2]["client_secret"] == "csecret" for r in token_calls)
    assert any(r[1] == "/api/v4/user" for r in gitlab.requests)
