"""Certifications and practitioner records (S6): catalog pages, file import (CSV/XLSX, console and
CLI), the API, the signed learning-system webhook, the portal's people page, NFR eligibility."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from channelops.enablement.hooks import practitioner_records_changed
from channelops.enablement.models import Certification, ImportRun, ImportStatus, PractitionerRecord
from channelops.enablement.services.importing import import_file
from channelops.enablement.services.records import (
    practitioner_records_import,
    webhook_signature,
)
from channelops.enablement.tasks import practitioner_import_task
from channelops.licensing.eligibility import evaluate

from .factories import MembershipFactory, PartnerFactory, PractitionerRecordFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,partner,certification,training_completed,exam_passed,exam_score,completed_on,expires_on,external_id"
# DONE is read at import (any recent date does); `today()` when the test runs, in settings.TIME_ZONE.
DONE = (timezone.localdate() - timedelta(days=10)).isoformat()


def today() -> date:
    return timezone.localdate()


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def row(email: str, partner: object, cert: str = "solution-architect-core", **kw: object) -> str:
    v = {
        "name": "Maria Example",
        "training": "yes",
        "exam": "yes",
        "score": "88",
        "completed": DONE,
        "expires": "",
        "ext": "LMS-1",
        **kw,
    }
    return ",".join(
        str(x)
        for x in (
            email,
            v["name"],
            partner,
            cert,
            v["training"],
            v["exam"],
            v["score"],
            v["completed"],
            v["expires"],
            v["ext"],
        )
    )


@pytest.fixture
def edu(db):
    return StaffFactory(email="edu@vendor.test", roles=["education_services"])


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def changes():
    """Every ``practitioner_records_changed`` sent during the test: (partner_ids, record_ids, in a transaction)."""
    seen: list[tuple[set, list, bool]] = []

    def receiver(*, partner_ids, record_ids, by, **kw):  # type: ignore[no-untyped-def]
        seen.append((set(partner_ids), list(record_ids), connection.in_atomic_block))

    with practitioner_records_changed.registered(receiver):
        yield seen


def run_file(content: bytes, name: str = "export.csv", **kw):  # type: ignore[no-untyped-def]
    return import_file(name=name, content=content, **kw)


# --- import: good, bad, duplicate rows -----------------------------------------------------------


def test_a_clean_file_imports_every_row_links_partner_people_and_defaults_the_expiry(
    partner_a, user_a, edu, changes
):
    content = csv_bytes(
        row(user_a.email.upper(), partner_a.pk, name="User A"),
        row("pse@acme.example", partner_a.pk, "Professional Services Engineer", expires="2031-01-01"),
    )
    run, result = run_file(content, by=edu)
    assert (result.created, result.updated, result.unchanged, result.errors) == (2, 0, 0, [])
    run.refresh_from_db()
    assert (run.status, run.created, run.by, run.total, run.done) == (ImportStatus.DONE, 2, edu, 2, 2)
    assert run.sha256 == hashlib.sha256(content).hexdigest() and bytes(run.content) == b""
    linked = PractitionerRecord.objects.get(email=user_a.email.lower())
    assert linked.user == user_a and linked.source == "import" and linked.exam_score == 88
    sac = Certification.objects.get(slug="solution-architect-core")
    assert linked.expires_on == date.fromisoformat(DONE) + relativedelta(years=2)  # 29 Feb → 28 Feb
    assert sac.validity_months == 24
    pse = PractitionerRecord.objects.get(email="pse@acme.example")
    assert pse.user is None and pse.expires_on == date(2031, 1, 1)
    assert changes == [({partner_a.pk}, sorted(result.record_ids), True)] or changes[0][0] == {partner_a.pk}
    assert all(inside for _p, _r, inside in changes)  # sent inside the import's transaction
    assert linked.history.count() == 1 and linked.history.first().history_user == edu


def test_reimporting_the_same_file_changes_nothing(partner_a, edu, changes):
    content = csv_bytes(row("a@acme.example", partner_a.pk), row("b@acme.example", partner_a.pk))
    run_file(content, by=edu)
    before = list(PractitionerRecord.objects.values_list("pk", "updated_at").order_by("pk"))
    history = PractitionerRecord.history.count()
    changes.clear()
    _run, again = run_file(content, by=edu)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert list(PractitionerRecord.objects.values_list("pk", "updated_at").order_by("pk")) == before
    assert PractitionerRecord.history.count() == history  # not rewritten
    assert changes == []  # nothing changed: no signal


def test_a_changed_row_is_updated_and_counted_once(partner_a, edu, changes):
    run_file(csv_bytes(row("a@acme.example", partner_a.pk, exam="no", score="40")), by=edu)
    changes.clear()
    _run, result = run_file(
        csv_bytes(
            row("a@acme.example", partner_a.pk, exam="yes", score="91"), row("b@acme.example", partner_a.pk)
        ),
        by=edu,
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    rec = PractitionerRecord.objects.get(email="a@acme.example")
    assert rec.exam_passed and rec.exam_score == 91 and rec.history.count() == 2
    assert PractitionerRecord.objects.count() == 2
    assert changes[0][0] == {partner_a.pk} and len(changes[0][1]) == 2


def test_a_file_with_bad_rows_changes_nothing_and_reports_each_row_with_its_reason(partner_a, partner_b, edu):
    partner_b.status = "suspended"
    partner_b.save()
    content = csv_bytes(
        row("good@acme.example", partner_a.pk),  # row 2
        row("x@acme.example", partner_a.pk, "SAC"),  # row 3
        row("not-an-email", partner_a.pk),  # row 4
        row("b@beta.example", partner_b.pk),  # row 5
        row("c@acme.example", 999999),  # row 6
        row("d@acme.example", partner_a.pk, completed="31/12/2024"),  # row 7
        row("good@acme.example", partner_a.pk, name="Again"),  # row 8: duplicate of row 2
        row("e@acme.example", partner_a.pk, exam="maybe", score="120"),  # row 9
    )
    run, result = run_file(content, by=edu)
    assert not result.applied and PractitionerRecord.objects.count() == 0
    assert result.errors == [
        "row 3: unknown certification 'SAC'",
        "row 4: invalid e-mail 'not-an-email'",
        f"row 5: partner '{partner_b.pk}' is not active (suspended)",
        "row 6: unknown partner '999999'",
        "row 7: invalid date '31/12/2024' in completed_on (use YYYY-MM-DD)",
        "row 8: duplicate of row 2 (same certification, e-mail and completion date)",
        "row 9: exam_passed must be yes/no, true/false or 1/0, not 'maybe'; "
        "exam_score must be a whole number from 0 to 100, not '120'",
    ]
    run.refresh_from_db()
    assert (run.status, run.error_count, run.created) == (ImportStatus.REFUSED, 7, 0)
    assert run.errors[0] == "row 3: unknown certification 'SAC'" and bytes(run.content) == content


def test_import_the_valid_rows_skips_only_the_rows_with_errors(partner_a, edu):
    content = csv_bytes(
        row("good@acme.example", partner_a.pk),
        row("x@acme.example", partner_a.pk, "SAC"),
        row("other@acme.example", partner_a.pk, "certified-trainer"),
    )
    run, result = run_file(content, by=edu, valid_rows=True)
    assert result.applied and (result.created, result.error_count) == (2, 1)
    assert result.errors == ["row 3: unknown certification 'SAC'"]
    assert set(PractitionerRecord.objects.values_list("email", flat=True)) == {
        "good@acme.example",
        "other@acme.example",
    }
    run.refresh_from_db()
    assert (run.status, run.mode, run.created, run.error_count) == ("done", "valid_rows", 2, 1)


def test_missing_columns_refuse_the_whole_file(partner_a, edu):
    _run, result = run_file(
        csv_bytes("a@acme.example,Ann,solution-architect-core", header="email,name,certification"), by=edu
    )
    assert result.errors == ["row 1: missing column 'completed_on'", "row 1: missing column 'partner'"]
    assert not PractitionerRecord.objects.exists()


def test_an_xlsx_file_with_date_and_boolean_cells_imports_like_csv(partner_a, edu):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.split(","))
    ws.append(
        [
            "x1@acme.example",
            "Xena",
            partner_a.pk,
            "Solution Architect Core",
            True,
            True,
            77,
            date(2025, 3, 1),
            None,
            "L1",
        ]
    )
    ws.append(["x2@acme.example", "Xavier", partner_a.pk, "SAC", "yes", "no", None, "2025-03-02", None, ""])
    ws.append([None] * 10)  # a blank row is skipped
    ws.append(
        ["x1@acme.example", "Xena", partner_a.pk, "solution-architect-core", 1, 1, 77, "2025-03-01", None, ""]
    )
    buf = io.BytesIO()
    wb.save(buf)
    _run, result = run_file(buf.getvalue(), name="export.xlsx", by=edu)
    assert result.errors == [
        "row 3: unknown certification 'SAC'",
        "row 5: duplicate of row 2 (same certification, e-mail and completion date)",
    ]
    _run, result = run_file(buf.getvalue(), name="export.xlsx", by=edu, valid_rows=True)
    rec = PractitionerRecord.objects.get()
    assert (rec.email, rec.completed_on, rec.expires_on, rec.exam_score) == (
        "x1@acme.example",
        date(2025, 3, 1),
        date(2027, 3, 1),
        77,
    )


def test_partners_can_be_named_by_crm_account_id(partner_a, edu):
    partner_a.crm_account_id = "001ACME"
    partner_a.save()
    header = HEADER.replace("partner", "crm_account_id")
    _run, result = run_file(csv_bytes(row("a@acme.example", "001ACME"), header=header), by=edu)
    assert result.created == 1
    # the partner column may hold CRM ids too, and --partner-column names another column
    header2 = HEADER.replace("partner", "account")
    _run, result = run_file(
        csv_bytes(row("b@acme.example", "001ACME"), row("c@acme.example", partner_a.pk), header=header2),
        by=edu,
        partner_column="account",
    )
    assert (result.created, result.errors) == (2, [])
    assert set(PractitionerRecord.objects.values_list("partner_id", flat=True)) == {partner_a.pk}


def test_the_import_is_one_transaction_a_crash_in_a_later_batch_leaves_nothing(partner_a, edu):
    calls = []

    def crash(**kw):  # type: ignore[no-untyped-def]
        calls.append(kw["record_ids"])
        if len(calls) == 2:
            raise RuntimeError("disk on fire")

    with practitioner_records_changed.registered(crash), pytest.raises(RuntimeError):
        run_file(
            csv_bytes(*[row(f"p{i}@acme.example", partner_a.pk) for i in range(5)]), by=edu, batch_size=2
        )
    assert len(calls) == 2 and PractitionerRecord.objects.count() == 0
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED and "disk on fire" in run.failure
    # after the crash, the same file imports completely, each row once
    _run, result = run_file(
        csv_bytes(*[row(f"p{i}@acme.example", partner_a.pk) for i in range(5)]), batch_size=2
    )
    assert result.created == 5 and PractitionerRecord.objects.count() == 5


def test_large_files_are_written_in_batches_with_one_signal_per_batch(partner_a, changes):
    result = practitioner_records_import(
        rows=[
            (
                i + 2,
                dict(zip(HEADER.split(","), row(f"p{i}@acme.example", partner_a.pk).split(","), strict=True)),
            )
            for i in range(7)
        ],
        source="import",
        batch_size=3,
    )
    assert result.created == 7 and [len(r) for _p, r, _t in changes] == [3, 3, 1]


# --- CLI ------------------------------------------------------------------------------------------


def test_the_cli_imports_a_file_and_refuses_one_with_errors(partner_a, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(row("a@acme.example", partner_a.pk), row("b@acme.example", partner_a.pk)))
    call_command("practitioners", "import", str(good), "--quiet")
    assert "2 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    call_command("practitioners", "import", str(good), "--quiet")
    assert "0 created, 0 updated, 2 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(row("c@acme.example", partner_a.pk), row("d@acme.example", partner_a.pk, "SAC"))
    )
    with pytest.raises(CommandError, match="1 rows with errors; nothing imported"):
        call_command("practitioners", "import", str(bad), "--quiet")
    assert "row 3: unknown certification 'SAC'" in capsys.readouterr().err
    assert not PractitionerRecord.objects.filter(email="c@acme.example").exists()
    call_command("practitioners", "import", str(bad), "--valid-rows", "--quiet")
    assert PractitionerRecord.objects.filter(email="c@acme.example").exists()
    with pytest.raises(CommandError, match="no such file"):
        call_command("practitioners", "import", str(tmp_path / "missing.csv"))


# --- console --------------------------------------------------------------------------------------


def test_the_console_import_runs_in_the_background_and_offers_to_import_the_valid_rows(
    partner_a, edu, login, immediate_tasks, django_capture_on_commit_callbacks
):
    client = login(edu)
    assert client.get("/console/certifications/import/").status_code == 200
    content = csv_bytes(row("a@acme.example", partner_a.pk), row("x@acme.example", partner_a.pk, "SAC"))
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            "/console/certifications/import/", {"file": SimpleUploadedFile("lms.csv", content, "text/csv")}
        )
    run = ImportRun.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/console/certifications/import/{run.pk}/"
    body = client.get(resp["Location"]).content.decode()
    assert 'data-status="refused"' in body and "row 3: unknown certification &#x27;SAC&#x27;" in body
    assert "Import the valid rows" in body and not PractitionerRecord.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(f"/console/certifications/import/{run.pk}/valid-rows/")
    again = ImportRun.objects.exclude(pk=run.pk).get()
    assert resp["Location"] == f"/console/certifications/import/{again.pk}/"
    body = client.get(resp["Location"]).content.decode()
    assert 'data-status="done"' in body and '<dd data-count="created">1</dd>' in body
    assert PractitionerRecord.objects.get().email == "a@acme.example"
    progress = client.get(f"/console/certifications/import/{again.pk}/?format=json").json()
    assert progress == {"status": "done", "done": 2, "total": 2, "percent": 100, "finished": True}
    # a done run cannot be re-run
    assert client.post(f"/console/certifications/import/{again.pk}/valid-rows/").status_code == 404


def test_a_queued_import_shows_its_progress_page_until_the_worker_runs_it(partner_a, edu, login):
    client = login(edu)
    content = csv_bytes(row("a@acme.example", partner_a.pk))
    client.post(
        "/console/certifications/import/", {"file": SimpleUploadedFile("lms.csv", content, "text/csv")}
    )
    run = ImportRun.objects.get()
    body = client.get(f"/console/certifications/import/{run.pk}/").content.decode()
    assert 'http-equiv="refresh"' in body and 'data-status="queued"' in body
    practitioner_import_task.call(run.pk)  # what the worker does
    run.refresh_from_db()
    assert run.status == "done" and run.created == 1
    assert practitioner_import_task.call(run.pk) == {"skipped": 1}  # a second delivery does nothing


def test_staff_without_the_add_permission_cannot_import(partner_a, cam, login):
    client = login(cam)
    assert client.get("/console/certifications/import/").status_code == 403
    assert client.get("/console/certifications/").status_code == 200  # but may view the catalog


def test_the_catalog_counts_people_certified_now(partner_a, partner_b, cam, login):
    PractitionerRecordFactory(partner=partner_a, email="a@acme.example")
    PractitionerRecordFactory(  # the same person, a second (older) record: counted once
        partner=partner_a, email="a@acme.example", completed_on=today() - timedelta(days=60)
    )
    PractitionerRecordFactory(partner=partner_b, email="b@beta.example")
    PractitionerRecordFactory(partner=partner_b, email="expired@beta.example", expires_on=today())
    PractitionerRecordFactory(partner=partner_b, email="failed@beta.example", exam_passed=False)
    body = login(cam).get("/console/certifications/").content.decode()
    assert '<span data-certified="solution-architect-core">2</span>' in body
    assert '<span data-certified="professional-services-engineer">0</span>' in body


@pytest.mark.parametrize("n", [3, 30])
def test_the_catalog_runs_a_constant_number_of_queries(n, partner_a, cam, login, django_assert_num_queries):
    for i in range(n):
        PractitionerRecordFactory(partner=partner_a)
    client = login(cam)
    client.get("/console/certifications/")
    # session, user, staff MFA check, permissions (user + group), the catalog with counts, the
    # unread notifications badge
    with django_assert_num_queries(7):
        assert client.get("/console/certifications/").status_code == 200


def test_education_services_edit_a_certification_and_others_only_view_it(partner_a, edu, cam, login):
    PractitionerRecordFactory(partner=partner_a, email="a@acme.example", full_name="Ann Example")
    client = login(edu)
    body = client.get("/console/certifications/solution-architect-core/").content.decode()
    assert "Solution Architect Core exam" in body and "Ann Example" in body and "<form" in body
    data = {
        "name": "Solution Architect Core",
        "description": "x",
        "exam_name": "SAC exam v2",
        "requires_training": "on",
        "validity_months": "36",
        "grants_badge": "on",
        "badge_criteria": "passed",
        "active": "on",
    }
    resp = client.post("/console/certifications/solution-architect-core/", data)
    assert resp.status_code == 302
    cert = Certification.objects.get(slug="solution-architect-core")
    assert (cert.exam_name, cert.validity_months) == ("SAC exam v2", 36)
    assert cert.history.first().history_user == edu
    resp = client.post("/console/certifications/solution-architect-core/", {**data, "validity_months": "0"})
    assert resp.status_code == 400 and "Between 1 and 240 months" in resp.content.decode()
    resp = client.post(
        "/console/certifications/solution-architect-core/", {**data, "name": "Certified Trainer"}
    )
    assert resp.status_code == 400 and "already exists" in resp.content.decode()  # (the form checks first)
    cam_client = login(cam)
    body = cam_client.get("/console/certifications/solution-architect-core/").content.decode()
    assert "SAC exam v2" in body and 'name="exam_name"' not in body  # the details, no edit form
    assert cam_client.post("/console/certifications/solution-architect-core/", data).status_code == 403


# --- portal ---------------------------------------------------------------------------------------


def test_the_portal_people_page_shows_the_partners_records_and_what_expires_soon(
    partner_a, partner_b, user_a, login
):
    PractitionerRecordFactory(
        partner=partner_a, full_name="Maria Soon", expires_on=today() + timedelta(days=20)
    )
    PractitionerRecordFactory(partner=partner_a, full_name="Omar Later")
    PractitionerRecordFactory(partner=partner_b, full_name="Beta Person")
    body = login(user_a).get("/portal/enablement/people/").content.decode()
    assert "Maria Soon" in body and "Omar Later" in body and "Beta Person" not in body
    assert "Maria Soon's Solution Architect Core certification expires on" in body
    assert body.count("data-expiring=") == 1


@pytest.mark.parametrize("n", [3, 30])
def test_the_portal_people_page_runs_a_constant_number_of_queries(
    n, partner_a, user_a, login, django_assert_num_queries
):
    for i in range(n):
        PractitionerRecordFactory(partner=partner_a, expires_on=today() + timedelta(days=5 + i))
    client = login(user_a)
    client.get("/portal/enablement/people/")
    # session, user, membership + partner (region, tier, cam), count, the page's rows (with
    # certification), the expiring-soon rows, the unread notifications badge
    with django_assert_num_queries(PORTAL_QUERIES):
        assert client.get("/portal/enablement/people/").status_code == 200


PORTAL_QUERIES = 7


# --- API ------------------------------------------------------------------------------------------

ITEM = {
    "email": "api@acme.example",
    "name": "Api Person",
    "certification": "solution-architect-core",
    "training_completed": True,
    "exam_passed": True,
    "exam_score": 90,
    "completed_on": DONE,
}


def test_staff_with_the_add_permission_record_results_over_the_api(partner_a, edu, api_client):
    client = api_client(edu)
    resp = client.post(
        "/api/v1/practitioner-records", {**ITEM, "partner": partner_a.pk}, content_type="application/json"
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["created"] == 1
    rec = PractitionerRecord.objects.get()
    assert rec.source == "api" and rec.partner == partner_a
    items = [
        {**ITEM, "partner": partner_a.pk},
        {**ITEM, "email": "two@acme.example", "partner": partner_a.pk},
    ]
    resp = client.post("/api/v1/practitioner-records", items, content_type="application/json")
    assert resp.json() == {
        "created": 1,
        "updated": 0,
        "unchanged": 1,
        "record_ids": [resp.json()["record_ids"][0]],
    }


def test_api_items_with_errors_change_nothing_and_are_reported_per_item(partner_a, edu, api_client):
    items = [
        {**ITEM, "partner": partner_a.pk},
        {**ITEM, "email": "x@acme.example", "certification": "SAC", "partner": partner_a.pk},
        {**ITEM, "email": "y@acme.example"},
    ]
    resp = api_client(edu).post("/api/v1/practitioner-records", items, content_type="application/json")
    assert resp.status_code == 422
    assert resp.json()["detail"]["records"] == [
        "item 2: unknown certification 'SAC'",
        "item 3: missing partner",
    ]
    assert not PractitionerRecord.objects.exists()


def test_partner_people_and_staff_without_the_permission_cannot_record_results(
    partner_a, admin_a, cam, api_client
):
    for user in (admin_a, cam):
        resp = api_client(user).post(
            "/api/v1/practitioner-records", {**ITEM, "partner": partner_a.pk}, content_type="application/json"
        )
        assert resp.status_code == 403
    assert not PractitionerRecord.objects.exists()


def test_the_api_lists_only_the_callers_partners_records_with_filters(
    partner_a, partner_b, user_a, user_b, cam, api_client
):
    PractitionerRecordFactory(partner=partner_a, email="a1@acme.example")
    PractitionerRecordFactory(partner=partner_a, email="a2@acme.example", exam_passed=False)
    PractitionerRecordFactory(partner=partner_b, email="b1@beta.example")
    emails = lambda resp: sorted(r["email"] for r in resp.json()["items"])  # noqa: E731
    assert emails(api_client(user_a).get("/api/v1/practitioner-records")) == [
        "a1@acme.example",
        "a2@acme.example",
    ]
    assert emails(api_client(user_b).get(f"/api/v1/practitioner-records?partner_id={partner_a.pk}")) == []
    assert emails(api_client(user_a).get("/api/v1/practitioner-records?certified=true")) == [
        "a1@acme.example"
    ]
    staff = api_client(cam)
    assert len(staff.get("/api/v1/practitioner-records").json()["items"]) == 3
    assert emails(staff.get(f"/api/v1/practitioner-records?partner_id={partner_b.pk}")) == ["b1@beta.example"]
    item = staff.get("/api/v1/practitioner-records?email=a1@acme.example").json()["items"][0]
    assert item["certification"] == "solution-architect-core" and item["certified"] is True


# --- webhook --------------------------------------------------------------------------------------

SECRET = "whsec-test-0123456789"


@pytest.fixture
def webhook(settings, client):
    settings.LEARNING_WEBHOOK_SECRET = SECRET

    def send(payload: object, *, secret: str = SECRET, ts: int | None = None, signature: str | None = None):  # type: ignore[no-untyped-def]
        body = json.dumps(payload).encode()
        stamp = str(int(time.time()) if ts is None else ts)
        sig = (
            signature
            if signature is not None
            else webhook_signature(secret=secret, timestamp=stamp, body=body)
        )
        headers = {"HTTP_X_CHANNELOPS_TIMESTAMP": stamp}
        if sig:
            headers["HTTP_X_CHANNELOPS_SIGNATURE"] = sig
        return client.post("/webhooks/learning-system", body, content_type="application/json", **headers)

    return send


def test_a_signed_webhook_delivery_records_the_results(partner_a, webhook, changes):
    resp = webhook({"records": [{**ITEM, "partner": partner_a.pk}]})
    assert resp.status_code == 200 and resp.json() == {"created": 1, "updated": 0, "unchanged": 0}
    rec = PractitionerRecord.objects.get()
    assert rec.source == "webhook" and changes[0][0] == {partner_a.pk}
    assert webhook({**ITEM, "partner": partner_a.pk}).json() == {"created": 0, "updated": 0, "unchanged": 1}
    # the documented Python example signs the same way
    body = b'{"email": "x"}'
    expected = "sha256=" + hmac.new(SECRET.encode(), b"1700000000." + body, hashlib.sha256).hexdigest()
    assert webhook_signature(secret=SECRET, timestamp="1700000000", body=body) == expected


@pytest.mark.parametrize(
    "kind",
    ["wrong secret", "missing signature", "tampered signature", "old timestamp", "future timestamp"],
)
def test_a_webhook_delivery_with_a_bad_signature_is_refused_and_changes_nothing(kind, partner_a, webhook):
    payload = [{**ITEM, "partner": partner_a.pk}]
    now = int(time.time())
    resp = {
        "wrong secret": lambda: webhook(payload, secret="not-the-secret"),
        "missing signature": lambda: webhook(payload, signature=""),
        "tampered signature": lambda: webhook(payload, signature="sha256=" + "0" * 64),
        "old timestamp": lambda: webhook(payload, ts=now - 330),
        "future timestamp": lambda: webhook(payload, ts=now + 330),
    }[kind]()
    assert resp.status_code == 401
    assert not PractitionerRecord.objects.exists()


def test_webhook_rows_with_errors_change_nothing(partner_a, webhook):
    resp = webhook(
        [
            {**ITEM, "partner": partner_a.pk},
            {**ITEM, "email": "z@acme.example", "certification": "SAC", "partner": partner_a.pk},
        ]
    )
    assert resp.status_code == 422 and resp.json()["detail"]["records"] == [
        "item 2: unknown certification 'SAC'"
    ]
    assert not PractitionerRecord.objects.exists()


@pytest.mark.parametrize(
    "stamp",
    [
        "9" * 309,  # float(int) overflows: answered 500 before the signature was checked
        "1" + "0" * 5000,  # more digits than int() converts
        "abc",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "1e9",
        "1.5",
        "-1",
        "0x10",
        "1_700_000_000",
        "\u0661\u0667\u0660\u0660",  # Arabic-Indic digits, which int() would accept
        "",
    ],
)
def test_a_malformed_webhook_timestamp_is_a_401_and_changes_nothing(partner_a, settings, client, stamp):
    settings.LEARNING_WEBHOOK_SECRET = SECRET
    body = json.dumps([{**ITEM, "partner": partner_a.pk}]).encode()
    headers = {
        "HTTP_X_CHANNELOPS_TIMESTAMP": stamp,
        # signed over the given timestamp, so only the timestamp's format can refuse it
        "HTTP_X_CHANNELOPS_SIGNATURE": webhook_signature(secret=SECRET, timestamp=stamp, body=body),
    }
    resp = client.post("/webhooks/learning-system", body, content_type="application/json", **headers)
    assert resp.status_code == 401, resp.content
    assert resp.json()["detail"]
    assert not PractitionerRecord.objects.exists()


def test_a_signed_webhook_body_nested_100000_deep_is_a_400_and_changes_nothing(settings, client):
    settings.LEARNING_WEBHOOK_SECRET = SECRET
    body = ("[" * 100_000 + "]" * 100_000).encode()
    stamp = str(int(time.time()))
    headers = {
        "HTTP_X_CHANNELOPS_TIMESTAMP": stamp,
        "HTTP_X_CHANNELOPS_SIGNATURE": webhook_signature(secret=SECRET, timestamp=stamp, body=body),
    }
    resp = client.post("/webhooks/learning-system", body, content_type="application/json", **headers)
    assert resp.status_code == 400, resp.content
    assert resp.json() == {"detail": "The body is not JSON: the JSON document nests deeper than 64 levels"}
    assert not PractitionerRecord.objects.exists()


def test_a_signed_webhook_body_that_is_not_utf8_is_a_400(settings, client):
    settings.LEARNING_WEBHOOK_SECRET = SECRET
    body = b'{"email": "\xff"}'
    stamp = str(int(time.time()))
    headers = {
        "HTTP_X_CHANNELOPS_TIMESTAMP": stamp,
        "HTTP_X_CHANNELOPS_SIGNATURE": webhook_signature(secret=SECRET, timestamp=stamp, body=body),
    }
    resp = client.post("/webhooks/learning-system", body, content_type="application/json", **headers)
    assert resp.status_code == 400 and resp.json()["detail"].startswith("The body is not JSON")
    assert not PractitionerRecord.objects.exists()


def test_without_a_secret_the_webhook_is_disabled(settings, client):
    settings.LEARNING_WEBHOOK_SECRET = ""
    resp = client.post("/webhooks/learning-system", b"{}", content_type="application/json")
    assert resp.status_code == 404 and "CHANNELOPS_LEARNING_WEBHOOK_SECRET" in resp.json()["detail"]
    assert client.get("/webhooks/learning-system").status_code == 405


# --- NFR eligibility ------------------------------------------------------------------------------


def test_a_certified_person_passes_the_nfr_certification_criterion(partner_a, admin_a, phd_emea, login):
    from channelops.licensing.services import nfr_request_submit

    req = nfr_request_submit(
        partner=partner_a,
        contact_name="Lena",
        contact_email="lena@acme.example",
        plan="ultimate",
        seats=5,
        term_months=12,
        purpose="demo",
        by=admin_a,
    )
    crit = {c.name: c for c in evaluate(req)}["certification"]
    assert not crit.passed and "No one at the partner holds" in crit.reason
    PractitionerRecordFactory(partner=partner_a, expires_on=today())  # expired today: not counted
    PractitionerRecordFactory(partner=partner_a, training_completed=False)  # training missing
    assert not {c.name: c for c in evaluate(req)}["certification"].passed
    pse = Certification.objects.get(slug="professional-services-engineer")
    PractitionerRecordFactory(partner=partner_a, email="p@acme.example", certification=pse)
    PractitionerRecordFactory(partner=partner_a, email="p@acme.example")  # same person, counted once
    crit = {c.name: c for c in evaluate(req)}["certification"]
    assert crit.passed and crit.reason.startswith("1 person(s) hold")
    body = login(phd_emea).get(f"/console/nfr/{req.pk}/").content.decode()
    assert "1 person(s) hold Solution Architect Core or Professional Services Engineer" in body


def test_the_roles_grant_the_catalog_and_records_permissions(db):
    edu = StaffFactory(roles=["education_services"])
    pm = StaffFactory(roles=["channel_program_manager"])
    cam = StaffFactory(roles=["cam"])
    for manager in (edu, pm):
        assert manager.has_perm("enablement.add_practitionerrecord")
        assert manager.has_perm("enablement.change_certification")
    assert cam.has_perm("enablement.view_practitionerrecord") and not cam.has_perm(
        "enablement.add_practitionerrecord"
    )


def test_a_partner_person_with_the_records_email_at_another_partner_is_not_linked(partner_a, partner_b, edu):
    other = MembershipFactory(partner=partner_b, user=UserFactory(email="moved@beta.example")).user
    run_file(csv_bytes(row(other.email, partner_a.pk)), by=edu)
    assert PractitionerRecord.objects.get().user is None
    PartnerFactory()  # unrelated partners do not matter


# --- bounded imports: hostile and broken files (issue 11) -----------------------------------------

XLSX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
XLSX_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
XLSX_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
XLSX_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="sharedStrings.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
    "</Relationships>"
)
SHEET_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_CLOSE = "</sheetData></worksheet>"


def hand_built_xlsx(*, sheet: str, strings: list[str] | str = ()) -> bytes:  # type: ignore[assignment]
    """An XLSX written part by part with zipfile (deflated), so a test can make any part hostile."""
    import zipfile

    if isinstance(strings, str):
        sst = strings
    else:
        sst = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + "".join(f"<si><t>{s}</t></si>" for s in strings)
            + "</sst>"
        )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", XLSX_CONTENT_TYPES)
        z.writestr("_rels/.rels", XLSX_RELS)
        z.writestr("xl/workbook.xml", XLSX_WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", XLSX_WORKBOOK_RELS)
        z.writestr("xl/sharedStrings.xml", sst)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return buf.getvalue()


def sheet_of(rows: list[list[str]]) -> str:
    """Sheet XML with inline-string cells."""
    out = [SHEET_OPEN]
    for r, values in enumerate(rows, 1):
        cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in values)
        out.append(f'<row r="{r}">{cells}</row>')
    out.append(SHEET_CLOSE)
    return "".join(out)


def good_xlsx(partner_pk: int) -> bytes:
    return hand_built_xlsx(
        sheet=sheet_of([HEADER.split(","), row("hand@acme.example", partner_pk).split(",")])
    )


def zip_bomb_xlsx(expanded: int) -> bytes:
    """One shared string of ``expanded`` characters: a few KB on disk (the issue's 300 MB case, smaller)."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
    )
    return hand_built_xlsx(
        sheet=SHEET_OPEN + '<row r="1"><c t="s"><v>0</v></c></row>' + SHEET_CLOSE,
        strings=head + "A" * expanded + "</t></si></sst>",
    )


def malformed_sheet_xlsx(partner_pk: int) -> bytes:
    sheet = sheet_of([HEADER.split(","), row("m@acme.example", partner_pk).split(",")])
    return hand_built_xlsx(sheet=sheet.replace("</row>", "</rw>", 1))


def corrupt_deflate_xlsx(partner_pk: int) -> bytes:
    """A workbook whose sheet's compressed data is damaged in the middle (the zip directory is intact)."""
    import zipfile

    rows = [HEADER.split(",")] + [row(f"c{i}@acme.example", partner_pk).split(",") for i in range(200)]
    content = bytearray(hand_built_xlsx(sheet=sheet_of(rows)))
    info = zipfile.ZipFile(io.BytesIO(bytes(content))).getinfo("xl/worksheets/sheet1.xml")
    name_len, extra_len = (
        int.from_bytes(content[info.header_offset + 26 : info.header_offset + 28], "little"),
        (int.from_bytes(content[info.header_offset + 28 : info.header_offset + 30], "little")),
    )
    data_start = info.header_offset + 30 + name_len + extra_len
    middle = data_start + info.compress_size // 2
    content[middle : middle + 64] = b"\xff" * 64
    return bytes(content)


def lying_size_xlsx(partner_pk: int) -> bytes:
    """The central directory says the sheet expands to 100 bytes; its data expands to far more."""
    import zipfile

    rows = [HEADER.split(",")] + [row(f"l{i}@acme.example", partner_pk).split(",") for i in range(200)]
    content = bytearray(hand_built_xlsx(sheet=sheet_of(rows)))
    name = b"xl/worksheets/sheet1.xml"
    at = content.find(b"PK\x01\x02")
    while at != -1:
        n = int.from_bytes(content[at + 28 : at + 30], "little")
        if bytes(content[at + 46 : at + 46 + n]) == name:
            content[at + 24 : at + 28] = (100).to_bytes(4, "little")
            break
        at = content.find(b"PK\x01\x02", at + 4)
    assert zipfile.ZipFile(io.BytesIO(bytes(content))).getinfo(name.decode()).file_size == 100
    return bytes(content)


def test_an_xlsx_whose_shared_strings_expand_past_the_limit_is_refused_before_reading_them(
    partner_a, edu, settings
):
    settings.IMPORT_MAX_EXPANDED_MB = 1
    content = zip_bomb_xlsx(3 * 1024 * 1024)
    assert len(content) < 20_000  # 3 MB of text, a few KB on disk
    run, result = run_file(content, name="bomb.xlsx", by=edu)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and not result.applied
    assert "expands to more than 1 MB" in run.failure and result.errors == [run.failure]
    assert not PractitionerRecord.objects.exists()


def test_an_xlsx_cell_longer_than_the_limit_is_refused(partner_a, edu, settings):
    settings.IMPORT_MAX_CELL_CHARS = 200
    content = hand_built_xlsx(
        sheet=sheet_of([HEADER.split(","), row("long@acme.example", partner_a.pk, name="N" * 201).split(",")])
    )
    run, result = run_file(content, name="long.xlsx", by=edu)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert run.failure == "row 2: a cell holds more than 200 characters; the file is refused."
    assert not PractitionerRecord.objects.exists()


def test_a_csv_cell_longer_than_the_limit_is_refused(partner_a, edu, settings):
    settings.IMPORT_MAX_CELL_CHARS = 200
    run, _result = run_file(csv_bytes(row("long@acme.example", partner_a.pk, ext="x" * 201)), by=edu)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert run.failure == "row 2: a cell holds more than 200 characters; the file is refused."
    assert not PractitionerRecord.objects.exists()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_more_rows_than_the_limit_is_refused_and_changes_nothing(kind, partner_a, edu, settings):
    settings.IMPORT_MAX_ROWS = 3
    lines = [row(f"r{i}@acme.example", partner_a.pk) for i in range(4)]
    if kind == "csv":
        content = csv_bytes(*lines)
    else:
        content = hand_built_xlsx(sheet=sheet_of([HEADER.split(",")] + [v.split(",") for v in lines]))
    run, result = run_file(content, name=f"many.{kind}", by=edu)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and not result.applied
    assert run.failure == "The file has more than 3 rows; split it (at most 3 rows per file)."
    assert not PractitionerRecord.objects.exists()
    # at the limit it imports
    settings.IMPORT_MAX_ROWS = 4
    _run, result = run_file(content, name=f"many.{kind}", by=edu)
    assert result.created == 4


@pytest.mark.parametrize("broken", ["malformed sheet XML", "corrupt deflate data", "lying sizes"])
def test_a_broken_xlsx_fails_the_run_with_a_clear_error_and_changes_nothing(broken, partner_a, edu):
    make = {
        "malformed sheet XML": malformed_sheet_xlsx,
        "corrupt deflate data": corrupt_deflate_xlsx,
        "lying sizes": lying_size_xlsx,
    }[broken]
    assert run_file(good_xlsx(partner_a.pk), name="good.xlsx", by=edu)[1].created == 1  # the builder works
    run, result = run_file(make(partner_a.pk), name="broken.xlsx", by=edu)
    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED and not result.applied
    assert run.failure.startswith("The file is not a readable XLSX workbook")
    assert "\n" not in run.failure and "Traceback" not in run.failure
    assert PractitionerRecord.objects.count() == 1


def test_a_broken_xlsx_uploaded_in_the_console_ends_in_a_clear_error_on_the_run_page(
    partner_a, edu, login, immediate_tasks, django_capture_on_commit_callbacks
):
    client = login(edu)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(
            "/console/certifications/import/",
            {"file": SimpleUploadedFile("lms.xlsx", malformed_sheet_xlsx(partner_a.pk))},
        )
    run = ImportRun.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/console/certifications/import/{run.pk}/"
    page = client.get(resp["Location"])
    body = page.content.decode()
    assert page.status_code == 200 and 'data-status="failed"' in body
    assert "The file is not a readable XLSX workbook" in body and 'http-equiv="refresh"' not in body
    assert not PractitionerRecord.objects.exists()


@pytest.mark.parametrize("broken", ["malformed sheet XML", "corrupt deflate data", "zip bomb"])
def test_the_cli_reports_a_broken_xlsx_in_one_line_and_exits_non_zero(broken, migrated_sqlite, tmp_path):
    import subprocess
    import sys

    from .conftest import worker_env

    make = {
        "malformed sheet XML": lambda: malformed_sheet_xlsx(1),
        "corrupt deflate data": lambda: corrupt_deflate_xlsx(1),
        "zip bomb": lambda: zip_bomb_xlsx(3 * 1024 * 1024),
    }[broken]
    path = tmp_path / "broken.xlsx"
    path.write_bytes(make())
    env = worker_env(migrated_sqlite, 1) | {"CHANNELOPS_IMPORT_MAX_EXPANDED_MB": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "django", "practitioners", "import", str(path), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("CommandError: broken.xlsx: The file ")


def test_the_cli_refuses_a_file_over_the_upload_limit_without_reading_it(partner_a, tmp_path, settings):
    settings.IMPORT_MAX_FILE_MB = 1
    big = tmp_path / "big.csv"
    big.write_bytes(csv_bytes(row("a@acme.example", partner_a.pk)) + b"#" * (1024 * 1024))
    with pytest.raises(CommandError, match=r"^big.csv: The file is larger than 1 MB; split it.$"):
        call_command("practitioners", "import", str(big), "--quiet")
    assert not ImportRun.objects.exists()


def test_the_import_page_states_the_upload_limit_and_refuses_a_bigger_file(partner_a, edu, login, settings):
    settings.IMPORT_MAX_FILE_MB = 1
    client = login(edu)
    assert "at most 1 MB" in client.get("/console/certifications/import/").content.decode()
    content = csv_bytes(row("a@acme.example", partner_a.pk)) + b"#" * (1024 * 1024)
    resp = client.post("/console/certifications/import/", {"file": SimpleUploadedFile("big.csv", content)})
    assert resp.status_code == 400 and "The file is larger than 1 MB; split it." in resp.content.decode()
    assert not ImportRun.objects.exists()


def test_the_deployment_guides_proxy_body_limit_agrees_with_the_upload_limit():
    import re
    from pathlib import Path

    from django.conf import settings as django_settings

    docs = Path(__file__).resolve().parent.parent / "docs"
    nginx = (docs / "deployment.md").read_text()
    block = re.search(r"location = /console/certifications/import/ \{[^}]*\}", nginx)
    assert block is not None, "the nginx example has no location for the import page"
    limit = re.search(r"client_max_body_size (\d+)m;", block.group(0))
    assert limit is not None and int(limit.group(1)) == django_settings.IMPORT_MAX_FILE_MB
    documented = re.search(
        r"\| `CHANNELOPS_IMPORT_MAX_FILE_MB` \| `(\d+)` \|", (docs / "configuration.md").read_text()
    )
    assert documented is not None and int(documented.group(1)) == django_settings.IMPORT_MAX_FILE_MB


# --- memory of a large import (issue 11, item 6) --------------------------------------------------


def test_the_checked_rows_are_kept_compactly_until_the_write_and_duplicates_are_still_found(partner_a):
    """The valid rows wait for the single write: ~100 bytes a row here, where one object per row with
    its strings, dates and ints took ~500 and the duplicate check's dict of every key ~200 more."""
    import gc
    import tracemalloc

    from channelops.enablement.services.records import validate_rows

    n = 6000
    cols = HEADER.split(",")
    rows = [
        (
            i + 2,
            dict(zip(cols, row(f"p{i}@acme.example", partner_a.pk, ext=f"LMS-{i}").split(","), strict=True)),
        )
        for i in range(n)
    ]
    rows.append((n + 2, dict(rows[10][1])))  # the same key as row 12 …
    rows.append((n + 3, dict(rows[4000][1], email="P4000@ACME.EXAMPLE")))  # … and as row 4002
    validate_rows([*rows[:3], (99, rows[0][1])])  # look-ups, translations (a duplicate's too) loaded once
    gc.collect()  # garbage of earlier tests is not counted as kept
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        checked = validate_rows(rows)
        peak = tracemalloc.get_traced_memory()[1]
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert checked.errors == [
        f"row {n + 2}: duplicate of row 12 (same certification, e-mail and completion date)",
        f"row {n + 3}: duplicate of row 4002 (same certification, e-mail and completion date)",
    ]
    assert len(checked.records) == n and checked.records[4000].email == "p4000@acme.example"
    assert [checked.records[i].row for i in (0, n - 1)] == [2, n + 1]
    assert (kept - before) / n < 200  # bytes a kept row (~100 bytes and the process's caches; was ~290)
    assert (
        peak - before
    ) / n < 700  # at the peak of the check (look-ups included; ~380 on SQLite, ~490 on PostgreSQL)


def test_while_an_import_runs_its_row_does_not_hold_the_file_and_a_refused_run_keeps_it(partner_a, edu):
    """SQLite rewrites the whole row, file included, on each progress update (~2× the file's size of
    memory each time), so the file leaves the row while the import runs."""
    during = []

    def look(**kw):  # type: ignore[no-untyped-def]
        during.append(bytes(ImportRun.objects.values_list("content", flat=True).get()))

    good = csv_bytes(row("a@acme.example", partner_a.pk), row("b@acme.example", partner_a.pk))
    with practitioner_records_changed.registered(look):
        run, result = run_file(good, by=edu)
    assert result.created == 2 and during == [b""]
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and bytes(run.content) == b""
    bad = csv_bytes(row("c@acme.example", partner_a.pk), row("d@acme.example", partner_a.pk, "SAC"))
    run, result = run_file(bad, by=edu)
    run.refresh_from_db()
    assert run.status == ImportStatus.REFUSED and bytes(run.content) == bad
