"""The partners app's data migrations, run on rows written with the schema before them."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from channelops.partners.defaults import ensure_defaults
from channelops.partners.models import Application, Contact, Partner, Region, Tier

BEFORE_PHONES = ("partners", "0003_country_field")
PHONES = ("partners", "0004_phone_numbers")


@pytest.fixture
def sync_orm():
    """Migrating reconnects to the database. In an xdist worker that already ran the Playwright
    tests the thread has a running event loop, where Django refuses to connect
    (SynchronousOnlyOperation; docs/architecture.md, Traps). Allowed for this test only, including
    the database flush after it (this fixture is set up before ``transactional_db``)."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    if target == PHONES:  # and on to the latest partners migration (later ones, e.g. 0005, come back too)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("partners"))
    return executor.loader.project_state([target]).apps


def test_legacy_phone_numbers_are_normalised_and_unreadable_ones_are_kept_where_staff_see_them(
    sync_orm, transactional_db
):
    ensure_defaults()  # an earlier serialized-rollback test's flush leaves no default rows
    old = _migrate(BEFORE_PHONES)
    try:
        OldPartner = old.get_model("partners", "Partner")
        OldContact = old.get_model("partners", "Contact")
        OldApplication = old.get_model("partners", "Application")
        common = {"region_id": Region.objects.get(code="EMEA").pk, "tier_id": Tier.objects.first().pk}
        intl = OldPartner.objects.create(legal_name="Intl", country="DE", phone="+49 (30) 123456", **common)
        national = OldPartner.objects.create(legal_name="Nat", country="DE", phone="030 1234567", **common)
        junk = OldPartner.objects.create(
            legal_name="Junk", country="US", phone="ask for Bob", account_notes="Big account.", **common
        )
        c_ok = OldContact.objects.create(
            partner_id=national.pk, first_name="A", last_name="B", email="a@x.example", phone="030 9876543"
        )
        c_bad = OldContact.objects.create(
            partner_id=junk.pk, first_name="C", last_name="D", email="c@x.example", phone="ext. 12"
        )
        app_fields = {
            "website": "https://a.example",
            "company_domain": "a.example",
            "region_id": common["region_id"],
            "first_name": "F",
            "last_name": "L",
        }
        a_ok = OldApplication.objects.create(
            company_name="A",
            country="GB",
            phone="020 7946 0958",
            email="f@a.example",
            token_hash="1",
            **app_fields,
        )
        a_bad = OldApplication.objects.create(
            company_name="B", country="GB", phone="123", email="g@a.example", token_hash="2", **app_fields
        )
        a_none = OldApplication.objects.create(
            company_name="C", country="GB", phone="", email="h@a.example", token_hash="3", **app_fields
        )
    finally:
        _migrate(PHONES)

    def stored(model, pk):  # the column's text, not the field's object
        return model.objects.filter(pk=pk).values_list("phone", flat=True).get()

    assert stored(Partner, intl.pk) == "+4930123456"
    assert stored(Partner, national.pk) == "+49301234567"  # read in the partner's country
    assert stored(Partner, junk.pk) == ""
    assert Partner.objects.get(pk=junk.pk).account_notes == (
        "Big account.\n\nPhone number recorded before numbers were validated "
        "(not a valid international number): ask for Bob"
    )
    assert Partner.objects.get(pk=national.pk).account_notes == ""
    assert (stored(Contact, c_ok.pk), Contact.objects.get(pk=c_ok.pk).phone_legacy) == ("+49309876543", "")
    assert (stored(Contact, c_bad.pk), Contact.objects.get(pk=c_bad.pk).phone_legacy) == ("", "ext. 12")
    assert (stored(Application, a_ok.pk), Application.objects.get(pk=a_ok.pk).phone_legacy) == (
        "+442079460958",
        "",
    )
    assert (stored(Application, a_bad.pk), Application.objects.get(pk=a_bad.pk).phone_legacy) == ("", "123")
    assert (stored(Application, a_none.pk), Application.objects.get(pk=a_none.pk).phone_legacy) == ("", "")
    # Every record validates again: the next edit is not blocked by an old value.
    for obj in (*Partner.objects.all(), *Contact.objects.all()):
        obj.clean_fields(exclude=[f.name for f in obj._meta.fields if f.name != "phone"])


def test_country_abbreviations_that_are_no_iso_code_are_mapped_and_codes_are_kept(sync_orm, transactional_db):
    ensure_defaults()  # an earlier serialized-rollback test's flush leaves no default rows
    old = _migrate(("partners", "0002_application_historicalapplication_and_more"))
    try:
        OldPartner = old.get_model("partners", "Partner")
        common = {"region_id": Region.objects.get(code="EMEA").pk, "tier_id": Tier.objects.first().pk}
        rows = {
            code: OldPartner.objects.create(legal_name=code, country=code, **common).pk
            for code in ("UK", "EL", "DE", "GE", "XX")
        }
    finally:
        _migrate(PHONES)
    stored = dict(Partner.objects.filter(pk__in=rows.values()).values_list("legal_name", "country"))
    # UK and EL name a country without doubt; GE stays Georgia; XX stays for staff to correct.
    assert stored == {"UK": "GB", "EL": "GR", "DE": "DE", "GE": "GE", "XX": "XX"}
