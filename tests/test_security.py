"""Security: staff MFA for the console, partner people kept out of it, sign-in rate limits,
password hashing, production-mode settings, and constant query counts of the list pages."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache

from .factories import (
    TEST_PASSWORD,
    TEST_TOTP_SECRET,
    MembershipFactory,
    PartnerFactory,
    StaffFactory,
    UserFactory,
)

BASE_DIR = Path(__file__).resolve().parent.parent
CONSOLE_PAGES = [
    "/console/",
    "/console/partners/",
    "/console/queues/",
    "/console/outbox/dead/",
    "/console/admin/",
]


# --- staff MFA ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*CONSOLE_PAGES, "/console/partners/export.csv", "partner_detail"])
def test_staff_without_mfa_are_sent_to_the_totp_activation_page(login, partner_a, path):
    # (Every console URL is also walked by tests/test_isolation.py, which fails on a new one.)
    lead = StaffFactory(email="nomfa@vendor.test", roles=["channel_leadership"], mfa=False)
    if path == "partner_detail":
        path = f"/console/partners/{partner_a.pk}/"
    resp = login(lead).get(path)
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_without_mfa_are_told_why_and_can_set_it_up(login, db):
    lead = StaffFactory(email="nomfa@vendor.test", roles=["cam"], mfa=False)
    resp = login(lead).get("/console/partners/", follow=True)
    assert resp.redirect_chain[0] == ("/accounts/2fa/totp/activate/", 302)
    # allauth asks for the password again before an authenticator can be added.
    assert resp.redirect_chain[-1][0].startswith("/accounts/reauthenticate/")
    assert resp.status_code == 200
    assert (
        "Staff accounts must set up an authenticator app before using the console." in resp.content.decode()
    )


def test_staff_with_mfa_reach_the_console(login, cam, partner_a):
    c = login(cam)
    assert c.get("/console/").status_code == 302  # home → work queues
    for path in ["/console/partners/", "/console/queues/", f"/console/partners/{partner_a.pk}/"]:
        resp = c.get(path)
        assert resp.status_code == 200, path
    assert "Acme Test Partner" in c.get(f"/console/partners/{partner_a.pk}/").content.decode()


def test_an_administrator_with_mfa_reaches_the_data_admin(login, administrator):
    assert login(administrator).get("/console/admin/").status_code == 200


@pytest.mark.parametrize("person", ["admin_a", "user_a"])
@pytest.mark.parametrize("path", CONSOLE_PAGES[:4] + ["/console/partners/export.csv", "partner_detail"])
def test_partner_people_get_403_on_the_console(request, login, partner_a, person, path):
    if path == "partner_detail":
        path = f"/console/partners/{partner_a.pk}/"
    resp = login(request.getfixturevalue(person)).get(path)
    assert resp.status_code == 403


def test_partner_people_cannot_enter_the_data_admin(login, admin_a):
    resp = login(admin_a).get("/console/admin/", follow=True)
    assert resp.status_code == 403
    body = resp.content.decode()
    main = body[body.index("<main") : body.index("</main>")]  # the header names the person's own partner
    assert "Acme Test Partner" not in main
    assert "Partners" not in main


def test_anonymous_visitors_are_sent_to_sign_in_from_the_console(client, db):
    resp = client.get("/console/partners/")
    assert resp.status_code == 302
    assert resp["Location"].startswith("/accounts/login/")


def _current_totp() -> str:
    """The authenticator app's code for the test secret, now."""
    return format_hotp_value(hotp_value(TEST_TOTP_SECRET, int(time.time()) // mfa_settings.TOTP_PERIOD))


def test_a_staff_password_alone_does_not_open_the_console(client, cam):
    """Signing in with the password stops at the authenticator step; the code completes it."""
    resp = client.post("/accounts/login/", {"login": cam.email, "password": TEST_PASSWORD})
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/console/partners/")["Location"].startswith("/accounts/login/")
    wrong = "000000" if _current_totp() != "000000" else "111111"
    resp = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert resp.status_code == 200  # wrong code: the form again
    assert client.get("/console/partners/").status_code == 302
    resp = client.post("/accounts/2fa/authenticate/", {"code": _current_totp()})
    assert resp.status_code == 302
    assert client.get("/console/partners/").status_code == 200


# --- sign-in rate limits ----------------------------------------------------------------------------


@pytest.fixture
def clean_rate_limits():
    """allauth keeps its rate-limit counters in the cache (LocMem in tests): start and end clean."""
    cache.clear()
    yield
    cache.clear()


WRONG = "The email address and/or password you specified are not correct."
TOO_MANY = "Too many failed login attempts. Try again later."


def test_five_wrong_passwords_lock_the_account_out_of_password_sign_in(client, clean_rate_limits, admin_a):
    for _ in range(5):
        resp = client.post("/accounts/login/", {"login": admin_a.email, "password": "wrong-password-1"})
        assert resp.status_code == 200
        assert WRONG in resp.content.decode()
    # The right password no longer works for a while (5 failures per 5 minutes per account).
    resp = client.post("/accounts/login/", {"login": admin_a.email, "password": TEST_PASSWORD})
    assert resp.status_code == 200
    assert TOO_MANY in resp.content.decode()
    assert "_auth_user_id" not in client.session
    # Other accounts are not affected.
    other = UserFactory(email="other@a.test")
    MembershipFactory(user=other, partner=admin_a.membership.partner)
    resp = client.post("/accounts/login/", {"login": other.email, "password": TEST_PASSWORD})
    assert resp.status_code == 302


def test_ten_wrong_passwords_from_one_address_lock_that_address_out(client, clean_rate_limits, db):
    for i in range(10):
        resp = client.post("/accounts/login/", {"login": f"nobody{i}@a.test", "password": "wrong-password-1"})
        assert WRONG in resp.content.decode()
    person = UserFactory(email="fresh@a.test")
    resp = client.post("/accounts/login/", {"login": person.email, "password": TEST_PASSWORD})
    assert TOO_MANY in resp.content.decode()


def test_hammering_the_sign_in_page_gets_allauths_429(client, clean_rate_limits, admin_a):
    statuses = []
    for _ in range(31):
        resp = client.post("/accounts/login/", {"login": admin_a.email, "password": "wrong-password-1"})
        statuses.append(resp.status_code)
    # allauth allows 30 sign-in POSTs a minute per address; the 31st is refused outright.
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429
    assert "Too Many Requests" in resp.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_rate_limit_counters_start_clean(client, clean_rate_limits, admin_a):
    """After the lockout tests, a fresh test signs in normally (the cache was cleared)."""
    resp = client.post("/accounts/login/", {"login": admin_a.email, "password": TEST_PASSWORD})
    assert resp.status_code == 302


# --- settings in subprocesses -----------------------------------------------------------------------

# The subprocesses start from a clean environment: only these are passed on, so nothing the test
# run set (DATABASE_URL, DJANGO_ALLOW_ASYNC_UNSAFE from the browser tests, CHANNELOPS_*…) leaks in.
_PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    base = {k: os.environ[k] for k in _PASSED_ON if k in os.environ}
    base.update(
        {
            "DJANGO_SETTINGS_MODULE": "channelops.settings",
            "CHANNELOPS_TESTING": "0",
            "CHANNELOPS_VAR_DIR": str(tmp_path),
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=base, capture_output=True, text=True, timeout=120
    )


PRINT_HASHER = (
    "import django; django.setup(); from django.conf import settings; "
    "from django.contrib.auth.hashers import make_password; "
    "print(settings.PASSWORD_HASHERS[0]); print(make_password('x').split('$')[0])"
)


def test_argon2_is_the_password_hasher_outside_the_test_suite(tmp_path):
    result = _run(["-c", PRINT_HASHER], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.contrib.auth.hashers.Argon2PasswordHasher", "argon2"]


def test_the_test_suite_alone_uses_the_fast_hasher(settings):
    assert settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.MD5PasswordHasher"
    assert "django.contrib.auth.hashers.Argon2PasswordHasher" in settings.PASSWORD_HASHERS


# Production also requires the database and e-mail to be configured explicitly.
PROD_SERVICES = {
    "DATABASE_URL": "sqlite:////tmp/never-opened.sqlite3",
    "EMAIL_URL": "smtp://mail.example.com:25",
}


def _secret_key() -> str:
    return secrets.token_urlsafe(50)


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    result = _run(
        ["manage.py", "check"], tmp_path, CHANNELOPS_PRODUCTION="true", ALLOWED_HOSTS="partners.example.com"
    )
    assert result.returncode != 0
    assert "SECRET_KEY is required when CHANNELOPS_PRODUCTION=true" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start(tmp_path):
    result = _run(["manage.py", "check"], tmp_path, CHANNELOPS_PRODUCTION="true", SECRET_KEY=_secret_key())
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is required when CHANNELOPS_PRODUCTION=true" in result.stderr


def test_production_with_demo_mode_refuses_to_start(tmp_path):
    result = _run(
        ["manage.py", "check"],
        tmp_path,
        CHANNELOPS_PRODUCTION="true",
        CHANNELOPS_DEMO="true",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="partners.example.com",
    )
    assert result.returncode != 0
    assert "CHANNELOPS_DEMO=true is refused when CHANNELOPS_PRODUCTION=true." in result.stderr


def test_production_settings_pass_the_deployment_checks(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        CHANNELOPS_PRODUCTION="true",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="partners.example.com",
        **PROD_SERVICES,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_turns_on_secure_cookies_https_and_hsts(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.ACCOUNT_DEFAULT_HTTP_PROTOCOL)"
    )
    result = _run(
        ["-c", code],
        tmp_path,
        CHANNELOPS_PRODUCTION="true",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="partners.example.com",
        **PROD_SERVICES,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "https"]


@pytest.mark.parametrize("missing", ["DATABASE_URL", "EMAIL_URL"])
def test_production_without_database_or_email_settings_refuses_to_start(tmp_path, missing):
    env = {k: v for k, v in PROD_SERVICES.items() if k != missing}
    result = _run(
        ["manage.py", "check"],
        tmp_path,
        CHANNELOPS_PRODUCTION="true",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS="partners.example.com",
        **env,
    )
    assert result.returncode != 0
    assert f"{missing} is required when CHANNELOPS_PRODUCTION=true" in result.stderr


# Keys anyone can read: the development key of settings.py (also named in the docs), Django's
# startproject keys, and keys too short to resist guessing.
WEAK_KEYS = {
    "development": "dev-only-insecure-key-do-not-use-in-production-0123456789abcdef",
    "django-insecure": "django-insecure-" + secrets.token_urlsafe(50),
    "short": secrets.token_urlsafe(30)[:40],
    "repetitive": "ab" * 40,
}


@pytest.mark.parametrize("weak", WEAK_KEYS)
def test_production_refuses_a_known_development_or_short_secret_key(tmp_path, weak):
    result = _run(
        ["manage.py", "check", "--deploy"],
        tmp_path,
        CHANNELOPS_PRODUCTION="true",
        SECRET_KEY=WEAK_KEYS[weak],
        ALLOWED_HOSTS="partners.example.com",
        **PROD_SERVICES,
    )
    assert result.returncode != 0, result.stdout + result.stderr
    assert "SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe(50)" in result.stderr  # says what to do


@pytest.mark.parametrize("hosts", ["*", "partners.example.com,*"])
def test_production_refuses_a_wildcard_allowed_host(tmp_path, hosts):
    result = _run(
        ["manage.py", "check", "--deploy"],
        tmp_path,
        CHANNELOPS_PRODUCTION="true",
        SECRET_KEY=_secret_key(),
        ALLOWED_HOSTS=hosts,
        **PROD_SERVICES,
    )
    assert result.returncode != 0, result.stdout + result.stderr
    assert "ALLOWED_HOSTS" in result.stderr and "'*'" in result.stderr


def test_the_deployment_checks_fail_on_the_development_key_outside_production_mode(tmp_path):
    result = _run(["manage.py", "check", "--deploy"], tmp_path)
    assert result.returncode != 0
    assert "channelops.E001" in result.stderr and "development key" in result.stderr


def test_a_password_reset_with_a_forged_host_links_to_the_configured_site(
    client, clean_rate_limits, admin_a, smtp_server, deliver, settings
):
    from .conftest import Mailbox

    settings.SITE_URL = "https://partners.example.com"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    for address in (admin_a.email, "nobody@unknown.example"):  # a reset link; a "no account" mail
        resp = client.post("/accounts/password/reset/", {"email": address}, HTTP_HOST="evil.example")
        assert resp.status_code == 302, resp.content
    deliver()
    (reset,) = smtp_server.box.to(admin_a.email)
    (unknown,) = smtp_server.box.to("nobody@unknown.example")
    assert "https://partners.example.com/accounts/password/reset/key/" in Mailbox.text(reset)
    assert "https://partners.example.com/accounts/" in Mailbox.text(unknown)
    for mail in (reset, unknown):
        assert "evil.example" not in mail.as_string()
    link = next(w for w in Mailbox.text(reset).split() if "/password/reset/key/" in w)
    assert client.get(link.removeprefix("https://partners.example.com")).status_code in (200, 302)


def test_demo_mode_without_production_starts(tmp_path):
    result = _run(
        ["-c", "import django; django.setup(); from django.conf import settings as s; print(s.DEMO_MODE)"],
        tmp_path,
        CHANNELOPS_DEMO="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


# --- constant query counts of the list pages --------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 50])
def test_the_portal_users_page_costs_the_same_queries_for_3_and_50_people(
    login, admin_a, partner_a, rows, django_assert_num_queries
):
    for i in range(rows - 1):
        MembershipFactory(partner=partner_a, user=UserFactory(email=f"colleague{i}@a.test"))
    c = login(admin_a)
    # 1 session, 2 user, 3 the person's membership with their partner (and its region, tier, CAM),
    # 4 the partner's memberships joined with their people, 5 the unread notifications badge.
    with django_assert_num_queries(5):
        resp = c.get("/portal/users/")
    assert resp.status_code == 200
    assert resp.content.decode().count("@a.test</td>") == rows


@pytest.mark.parametrize("rows", [3, 50])
def test_the_console_directory_costs_the_same_queries_for_3_and_50_partners(
    login, cam, rows, django_assert_num_queries
):
    manager = StaffFactory(email="cam2@vendor.test", roles=["cam"], full_name="Casey Manager")
    for i in range(rows):
        PartnerFactory(legal_name=f"Listed {i:03d} GmbH", cam=manager if i % 2 else None)
    c = login(cam)
    # 1 session, 2 user, 3 the staff MFA check, 4-7 the filter form's choices (regions, tiers,
    # programs, CAMs), 8 COUNT(*) for the paginator, 9 the page of partners joined with region,
    # tier and CAM, 10 the unread notifications badge.
    with django_assert_num_queries(10):
        resp = c.get("/console/partners/")
    assert resp.status_code == 200
    assert resp.content.decode().count(" GmbH</a>") == rows


def test_the_console_directory_counts_stay_constant_when_filtered(login, cam, django_assert_num_queries):
    for i in range(50):
        PartnerFactory(legal_name=f"Listed {i:03d} GmbH")
    c = login(cam)
    with django_assert_num_queries(10):  # as above (with the unread notifications badge)
        resp = c.get("/console/partners/?q=Listed&region=EMEA&tier=open&status=active&sort=-engagement_score")
    assert resp.status_code == 200
