"""Practitioner badges (issue 6): Open Badges 3.0 credentials with eddsa-rdfc-2022 proofs."""

from __future__ import annotations

import copy
import hashlib
import html
import json
import os
import socket
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from pyld import jsonld

from channelops.badges import proofs
from channelops.badges.models import Badge, BadgeStatus, StatusList
from channelops.badges.services import badge_approve, badge_revoke, badges_create_for_records, issuer_profile
from channelops.badges.statuslist import decode_bits, status_list_credential
from channelops.badges.verify import EXPIRED, REVOKED, TAMPERED, UNKNOWN_KEY, BadgeInvalid, verify_badge
from channelops.core.models import OutboxMessage
from channelops.enablement.hooks import practitioner_records_changed
from channelops.enablement.models import Certification, PractitionerRecord

from .factories import PractitionerRecordFactory, StaffFactory

EMAIL = "maria.practitioner@a-people.test"


@pytest.fixture
def auto(settings):
    settings.BADGE_APPROVAL = "auto"


@pytest.fixture
def manual(settings):
    settings.BADGE_APPROVAL = "manual"


@pytest.fixture
def program_manager(db):
    return StaffFactory(email="cpm@vendor.test", roles=["channel_program_manager"])


def certify(partner, **kw) -> PractitionerRecord:
    """A record as an import would write it, and the signal the import sends."""
    record = PractitionerRecordFactory(partner=partner, **kw)
    practitioner_records_changed.call(partner_ids={partner.pk}, record_ids=[record.pk], by=None)
    return record


def issued(partner, deliver, **kw) -> Badge:
    record = certify(partner, **kw)
    deliver()
    return Badge.objects.get(record=record)


# --- issuance --------------------------------------------------------------------------------


def test_a_certified_record_gets_a_signed_badge_and_its_holder_an_email_in_auto_mode(
    partner_a, auto, smtp_server, deliver
):
    record = certify(partner_a, email=EMAIL, full_name="Maria Lopez")
    badge = Badge.objects.get(record=record)
    assert badge.status == BadgeStatus.APPROVED and badge.credential is None  # signed in the background
    assert OutboxMessage.objects.filter(kind="badges.sign").count() == 1
    deliver()
    deliver()  # the e-mail queued by the signing step
    badge.refresh_from_db()
    assert badge.status == BadgeStatus.ISSUED
    doc = badge.credential
    assert doc["@context"] == [proofs.VC_V2, proofs.OB_V3]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["issuer"]["id"].endswith("/badges/issuer") and doc["issuer"]["type"] == ["Profile"]
    achievement = doc["credentialSubject"]["achievement"]
    assert achievement["name"] == "Solution Architect Core" and achievement["criteria"]["narrative"]
    assert doc["validUntil"].startswith(record.expires_on.isoformat())
    assert doc["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert doc["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    (mail,) = smtp_server.box.to(EMAIL)
    assert f"/badges/{badge.pk}/" in smtp_server.box.text(mail)
    assert mail["X-Channelops-Key"] == f"badge-issued:{badge.pk}"


def test_the_credential_identifies_the_holder_by_a_salted_hash_never_the_address(partner_a, auto, deliver):
    badge = issued(partner_a, deliver, email=EMAIL)
    text = json.dumps(badge.credential)
    assert EMAIL not in text and "a-people.test" not in text
    (identity,) = badge.credential["credentialSubject"]["identifier"]
    assert identity["hashed"] is True and identity["type"] == "IdentityObject"
    assert (
        identity["identityHash"]
        == "sha256$" + hashlib.sha256((EMAIL + identity["salt"]).encode()).hexdigest()
    )
    other = issued(partner_a, deliver, email="other@a-people.test")
    assert other.salt != badge.salt  # a salt per credential


def test_in_manual_mode_a_badge_waits_for_the_program_managers_approval(
    partner_a, manual, program_manager, cam, client, deliver
):
    record = certify(partner_a)
    badge = Badge.objects.get(record=record)
    assert badge.status == BadgeStatus.PENDING
    deliver()
    assert Badge.objects.get(pk=badge.pk).credential is None
    assert client.get(f"/badges/{badge.pk}/").content.decode().count("Not yet approved") == 1
    assert client.get(f"/badges/{badge.pk}.json").status_code == 404
    client.force_login(cam)  # a CAM may not approve
    assert client.post(f"/console/badges/{badge.pk}/", {"action": "approve"}).status_code == 403
    client.force_login(program_manager)
    assert client.post(f"/console/badges/{badge.pk}/", {"action": "frobnicate"}).status_code == 400
    assert client.put(f"/console/badges/{badge.pk}/").status_code == 405
    assert "Approve and issue" in client.get(f"/console/badges/{badge.pk}/").content.decode()
    resp = client.post(f"/console/badges/{badge.pk}/", {"action": "approve"})
    assert resp.status_code == 302
    deliver()
    badge.refresh_from_db()
    assert badge.status == BadgeStatus.ISSUED and badge.approved_by == program_manager


def test_no_badge_for_an_uncertified_record_or_a_certification_without_a_badge(partner_a, auto):
    no_exam = certify(partner_a, exam_passed=False)
    no_training = certify(partner_a, training_completed=False)
    expired = certify(partner_a, completed_on=date.today() - timedelta(days=800), expires_on=date.today())
    plain = Certification.objects.create(slug="no-badge", name="No badge", grants_badge=False)
    ungranted = certify(partner_a, certification=plain)
    assert not Badge.objects.filter(record__in=[no_exam, no_training, expired, ungranted]).exists()


def test_one_badge_per_record_even_when_signals_repeat(partner_a, auto, deliver):
    record = certify(partner_a)
    for _ in range(3):
        practitioner_records_changed.call(partner_ids={partner_a.pk}, record_ids=[record.pk], by=None)
    assert badges_create_for_records(record_ids=[record.pk, record.pk]) == []
    assert Badge.objects.filter(record=record).count() == 1
    deliver()
    deliver()
    assert OutboxMessage.objects.filter(idempotency_key__startswith="badge-issued:").count() == 1


def test_many_records_get_their_badges_in_the_same_few_queries(partner_a, auto):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    badges_create_for_records(record_ids=[PractitionerRecordFactory(partner=partner_a).pk])  # the status list
    counts = []
    for n in (3, 40):  # (SQLite inserts at most 999 parameters, ~47 badges, per INSERT)
        records = PractitionerRecordFactory.create_batch(n, partner=partner_a)
        with CaptureQueriesContext(connection) as queries:
            badges = badges_create_for_records(record_ids=[r.pk for r in records])
        assert len(badges) == n
        counts.append(len(queries))
    # savepoint, eligible records, lock + advance the status list, bulk insert, the signing outbox
    # row (look-up, savepoint, insert, release), release: the same whatever the number of records
    assert counts[0] == counts[1] <= 12
    indexes = list(Badge.objects.values_list("status_list_id", "status_index"))
    assert len(set(indexes)) == len(indexes) == 44
    # drawn at random among the free positions (not the issuing order: 44 of 131,072 bits)
    assert sorted(i for _list, i in indexes) != list(range(44))
    assert StatusList.objects.get().next_index == 44


# --- verification ----------------------------------------------------------------------------


def test_a_badge_verifies_offline_with_the_published_keys_and_status_list(partner_a, auto, deliver):
    badge = issued(partner_a, deliver, full_name="Maria Lopez")
    result = verify_badge(
        badge.credential,
        keys=issuer_profile(with_keys=True),
        status=status_list_credential(badge.status_list_id),
    )
    assert result.holder == "Maria Lopez" and result.achievement == "Solution Architect Core"
    assert result.status_checked


def test_a_tampered_badge_does_not_verify(partner_a, auto, deliver):
    badge = issued(partner_a, deliver)
    for change in (
        lambda d: d["credentialSubject"].__setitem__("name", "Someone Else"),
        lambda d: d["credentialSubject"]["achievement"].__setitem__("name", "Grand Master"),
        lambda d: d.__setitem__("validUntil", "2099-01-01T00:00:00Z"),
    ):
        doc = copy.deepcopy(badge.credential)
        change(doc)
        with pytest.raises(BadgeInvalid) as exc:
            verify_badge(doc, keys=issuer_profile(with_keys=True))
        assert exc.value.reason == TAMPERED


def test_a_revoked_badge_fails_through_the_status_list(partner_a, auto, deliver, program_manager):
    badge = issued(partner_a, deliver)
    keys = issuer_profile(with_keys=True)
    before = status_list_credential(badge.status_list_id)
    badge_revoke(badge=badge, by=program_manager, reason="exam fraud")
    after = status_list_credential(badge.status_list_id)
    assert len(decode_bits(after["credentialSubject"]["encodedList"])) == 16 * 1024  # 131,072 bits
    verify_badge(badge.credential, keys=keys, status=before)  # the old list did not say so
    with pytest.raises(BadgeInvalid) as exc:
        verify_badge(badge.credential, keys=keys, status=after)
    assert exc.value.reason == REVOKED


def test_an_expired_badge_and_an_unknown_key_are_refused(partner_a, auto, deliver):
    badge = issued(partner_a, deliver)
    with pytest.raises(BadgeInvalid) as exc:
        verify_badge(badge.credential, keys=issuer_profile(with_keys=True), today=badge.valid_until)
    assert exc.value.reason == EXPIRED
    stranger = Ed25519PrivateKey.generate().public_key()
    other_keys = [{"id": "https://elsewhere.test/issuer#k", "publicKeyMultibase": proofs.multikey(stranger)}]
    with pytest.raises(BadgeInvalid) as exc:
        verify_badge(badge.credential, keys=other_keys)
    assert exc.value.reason == UNKNOWN_KEY


def test_the_document_loader_refuses_every_url_but_the_shipped_contexts(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the JSON-LD processing tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    for url in (
        "https://example.com/context.jsonld",
        "https://www.w3.org/2018/credentials/v1",
        "file:///etc/passwd",
    ):
        with pytest.raises(proofs.ContextRefused):
            proofs.document_loader(url)
        with pytest.raises(proofs.ContextRefused):
            proofs.canonicalize({"@context": [proofs.VC_V2, url], "type": ["VerifiableCredential"]})
    assert proofs.document_loader(proofs.OB_V3)["document"]["@context"]["@protected"] is True


def test_a_badge_whose_context_points_elsewhere_is_not_accepted(partner_a, auto, deliver):
    badge = issued(partner_a, deliver)
    doc = copy.deepcopy(badge.credential)
    doc["@context"].append("https://evil.example/ctx.jsonld")
    with pytest.raises(BadgeInvalid):
        verify_badge(doc, keys=issuer_profile(with_keys=True))


def test_the_verify_command_exits_0_for_a_valid_badge_and_1_with_the_reason(
    partner_a, auto, deliver, tmp_path, capsys, program_manager
):
    badge = issued(partner_a, deliver, full_name="Maria Lopez")
    good = tmp_path / "badge.json"
    good.write_text(json.dumps(badge.credential))
    keys = tmp_path / "issuer.json"
    keys.write_text(json.dumps(issuer_profile(with_keys=True)))
    status = tmp_path / "status.json"
    status.write_text(json.dumps(status_list_credential(badge.status_list_id)))
    call_command("badge", "verify", str(good), "--keys", str(keys), "--status", str(status))
    out = capsys.readouterr().out
    assert out.startswith("VALID") and "Maria Lopez" in out and "checked, not revoked" in out
    bad = tmp_path / "tampered.json"
    doc = copy.deepcopy(badge.credential)
    doc["credentialSubject"]["name"] = "Mallory"
    bad.write_text(json.dumps(doc))
    with pytest.raises(SystemExit) as exit_:
        call_command("badge", "verify", str(bad), "--keys", str(keys))
    assert exit_.value.code == 1 and "INVALID: tampered" in capsys.readouterr().out
    badge_revoke(badge=badge, by=program_manager, reason="left the company, badge misused")
    with pytest.raises(SystemExit):
        call_command("badge", "verify", str(good))  # this server's keys and status list
    assert "INVALID: revoked" in capsys.readouterr().out


# --- pages -----------------------------------------------------------------------------------


def test_the_public_page_shows_holder_achievement_issuer_dates_and_state(
    partner_a, auto, deliver, client, program_manager
):
    badge = issued(partner_a, deliver, full_name="Maria Lopez", email=EMAIL)
    page = client.get(f"/badges/{badge.pk}/").content.decode()
    for text in ("Maria Lopez", "Solution Architect Core", "channelops partner program", "Valid"):
        assert text in page
    assert EMAIL not in page and partner_a.legal_name not in page
    download = client.get(f"/badges/{badge.pk}.json")
    assert (
        download["Content-Type"] == "application/vc+ld+json"
        and json.loads(download.content) == badge.credential
    )
    Badge.objects.filter(pk=badge.pk).update(valid_until=date.today())
    assert 'data-state="expired"' in client.get(f"/badges/{badge.pk}/").content.decode()
    badge_revoke(badge=badge, by=program_manager, reason="misuse")
    assert 'data-state="revoked"' in client.get(f"/badges/{badge.pk}/").content.decode()


def test_the_issuer_profile_keys_and_status_list_are_published(partner_a, auto, deliver, client):
    badge = issued(partner_a, deliver)
    profile = client.get("/badges/issuer").json()
    method = badge.credential["proof"]["verificationMethod"]
    assert method in profile["assertionMethod"]
    assert {m["type"] for m in profile["verificationMethod"]} == {"Multikey"}
    assert "d" not in client.get("/badges/keys.json").json()["keys"][0]
    status = client.get(f"/badges/status/{badge.status_list_id}").json()
    assert status["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert status["id"] == badge.credential["credentialStatus"]["statusListCredential"]
    assert client.get("/badges/status/999").status_code == 404


def test_console_revocation_with_a_reason_flips_the_status_list_bit(
    partner_a, auto, deliver, client, program_manager
):
    badge = issued(partner_a, deliver)
    client.force_login(program_manager)
    assert client.post(f"/console/badges/{badge.pk}/", {"action": "revoke", "reason": ""}).status_code == 400
    resp = client.post(f"/console/badges/{badge.pk}/", {"action": "revoke", "reason": "shared exam answers"})
    assert resp.status_code == 302
    badge.refresh_from_db()
    assert badge.status == BadgeStatus.REVOKED and badge.revocation_reason == "shared exam answers"
    bits = decode_bits(
        client.get(f"/badges/status/{badge.status_list_id}").json()["credentialSubject"]["encodedList"]
    )
    assert bits[badge.status_index // 8] & (0x80 >> (badge.status_index % 8))
    listing = client.get("/console/badges/?status=revoked").content.decode()
    assert badge.holder_name in listing


def test_partner_people_see_only_their_partners_badges(
    partner_a, partner_b, user_a, user_b, auto, deliver, client, api_client
):
    mine = issued(partner_a, deliver, full_name="Alice Anders")
    theirs = issued(partner_b, deliver, full_name="Bob Bertram")
    client.force_login(user_b)
    page = client.get("/portal/badges/").content.decode()
    assert "Bob Bertram" in page and "Alice Anders" not in page
    assert client.get(f"/console/badges/{mine.pk}/").status_code in (403, 404)
    api = api_client(user_b)
    ids = [row["id"] for row in api.get("/api/v1/badges").json()["items"]]
    assert ids == [str(theirs.pk)]
    assert api.get(f"/api/v1/badges/{mine.pk}").status_code == 404
    assert (
        api.post(
            f"/api/v1/badges/{mine.pk}/revoke", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert (
        api.post(
            f"/api/v1/badges/{theirs.pk}/revoke", {"reason": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    assert Badge.objects.get(pk=mine.pk).status == BadgeStatus.ISSUED


def test_staff_approve_and_revoke_over_the_api(partner_a, manual, program_manager, api_client, deliver):
    badge = Badge.objects.get(record=certify(partner_a))
    api = api_client(program_manager)
    resp = api.post(f"/api/v1/badges/{badge.pk}/approve")
    assert resp.status_code == 200 and resp.json()["status"] == "approved"
    assert api.post(f"/api/v1/badges/{badge.pk}/approve").status_code == 409
    deliver()
    assert api.get(f"/api/v1/badges/{badge.pk}").json()["credential"]["proof"]
    resp = api.post(
        f"/api/v1/badges/{badge.pk}/revoke", {"reason": "duplicate person"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["state"] == "revoked"


def test_a_learning_system_webhook_batch_issues_badges_once_even_when_delivered_twice(
    partner_a, auto, deliver
):
    from channelops.enablement.services.records import webhook_receive

    items = [
        {
            "email": f"p{i}@a-people.test",
            "name": f"Person {i}",
            "partner": str(partner_a.pk),
            "certification": "solution-architect-core",
            "training_completed": "yes",
            "exam_passed": "yes" if i % 2 == 0 else "no",
            "completed_on": (date.today() - timedelta(days=3)).isoformat(),
        }
        for i in range(6)
    ]
    webhook_receive(items=items)
    webhook_receive(items=items)  # the learning system retries: nothing new
    assert Badge.objects.filter(partner=partner_a).count() == 3  # the three who passed the exam
    deliver()
    assert Badge.objects.filter(partner=partner_a, status=BadgeStatus.ISSUED).count() == 3


@pytest.mark.parametrize("n", [3, 30])
def test_the_badge_lists_run_a_constant_number_of_queries(
    n, partner_a, admin_a, program_manager, manual, client
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    records = PractitionerRecordFactory.create_batch(n, partner=partner_a)
    badges_create_for_records(record_ids=[r.pk for r in records])
    counts = {}
    for user, path in ((program_manager, "/console/badges/"), (admin_a, "/portal/badges/")):
        client.force_login(user)
        client.get(path)  # warm the session and per-process caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200
        assert response.content.decode().count(records[0].certification.name) >= min(n, 2)
        counts[path] = len(queries)
    assert counts == {"/console/badges/": CONSOLE_BADGE_QUERIES, "/portal/badges/": PORTAL_BADGE_QUERIES}


# measured; the same with 3 and 30 badges (each page includes the notification-badge query)
CONSOLE_BADGE_QUERIES = 9
PORTAL_BADGE_QUERIES = 6


# --- issue 11: stock verifiers (JSON-LD safe mode), unsigned terms, the CLI, approved badges ----

SEC = "https://w3id.org/security#"
DATA = Path(__file__).parent / "data" / "badges"


def _dropped_terms(document: dict) -> list:
    """The properties pyld drops while expanding ``document`` (what a safe-mode processor refuses)."""
    dropped: list = []
    jsonld.expand(document, {"documentLoader": proofs.document_loader}, on_property_dropped=dropped.append)
    return dropped


def test_the_credential_the_issuer_profile_and_the_status_list_expand_in_safe_mode_with_nothing_dropped(
    partner_a, auto, deliver
):
    badge = issued(partner_a, deliver)
    profile = issuer_profile(with_keys=True)
    status = status_list_credential(badge.status_list_id)
    for document in (badge.credential, profile, status):
        assert _dropped_terms(document) == []
        proofs.expand_safe(document)  # also no relative IRI, no dropped value
    # the profile is a controller document: a verifier finds the key under assertionMethod
    (node,) = jsonld.expand(profile, {"documentLoader": proofs.document_loader})
    method = badge.credential["proof"]["verificationMethod"]
    assert {"@id": method} in node[SEC + "assertionMethod"]
    (key,) = [k for k in node[SEC + "verificationMethod"] if k["@id"] == method]
    assert key["@type"] == [SEC + "Multikey"]
    assert key[SEC + "controller"] == [{"@id": profile["id"]}]
    assert key[SEC + "publicKeyMultibase"][0]["@value"].startswith("z6Mk")
    assert status["issuer"] == profile["id"]  # the status list's controller document is the same


def test_the_shipped_controller_contexts_combine_with_the_others_and_nothing_else_loads():
    # protected terms (id, type, Multikey) are defined identically: no "protected term redefinition"
    doc = {
        "@context": [proofs.VC_V2, proofs.OB_V3, proofs.CID_V1, proofs.MULTIKEY_V1],
        "id": "https://issuer.example/badges/issuer",
        "type": ["Profile"],
        "name": "x",
        "assertionMethod": ["https://issuer.example/badges/issuer#k"],
    }
    assert proofs.expand_safe(doc)
    assert set(proofs.CONTEXT_FILES) == {proofs.VC_V2, proofs.OB_V3, proofs.CID_V1, proofs.MULTIKEY_V1}
    for url in ("https://w3id.org/security/data-integrity/v2", "https://w3id.org/security/v2"):
        with pytest.raises(proofs.ContextRefused):
            proofs.document_loader(url)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda d: d.__setitem__("evilClaim", "is admin"), id="undefined-top-level-term"),
        pytest.param(
            lambda d: d["credentialSubject"].__setitem__("evilClaim", "is admin"), id="undefined-subject-term"
        ),
        pytest.param(
            lambda d: d["credentialSubject"]["achievement"].__setitem__("level", "grand master"),
            id="undefined-achievement-term",
        ),
        pytest.param(lambda d: d["type"].append("AdminCredential"), id="undefined-type"),
        pytest.param(lambda d: d["credentialSubject"].__setitem__("id", "mallory"), id="relative-id"),
        pytest.param(
            lambda d: d["credentialSubject"].__setitem__("name", {"@language": "en"}), id="dropped-value"
        ),
    ],
)
def test_a_badge_with_anything_the_signature_does_not_cover_does_not_verify(partner_a, auto, deliver, tamper):
    badge = issued(partner_a, deliver)
    doc = copy.deepcopy(badge.credential)
    tamper(doc)
    with pytest.raises(BadgeInvalid) as exc:
        verify_badge(doc, keys=issuer_profile(with_keys=True))
    assert exc.value.reason == TAMPERED
    with pytest.raises(proofs.UnsafeJsonLd):  # and nothing like it is ever signed
        proofs.add_proof(
            doc,
            private_key=Ed25519PrivateKey.generate(),
            verification_method="https://issuer.example/badges/issuer#k",
            created="2026-12-01T00:00:00Z",
        )


def test_a_status_list_with_an_unsigned_term_is_refused(partner_a, auto, deliver):
    badge = issued(partner_a, deliver)
    status = copy.deepcopy(status_list_credential(badge.status_list_id))
    status["credentialSubject"]["note"] = "nobody is revoked"
    with pytest.raises(BadgeInvalid) as exc:
        verify_badge(badge.credential, keys=issuer_profile(with_keys=True), status=status)
    assert exc.value.reason == TAMPERED and "status list" in str(exc.value)


def test_the_verify_command_says_invalid_for_an_unsigned_top_level_term(
    partner_a, auto, deliver, tmp_path, capsys
):
    badge = issued(partner_a, deliver)
    doc = copy.deepcopy(badge.credential)
    doc["evilClaim"] = "is admin"
    evil = tmp_path / "evil.json"
    evil.write_text(json.dumps(doc))
    keys = tmp_path / "issuer.json"
    keys.write_text(json.dumps(issuer_profile(with_keys=True)))
    with pytest.raises(SystemExit) as exit_:
        call_command("badge", "verify", str(evil), "--keys", str(keys))
    out = capsys.readouterr().out
    assert exit_.value.code == 1 and out.startswith("INVALID: tampered") and "evilClaim" in out


def test_a_badge_signed_before_the_controller_context_change_still_verifies():
    """Issue 11 changed the unsigned issuer profile, not the credential's contexts: old badges verify."""
    old = json.loads((DATA / "signed-before-issue-11.json").read_text())
    keys = json.loads((DATA / "issuer-before-issue-11.json").read_text())
    result = verify_badge(old, keys=keys, today=date(2027, 6, 1))
    assert result.holder == "Maria Lopez" and result.key_id == old["proof"]["verificationMethod"]


def _cli(*args: str, tmp_path: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    exe = os.path.join(os.path.dirname(sys.executable), "channelops")
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    return subprocess.run(
        [exe, "badge", "verify", *args], input=stdin, capture_output=True, env=env, timeout=120
    )


KEY_ID = "https://issuer.example/badges/issuer#k"
PROOF = {
    "type": "DataIntegrityProof",
    "cryptosuite": "eddsa-rdfc-2022",
    "verificationMethod": KEY_ID,
    "proofPurpose": "assertionMethod",
    "proofValue": "z1111",
}
BADGE_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


def _bad_files() -> dict[str, bytes]:
    def doc(**kw: object) -> bytes:
        return json.dumps({"type": BADGE_TYPES, "proof": PROOF, **kw}).encode()

    return {
        "deep-array.json": b"[" * 100_000 + b"]" * 100_000,
        "deep-object.json": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
        "deep-but-parsable.json": doc(credentialSubject={"x": json.loads("[" * 200 + "]" * 200)}),
        "not-json.json": b"this is not JSON",
        "not-utf8.json": b'\xff\xfe{"a": 1}',
        "array.json": b"[1, 2, 3]",
        "string.json": b'"a badge"',
        "empty.json": b"",
        "no-proof.json": json.dumps({"type": BADGE_TYPES, "proof": "x", "credentialSubject": 5}).encode(),
        "context-a-number.json": doc(**{"@context": 7}),
        "context-elsewhere.json": doc(**{"@context": ["https://evil.example/ctx"]}),
        "context-inline-bad.json": doc(**{"@context": [proofs.VC_V2, {"@version": 2}]}),
        "id-a-number.json": doc(**{"@context": [proofs.VC_V2, proofs.OB_V3], "id": 5}),
        "bad-signature.json": doc(**{"@context": [proofs.VC_V2, proofs.OB_V3], "name": "x"}),
        "bad-dates.json": doc(**{"@context": [proofs.VC_V2, proofs.OB_V3], "validFrom": ["x"]}),
    }


def test_every_verify_command_failure_is_one_clear_line_and_a_non_zero_exit(tmp_path):
    key = Ed25519PrivateKey.generate().public_key()
    profile = tmp_path / "issuer.json"
    profile.write_text(
        json.dumps({"verificationMethod": [{"id": KEY_ID, "publicKeyMultibase": proofs.multikey(key)}]})
    )
    status = tmp_path / "status.json"
    status.write_text(json.dumps({"type": ["VerifiableCredential", "BitstringStatusListCredential"]}))
    bad = _bad_files()
    for name, content in bad.items():
        (tmp_path / name).write_bytes(content)
    cases = [(name, [str(tmp_path / name)], None) for name in bad]
    cases += [
        ("missing file", [str(tmp_path / "missing.json")], None),
        ("a directory", [str(tmp_path)], None),
        ("deep on standard input", ["-"], bad["deep-array.json"]),
        ("keys not JSON", [str(tmp_path / "array.json"), "--keys", str(tmp_path / "not-json.json")], None),
        (
            "keys too deep",
            [str(tmp_path / "string.json"), "--keys", str(tmp_path / "deep-object.json")],
            None,
        ),
        ("keys an array", [str(tmp_path / "array.json"), "--keys", str(tmp_path / "array.json")], None),
        ("keys a string", [str(tmp_path / "array.json"), "--keys", str(tmp_path / "string.json")], None),
        ("status missing", [str(tmp_path / "string.json"), "--keys", str(profile), "--status", "nope"], None),
    ]
    for label, args, stdin in cases:
        if "--keys" not in args:
            args = [*args, "--keys", str(profile), "--status", str(status)]
        run = _cli(*args, tmp_path=tmp_path, stdin=stdin)
        output = (run.stdout + run.stderr).decode("utf-8", "replace")
        lines = [line for line in output.splitlines() if line.strip()]
        assert run.returncode == 1, (label, output)
        assert "Traceback" not in output, (label, output)
        assert len(lines) == 1, (label, output)
        assert len(lines[0]) < 300, (label, output)
    deep = _cli(str(tmp_path / "deep-array.json"), "--keys", str(profile), tmp_path=tmp_path)
    assert b"nests deeper than 64 levels" in deep.stderr


def test_an_approved_badge_says_it_is_being_signed_on_every_page(
    partner_a, admin_a, manual, program_manager, client
):
    badge = Badge.objects.get(record=certify(partner_a))
    badge_approve(badge=badge, by=program_manager)  # signing happens in the background, not yet here
    label = "Approved — being signed, ready in a moment"
    pages = {
        f"/badges/{badge.pk}/": None,
        "/portal/badges/": admin_a,
        "/console/badges/": program_manager,
        f"/console/badges/{badge.pk}/": program_manager,
    }
    for path, user in pages.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        page = html.unescape(client.get(path).content.decode())
        assert page.count(label) == 1, path
        for stale in ("Not yet approved", "not been approved", "(Approved, being signed)"):
            assert stale not in page, (path, stale)
