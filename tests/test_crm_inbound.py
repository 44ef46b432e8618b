"""CRM sync, second part (docs/crm.md): contacts changed and deleted in Salesforce, partners and
contacts created there, the CAM as the Account's owner, partner certifications and the agreement
acceptance as Account fields — against the Salesforce double (tests/fake_salesforce.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from channelops.crm.models import SyncConflict, SyncError, SyncState
from channelops.crm.services import conflict_resolve, crm_sync
from channelops.enablement.models import PartnerCertification, PartnerCertificationStatus
from channelops.partners.models import Contact, Partner, PartnerStatusChange
from channelops.partners.services import contact_fields_set, partner_fields_set

from .factories import ContactFactory, PartnerFactory, StaffFactory
from .fake_salesforce import FakeSalesforce
from .test_crm_sync import sf  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
CRM_USER = "crm-sync@channelops.invalid"


@pytest.fixture(autouse=True)
def _retry_at_once(settings):
    settings.CRM_RETRY_SECONDS = 0


class Clock:
    """Moves the test's clock and the double's together, minute by minute from the test's now."""

    def __init__(self, sf: FakeSalesforce) -> None:
        self.sf = sf
        self.start = timezone.now().replace(microsecond=0) + timedelta(minutes=1)
        self.minutes = 0

    def at(self, minutes: int):  # type: ignore[no-untyped-def]
        self.minutes = minutes
        when = self.start + timedelta(minutes=minutes)
        self.sf.clock = lambda: when
        return time_machine.travel(when, tick=False)

    def sync(self, minutes: int, **kwargs):  # type: ignore[no-untyped-def]
        with self.at(minutes):
            return crm_sync(**kwargs)


@pytest.fixture
def clock(sf):
    return Clock(sf)


@pytest.fixture
def partners(db):
    made = [PartnerFactory(legal_name=f"Partner {n}", country="GB", phone="") for n in range(3)]
    for p in made:
        ContactFactory(partner=p, first_name="Kim", last_name=f"Contact of {p.legal_name}", title="Engineer")
    return made


def remote_contact(sf: FakeSalesforce, contact: Contact) -> dict:
    return sf.by_external_id("Contact", f"contact-{contact.pk}")


# --- 1. contacts inbound ---------------------------------------------------------------------------


def test_a_contacts_phone_and_title_changed_in_salesforce_come_back_through_the_contact_service(
    sf, clock, partners
):
    clock.sync(0, full=True)
    contact = partners[0].contacts.get()
    with clock.at(2):
        sf.remote_change(
            "Contact",
            remote_contact(sf, contact)["Id"],
            Phone="+44 20 7946 0000",
            Title="Head of Services",
            FirstName="Kimberly",  # channelops owns names: not taken back
        )
    run = clock.sync(5, direction="in")
    assert (run.status, run.records_in, run.errors) == ("succeeded", 1, 0), run.message
    contact.refresh_from_db()
    assert (str(contact.phone), contact.title, contact.first_name) == (
        "+442079460000",
        "Head of Services",
        "Kim",
    )
    latest = contact.history.order_by("-history_id").first()
    assert (latest.history_user.email, latest.history_change_reason) == (CRM_USER, "CRM sync")
    # Read once: the next run finds nothing new, and the next outbound run sends our name again.
    assert clock.sync(8, direction="in").records_in == 0
    clock.sync(10, direction="out")
    assert remote_contact(sf, contact)["FirstName"] == "Kim"


def test_a_contact_field_changed_on_both_sides_is_a_conflict_resolved_either_way(
    sf, clock, partners, cam, administrator, login
):
    clock.sync(0, full=True)
    contact = partners[1].contacts.get()
    with clock.at(2):
        contact_fields_set(contact=contact, by=cam, data={"title": "Ours"})
        sf.remote_change("Contact", remote_contact(sf, contact)["Id"], Title="Theirs")
    run = clock.sync(5, direction="in")
    assert run.conflicts == 1
    conflict = SyncConflict.objects.get()
    assert (conflict.object, conflict.local_value, conflict.remote_value, conflict.kept) == (
        "contact",
        "Ours",
        "Theirs",
        "channelops",
    )
    assert conflict.local_changed_at is not None and conflict.remote_changed_at is not None
    assert Contact.objects.get(pk=contact.pk).title == "Ours"  # the mapping's rule: channelops wins
    page = login(administrator).get("/console/crm/").content.decode()
    assert contact.email in page and f"/console/partners/{partners[1].pk}/" in page and "Theirs" in page
    with clock.at(6):
        conflict_resolve(conflict=conflict, side="crm", by=administrator)
    assert Contact.objects.get(pk=contact.pk).title == "Theirs"
    # The other way: keep channelops' value, sent with the next run.
    with clock.at(7):
        contact_fields_set(contact=contact, by=cam, data={"title": "Ours again"})
        sf.remote_change("Contact", remote_contact(sf, contact)["Id"], Title="Theirs again")
    clock.sync(9, direction="in")
    second = SyncConflict.objects.get(resolved_at__isnull=True)
    with clock.at(10):
        conflict_resolve(conflict=second, side="channelops", by=administrator)
    clock.sync(12, direction="out")
    assert remote_contact(sf, contact)["Title"] == "Ours again"


def test_a_contact_deleted_in_salesforce_is_an_error_and_no_longer_sent(sf, clock, partners, cam):
    clock.sync(0, full=True)
    contact = partners[2].contacts.get()
    with clock.at(2):
        sf.remote_delete("Contact", remote_contact(sf, contact)["Id"])
    clock.sync(5, direction="in")
    error = SyncError.objects.get(object="contact", local_id=contact.pk, resolved_at__isnull=True)
    assert error.code == "DELETED_IN_CRM" and "deleted in the CRM" in error.message
    with clock.at(6):
        contact_fields_set(contact=contact, by=cam, data={"title": "Changed since"})
    run = clock.sync(8, direction="out")
    assert run.records_out == 0 and remote_contact(sf, contact) is None  # not re-created


def test_a_bad_contact_value_is_an_error_and_does_not_block_the_others(sf, clock, partners):
    clock.sync(0, full=True)
    bad, good = partners[0].contacts.get(), partners[1].contacts.get()
    with clock.at(2):
        sf.remote_change("Contact", remote_contact(sf, bad)["Id"], Phone="not a number")
        sf.remote_change("Contact", remote_contact(sf, good)["Id"], Title="CTO")
    run = clock.sync(5, direction="in")
    assert (run.status, run.records_in, run.errors) == ("partial", 1, 1)
    assert Contact.objects.get(pk=good.pk).title == "CTO"
    error = SyncError.objects.get(object="contact", local_id=bad.pk)
    assert error.code == "INVALID_VALUE" and "phone" in error.message.lower()
    assert str(Contact.objects.get(pk=bad.pk).phone) == ""


def test_inbound_contact_changes_cost_the_same_calls_for_3_records_and_30(sf, clock):
    def changed_run(n: int, minute: int) -> int:
        with clock.at(minute):
            partner = PartnerFactory(country="GB")
            contacts = [ContactFactory(partner=partner, last_name=f"C{i}") for i in range(n)]
        clock.sync(minute, direction="out")
        with clock.at(minute + 1):
            for c in contacts:
                sf.remote_change("Contact", remote_contact(sf, c)["Id"], Title=f"Title {n}")
        sf.calls.clear()
        run = clock.sync(minute + 2, direction="in")
        assert run.records_in == n
        return len(sf.data_calls())

    clock.sync(0, full=True)  # the cursors
    # One Composite call (getUpdated + getDeleted of Accounts and Contacts) and one read per object
    # of what changed (the Account: our own upsert): never a call per record.
    assert changed_run(3, 2) == changed_run(30, 10) == 3


def test_a_quiet_incremental_run_both_ways_costs_two_calls(sf, clock, partners):
    clock.sync(0, full=True)
    clock.sync(2)  # reads back our own upserts
    sf.calls.clear()
    run = clock.sync(4)
    assert (run.status, run.records_out, run.records_in, run.api_calls) == ("succeeded", 0, 0, 2)
    paths = [c.path.rsplit("/", 1)[-1] for c in sf.calls]
    assert paths == ["token", "composite"]


def test_reading_back_our_own_contact_upserts_costs_the_same_queries_for_3_contacts_and_30(sf, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clock.sync(0, full=True)  # the cursors

    def echo_run(n: int, minute: int) -> int:
        with clock.at(minute):
            partner = PartnerFactory(country="GB")
            for i in range(n):
                ContactFactory(partner=partner, last_name=f"C{i}")
        clock.sync(minute + 1, direction="out")
        with clock.at(minute + 2), CaptureQueriesContext(connection) as queries:
            run = crm_sync(direction="in")
        assert (run.records_in, run.errors, run.conflicts) == (0, 0, 0)
        return len(queries)

    # The Accounts and Contacts our upserts touched come back from getUpdated: compared in a
    # constant number of queries (contacts, their sync states and partners per batch).
    assert echo_run(3, 2) == echo_run(30, 10)


# --- 2. records created in Salesforce --------------------------------------------------------------


@pytest.fixture
def creating(settings):
    settings.CRM_CREATE_FROM_CRM = True
    settings.CRM_PARTNER_RECORD_TYPE = "Partner"


def new_account(sf: FakeSalesforce, name: str, **fields):  # type: ignore[no-untyped-def]
    values = {
        "Name": name,
        "Type": "Partner",
        "BillingCountryCode": "GB",
        "Partner_Region__c": "EMEA",
        "Website": "https://new.example",
        **fields,
    }
    return sf.remote_create("Account", **{k: v for k, v in values.items() if v is not None})


@pytest.mark.usefixtures("creating")
def test_a_partner_account_created_in_salesforce_becomes_a_partner_linked_by_its_id(sf, clock):
    clock.sync(0, full=True)
    with clock.at(2):
        account = new_account(sf, "Northwind Ltd", Phone="+44 20 7946 0001", Account_Notes__c="Met at a fair")
        sf.remote_create("Account", Name="Customer Inc", Type="Customer", BillingCountryCode="GB")
    run = clock.sync(5, direction="in")
    assert (run.status, run.records_in, run.errors) == ("succeeded", 1, 0), run.message
    partner = Partner.objects.get(legal_name="Northwind Ltd")
    assert (partner.country.code, partner.region.code, partner.tier.rank, partner.status) == (
        "GB",
        "EMEA",
        partner.tier.rank,
        "applied",
    )
    assert (str(partner.phone), partner.account_notes, partner.crm_account_id) == (
        "+442079460001",
        "Met at a fair",
        account["Id"],
    )
    first = partner.history.order_by("history_id").first()
    assert (first.history_user.email, first.history_change_reason) == (CRM_USER, "CRM sync")
    assert PartnerStatusChange.objects.get(partner=partner).by.email == CRM_USER
    assert not Partner.objects.filter(legal_name="Customer Inc").exists()  # not a partner Account
    # Linked: the Account carries the partner's id, and the next runs update it, never a duplicate.
    assert sf.records("Account")[-2]["Channelops_Id__c"] == f"partner-{partner.pk}"
    assert SyncState.objects.get(object="partner", local_id=partner.pk).remote_id == account["Id"]
    assert not SyncError.objects.filter(resolved_at__isnull=True).exists()
    clock.sync(8)
    clock.sync(10, full=True)
    assert [a["Name"] for a in sf.records("Account")].count("Northwind Ltd") == 1
    assert Partner.objects.filter(legal_name="Northwind Ltd").count() == 1
    assert sf.by_external_id("Account", f"partner-{partner.pk}")["Partner_Status__c"] == "applied"


@pytest.mark.usefixtures("creating")
def test_a_contact_created_in_salesforce_under_a_linked_account_appears_under_that_partner(
    sf, clock, partners
):
    clock.sync(0, full=True)
    account = sf.by_external_id("Account", f"partner-{partners[0].pk}")
    with clock.at(2):
        made = sf.remote_create(
            "Contact",
            FirstName="Ada",
            LastName="Lovelace",
            Email="Ada@Partner0.example",
            Title="Architect",
            AccountId=account["Id"],
        )
        sf.remote_create("Contact", FirstName="No", LastName="Mail", AccountId=account["Id"])
        sf.remote_create(
            "Contact", FirstName="Else", LastName="Where", Email="e@x.example", AccountId="001XYZ"
        )
    run = clock.sync(5, direction="in")
    assert (run.records_in, run.errors) == (1, 1)
    contact = partners[0].contacts.get(last_name="Lovelace")
    assert (contact.email, contact.title, contact.crm_contact_id) == (
        "ada@partner0.example",
        "Architect",
        made["Id"],
    )
    assert contact.history.get().history_user.email == CRM_USER
    assert sf.org.records["Contact"][made["Id"]]["Channelops_Id__c"] == f"contact-{contact.pk}"
    error = SyncError.objects.get(object="contact", resolved_at__isnull=True)
    assert error.code == "INVALID_VALUE" and "no e-mail address" in error.message and error.local_id is None
    assert Contact.objects.filter(last_name__in=["Mail", "Where"]).count() == 0
    clock.sync(8, full=True, direction="out")
    assert [c["LastName"] for c in sf.records("Contact")].count("Lovelace") == 1


@pytest.mark.usefixtures("creating")
def test_an_invalid_account_is_an_error_with_a_clear_message_and_does_not_block_the_others(
    sf, clock, administrator, login
):
    clock.sync(0, full=True)
    with clock.at(2):
        bad_region = new_account(sf, "Bad Region Ltd", Partner_Region__c="MARS")
        bad_country = new_account(sf, "Nowhere Ltd", BillingCountryCode="XX")
        new_account(sf, "Good Ltd")
    run = clock.sync(5, direction="in")
    assert (run.status, run.records_in, run.errors) == ("partial", 1, 2)
    assert list(Partner.objects.values_list("legal_name", flat=True)) == ["Good Ltd"]
    messages = dict(SyncError.objects.filter(object="partner").values_list("remote_id", "message"))
    assert "Unknown or inactive region “MARS”" in messages[bad_region["Id"]]
    assert "country" in messages[bad_country["Id"]].lower()
    page = login(administrator).get("/console/crm/").content.decode()
    assert f"#{bad_region['Id']}" in page and "Unknown or inactive region" in page
    # Fixed in Salesforce: created by the next run, the error resolved.
    with clock.at(6):
        sf.remote_change("Account", bad_region["Id"], Partner_Region__c="EMEA")
    clock.sync(8, direction="in")
    assert Partner.objects.filter(legal_name="Bad Region Ltd").exists()
    assert SyncError.objects.filter(resolved_at__isnull=True).count() == 1


@pytest.mark.usefixtures("creating")
def test_accounts_created_in_salesforce_in_a_window_read_in_bulk_are_created_too(sf, clock, settings):
    settings.CRM_BULK_THRESHOLD = 3
    settings.CRM_BULK_POLL_SECONDS = 0.01
    clock.sync(0, full=True)
    with clock.at(2):
        for n in range(5):  # more than the threshold: one Bulk API query job of the linked Accounts
            new_account(sf, f"New {n} Ltd")
    run = clock.sync(5, direction="in")
    assert (run.status, run.records_in) == ("succeeded", 5), run.message
    assert Partner.objects.count() == 5
    assert all(a["Channelops_Id__c"] for a in sf.records("Account"))


def test_without_the_setting_nothing_is_created_from_salesforce(sf, clock, settings):
    settings.CRM_CREATE_FROM_CRM = False
    clock.sync(0, full=True)
    with clock.at(2):
        new_account(sf, "Northwind Ltd")
    run = clock.sync(5, direction="in")
    assert run.records_in == 0 and not Partner.objects.exists()
    assert "Channelops_Id__c" not in sf.records("Account")[0]


@pytest.mark.usefixtures("creating")
def test_a_dry_run_creates_nothing_and_writes_nothing_back(sf, clock, partners):
    clock.sync(0, full=True)
    account = sf.by_external_id("Account", f"partner-{partners[0].pk}")
    with clock.at(2):
        new_account(sf, "Northwind Ltd")
        sf.remote_create(
            "Contact", FirstName="Ada", LastName="L", Email="a@x.example", AccountId=account["Id"]
        )
        sf.remote_change("Contact", remote_contact(sf, partners[1].contacts.get())["Id"], Title="New")
    sf.calls.clear()
    run = clock.sync(5, direction="in", dry_run=True)
    assert run.records_in == 3 and run.dry_run
    assert Partner.objects.count() == 3 and Contact.objects.count() == 3
    assert partners[1].contacts.get().title == "Engineer"
    assert not [c for c in sf.data_calls() if c.method == "PATCH"]
    assert not SyncError.objects.exists() and not SyncConflict.objects.exists()


@pytest.mark.usefixtures("creating")
def test_a_failed_write_back_keeps_the_partner_unsent_until_it_is_linked(sf, clock):
    clock.sync(0, full=True)
    with clock.at(2):
        account = new_account(sf, "Northwind Ltd")
    sf.lock("Account", account["Id"])
    run = clock.sync(5, direction="in")
    partner = Partner.objects.get()
    error = SyncError.objects.get(local_id=partner.pk, resolved_at__isnull=True)
    assert error.code == "NOT_LINKED" and "UNABLE_TO_LOCK_ROW" in error.message and run.errors == 1
    out = clock.sync(6, direction="out")  # not sent: upserting it now would make a second Account
    assert out.records_out == 0 and len(sf.records("Account")) == 1
    clock.sync(8, direction="in")  # the write-back is retried
    assert sf.records("Account")[0]["Channelops_Id__c"] == f"partner-{partner.pk}"
    assert not SyncError.objects.filter(resolved_at__isnull=True).exists()
    clock.sync(10, full=True, direction="out")
    assert len(sf.records("Account")) == 1 and Partner.objects.count() == 1


# --- 3. the CAM as the Account's owner ---------------------------------------------------------------


def test_the_cams_salesforce_user_becomes_the_owner_in_one_lookup_per_run(sf, clock, cam):
    owner = sf.add_user("CAM@vendor.test", "Casey Cam")
    other = StaffFactory(email="nobody-in-sf@vendor.test", roles=["cam"])
    with_cam = [PartnerFactory(country="GB", cam=cam) for _ in range(3)]
    unknown = PartnerFactory(country="GB", cam=other)
    no_cam = PartnerFactory(country="GB", cam=None)
    run = clock.sync(0, direction="out", full=True)
    assert run.errors == 0
    for p in with_cam:
        assert sf.by_external_id("Account", f"partner-{p.pk}")["OwnerId"] == owner["Id"]
    for p in (unknown, no_cam):  # no CRM user with that address: the owner is left as it is
        assert "OwnerId" not in sf.by_external_id("Account", f"partner-{p.pk}")
    lookups = [c for c in sf.data_calls() if "FROM User" in (c.query.get("q") or [""])[0]]
    assert len(lookups) == 1


def test_an_owner_changed_in_salesforce_becomes_the_cam_or_an_error_for_an_unknown_user(sf, clock, cam):
    sf.add_user("cam@vendor.test")
    second = StaffFactory(email="second.cam@vendor.test", roles=["cam"])
    new_owner = sf.add_user("Second.Cam@vendor.test")
    stranger = sf.add_user("sales.rep@vendor.test")
    moved, refused = PartnerFactory(country="GB", cam=cam), PartnerFactory(country="GB", cam=cam)
    clock.sync(0, full=True)
    with clock.at(2):
        sf.remote_change(
            "Account",
            moved.crm_account_id or sf.by_external_id("Account", f"partner-{moved.pk}")["Id"],
            OwnerId=new_owner["Id"],
        )
        sf.remote_change(
            "Account", sf.by_external_id("Account", f"partner-{refused.pk}")["Id"], OwnerId=stranger["Id"]
        )
    run = clock.sync(5, direction="in")
    assert (run.records_in, run.errors) == (1, 1)
    moved.refresh_from_db()
    assert moved.cam == second
    latest = moved.history.order_by("-history_id").first()
    assert (latest.history_user.email, latest.history_change_reason) == (CRM_USER, "CRM sync")
    assert Partner.objects.get(pk=refused.pk).cam == cam
    error = SyncError.objects.get(local_id=refused.pk, resolved_at__isnull=True)
    assert "sales.rep@vendor.test" in error.message and "not an active staff member" in error.message
    # Our change goes out again as the owner, in the CRM user's id.
    with clock.at(6):
        partner_fields_set(partner=moved, by=cam, data={"cam": cam})
    clock.sync(8, direction="out")
    assert sf.by_external_id("Account", f"partner-{moved.pk}")["OwnerId"] == sf.org.users["cam@vendor.test"]


def test_an_owner_channelops_never_set_is_taken_as_it_is_and_a_later_change_applies(sf, clock, cam):
    integration = sf.add_user("integration@vendor.test")
    sf.add_user("cam@vendor.test")
    partner = PartnerFactory(country="GB", cam=None)
    clock.sync(0, full=True)
    account = sf.by_external_id("Account", f"partner-{partner.pk}")
    with clock.at(2):  # Salesforce gives every Account an owner: here the integration user
        sf.remote_change("Account", account["Id"], OwnerId=integration["Id"], Website="https://w.example")
    run = clock.sync(5, direction="in")
    assert (run.records_in, run.errors) == (1, 0)
    partner.refresh_from_db()
    assert (partner.cam, partner.website) == (None, "https://w.example")
    with clock.at(6):
        sf.remote_change("Account", account["Id"], OwnerId=sf.org.users["cam@vendor.test"])
    assert clock.sync(8, direction="in").errors == 0
    assert Partner.objects.get(pk=partner.pk).cam == cam


def test_an_owner_changed_on_both_sides_is_a_conflict_and_the_crm_side_names_the_staff_member(
    sf, clock, cam, administrator
):
    sf.add_user("cam@vendor.test")
    theirs = StaffFactory(email="theirs@vendor.test", roles=["cam"])
    ours = StaffFactory(email="ours@vendor.test", roles=["cam"])
    sf_theirs = sf.add_user("theirs@vendor.test")
    partner = PartnerFactory(country="GB", cam=cam)
    clock.sync(0, full=True)
    with clock.at(2):
        partner_fields_set(partner=partner, by=administrator, data={"cam": ours})
        sf.remote_change(
            "Account", sf.by_external_id("Account", f"partner-{partner.pk}")["Id"], OwnerId=sf_theirs["Id"]
        )
    clock.sync(5, direction="in")
    conflict = SyncConflict.objects.get()
    assert (conflict.local_field, conflict.local_value, conflict.remote_value) == (
        "cam",
        "ours@vendor.test",
        "theirs@vendor.test",
    )
    # Another change of the Account before ours is sent: the same conflict is not listed twice.
    with clock.at(6):
        sf.remote_change(
            "Account", sf.by_external_id("Account", f"partner-{partner.pk}")["Id"], Phone="+44 20 7946 0009"
        )
    clock.sync(7, direction="in")
    assert SyncConflict.objects.count() == 1
    conflict_resolve(conflict=conflict, side="crm", by=administrator)
    assert Partner.objects.get(pk=partner.pk).cam == theirs


# --- 4. certifications and agreements as Account fields -----------------------------------------------


def test_partner_certifications_and_the_latest_acceptance_are_sent_and_a_change_counts(
    sf, clock, partner_a, admin_a
):
    from .test_nfr_requests import accept_all

    Partner.objects.filter(pk=partner_a.pk).update(country="GB")
    psp = PartnerCertification.objects.get(slug="certified-professional-services-partner")
    with clock.at(0):
        accept_all(partner_a, admin_a)
    clock.sync(1, direction="out", full=True)
    account = sf.by_external_id("Account", f"partner-{partner_a.pk}")
    assert account["Partner_Certifications__c"] is None
    assert account["Agreements_Accepted_On__c"] == timezone.localdate(clock.start).isoformat()
    with clock.at(3):  # awarded: the partner's own row did not change
        PartnerCertificationStatus.objects.create(partner=partner_a, certification=psp, state="awarded")
    run = clock.sync(5, direction="out")
    assert run.records_out == 1
    account = sf.by_external_id("Account", f"partner-{partner_a.pk}")
    assert account["Partner_Certifications__c"] == psp.name
    others = PartnerCertification.objects.exclude(pk=psp.pk).order_by("position", "name")
    if others:
        with clock.at(6):
            PartnerCertificationStatus.objects.create(
                partner=partner_a, certification=others[0], state="under_review"
            )
        clock.sync(8, direction="out")
        names = sf.by_external_id("Account", f"partner-{partner_a.pk}")["Partner_Certifications__c"].split(
            ";"
        )
        assert sorted(names) == sorted([psp.name, others[0].name])
    assert clock.sync(10, direction="out").records_out == 0


def test_describe_expects_the_new_account_fields(sf, capsys, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from .fake_salesforce import FIELDS

    call_command("crm", "describe")
    assert "Every mapped field exists" in capsys.readouterr().out
    FIELDS["Account"] = [f for f in FIELDS["Account"] if f[0] != "Partner_Certifications__c"]
    try:
        with pytest.raises(CommandError, match="Account.Partner_Certifications__c"):
            call_command("crm", "describe")
    finally:
        FIELDS["Account"].insert(-2, ("Partner_Certifications__c", "multipicklist", False))
