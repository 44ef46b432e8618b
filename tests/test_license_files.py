"""Signed license files (S7 step 4–5): keys, signing, verification, endpoints, CLI, issuing."""

from __future__ import annotations

import base64
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from dateutil.relativedelta import relativedelta
from django.core.management import CommandError, call_command
from django.utils import timezone

from channelops.licensing import files, keys
from channelops.licensing.files import LicenseInvalid, license_sign, verify_license
from channelops.licensing.issuing import license_issue
from channelops.licensing.models import License, NfrRequest, RequestEvent

TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def key_dir(license_key_dir):
    return license_key_dir


def payload(**overrides):
    base = {
        "id": "0b6c3c3e-2f0e-4a43-9a57-6a4c7f3a0001",
        "licensee": "Jo Tester",
        "company": "Acme GmbH",
        "email": "jo@acme.test",
        "plan": "ultimate",
        "users": 25,
        "nfr": True,
        "trial": False,
        "starts": "2026-01-15",
        "expires": "2027-01-15",
        "note": "25 Ultimate NFR licenses for partner Acme GmbH",
        "issuer": "https://partners.example.test",
        "kid": "",
    }
    return base | overrides


def armour_span(text: str) -> tuple[int, int]:
    start = text.index(files.BEGIN)
    end = text.index(files.END) + len(files.END)
    return start, end


def compact_of(text: str) -> str:
    return files.extract_compact(text)


def rearmour(text: str, compact: str) -> str:
    start, end = armour_span(text)
    lines = [compact[i : i + 64] for i in range(0, len(compact), 64)]
    return text[:start] + "\n".join([files.BEGIN, *lines, files.END]) + text[end:]


def test_a_signed_license_verifies_and_returns_its_content():
    text = license_sign(payload())
    lic = verify_license(text, jwks=keys.public_jwks(), today=TODAY)
    assert (lic.licensee, lic.company, lic.email, lic.plan, lic.users) == (
        "Jo Tester",
        "Acme GmbH",
        "jo@acme.test",
        "ultimate",
        25,
    )
    assert lic.nfr is True and lic.trial is False
    assert (lic.starts, lic.expires) == (date(2026, 1, 15), date(2027, 1, 15))
    assert lic.kid == keys.current_signing_key().kid
    # the documented shape: comment lines, armour, 64-character lines
    lines = text.splitlines()
    assert lines[0].startswith("# ")
    body = lines[lines.index(files.BEGIN) + 1 : lines.index(files.END)]
    assert all(len(line) == 64 for line in body[:-1]) and 0 < len(body[-1]) <= 64
    header = json.loads(base64.urlsafe_b64decode(compact_of(text).split(".")[0] + "=="))
    assert header == {"alg": "Ed25519", "kid": lic.kid, "typ": "channelops-license+jws"}


def test_the_comment_lines_are_not_trusted_but_do_not_break_verification():
    text = license_sign(payload())
    edited = text.replace("# Licensee: Jo Tester", "# Licensee: Somebody Else")
    assert verify_license(edited, jwks=keys.public_jwks(), today=TODAY).licensee == "Jo Tester"


@pytest.mark.parametrize("mask", [0x01, 0x02, 0x04, 0x20])
def test_any_byte_flipped_inside_the_armour_is_rejected(mask):
    text = license_sign(payload())
    jwks = keys.public_jwks()
    start, end = armour_span(text)
    compact = compact_of(text)
    dots = [i for i, c in enumerate(compact) if c == "."]
    assert len(dots) == 2  # header, payload and signature are all covered below
    accepted = []
    for pos in range(start, end):
        flipped = text[:pos] + chr(ord(text[pos]) ^ mask) + text[pos + 1 :]
        try:
            verify_license(flipped, jwks=jwks, today=TODAY)
        except LicenseInvalid:
            continue
        accepted.append(pos)
    assert accepted == []


def test_a_tampered_payload_with_the_old_signature_is_rejected():
    text = license_sign(payload())
    header, body, sig = compact_of(text).split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=="))
    data["users"] = 1000
    forged_body = base64.urlsafe_b64encode(files.canonical_json(data)).rstrip(b"=").decode()
    forged = rearmour(text, f"{header}.{forged_body}.{sig}")
    with pytest.raises(LicenseInvalid) as exc:
        verify_license(forged, jwks=keys.public_jwks(), today=TODAY)
    assert exc.value.reason == files.BAD_SIGNATURE


def test_a_license_signed_by_an_unknown_key_is_rejected():
    text = license_sign(payload())
    other = {"keys": [keys.public_jwk("other", Ed25519PrivateKey.generate().public_key())]}
    with pytest.raises(LicenseInvalid) as exc:
        verify_license(text, jwks=other, today=TODAY)
    assert exc.value.reason == files.UNKNOWN_KEY


def test_a_key_with_the_same_kid_but_other_material_rejects_the_signature():
    text = license_sign(payload())
    kid = keys.current_signing_key().kid
    impostor = {"keys": [keys.public_jwk(kid, Ed25519PrivateKey.generate().public_key())]}
    with pytest.raises(LicenseInvalid) as exc:
        verify_license(text, jwks=impostor, today=TODAY)
    assert exc.value.reason == files.BAD_SIGNATURE


@pytest.mark.parametrize(
    ("today", "reason"),
    [
        (date(2027, 1, 15), files.EXPIRED),  # the expiry day itself is no longer valid
        (date(2030, 1, 1), files.EXPIRED),
        (date(2026, 1, 14), files.NOT_YET_VALID),
    ],
)
def test_dates_are_enforced(today, reason):
    text = license_sign(payload())
    with pytest.raises(LicenseInvalid) as exc:
        verify_license(text, jwks=keys.public_jwks(), today=today)
    assert exc.value.reason == reason
    assert verify_license(text, jwks=keys.public_jwks(), today=date(2027, 1, 14)).users == 25
    assert verify_license(text, jwks=keys.public_jwks(), today=date(2026, 1, 15)).users == 25


def test_a_revoked_license_is_rejected():
    text = license_sign(payload())
    with pytest.raises(LicenseInvalid) as exc:
        verify_license(text, jwks=keys.public_jwks(), revoked={payload()["id"]}, today=TODAY)
    assert exc.value.reason == files.REVOKED


@pytest.mark.parametrize(
    "garbage",
    ["", "hello", "-----BEGIN CHANNELOPS LICENSE-----\n-----END CHANNELOPS LICENSE-----\n"],
)
def test_something_that_is_not_a_license_file_says_so(garbage):
    with pytest.raises(LicenseInvalid) as exc:
        verify_license(garbage, jwks=keys.public_jwks(), today=TODAY)
    assert exc.value.reason == files.NOT_A_LICENSE


def test_rotation_keeps_old_licenses_valid_and_signs_new_ones_with_the_new_key(key_dir):
    first = keys.current_signing_key()
    old = license_sign(payload())
    second = keys.key_generate()
    assert second.kid != first.kid
    assert keys.current_signing_key().kid == second.kid
    new = license_sign(payload(id="0b6c3c3e-2f0e-4a43-9a57-6a4c7f3a0002"))
    jwks = keys.public_jwks()
    assert [k["kid"] for k in jwks["keys"]] == [second.kid, first.kid]  # current first
    assert verify_license(old, jwks=jwks, today=TODAY).kid == first.kid
    assert verify_license(new, jwks=jwks, today=TODAY).kid == second.kid
    for kid in (first.kid, second.kid):
        assert stat.S_IMODE(os.stat(key_dir / f"{kid}.pem").st_mode) == 0o600


def test_a_missing_key_in_production_mode_is_an_error_that_says_what_to_do(settings):
    settings.LICENSE_KEY_AUTOGENERATE = False
    with pytest.raises(keys.LicenseKeyError, match="channelops keys generate"):
        keys.current_signing_key()


def test_a_key_from_the_environment_signs_and_is_published(settings, key_dir):
    private = Ed25519PrivateKey.generate()
    settings.LICENSE_PRIVATE_KEY = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    settings.LICENSE_KEY_ID = "env-2026"
    text = license_sign(payload())
    assert verify_license(text, jwks=keys.public_jwks(), today=TODAY).kid == "env-2026"
    assert not key_dir.exists()  # nothing written to disk
    with pytest.raises(keys.LicenseKeyError):
        keys.key_generate()


# --- public endpoints --------------------------------------------------------------------------


def test_keys_json_is_public_and_holds_no_private_key(client, db, key_dir):
    key = keys.current_signing_key()
    response = client.get("/licenses/keys.json")
    assert response.status_code == 200
    assert "max-age=300" in response["Cache-Control"]
    body = response.json()
    assert body["keys"][0] | {} == keys.public_jwk(key.kid, key.public_key)
    assert all(set(k) == {"kty", "crv", "x", "kid", "use", "alg"} for k in body["keys"])
    raw = response.content.decode()
    d = base64.urlsafe_b64encode(
        key.private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    ).rstrip(b"=")
    assert d.decode() not in raw and '"d"' not in raw
    assert (key_dir / f"{key.kid}.pem").read_text().split("\n")[1] not in raw


def test_revoked_json_lists_revoked_licenses_publicly(client, partner_a, cam):
    lic = license_issue(request=make_request(partner_a), by=cam)
    assert client.get("/licenses/revoked.json").json()["revoked"] == []
    License.objects.filter(pk=lic.pk).update(revoked_at=timezone.now(), revocation_reason="left")
    response = client.get("/licenses/revoked.json")
    assert response.status_code == 200
    assert "max-age=60" in response["Cache-Control"]
    rows = response.json()["revoked"]
    assert [r["id"] for r in rows] == [str(lic.pk)] and rows[0]["revoked_at"]
    assert "left" not in response.content.decode()  # the reason stays internal


# --- the CLI -----------------------------------------------------------------------------------


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_keys_generate_prints_the_new_kid_and_keys_list_marks_it_current(capsys, key_dir):
    call_command("keys", "generate")
    kid = capsys.readouterr().out.strip()
    assert (key_dir / f"{kid}.pem").is_file()
    call_command("keys", "list")
    assert f"* {kid}" in capsys.readouterr().out


def test_license_verify_against_a_jwks_file(tmp_path, capsys):
    today = timezone.localdate()  # the date the command checks against (settings.TIME_ZONE)
    text = license_sign(payload(starts=str(today), expires=str(today + timedelta(days=30))))
    jwks = write(tmp_path, "keys.json", json.dumps(keys.public_jwks()))
    call_command("license", "verify", write(tmp_path, "ok.license", text), "--keys", jwks)
    out = capsys.readouterr().out
    assert "VALID" in out and "Jo Tester" in out and "Acme GmbH" in out and payload()["id"] in out
    start, _end = armour_span(text)
    pos = start + len(files.BEGIN) + 30
    bad = text[:pos] + chr(ord(text[pos]) ^ 1) + text[pos + 1 :]
    with pytest.raises(SystemExit) as exc:
        call_command("license", "verify", write(tmp_path, "bad.license", bad), "--keys", jwks)
    assert exc.value.code == 1
    assert "INVALID" in capsys.readouterr().out


def test_license_verify_defaults_to_this_servers_keys_and_revocations(tmp_path, capsys, partner_a, cam):
    lic = license_issue(request=make_request(partner_a), by=cam)
    path = write(tmp_path, "l.license", lic.file_text)
    call_command("license", "verify", path)
    assert "VALID" in capsys.readouterr().out
    License.objects.filter(pk=lic.pk).update(revoked_at=timezone.now())
    with pytest.raises(SystemExit) as exc:
        call_command("license", "verify", path)
    assert exc.value.code == 1
    assert "revoked" in capsys.readouterr().out


@contextmanager
def _http_server(answers: dict[str, tuple[int, bytes]]) -> Iterator[str]:
    """A local HTTP server answering each path with ``answers[path]`` (status, JSON body), else
    404; yields its base URL. (No live_server: a live server test cannot use the ORM in a worker
    that already ran the Playwright browser tests.)"""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            status, body = answers.get(self.path, (404, b""))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def published(client):
    """A real HTTP server publishing what this server answers at /licenses/keys.json and
    /licenses/revoked.json (read through the Django test client at each request): the CLI
    fetches them over HTTP like a customer's machine would."""
    answers: dict[str, tuple[int, bytes]] = {}
    with _http_server(answers) as base:

        def refresh() -> str:
            for path in ("/licenses/keys.json", "/licenses/revoked.json"):
                resp = client.get(path)
                assert resp.status_code == 200
                answers[path] = (200, resp.content)
            return f"{base}/licenses/keys.json"

        yield refresh


def test_license_verify_against_the_published_keys_url(db, published, tmp_path, capsys):
    from tests.factories import PartnerFactory, StaffFactory

    partner = PartnerFactory(legal_name="Livewire AG")
    lic = license_issue(request=make_request(partner), by=StaffFactory())
    path = write(tmp_path, "l.license", lic.file_text)
    url = published()
    call_command("license", "verify", path, "--keys", url)
    out = capsys.readouterr().out
    assert "VALID" in out and "Livewire AG" in out
    # the revocation list next to the keys URL is consulted
    License.objects.filter(pk=lic.pk).update(revoked_at=timezone.now())
    url = published()
    with pytest.raises(SystemExit) as exc:
        call_command("license", "verify", path, "--keys", url)
    assert exc.value.code == 1 and "revoked" in capsys.readouterr().out
    # unknown key: a key set without the signing key
    other = write(tmp_path, "other.json", json.dumps({"keys": []}))
    with pytest.raises(SystemExit):
        call_command("license", "verify", path, "--keys", other)
    assert "unknown key id" in capsys.readouterr().out


def test_license_verify_of_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("license", "verify", str(tmp_path / "nope.license"))


# --- issuing -----------------------------------------------------------------------------------


def make_request(partner, **overrides):
    fields = {
        "partner": partner,
        "contact_name": "Jo Tester",
        "contact_email": "jo@acme.test",
        "seats": 25,
        "purpose": "demo lab",
    }
    return NfrRequest.objects.create(**(fields | overrides))


def test_license_issue_signs_the_request_and_is_idempotent(partner_a, cam):
    request = make_request(partner_a)
    first = license_issue(request=request, by=cam)
    again = license_issue(request=request, by=cam)
    assert again.pk == first.pk
    assert License.objects.count() == 1
    assert RequestEvent.objects.filter(request=request, kind="license_issued").count() == 1
    lic = verify_license(first.file_text, jwks=keys.public_jwks())
    today = timezone.localdate()
    assert (lic.starts, lic.expires) == (today, today + relativedelta(years=1))
    assert lic.plan == "ultimate" and lic.users == 25 and lic.id == str(first.pk)
    assert lic.note == f"25 Ultimate NFR licenses for partner {partner_a.legal_name}"
    assert lic.company == partner_a.legal_name and lic.licensee == "Jo Tester"
    assert first.payload == lic.payload and first.key_id == lic.kid and first.issued_by == cam


def test_a_new_license_is_co_termed_with_the_partners_active_licenses(partner_a, cam):
    first = license_issue(request=make_request(partner_a), by=cam)
    coterm = timezone.localdate() + timedelta(days=100)
    License.objects.filter(pk=first.pk).update(expires=coterm)
    second = license_issue(request=make_request(partner_a, seats=5, contact_email="b@acme.test"), by=cam)
    assert second.expires == coterm
    assert verify_license(second.file_text, jwks=keys.public_jwks()).expires == coterm
    # a renewal is not co-termed: it gets its own full term
    renewal = license_issue(request=make_request(partner_a, seats=5, is_renewal=True), by=cam)
    today = timezone.localdate()
    assert renewal.expires == today + relativedelta(years=1)
    # revoked licenses do not count
    License.objects.update(revoked_at=timezone.now())
    fresh = license_issue(request=make_request(partner_a, seats=1), by=cam)
    assert fresh.expires == today + relativedelta(years=1)
    assert fresh.payload["note"].startswith("1 Ultimate NFR license for partner")


def test_a_concurrent_issue_of_the_same_request_yields_the_first_license(partner_a, cam, monkeypatch):
    """Simulates the race the row lock prevents on PostgreSQL: another worker stores the license
    between our check and our insert; the unique request makes us return theirs."""
    from channelops.licensing import issuing

    request = make_request(partner_a)
    real_sign = issuing.license_sign
    theirs = {}

    def sign_after_the_other_worker(payload, *, key):
        with monkeypatch.context() as m:
            m.setattr(issuing, "license_sign", real_sign)
            theirs["license"] = issuing.license_issue(request=request, by=cam)
        return real_sign(payload, key=key)

    monkeypatch.setattr(issuing, "license_sign", sign_after_the_other_worker)
    mine = issuing.license_issue(request=request, by=cam)
    assert mine.pk == theirs["license"].pk
    assert License.objects.count() == 1
    assert RequestEvent.objects.filter(request=request, kind="license_issued").count() == 1


def test_the_console_script_verifies_with_exit_codes(tmp_path):
    import subprocess
    import sys

    # The subprocess reads the real clock, this test may run on another one (CHANNELOPS_TEST_CLOCK):
    # a license valid on any date of either. The date rules are tested in-process with `today=`.
    text = license_sign(payload(starts="2000-01-01", expires="2999-01-01"))
    jwks = write(tmp_path, "keys.json", json.dumps(keys.public_jwks()))
    revoked = write(tmp_path, "revoked.json", json.dumps({"revoked": []}))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "CHANNELOPS_TESTING": "0",
        "CHANNELOPS_LICENSE_KEY_DIR": str(tmp_path / "no-keys-here"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    exe = os.path.join(os.path.dirname(sys.executable), "channelops")

    def run(path):
        cmd = [exe, "license", "verify", path, "--keys", jwks, "--revoked", revoked]
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603

    ok = run(write(tmp_path, "ok.license", text))
    assert ok.returncode == 0, ok.stderr
    assert "licensee: Jo Tester <jo@acme.test>" in ok.stdout
    bad = run(write(tmp_path, "bad.license", text.replace("-----END", "-----BND")))
    assert bad.returncode == 1
    assert "INVALID: not a license file" in bad.stdout


# --- `license verify` never prints a traceback (issue 11) -------------------------------------------


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    """Run `channelops license verify ARGS` as the console script does; (exit code, stdout, stderr)."""
    import threading

    from channelops.cli import main as channelops_cli

    outcome: dict[str, BaseException | int] = {}

    def run() -> None:
        try:
            channelops_cli(["channelops", "license", "verify", *args])
            outcome["code"] = 0
        except SystemExit as exc:
            outcome["code"] = int(exc.code or 0)
        except BaseException as exc:  # re-raised in the test's thread below
            outcome["error"] = exc

    # In a thread of its own: in an xdist worker that already ran the Playwright tests, the test
    # thread has a running event loop and Django refuses the command's database check there
    # (SynchronousOnlyOperation; docs/architecture.md, traps).
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    out, err = capsys.readouterr()
    return int(outcome["code"]), out, err  # type: ignore[arg-type]


def _nested(depth: int) -> str:
    return '{"keys": ' + "[" * depth + "]" * depth + "}"


@pytest.fixture
def bad_server():
    """A local HTTP server answering each path with a fixed (status, body)."""
    answers = {
        "/deep/keys.json": (200, _nested(100_000).encode()),
        "/latin1/keys.json": (200, b'{"keys": [], "note": "\xe9"}'),
        "/html/keys.json": (200, b"<html>Sign in</html>"),
        "/error/keys.json": (500, b"{}"),
    }
    with _http_server(answers) as base:
        yield base


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    "case",
    [
        "missing license file",
        "license file is a directory",
        "license file not UTF-8",
        "keys nested 100000 deep",
        "keys not JSON",
        "keys not UTF-8",
        "keys missing",
        "keys not a JWKS",
        "keys URL nested 100000 deep",
        "keys URL not UTF-8",
        "keys URL answers HTML",
        "keys URL answers 500",
        "keys URL unreachable",
        "keys URL malformed",
        "keys URL bad port",
        "revocations nested 100000 deep",
        "revocations not a list",
        "revocations with odd rows",
    ],
)
def test_license_verify_reports_every_error_in_one_line_without_a_traceback(
    tmp_path, capsys, bad_server, case
):
    text = license_sign(payload(starts=str(date.today()), expires=str(date.today() + timedelta(days=30))))
    lic = write(tmp_path, "ok.license", text)
    jwks = write(tmp_path, "keys.json", json.dumps(keys.public_jwks()))
    revoked = write(tmp_path, "revoked.json", json.dumps({"revoked": []}))
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(b'{"keys": [], "n": "\xe9"}')
    args = {
        "missing license file": [str(tmp_path / "nope.license"), "--keys", jwks, "--revoked", revoked],
        "license file is a directory": [str(tmp_path), "--keys", jwks, "--revoked", revoked],
        "license file not UTF-8": [str(latin1), "--keys", jwks, "--revoked", revoked],
        "keys nested 100000 deep": [lic, "--keys", write(tmp_path, "deep.json", _nested(100_000))],
        "keys not JSON": [lic, "--keys", write(tmp_path, "nojson.json", "{keys: ")],
        "keys not UTF-8": [lic, "--keys", str(latin1)],
        "keys missing": [lic, "--keys", str(tmp_path / "nokeys.json")],
        "keys not a JWKS": [lic, "--keys", write(tmp_path, "list.json", "[1, 2]"), "--revoked", revoked],
        "keys URL nested 100000 deep": [lic, "--keys", f"{bad_server}/deep/keys.json"],
        "keys URL not UTF-8": [lic, "--keys", f"{bad_server}/latin1/keys.json"],
        "keys URL answers HTML": [lic, "--keys", f"{bad_server}/html/keys.json"],
        "keys URL answers 500": [lic, "--keys", f"{bad_server}/error/keys.json"],
        "keys URL unreachable": [lic, "--keys", f"http://127.0.0.1:{_closed_port()}/licenses/keys.json"],
        "keys URL malformed": [lic, "--keys", "http://[::1/licenses/keys.json"],
        "keys URL bad port": [lic, "--keys", "http://127.0.0.1:99999/licenses/keys.json"],
        "revocations nested 100000 deep": [
            lic,
            "--keys",
            jwks,
            "--revoked",
            write(tmp_path, "r-deep.json", '{"revoked": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ],
        "revocations not a list": [
            lic,
            "--keys",
            jwks,
            "--revoked",
            write(tmp_path, "r-five.json", '{"revoked": 5}'),
        ],
        "revocations with odd rows": [
            lic,
            "--keys",
            jwks,
            "--revoked",
            write(tmp_path, "r-odd.json", '{"revoked": [{"id": {"a": [1]}}, "x", 3, null]}'),
        ],
    }[case]
    code, out, err = _cli(capsys, *args)
    assert "Traceback" not in out + err
    if case == "revocations with odd rows":
        # odd rows are skipped; the license itself is fine
        assert code == 0 and out.startswith("VALID"), (out, err)
        return
    assert code == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("CommandError: "), err


def test_a_license_whose_signed_header_nests_too_deep_is_invalid_not_a_crash(tmp_path, capsys):
    text = license_sign(payload(starts=str(date.today()), expires=str(date.today() + timedelta(days=30))))
    jwks = write(tmp_path, "keys.json", json.dumps(keys.public_jwks()))
    revoked = write(tmp_path, "revoked.json", json.dumps({"revoked": []}))
    _h, pay, sig = compact_of(text).split(".")
    deep = base64.urlsafe_b64encode(("[" * 100_000 + "]" * 100_000).encode()).rstrip(b"=").decode()
    forged = rearmour(text, f"{deep}.{pay}.{sig}")
    code, out, err = _cli(
        capsys, write(tmp_path, "deep.license", forged), "--keys", jwks, "--revoked", revoked
    )
    assert code == 1 and "Traceback" not in out + err
    assert (
        out.strip()
        == "INVALID: bad signature or tampered payload: the header, payload or signature does not decode"
    )
