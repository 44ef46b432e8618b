"""CRM sync with Salesforce (docs/crm.md) against the Salesforce double (tests/fake_salesforce.py,
a local HTTP server speaking the REST wire protocol; simple-salesforce talks to it unmodified)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from channelops.crm.models import SyncConflict, SyncCursor, SyncError, SyncRun
from channelops.crm.services import conflict_resolve, crm_sync
from channelops.partners.models import Contact, Partner
from channelops.partners.services import partner_fields_set

from .factories import ContactFactory, PartnerFactory, StaffFactory
from .fake_salesforce import FakeSalesforce
from .test_reviews import april_partner, emea_phd, monthly_review  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # reset before each test: see _now


@pytest.fixture(autouse=True)
def _now():
    """The tests' moments start a minute after the test's own clock (which CHANNELOPS_TEST_CLOCK may
    move): records the fixtures create are never dated after the sync's cursor."""
    global NOW
    NOW = timezone.now().replace(microsecond=0) + timedelta(minutes=1)


@pytest.fixture
def sf(settings):
    fake = FakeSalesforce()
    settings.CRM_ENABLED = True
    settings.SALESFORCE_LOGIN_URL = fake.url
    settings.SALESFORCE_CLIENT_ID = fake.client_id
    settings.SALESFORCE_CLIENT_SECRET = fake.client_secret
    settings.SALESFORCE_USERNAME = ""
    settings.CRM_CA_BUNDLE = fake.ca_file
    yield fake
    fake.close()


@pytest.fixture
def partners(db):
    made = [
        PartnerFactory(legal_name=f"Partner {n}", phone="", website=f"https://p{n}.example") for n in range(3)
    ]
    for p in made:
        ContactFactory(partner=p, last_name=f"Contact of {p.legal_name}")
    return made


def test_a_full_sync_upserts_partners_and_contacts_once_by_external_id(sf, partners):
    run = crm_sync(direction="out", full=True)
    assert (run.status, run.records_out, run.errors) == ("succeeded", 6, 0)
    accounts = sf.records("Account")
    assert sorted(a["Name"] for a in accounts) == ["Partner 0", "Partner 1", "Partner 2"]
    first = Partner.objects.get(legal_name="Partner 0")
    account = sf.by_external_id("Account", f"partner-{first.pk}")
    assert account["Partner_Tier__c"] == first.tier.name and account["Partner_Region__c"] == first.region.code
    assert first.crm_account_id == account["Id"]  # the CRM's id is kept on the partner
    contact = sf.records("Contact")[0]
    assert contact["AccountId"] in {a["Id"] for a in accounts}
    # A second full run updates the same records: no duplicate.
    crm_sync(direction="out", full=True)
    assert len(sf.records("Account")) == 3 and len(sf.records("Contact")) == 3
    # 1 token call + 1 collection per object and run: far below one call per record.
    upserts = [c for c in sf.data_calls() if c.method == "PATCH"]
    assert len(upserts) == 4


def test_an_incremental_run_sends_only_what_changed_and_a_quiet_run_costs_one_call(sf, partners, cam):
    with time_machine.travel(NOW, tick=False):
        crm_sync(direction="out", full=True)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        partner_fields_set(partner=partners[1], by=cam, data={"account_notes": "Big renewal in Q1"})
    sf.calls.clear()
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        run = crm_sync(direction="out")
    assert run.records_out == 1
    assert (
        sf.by_external_id("Account", f"partner-{partners[1].pk}")["Account_Notes__c"] == "Big renewal in Q1"
    )
    sf.calls.clear()
    with time_machine.travel(NOW + timedelta(minutes=15), tick=False):
        quiet = crm_sync(direction="out")
    assert quiet.records_out == 0 and len(sf.calls) == 1 and quiet.api_calls == 1  # the token only


def test_a_refused_record_does_not_block_the_batch_and_goes_through_once_fixed(sf, partners, cam, settings):
    settings.CRM_RETRY_SECONDS = 0
    Partner.objects.filter(pk=partners[0].pk).update(legal_name="INVALID name")
    sf.lock("Account", f"partner-{partners[2].pk}")
    run = crm_sync(direction="out", full=True)
    # Partner 1 and its contact went through; the two refused accounts' contacts wait for them.
    assert (run.status, run.records_out, run.errors) == ("partial", 2, 4)
    codes = dict(
        SyncError.objects.filter(object="partner", resolved_at__isnull=True).values_list("local_id", "code")
    )
    assert codes == {
        partners[0].pk: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        partners[2].pk: "UNABLE_TO_LOCK_ROW",
    }
    assert sf.by_external_id("Account", f"partner-{partners[1].pk}") is not None
    contact_codes = set(SyncError.objects.filter(object="contact").values_list("code", flat=True))
    assert contact_codes == {"INVALID_FIELD"}  # "Foreign key external ID not found"
    Partner.objects.filter(pk=partners[0].pk).update(legal_name="Partner 0 GmbH")
    again = crm_sync(direction="out")  # the errors are due: retried without a new change
    assert again.errors == 0
    assert not SyncError.objects.filter(resolved_at__isnull=True).exists()
    assert sf.by_external_id("Account", f"partner-{partners[0].pk}")["Name"] == "Partner 0 GmbH"
    assert SyncError.objects.get(object="partner", local_id=partners[2].pk).attempts == 1


def test_inbound_changes_go_through_the_partner_service_as_the_crm_sync_user(sf, partners):
    with time_machine.travel(NOW, tick=False):
        crm_sync(full=True)
    account = sf.by_external_id("Account", f"partner-{partners[0].pk}")
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        sf.clock = lambda: NOW + timedelta(minutes=3)
        sf.remote_change(
            "Account", account["Id"], Website="https://new.example", Account_Notes__c="From sales"
        )
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        sf.clock = lambda: NOW + timedelta(minutes=5)
        run = crm_sync(direction="in")
    assert run.records_in == 1, run.message
    partner = Partner.objects.get(pk=partners[0].pk)
    assert (partner.website, partner.account_notes) == ("https://new.example", "From sales")
    latest = partner.history.order_by("-history_id").first()
    assert (
        latest.history_user.email == "crm-sync@channelops.invalid"
        and latest.history_change_reason == "CRM sync"
    )
    # Read once: the next run finds nothing new.
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        sf.clock = lambda: NOW + timedelta(minutes=10)
        assert crm_sync(direction="in").records_in == 0


def test_a_field_changed_on_both_sides_is_a_conflict_resolved_either_way(sf, partners, cam, administrator):
    with time_machine.travel(NOW, tick=False):
        crm_sync(full=True)
    pid = partners[0].pk
    account = sf.by_external_id("Account", f"partner-{pid}")
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        partner_fields_set(partner=Partner.objects.get(pk=pid), by=cam, data={"account_notes": "Ours"})
        sf.clock = lambda: NOW + timedelta(minutes=2)
        sf.remote_change("Account", account["Id"], Account_Notes__c="Theirs")
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        sf.clock = lambda: NOW + timedelta(minutes=5)
        run = crm_sync(direction="in")
    assert run.conflicts == 1
    conflict = SyncConflict.objects.get()
    assert (conflict.local_value, conflict.remote_value, conflict.kept) == ("Ours", "Theirs", "channelops")
    assert Partner.objects.get(pk=pid).account_notes == "Ours"  # the mapping's rule: channelops wins
    conflict_resolve(conflict=conflict, side="crm", by=administrator)
    assert Partner.objects.get(pk=pid).account_notes == "Theirs"
    with pytest.raises(Exception, match="already resolved"):
        conflict_resolve(conflict=conflict, side="channelops", by=administrator)


def test_a_dry_run_changes_nothing_on_either_side(sf, partners):
    run = crm_sync(full=True, dry_run=True)
    assert run.records_out == 6 and run.dry_run
    assert sf.records("Account") == [] and not [c for c in sf.data_calls() if c.method == "PATCH"]
    assert not SyncCursor.objects.exclude(value=None).exists()
    assert Partner.objects.exclude(crm_account_id="").count() == 0


def test_the_daily_api_budget_pauses_the_sync_visibly(sf, partners, settings):
    settings.CRM_DAILY_API_BUDGET = 2  # the token and one collection
    run = crm_sync(direction="out", full=True)
    assert run.status == "paused" and "budget" in run.message
    assert SyncCursor.objects.get(key="out:contact").value is None  # resumes where it stopped


def test_without_a_crm_nothing_fails_and_the_page_says_so(administrator, login, settings):
    settings.CRM_ENABLED = False
    run = crm_sync()
    assert run.status == "failed" and "No CRM is connected" in run.message
    page = login(administrator).get("/console/crm/").content.decode()
    assert "No CRM is connected." in page and "Field mapping" in page and "Account_Notes__c" in page


def test_the_command_reports_and_describe_finds_missing_fields(sf, partners, capsys):
    call_command("crm", "sync", "--full", "--quiet", "--direction", "out")
    assert "6 sent, 0 received, 0 refused" in capsys.readouterr().out
    call_command("crm", "describe")
    assert "Every mapped field exists" in capsys.readouterr().out
    from channelops.crm.models import FieldMapping

    FieldMapping.objects.create(object="partner", local_field="description", remote_field="Description__c")
    with pytest.raises(CommandError, match="Account.Description__c"):
        call_command("crm", "describe")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("crm", "sync", "--since", "yesterday")


def test_partner_people_and_staff_without_the_permission_never_see_the_crm_page(sf, admin_a, cam, login):
    assert login(cam).get("/console/crm/").status_code == 403
    assert login(admin_a).get("/console/crm/").status_code in (302, 403, 404)
    viewer = StaffFactory(email="ops@vendor.test", roles=[])
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_syncrun"))
    assert login(viewer).get("/console/crm/").status_code == 200
    assert SyncRun.objects.count() == 0
    assert Contact.objects.count() == 0


# --- the CRM writes other features queue -----------------------------------------------------------


@pytest.mark.usefixtures("license_key_dir")
def test_the_license_email_is_logged_as_a_task_under_the_contact_and_account(
    sf, partner_a, admin_a, cam, phd_emea, leadership, deliver
):
    from channelops.licensing.services import nfr_request_approve, nfr_request_submit
    from channelops.partners.models import Region, RegionRouting

    from .test_nfr_approval import grant_issuing
    from .test_nfr_requests import FORM, accept_all

    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd_emea)
    grant_issuing(phd_emea, leadership)
    accept_all(partner_a, admin_a)
    req = nfr_request_submit(partner=partner_a, by=admin_a, **{**FORM, "seats": 5, "term_months": 12})
    nfr_request_approve(request=req, by=phd_emea)
    deliver()
    deliver()  # a second delivery round changes nothing (the Task is upserted by its external id)
    deliver()
    # The license e-mail once (its own crm.activity), beside the other e-mails to the partner's people.
    subjects = sorted(t["Subject"] for t in sf.records("Task"))
    assert subjects.count("E-mail: Ultimate NFR license key for lena@acme.example") == 1, subjects
    task = next(t for t in sf.records("Task") if t["Subject"].startswith("E-mail: Ultimate NFR license key"))
    account = sf.by_external_id("Account", f"partner-{partner_a.pk}")
    contact = next(c for c in sf.records("Contact") if c["Email"] == "lena@acme.example")
    assert (task["WhatId"], task["WhoId"], task["Status"]) == (account["Id"], contact["Id"], "Completed")
    assert task["Subject"] == "E-mail: Ultimate NFR license key for lena@acme.example"
    assert contact["AccountId"] == account["Id"] and contact["LastName"] == "License"


def test_a_completed_review_sets_last_phd_review_and_account_notes_on_the_account(
    sf,
    monthly_review,
    emea_phd,
    deliver,
):
    from channelops.helpdesk.services import review_complete

    from .test_reviews import at

    with time_machine.travel(at(2025, 5, 16, 11), tick=False):
        review_complete(review=monthly_review, notes="Two admins; add a PSE.", by=emea_phd)
    deliver()
    account = sf.by_external_id("Account", f"partner-{monthly_review.partner_id}")
    assert (account["Last_PHD_Review__c"], account["Account_Notes__c"]) == (
        "2025-05-16",
        "Two admins; add a PSE.",
    )
    assert Partner.objects.get(pk=monthly_review.partner_id).crm_account_id == account["Id"]


def test_with_a_crm_expected_but_unreachable_the_writes_wait_in_the_outbox(
    settings, monthly_review, emea_phd, deliver
):
    from channelops.core.models import OutboxMessage
    from channelops.helpdesk.services import review_complete

    settings.CRM_ENABLED = True
    settings.SALESFORCE_CLIENT_ID = "x"
    settings.SALESFORCE_LOGIN_URL = "https://127.0.0.1:9"  # nothing listens
    review_complete(review=monthly_review, notes="Fine.", by=emea_phd)
    deliver()
    msg = OutboxMessage.objects.get(kind="crm.partner_update")
    assert msg.status == "pending" and "cannot reach" in msg.last_error


def test_the_crm_page_lists_runs_errors_and_conflicts_and_resolves_one(sf, partners, administrator, login):
    Partner.objects.filter(pk=partners[0].pk).update(legal_name="INVALID name")
    with time_machine.travel(NOW, tick=False):
        crm_sync(full=True)
    SyncConflict.objects.create(
        object="partner",
        local_id=partners[1].pk,
        local_field="account_notes",
        remote_field="Account_Notes__c",
        local_value="Ours",
        remote_value="Theirs",
        kept="channelops",
    )
    client = login(administrator)
    page = client.get("/console/crm/").content.decode()
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in page and f"/console/partners/{partners[0].pk}/" in page
    assert "Theirs" in page and "Use the CRM&#x27;s value" in page and "Done with errors" in page
    conflict = SyncConflict.objects.get()
    response = client.post(f"/console/crm/conflicts/{conflict.pk}/resolve/", {"side": "crm"})
    assert response.status_code == 302
    assert Partner.objects.get(pk=partners[1].pk).account_notes == "Theirs"
    assert (
        client.post(f"/console/crm/conflicts/{conflict.pk}/resolve/", {"side": "nonsense"}).status_code == 302
    )
    assert SyncConflict.objects.get().resolution == "crm"


def test_resolving_a_conflict_of_a_deleted_partner_is_refused_clearly(administrator, login):
    conflict = SyncConflict.objects.create(
        object="partner",
        local_id=999_999,
        local_field="account_notes",
        remote_field="Account_Notes__c",
        kept="channelops",
    )
    with pytest.raises(Exception, match="no longer exists"):
        conflict_resolve(conflict=conflict, side="crm", by=administrator)
    response = login(administrator).post(
        f"/console/crm/conflicts/{conflict.pk}/resolve/", {"side": "crm"}, follow=True
    )
    assert response.status_code == 200 and "no longer exists" in response.content.decode()
    assert SyncConflict.objects.get().resolved_at is None


def test_emails_to_partner_people_and_completed_reviews_are_logged_as_tasks(
    sf, monthly_review, emea_phd, deliver, smtp_server
):
    from channelops.core.models import OutboxMessage
    from channelops.core.outbox import outbox_enqueue
    from channelops.helpdesk.services import review_complete

    from .factories import MembershipFactory

    partner = monthly_review.partner
    person = MembershipFactory(partner=partner, role="user").user
    outbox_enqueue(  # what email_partner_people queues (rendered from its templates)
        kind="email",
        key="test-mail-1",
        topic=f"partner:{partner.pk}",
        payload={
            "to": [person.email, "cam.copy@vendor.test"],
            "subject": "Your quarterly check-in",
            "text": "See you soon.",
        },
    )
    review_complete(review=monthly_review, notes="Two admins; add a PSE.", by=emea_phd)
    for _round in range(3):
        deliver()
    account = sf.by_external_id("Account", f"partner-{partner.pk}")
    tasks = {t["Subject"]: t for t in sf.records("Task")}
    mail_task = tasks["E-mail: Your quarterly check-in"]
    contact = next(c for c in sf.records("Contact") if c.get("Email") == person.email)
    assert (mail_task["WhoId"], mail_task["WhatId"], mail_task["Status"]) == (
        contact["Id"],
        account["Id"],
        "Completed",
    )
    review_task = next(t for s, t in tasks.items() if s.startswith("Account review completed: "))
    assert review_task["WhatId"] == account["Id"] and "WhoId" not in review_task
    assert review_task["Description"] == "Two admins; add a PSE."
    # The staff copy is not logged; delivering again logs nothing twice.
    assert len(sf.records("Task")) == 2
    deliver()
    assert len(sf.records("Task")) == 2
    assert OutboxMessage.objects.filter(kind="crm.task").count() == 2


def test_without_a_crm_no_activity_is_queued(settings, monthly_review, emea_phd, deliver, smtp_server):
    from channelops.core.models import OutboxMessage
    from channelops.helpdesk.services import review_complete

    settings.CRM_ENABLED = False
    review_complete(review=monthly_review, notes="Fine.", by=emea_phd)
    deliver()
    assert not OutboxMessage.objects.filter(kind="crm.task").exists()


def test_records_deleted_in_channelops_are_deleted_or_marked_in_the_crm(sf, partners):
    with time_machine.travel(NOW, tick=False):
        crm_sync(direction="out", full=True)
    doomed_contact = Contact.objects.get(partner=partners[0])
    contact_ext = f"contact-{doomed_contact.pk}"
    remote_contact_id = sf.by_external_id("Contact", contact_ext)["Id"]
    gone_partner = partners[2]
    account_id = sf.by_external_id("Account", f"partner-{gone_partner.pk}")["Id"]
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        doomed_contact.delete()
        Contact.objects.filter(partner=gone_partner).delete()
        Partner.objects.filter(pk=gone_partner.pk).delete()
    with time_machine.travel(NOW + timedelta(minutes=4), tick=False):
        dry = crm_sync(direction="out", dry_run=True)
        assert dry.records_out == 3 and sf.by_external_id("Contact", contact_ext) is not None
        run = crm_sync(direction="out")
    assert (run.status, run.records_out, run.errors) == ("succeeded", 3, 0), run.message
    # The contacts are deleted in the CRM; the Account stays (the CRM's own history) marked deleted.
    assert sf.by_external_id("Contact", contact_ext) is None
    assert remote_contact_id not in {c["Id"] for c in sf.records("Contact")}
    account = next(a for a in sf.records("Account") if a["Id"] == account_id)
    assert account["Partner_Status__c"] == "deleted"
    # Done once: the next run sends nothing.
    with time_machine.travel(NOW + timedelta(minutes=6), tick=False):
        assert crm_sync(direction="out").records_out == 0


def test_a_scheduled_run_both_ways_lists_a_conflict_before_sending_ours(sf, partners, cam):
    """Inbound runs first: the CRM's change to a field we also changed is a listed conflict, not
    silently overwritten by our upsert."""
    with time_machine.travel(NOW, tick=False):
        crm_sync(full=True)
    pid = partners[1].pk
    account = sf.by_external_id("Account", f"partner-{pid}")
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        partner_fields_set(partner=Partner.objects.get(pk=pid), by=cam, data={"account_notes": "Ours"})
        sf.clock = lambda: NOW + timedelta(minutes=2)
        sf.remote_change("Account", account["Id"], Account_Notes__c="Theirs")
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        sf.clock = lambda: NOW + timedelta(minutes=5)
        run = crm_sync()  # both ways, as the scheduler runs it
    assert run.conflicts == 1
    conflict = SyncConflict.objects.get()
    assert (conflict.local_value, conflict.remote_value, conflict.kept) == ("Ours", "Theirs", "channelops")
    # The mapping's rule (channelops wins) is then applied on both sides.
    assert Partner.objects.get(pk=pid).account_notes == "Ours"
    assert sf.by_external_id("Account", f"partner-{pid}")["Account_Notes__c"] == "Ours"
