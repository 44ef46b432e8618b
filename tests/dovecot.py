"""A private Dovecot IMAP server for the inbound e-mail tests and the benchmark (docs/inbound-email.md).

``Dovecot.start()`` writes its own configuration into a fresh directory (run and state directories,
a log file, a passwd-file with one test user, maildir mailboxes), listens on 127.0.0.1 on a free
port without TLS, waits until it answers IMAP and returns; ``stop()`` ends it. The system's Dovecot
service is never used (nor needed): this is a separate instance. Messages are delivered into it by
IMAP APPEND (``append``), as an MTA's local delivery would.

As root (the CI), Dovecot's own processes run as the Debian ``dovenull``/``dovecot`` users and the
mail user is ``dovenull`` (Dovecot refuses mail access as uid 0); as anyone else, everything runs as
the current user.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "helpdesk@channelops.test"
PASSWORD = "imap-test-password"  # noqa: S105 (a throwaway test account on 127.0.0.1)


def available() -> bool:
    return Path(DOVECOT).exists()


def required() -> bool:
    return os.environ.get("CHANNELOPS_REQUIRE_IMAP", "").strip().lower() in {"1", "true", "yes"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="channelops-dovecot-"))
        self.port = _free_port()
        self.host = "127.0.0.1"
        self.user = USER
        self.password = PASSWORD
        self.proc: subprocess.Popen | None = None

    @property
    def log(self) -> str:
        path = self.dir / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _config(self) -> str:
        d = self.dir
        if os.geteuid() == 0:
            mail = pwd.getpwnam("dovenull")
            internal, login = "dovecot", "dovenull"
        else:
            mail = pwd.getpwuid(os.geteuid())
            internal = login = mail.pw_name
        uid, gid = mail.pw_uid, mail.pw_gid
        (d / "mail").mkdir()
        os.chmod(d, 0o755)
        if os.geteuid() == 0:
            os.chown(d / "mail", uid, gid)
        (d / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{d}/mail/home::\n")
        return f"""
base_dir = {d}/run
state_dir = {d}/state
instance_name = channelops-test-{self.port}
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = {min(uid, 100)}
first_valid_gid = 0
mail_location = maildir:{d}/mail/%u
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
protocol imap {{
  mail_max_userip_connections = 50
}}
"""

    def start(self, timeout: float = 20) -> Dovecot:
        conf = self.dir / "dovecot.conf"
        conf.write_text(self._config())
        (self.dir / "run").mkdir(mode=0o755)
        (self.dir / "state").mkdir(mode=0o755)
        self.proc = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "stderr.log", "wb"),  # noqa: SIM115
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"Dovecot exited ({self.proc.returncode}): "
                    + (self.dir / "stderr.log").read_text(errors="replace")
                    + self.log
                )
            try:
                with imaplib.IMAP4(self.host, self.port, timeout=2) as imap:
                    imap.login(self.user, self.password)
                    imap.logout()
                return self
            except (OSError, imaplib.IMAP4.error):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"Dovecot did not answer IMAP within {timeout}s: {self.log}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    # --- the mailbox -----------------------------------------------------------------------------

    def imap(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=30)
        conn.login(self.user, self.password)
        return conn

    def append(self, *messages: bytes, mailbox: str = "INBOX") -> None:
        """Deliver raw RFC 5322 messages into ``mailbox`` (created when missing)."""
        conn = self.imap()
        try:
            if mailbox != "INBOX":
                conn.create(mailbox)
            for raw in messages:
                typ, data = conn.append(mailbox, "", None, raw)
                if typ != "OK":
                    raise RuntimeError(f"APPEND failed: {data!r}")
        finally:
            conn.logout()

    def reset(self, mailbox: str = "INBOX") -> None:
        """Empty ``mailbox`` (the UIDs go on; UIDVALIDITY stays)."""
        conn = self.imap()
        try:
            conn.select(mailbox)
            conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
            conn.expunge()
        except imaplib.IMAP4.error:
            pass
        finally:
            conn.logout()

    def recreate(self, mailbox: str) -> None:
        """Delete and create ``mailbox`` again: a new UIDVALIDITY, the UIDs start over."""
        conn = self.imap()
        try:
            conn.delete(mailbox)
            conn.create(mailbox)
        finally:
            conn.logout()

    def flags(self, mailbox: str = "INBOX") -> dict[int, str]:
        """UID → the flags string of every message in ``mailbox``."""
        conn = self.imap()
        try:
            conn.select(mailbox, readonly=True)
            typ, data = conn.uid("FETCH", "1:*", "(FLAGS)")
            out = {}
            for line in data:
                if not line:
                    continue
                text = line.decode() if isinstance(line, bytes) else str(line)
                uid = int(text.split("UID ", 1)[1].split()[0].rstrip(")"))
                out[uid] = text.split("FLAGS (", 1)[1].split(")", 1)[0]
            return out
        finally:
            conn.logout()


# --- pytest fixtures (import them into a test module: ``from .dovecot import dovecot, imap_inbox``) --

try:
    import pytest
except ImportError:  # the benchmark imports this module without pytest
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture(scope="session")
    def dovecot():
        """A private Dovecot for this test session (this xdist worker): skipped when Dovecot is not
        installed, failing when CHANNELOPS_REQUIRE_IMAP=1 (the CI)."""
        if not available():
            if required():
                pytest.fail(f"Dovecot is required (CHANNELOPS_REQUIRE_IMAP=1) but {DOVECOT} is missing")
            pytest.skip("Dovecot not installed (apt-get install dovecot-imapd): IMAP tests skipped")
        server = Dovecot().start()
        yield server
        server.stop()

    @pytest.fixture
    def imap_inbox(dovecot, settings):
        """An empty INBOX, and the settings pointing the inbound poll at it."""
        dovecot.reset("INBOX")
        settings.INBOUND_IMAP_HOST = dovecot.host
        settings.INBOUND_IMAP_PORT = dovecot.port
        settings.INBOUND_IMAP_SSL = False
        settings.INBOUND_IMAP_USER = dovecot.user
        settings.INBOUND_IMAP_PASSWORD = dovecot.password
        settings.INBOUND_IMAP_AUTH = "password"
        settings.INBOUND_IMAP_MAILBOX = "INBOX"
        return dovecot


def imap_env(server: Dovecot, mailbox: str = "INBOX") -> dict[str, str]:
    """The environment of a ``channelops inbound poll`` subprocess reading ``server``."""
    return {
        "CHANNELOPS_INBOUND_IMAP_HOST": server.host,
        "CHANNELOPS_INBOUND_IMAP_PORT": str(server.port),
        "CHANNELOPS_INBOUND_IMAP_SSL": "false",
        "CHANNELOPS_INBOUND_IMAP_USER": server.user,
        "CHANNELOPS_INBOUND_IMAP_PASSWORD": server.password,
        "CHANNELOPS_INBOUND_IMAP_MAILBOX": mailbox,
    }
