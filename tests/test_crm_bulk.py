"""Bulk API 2.0 in the CRM sync (docs/crm.md, "Large volumes"): above CRM_BULK_THRESHOLD records a
run sends ingest jobs of CSV instead of sObject Collections, and a full inbound read is one query
job — against the Salesforce double (tests/fake_salesforce.py), which simple-salesforce's bulk2
client talks to unmodified."""

from __future__ import annotations

import pytest

from channelops.crm.adapter import SalesforceAdapter
from channelops.crm.auth import obtain_token
from channelops.crm.models import SyncError, SyncState
from channelops.crm.services import crm_sync
from channelops.partners.models import Partner

from .factories import ContactFactory, PartnerFactory
from .test_crm_sync import sf  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk(settings):
    settings.CRM_BULK_THRESHOLD = 3
    settings.CRM_BULK_JOB_RECORDS = 4
    settings.CRM_BULK_POLL_SECONDS = 0.01


@pytest.fixture
def seven(db):
    made = [
        PartnerFactory(legal_name=f"Bulk {n}", phone="", website=f"https://b{n}.example", country="GB")
        for n in range(7)
    ]
    for p in made:
        ContactFactory(partner=p, last_name=f"Person of {p.legal_name}")
    return made


def _jobs(sf, kind: str) -> list:
    return [c for c in sf.data_calls() if c.method == "POST" and c.path.endswith(f"/jobs/{kind}")]


def test_above_the_threshold_records_go_in_ingest_jobs_by_external_id_never_twice(sf, bulk, seven):
    run = crm_sync(direction="out", full=True)
    assert (run.status, run.records_out, run.errors) == ("succeeded", 14, 0), run.message
    # 7 partners and 7 contacts, jobs of 4: two jobs each, and no collection call at all.
    assert len(_jobs(sf, "ingest")) == 4
    assert not [c for c in sf.data_calls() if c.path.split("/")[4:5] == ["composite"]]
    first = Partner.objects.get(legal_name="Bulk 0")
    account = sf.by_external_id("Account", f"partner-{first.pk}")
    assert (account["Name"], account["Website"], account["Partner_Region__c"]) == (
        "Bulk 0",
        "https://b0.example",
        first.region.code,
    )
    assert account.get("Phone") is None  # "" is sent as #N/A (empty), not as "leave unchanged"
    assert first.crm_account_id == account["Id"]
    assert SyncState.objects.get(object="partner", local_id=first.pk).remote_id == account["Id"]
    contact = sf.by_external_id("Contact", f"contact-{first.contacts.get().pk}")
    assert contact["AccountId"] == account["Id"]  # the lookup column Account.Channelops_Id__c
    # A second full run updates the same records.
    Partner.objects.filter(pk=first.pk).update(website="")
    crm_sync(direction="out", full=True)
    assert len(sf.records("Account")) == 7 and len(sf.records("Contact")) == 7
    assert sf.by_external_id("Account", f"partner-{first.pk}")["Website"] is None  # emptied, not kept


def test_a_record_a_bulk_job_refuses_is_an_error_and_the_rest_goes_through(sf, bulk, seven, settings):
    settings.CRM_RETRY_SECONDS = 0
    bad, locked = seven[1], seven[5]
    Partner.objects.filter(pk=bad.pk).update(legal_name="INVALID partner")
    sf.lock("Account", f"partner-{locked.pk}")
    run = crm_sync(direction="out", full=True)
    # 5 partners and their 5 contacts went through; the two refused accounts' contacts wait.
    assert (run.status, run.records_out, run.errors) == ("partial", 10, 4)
    errors = dict(
        SyncError.objects.filter(object="partner", resolved_at__isnull=True).values_list("local_id", "code")
    )
    assert errors == {bad.pk: "FIELD_CUSTOM_VALIDATION_EXCEPTION", locked.pk: "UNABLE_TO_LOCK_ROW"}
    message = SyncError.objects.get(local_id=bad.pk, object="partner").message
    assert message == "Account name is not allowed"
    assert len(sf.records("Account")) == 5
    Partner.objects.filter(pk=bad.pk).update(legal_name="Bulk 1 Ltd")
    again = crm_sync(direction="out")  # the four errors are due: below the threshold, one collection each
    assert (again.errors, again.records_out) == (0, 4)
    assert not SyncError.objects.filter(resolved_at__isnull=True).exists()
    assert len(sf.records("Account")) == 7 and len(sf.records("Contact")) == 7


def test_a_full_inbound_read_above_the_threshold_is_one_query_job(sf, bulk, seven):
    crm_sync(direction="out", full=True)
    target = seven[3]
    account = sf.by_external_id("Account", f"partner-{target.pk}")
    sf.remote_change("Account", account["Id"], Account_Notes__c="Read in bulk", Website="https://new.example")
    sf.remote_create("Account", Name="Not a partner")  # no external id: not read
    sf.calls.clear()
    run = crm_sync(direction="in", full=True)
    assert (run.status, run.records_in) == ("succeeded", 1), run.message
    # One query job per object read back: the Accounts and (inbound too since crm/0003) the Contacts.
    assert len(_jobs(sf, "query")) == 2 and not [
        c for c in sf.data_calls() if c.path.endswith("/v59.0/query")
    ]
    target.refresh_from_db()
    assert (target.account_notes, target.website) == ("Read in bulk", "https://new.example")
    assert target.history.first().history_change_reason == "CRM sync"
    # The values read are the synced state: the next full read changes nothing.
    assert crm_sync(direction="in", full=True).records_in == 0


def test_the_bulk_query_reads_every_page(sf, bulk, seven):
    crm_sync(direction="out", full=True)
    sf.calls.clear()
    token = obtain_token()
    adapter = SalesforceAdapter(
        instance_url=token.instance_url,
        access_token=token.access_token,
        version="59.0",
        ca_bundle=sf.ca_file,
        bulk_poll_seconds=0.01,
        query_page=3,
    )
    pages = list(adapter.bulk_read("Account", ["Channelops_Id__c", "Phone"], "Channelops_Id__c != null"))
    assert [len(p) for p in pages] == [3, 3, 1]
    assert {row["Channelops_Id__c"] for page in pages for row in page} == {f"partner-{p.pk}" for p in seven}
    assert all(row["Phone"] is None for page in pages for row in page)  # empty CSV values are None
    # every HTTP call is counted, the bulk ones included: create, ≥ 1 check, 3 pages
    assert adapter.calls == len(sf.data_calls()) >= 5


def test_a_bulk_job_that_would_exceed_the_api_budget_pauses_the_run(sf, bulk, seven, settings):
    settings.CRM_DAILY_API_BUDGET = 5  # the token plus less than one bulk job
    run = crm_sync(direction="out", full=True)
    assert run.status == "paused" and "budget" in run.message
    assert not _jobs(sf, "ingest") and sf.records("Account") == []
