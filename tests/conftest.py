"""Shared fixtures: named people (DESIGN.md §4), a real SMTP server, and the browser."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
import threading
from dataclasses import dataclass, field

import pytest
import time_machine
from aiosmtpd.controller import Controller

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

# Browser test modules use `pytestmark = BROWSER_MARKS`. Live-server tests need real
# transactions; serialized rollback restores the rows that existed before each test's flush.
# `browser_db` lets the test thread use the ORM while Playwright's loop runs
# (DJANGO_ALLOW_ASYNC_UNSAFE, set for the module only) with the connections pytest-django and
# the live server use.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("browser_db"),
]

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


# --- the clock: CHANNELOPS_TEST_CLOCK runs every test at a chosen instant ---------------------
#
# `CHANNELOPS_TEST_CLOCK=2026-12-31T23:59:30Z pytest …` starts every test at that instant with
# time-machine; the clock keeps ticking, so a test that starts seconds before midnight crosses it
# while it runs. `CHANNELOPS_TEST_CLOCK_TICK=0` freezes it instead. Tests that travel themselves
# nest inside. What exists before a test — module constants, the test database and its default
# rows (session fixtures), rows re-created by a transactional test's flush — is dated a day
# earlier: the clock never runs backwards from one test's data to the next. Subprocesses (worker,
# `channelops run`, the console script, the SSO flows) and the browser read the real clock.
# See docs/architecture.md (Tests).
TEST_CLOCK = os.environ.get("CHANNELOPS_TEST_CLOCK", "").strip()
TEST_CLOCK_TICK = os.environ.get("CHANNELOPS_TEST_CLOCK_TICK", "1").strip().lower() not in {
    "0",
    "false",
    "no",
}


def _test_clock_at():  # type: ignore[no-untyped-def]
    """The instant as an aware datetime (ISO 8601; without an offset it is UTC)."""
    from datetime import UTC

    from dateutil.parser import isoparse

    at = isoparse(TEST_CLOCK)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def pytest_configure(config):
    """The run itself (collection, module constants, session fixtures such as the test database and
    its defaults) happens the day before the instant, as if the suite started then."""
    if TEST_CLOCK:
        from datetime import timedelta

        config._channelops_clock = time_machine.travel(_test_clock_at() - timedelta(days=1))
        config._channelops_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_channelops_clock", None)
    if clock is not None:
        clock.stop()


@pytest.fixture(autouse=True)
def _test_clock():
    """Every test (and its function fixtures after pytest-django's) starts at the instant."""
    if not TEST_CLOCK:
        yield
        return
    with time_machine.travel(_test_clock_at(), tick=TEST_CLOCK_TICK):
        yield


@pytest.fixture
def frozen_clock():
    """Stops the clock where it is (list it first, before the fixtures that create rows): a test
    that reads today's date or the time more than once gets the same answer even when it runs
    across midnight. The traveller can ``move_to()`` a chosen instant or ``shift()`` it."""
    from django.utils import timezone

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def pytest_report_header(config):
    if TEST_CLOCK:
        how = "ticking" if TEST_CLOCK_TICK else "frozen"
        return f"channelops test clock: every test starts at {_test_clock_at().isoformat()} ({how})"
    return None


# --- a real SMTP server (aiosmtpd) -------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list:
        with self.lock:
            return [m for m in self.messages if address.lower() in m["To"].lower()]

    @staticmethod
    def text(msg) -> str:  # type: ignore[no-untyped-def]
        part = msg.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @staticmethod
    def html(msg) -> str:  # type: ignore[no-untyped-def]
        part = msg.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box
        self.before_accept = None  # optional hook(msg) -> str | None (an SMTP reply to refuse with)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        msg = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        if self.before_accept is not None:
            refusal = self.before_accept(msg)
            if refusal:
                return refusal
        with self.box.lock:
            self.box.messages.append(msg)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def _smtp_controller():
    box = Mailbox()
    handler = _Handler(box)
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    controller.box = box
    controller.handler_obj = handler
    yield controller
    controller.stop()


@pytest.fixture
def smtp_server(_smtp_controller, settings):
    """A real SMTP server; Django's mail goes to it for this test. `.box.messages` holds what arrived."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _smtp_controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    _smtp_controller.box.clear()
    _smtp_controller.handler_obj.before_accept = None
    yield _smtp_controller
    _smtp_controller.handler_obj.before_accept = None


@pytest.fixture
def deliver():
    """Run the outbox delivery (what the worker does) in-process; returns the counts."""
    from channelops.core.outbox import outbox_deliver_due

    return outbox_deliver_due


# --- license signing keys ----------------------------------------------------------------------


@pytest.fixture
def license_key_dir(settings, tmp_path):
    """An empty license key directory for this test (a signing key is generated on first use)."""
    settings.LICENSE_KEY_DIR = tmp_path / "license-keys"
    settings.LICENSE_PRIVATE_KEY = ""
    settings.LICENSE_KEY_ID = ""
    settings.LICENSE_RETIRED_KEYS = ""
    settings.LICENSE_KEY_AUTOGENERATE = True
    return settings.LICENSE_KEY_DIR


# --- named people ----------------------------------------------------------------------------


@pytest.fixture
def partner_a(db):
    return PartnerFactory(legal_name="Acme Test Partner")


@pytest.fixture
def partner_b(db):
    return PartnerFactory(legal_name="Beta Test Partner")


@pytest.fixture
def admin_a(partner_a):
    return MembershipFactory(partner=partner_a, role="admin", user=UserFactory(email="admin@a.test")).user


@pytest.fixture
def user_a(partner_a):
    return MembershipFactory(partner=partner_a, role="user", user=UserFactory(email="user@a.test")).user


@pytest.fixture
def user_b(partner_b):
    return MembershipFactory(partner=partner_b, role="admin", user=UserFactory(email="admin@b.test")).user


@pytest.fixture
def cam(db):
    return StaffFactory(email="cam@vendor.test", roles=["cam"])


@pytest.fixture
def phd_emea(db):
    return StaffFactory(email="phd.emea@vendor.test", roles=["phd_specialist"])


@pytest.fixture
def leadership(db):
    return StaffFactory(email="lead@vendor.test", roles=["channel_leadership"])


@pytest.fixture
def administrator(db):
    return StaffFactory(email="root@vendor.test", roles=["administrator"], is_superuser=True)


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def api_client(client):
    """`api_client(user)` → a client sending that user's new API token."""
    from channelops.accounts.services import api_token_create

    def _make(user):
        _t, clear = api_token_create(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {clear}"
        return client

    return _make


# --- browser (Playwright driving Debian's Chromium) -------------------------------------------


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    if os.environ.get("CHANNELOPS_REQUIRE_BROWSER"):
        return  # the browser fixture will fail loudly instead
    skip = pytest.mark.skip(reason="Chromium not found (apt-get install chromium): browser tests skipped")
    n = 0
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)
            n += 1
    if n:
        config._channelops_browser_skipped = n


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = getattr(config, "_channelops_browser_skipped", 0)
    if n:
        terminalreporter.write_line(
            f"NOTE: {n} browser tests were SKIPPED because Chromium was not found (apt-get install chromium).",
            yellow=True,
        )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM:
        pytest.fail("Chromium is required for browser tests (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def _db_connections_before_playwright(django_db_setup):
    """This thread's database connections as pytest-django set them up (before Playwright starts).

    Playwright's sync API keeps an asyncio loop running in the test thread; from then on
    Django's connection handler (an asgiref Local) hands the thread *new* connection objects:
    they lack the serialized contents that ``serialized_rollback`` restores, and they are not
    the in-memory SQLite connection the live server shares.
    """
    from django.db import connections

    return {alias: connections[alias] for alias in connections}


@pytest.fixture(scope="module")
def browser_db(_db_connections_before_playwright):
    """For browser test modules that use the ORM: the test thread keeps pytest-django's (and the
    live server's) connections, and may use them while Playwright's loop runs. Only for the
    module's duration: DJANGO_ALLOW_ASYNC_UNSAFE must not leak into other tests' subprocesses
    (``manage.py check --deploy`` refuses it).
    """
    from django.db import connections

    for alias, conn in _db_connections_before_playwright.items():
        connections[alias] = conn
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# --- a migrated SQLite file for tests that run real subprocesses (worker, scheduler) ----------


@pytest.fixture(scope="session")
def _migrated_sqlite_template(tmp_path_factory):
    import subprocess
    import sys

    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "DJANGO_SETTINGS_MODULE": "channelops.settings",
        "CHANNELOPS_TESTING": "0",
        "DATABASE_URL": f"sqlite:///{path}",
    }
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True, timeout=600)
    return path


def worker_env(db_path, smtp_port: int) -> dict[str, str]:
    """The environment of a real worker/scheduler subprocess on ``db_path`` that mails to ``smtp_port``
    (short outbox leases and a 2-second sweep, so a killed worker's message is picked up quickly)."""
    return {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER"}
    } | {
        "DJANGO_SETTINGS_MODULE": "channelops.settings",
        "CHANNELOPS_TESTING": "0",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "CHANNELOPS_OUTBOX_LEASE_SECONDS": "2",
        "CHANNELOPS_SCHEDULE_OUTBOX_SWEEP": "FREQ=SECONDLY;INTERVAL=2",
        "CHANNELOPS_VAR_DIR": str(db_path.parent),
    }


@pytest.fixture
def migrated_sqlite(_migrated_sqlite_template, tmp_path):
    """A fresh copy of a migrated SQLite database file (for subprocess workers)."""
    target = tmp_path / "db.sqlite3"
    shutil.copyfile(_migrated_sqlite_template, target)
    return target


@pytest.fixture(autouse=True, scope="session")
def _private_media(tmp_path_factory):
    """Uploaded files (core/files.py) go to a temporary folder, never to the checkout's var/media."""
    from django.test import override_settings

    override = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    override.enable()
    yield
    override.disable()


@pytest.fixture(autouse=True)
def _default_language_between_tests():
    """A request in German leaves German active in the test's thread (LocaleMiddleware activates,
    nothing deactivates): every test starts in the default language, whatever ran before it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Process-local memos (the directory's filter choices) must not leak between tests."""
    from channelops.console.forms import clear_choice_cache

    clear_choice_cache()
    yield
    clear_choice_cache()
