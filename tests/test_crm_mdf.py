"""Market development funds in Salesforce (docs/crm.md, "Market development funds"): approved
proposals as Campaigns, claims as MDF_Claim__c records, and the Campaigns' leads and pipeline read
back — against the Salesforce double (tests/fake_salesforce.py), through the same sync run."""

from __future__ import annotations

import datetime
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from channelops.crm.mdf import proof_url
from channelops.crm.models import SyncError, SyncRun
from channelops.crm.services import crm_sync
from channelops.mdf.models import Claim, ClaimStatus, ProofFile, ProposalStatus
from channelops.mdf.results_sync import CrmResults, proposal_crm_results_set

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory
from .mdf_factories import ClaimFactory, ProposalFactory
from .test_crm_sync import sf  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0) + timedelta(minutes=1)


@pytest.fixture
def approved(db):
    partner = PartnerFactory(legal_name="Acme Security Ltd", country="GB")
    return ProposalFactory(
        partner=partner,
        title="Zero-trust roadshow",
        activity_type="webinar",
        status=ProposalStatus.APPROVED,
        approved_amount=Decimal("4000.00"),
        expected_pipeline=Decimal("120000.00"),
    )


def _proof(claim: Claim, name: str) -> ProofFile:
    return ProofFile.objects.create(
        claim=claim,
        file=f"mdf/{name}",
        filename=name,
        content_type="application/pdf",
        size=1234,
        sha256="0" * 64,
        uploaded_by=claim.submitted_by,
    )


def _campaign_queries(sf) -> list:
    return [c for c in sf.data_calls() if "/query" in c.path and "FROM Campaign" in c.query.get("q", [""])[0]]


def _upserts(sf, obj: str) -> list:
    return [c for c in sf.data_calls() if c.method == "PATCH" and f"/composite/sobjects/{obj}/" in c.path]


def test_an_approved_proposal_becomes_a_campaign_under_the_partners_account(sf, approved):
    ProposalFactory(partner=approved.partner)  # submitted, not approved: no Campaign
    run = crm_sync(direction="out", full=True)
    assert (run.status, run.errors) == ("succeeded", 0)
    (campaign,) = sf.records("Campaign")
    account = sf.by_external_id("Account", f"partner-{approved.partner_id}")
    assert campaign == {
        "Id": campaign["Id"],
        "Channelops_Id__c": f"proposal-{approved.pk}",
        "Name": f"{approved.number} Zero-trust roadshow",
        "Type": "Webinar",
        "Status": "In Progress",
        "IsActive": True,
        "StartDate": "2026-12-10",
        "EndDate": "2026-12-11",
        "BudgetedCost": 4000.0,
        "ActualCost": 0.0,
        "ExpectedRevenue": 120000.0,
        "Released_Amount__c": 0.0,
        "Partner_Account__c": account["Id"],
        "SystemModstamp": campaign["SystemModstamp"],
    }
    approved.refresh_from_db()
    assert approved.crm_campaign_id == campaign["Id"]
    assert approved.history.count() == 1  # keeping the CRM id is no edit (and no re-send)


def test_a_claim_becomes_an_mdf_claim_record_with_links_to_both_proof_files(sf, approved, settings):
    settings.SITE_URL = "https://partners.vendor.test"
    claim = ClaimFactory(proposal=approved, amount=Decimal("1500.00"))
    invoice, photo = _proof(claim, "invoice.pdf"), _proof(claim, "booth.jpg")
    crm_sync(direction="out", full=True)
    (record,) = sf.records("MDF_Claim__c")
    assert record["Name"] == claim.number and record["Channelops_Id__c"] == f"claim-{claim.pk}"
    assert record["Campaign__c"] == sf.records("Campaign")[0]["Id"]
    assert (record["Amount__c"], record["Status__c"], record["Paid_On__c"]) == (1500.0, "submitted", None)
    assert record["Proof_Links__c"].split("\n") == [
        f"https://partners.vendor.test/console/mdf/claims/{claim.number}/files/{invoice.pk}/",
        f"https://partners.vendor.test/console/mdf/claims/{claim.number}/files/{photo.pk}/",
    ]
    claim.refresh_from_db()
    assert claim.crm_id == record["Id"]


def test_a_paid_claim_is_sent_with_the_next_run_and_nothing_else_is(sf, approved, now):
    claim = ClaimFactory(proposal=approved, amount=Decimal("1500.00"), status=ClaimStatus.APPROVED)
    other = ProposalFactory(status=ProposalStatus.APPROVED, approved_amount=Decimal("900.00"))
    with time_machine.travel(now, tick=False):
        crm_sync(direction="out", full=True)
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        claim.status, claim.paid_on, claim.payment_reference = (
            ClaimStatus.PAID,
            datetime.date(2027, 1, 5),
            "PAY-77",
        )
        claim.save()
    sf.calls.clear()
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        run = crm_sync(direction="out")
    record = sf.by_external_id("MDF_Claim__c", f"claim-{claim.pk}")
    assert (record["Status__c"], record["Paid_On__c"], record["Payment_Reference__c"]) == (
        "paid",
        "2027-01-05",
        "PAY-77",
    )
    assert sf.by_external_id("Campaign", f"proposal-{approved.pk}")["ActualCost"] == 1500.0
    # The claim and its proposal's Campaign (its actual cost), one collection each; not the other.
    assert run.records_out == 2
    assert len(_upserts(sf, "Campaign")) == 1 and len(_upserts(sf, "MDF_Claim__c")) == 1
    assert sf.by_external_id("Campaign", f"proposal-{other.pk}") is not None


def test_nothing_is_sent_twice_when_nothing_changed(sf, approved, now):
    claim = ClaimFactory(proposal=approved)
    _proof(claim, "invoice.pdf")
    with time_machine.travel(now, tick=False):
        crm_sync(direction="out", full=True)
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        # A change that does not touch what the CRM holds (the description is not sent).
        approved.description = "More detail for the CAM"
        approved.save()
    sf.calls.clear()
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        run = crm_sync(direction="out")
    assert run.records_out == 0 and run.api_calls == 1 and len(sf.calls) == 1  # the token only
    # A full run sends nothing either: every payload is what was last synced.
    sf.calls.clear()
    with time_machine.travel(now + timedelta(minutes=15), tick=False):
        again = crm_sync(direction="out", full=True)
    assert not _upserts(sf, "Campaign") and not _upserts(sf, "MDF_Claim__c")
    assert again.records_out == 1  # the partner's Account: a full run re-sends every partner


def test_approve_reject_and_release_are_sent(sf, approved, now):
    claim = ClaimFactory(proposal=approved)
    with time_machine.travel(now, tick=False):
        crm_sync(direction="out", full=True)
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        claim.status = ClaimStatus.REJECTED
        claim.save()
        approved.released_amount, approved.status = Decimal("4000.00"), ProposalStatus.CLOSED
        approved.save()
        late = ProposalFactory(status=ProposalStatus.SUBMITTED)
        late.status, late.approved_amount = ProposalStatus.APPROVED, Decimal("2500.00")
        late.save()
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        run = crm_sync(direction="out")
    assert run.records_out == 3 + 1  # two Campaigns, the claim, and the late proposal's partner Account
    assert sf.by_external_id("MDF_Claim__c", f"claim-{claim.pk}")["Status__c"] == "rejected"
    campaign = sf.by_external_id("Campaign", f"proposal-{approved.pk}")
    assert (campaign["Status"], campaign["IsActive"], campaign["Released_Amount__c"]) == (
        "Completed",
        False,
        4000.0,
    )
    assert sf.by_external_id("Campaign", f"proposal-{late.pk}")["BudgetedCost"] == 2500.0


def test_a_refused_claim_is_a_sync_error_on_the_crm_page_and_goes_through_once_fixed(
    sf, approved, settings, administrator, login
):
    settings.CRM_RETRY_SECONDS = 0
    claim = ClaimFactory(proposal=approved)
    sf.refuse(
        "MDF_Claim__c",
        f"claim-{claim.pk}",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Payment reference is required for paid claims",
    )
    run = crm_sync(direction="out", full=True)
    assert (run.status, run.errors) == ("partial", 1)
    error = SyncError.objects.get(object="claim", resolved_at__isnull=True)
    assert (error.local_id, error.direction, error.code) == (
        claim.pk,
        "out",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
    )
    assert error.message == "Payment reference is required for paid claims"
    assert sf.by_external_id("Campaign", f"proposal-{approved.pk}") is not None  # the rest went through
    page = login(administrator).get("/console/crm/").content.decode()
    assert claim.number in page and "FIELD_CUSTOM_VALIDATION_EXCEPTION" in page
    sf.refuse("MDF_Claim__c", f"claim-{claim.pk}")  # the admin fixed the rule
    again = crm_sync(direction="out")  # due again: retried without a new change
    assert (again.status, again.errors, again.records_out) == ("succeeded", 0, 1)
    assert not SyncError.objects.filter(resolved_at__isnull=True).exists()
    assert sf.by_external_id("MDF_Claim__c", f"claim-{claim.pk}") is not None


def test_a_claim_whose_campaign_was_refused_waits_for_it(sf, approved, settings):
    settings.CRM_RETRY_SECONDS = 0
    claim = ClaimFactory(proposal=approved)
    sf.lock("Campaign", f"proposal-{approved.pk}")
    run = crm_sync(direction="out", full=True)
    codes = dict(SyncError.objects.filter(resolved_at__isnull=True).values_list("object", "code"))
    assert codes == {"proposal": "UNABLE_TO_LOCK_ROW", "claim": "INVALID_FIELD"}
    assert run.errors == 2
    crm_sync(direction="out")
    assert (
        sf.by_external_id("MDF_Claim__c", f"claim-{claim.pk}")["Campaign__c"]
        == approved.__class__.objects.get(pk=approved.pk).crm_campaign_id
    )


def test_leads_and_pipeline_are_read_back_in_one_query_and_not_resent(sf, approved, now, settings):
    second = ProposalFactory(status=ProposalStatus.APPROVED, approved_amount=Decimal("1000.00"))
    with time_machine.travel(now, tick=False):
        crm_sync(direction="out", full=True)
    campaign = sf.by_external_id("Campaign", f"proposal-{approved.pk}")["Id"]
    for n in range(3):
        lead = sf.remote_create("Lead", LastName=f"Lead {n}", Company="Prospect Ltd")
        sf.remote_create("CampaignMember", CampaignId=campaign, LeadId=lead["Id"])
    sf.remote_create(
        "Opportunity", Name="Big deal", CampaignId=campaign, Amount=50000, StageName="Prospecting"
    )
    sf.remote_create(
        "Opportunity",
        Name="Won deal",
        CampaignId=campaign,
        Amount=25000.5,
        StageName="Closed Won",
        IsWon=True,
    )
    sf.calls.clear()
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        run = crm_sync()
    queries = _campaign_queries(sf)
    assert len(queries) == 1 and "FROM Campaign WHERE Id IN" in queries[0].query["q"][0]
    approved.refresh_from_db()
    assert (approved.crm_leads, approved.crm_pipeline) == (3, Decimal("75000.50"))
    assert approved.crm_results_at == now + timedelta(minutes=5)
    second.refresh_from_db()
    assert (second.crm_leads, second.crm_pipeline) == (0, Decimal("0.00"))
    assert run.records_in == 2 and run.records_out == 0  # reading results makes no Campaign look changed
    # Within CHANNELOPS_CRM_MDF_RESULTS_MINUTES the results are not read again.
    sf.calls.clear()
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        crm_sync()
    assert not _campaign_queries(sf)
    with time_machine.travel(now + timedelta(minutes=5 + settings.CRM_MDF_RESULTS_MINUTES + 1), tick=False):
        crm_sync()
    assert len(_campaign_queries(sf)) == 1


def test_the_results_service_refuses_bad_figures_and_changes_nothing(approved):
    at = timezone.now()
    with pytest.raises(ValidationError, match="cannot be negative"):
        proposal_crm_results_set(
            {approved.pk: CrmResults(leads=-1, pipeline=Decimal("1"))},
            at=at,
        )
    approved.refresh_from_db()
    assert approved.crm_leads is None and approved.crm_results_at is None
    assert proposal_crm_results_set({approved.pk: CrmResults(leads=4, pipeline=Decimal("10"))}, at=at) == 1
    assert proposal_crm_results_set({approved.pk: CrmResults(leads=4, pipeline=Decimal("10"))}, at=at) == 0


def test_many_proposals_go_in_bulk_jobs_above_the_threshold(sf, settings):
    settings.CRM_BULK_THRESHOLD = 2
    settings.CRM_BULK_POLL_SECONDS = 0.01
    made = [
        ProposalFactory(status=ProposalStatus.APPROVED, approved_amount=Decimal("100.00")) for _ in range(3)
    ]
    run = crm_sync(direction="out", full=True)
    assert run.errors == 0
    assert [j.object for j in sf.jobs.values() if j.kind == "ingest"] == ["Account", "Campaign"]

    for p in made:
        p.refresh_from_db()
        assert p.crm_campaign_id == sf.by_external_id("Campaign", f"proposal-{p.pk}")["Id"]


def test_without_the_setting_no_mdf_record_is_sent(sf, approved, settings):
    settings.CRM_SYNC_MDF = False
    ClaimFactory(proposal=approved)
    crm_sync(full=True)
    assert not sf.records("Campaign") and not sf.records("MDF_Claim__c")


def test_describe_checks_the_mdf_objects_too(sf, capsys):
    call_command("crm", "describe")
    assert "Every mapped field exists" in capsys.readouterr().out


def test_proof_links_open_the_file_for_mdf_staff_only(client, login, approved, settings):
    """The link in Salesforce is the console's checking view: no file without signing in as staff
    who may see MDF; a partner person gets nothing from the console."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    claim = ClaimFactory(proposal=approved, submitted_by=UserFactory())
    proof = _proof(claim, "invoice.pdf")
    default_storage.save(proof.file, ContentFile(b"%PDF-1.4 proof"))
    url = proof_url(claim.number, proof.pk)
    assert url.startswith(settings.SITE_URL + "/console/mdf/claims/")
    path = urlsplit(url).path
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    partner_person = MembershipFactory(partner=approved.partner, role="admin").user
    assert login(partner_person).get(path).status_code in (403, 404)
    marketing = StaffFactory(roles=["channel_marketing"])
    opened = login(marketing).get(path)
    assert opened.status_code == 200 and b"".join(opened.streaming_content) == b"%PDF-1.4 proof"
    assert SyncRun.objects.count() == 0


def test_sending_costs_the_same_queries_for_3_proposals_and_12(sf, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run_with(n: int) -> int:
        partner = PartnerFactory(country="GB")
        for _ in range(n):
            claim = ClaimFactory(
                proposal=ProposalFactory(
                    partner=partner, status=ProposalStatus.APPROVED, approved_amount=Decimal("500.00")
                )
            )
            _proof(claim, "invoice.pdf")
        with CaptureQueriesContext(connection) as queries:
            crm_sync(direction="out", full=True)
        return len(queries)

    few = run_with(3)
    many = run_with(12)  # the first partner's records are unchanged: only the new ones are sent
    assert len(sf.records("Campaign")) == 15 and len(sf.records("MDF_Claim__c")) == 15
    assert many <= few + 2
