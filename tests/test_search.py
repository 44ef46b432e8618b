"""The global search (issue 13): one box in the console and the portal.

Each field the issue lists finds its record, on SQLite (FTS5) and PostgreSQL (full-text search):
`make test-postgres` runs this file against PostgreSQL. Nobody finds what their pages would not
show them; exact identifiers come first; the index follows records as they are created, renamed
and deleted, and `channelops search_index` rebuilds it; each search costs one query per kind; bad
input gets a message, never a 500.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from channelops.agreements.models import AgreementTemplate, LegalRequest
from channelops.agreements.services import legal_request_open
from channelops.core.models import SearchDocument
from channelops.core.navigation import CONSOLE, PORTAL
from channelops.core.search import (
    index_records,
    parse_query,
    search,
    search_kind,
    words,
)
from channelops.licensing.models import License, NfrRequest
from channelops.partners.models import Application, Contact, Partner
from channelops.partners.registration import application_submit
from channelops.partners.services import partner_person_add, partner_profile_update
from channelops.work.models import Project, WorkItem
from channelops.work.services.items import work_item_create, work_item_update

from .factories import ContactFactory, PartnerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _nfr(partner: Partner, *, email: str = "lab@acme-search.example", name: str = "Lab Owner") -> NfrRequest:
    return NfrRequest.objects.create(
        partner=partner, contact_name=name, contact_email=email, plan="ultimate", seats=3, purpose="Demo lab"
    )


def _license(partner: Partner, *, email: str = "keys@acme-search.example") -> License:
    today = timezone.localdate()
    return License.objects.create(
        request=_nfr(partner, email=email),
        partner=partner,
        contact_email=email,
        plan="ultimate",
        users=3,
        starts=today,
        expires=today + timedelta(days=365),
        key_id="test",
        payload={},
        file_text="-",
    )


def _work(partner: Partner | None, title: str, *, shared: bool = False, by: Any = None) -> WorkItem:
    staff = by or StaffFactory(roles=["cam"])
    return work_item_create(
        project=Project.objects.get(slug="channels"),
        title=title,
        description="Quarterly roadmap workshop with the partner's architects.",
        dri=staff,
        by=staff,
        due_date=timezone.localdate() + timedelta(days=7),
        partner=partner,
        shared_with_partner=shared,
    )


def _legal(
    partner: Partner, admin: Any, text: str = "Limitation of liability raised to twice the fees"
) -> Any:
    master = AgreementTemplate.objects.get(slug="master-partner-agreement")
    return legal_request_open(partner=partner, template=master, proposed_changes=text, by=admin)


def _application(**kw: Any) -> Application:
    data = {
        "company_name": "Initech Solutions",
        "website": "https://initech-search.example",
        "country": "DE",
        "region": "EMEA",
        "first_name": "Peter",
        "last_name": "Gibbons",
        "email": "peter@initech-search.example",
    } | kw
    app, _token = application_submit(**data)
    return app


def _found(user: Any, area: str, text: str, kind: str) -> list[str]:
    """The titles of what ``user`` finds of ``kind`` for ``text`` (best first)."""
    results = {r.kind.key: r for r in search(user, area, parse_query(text), limit=50)}
    return [h.title for h in results[kind].hits] if kind in results else []


@pytest.fixture
def acme(partner_a: Partner) -> Partner:
    Partner.objects.filter(pk=partner_a.pk).update(
        website="https://www.acme-search.example/about", crm_account_id="0015g00000AcmeXYZ"
    )
    partner_a.refresh_from_db()
    index_records([partner_a])  # update() sends no signal: index what it changed
    return partner_a


# --- every field the issue lists finds its record ------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["Acme Test Partner", "acme", "ACM", "test acm", "acme-search.example", "www.acme-search.example"],
)
def test_staff_find_a_partner_by_name_or_domain(acme, cam, text):
    assert _found(cam, CONSOLE, text, "partners") == ["Acme Test Partner"]


def test_staff_find_a_partner_by_its_crm_id_and_it_comes_first(acme, cam):
    # another partner whose name holds the same characters: the CRM id match is listed first
    PartnerFactory(legal_name="AAA 0015g00000AcmeXYZ Holdings")
    assert _found(cam, CONSOLE, "0015g00000AcmeXYZ", "partners") == [
        "Acme Test Partner",
        "AAA 0015g00000AcmeXYZ Holdings",
    ]


def test_staff_find_people_by_name_and_e_mail_and_the_exact_address_comes_first(partner_a, cam):
    ContactFactory(partner=partner_a, first_name="Jürgen", last_name="Zöller", email="jz@acme-search.example")
    ContactFactory(partner=partner_a, first_name="Jz", last_name="Acme", email="other@acme-search.example")
    assert _found(cam, CONSOLE, "jurgen", "people") == ["Jürgen Zöller"]
    assert _found(cam, CONSOLE, "Zöller", "people") == ["Jürgen Zöller"]
    assert _found(cam, CONSOLE, "jürgen zoll", "people") == ["Jürgen Zöller"]
    # both hold the words jz, acme, example; the exact address wins over the alphabetical order
    assert _found(cam, CONSOLE, "JZ@acme-search.example", "people") == ["Jürgen Zöller", "Jz Acme"]


def test_staff_find_applications_by_company_domain_applicant_and_e_mail(cam):
    _application()
    for text in ("initech", "initech-search.example", "gibbons", "peter@initech-search.example"):
        assert _found(cam, CONSOLE, text, "applications") == ["Initech Solutions"], text


@pytest.mark.parametrize("fmt", ["NFR-{pk:06d}", "nfr-{pk}", "NFR{pk}", "NFR-{pk:06d} "])
def test_staff_find_an_nfr_request_by_its_reference(partner_a, cam, fmt):
    for _ in range(3):
        _nfr(partner_a)
    req = _nfr(partner_a)
    hits = _found(cam, CONSOLE, fmt.format(pk=req.pk), "nfr")
    assert hits[0] == req.reference


def test_staff_find_nfr_requests_by_license_contact(partner_a, cam):
    req = _nfr(partner_a, email="sam.lab@acme-search.example", name="Sam Labrador")
    for text in ("sam.lab@acme-search.example", "labrador", "sam lab"):
        assert _found(cam, CONSOLE, text, "nfr") == [req.reference], text


def test_staff_find_a_license_by_its_id_with_or_without_dashes_or_its_first_characters(partner_a, cam):
    lic = _license(partner_a)
    _license(partner_a, email="other@acme-search.example")
    for text in (str(lic.pk), lic.pk.hex, str(lic.pk).upper(), str(lic.pk)[:8]):
        assert _found(cam, CONSOLE, text, "licenses")[0] == str(lic.pk), text
    assert _found(cam, CONSOLE, "keys@acme-search.example", "licenses") == [str(lic.pk)]


def test_staff_find_work_items_by_title_description_and_number(partner_a, cam):
    item = _work(partner_a, "Joint webinar on observability")
    assert _found(cam, CONSOLE, "webinar observ", "work") == [item.title]
    assert _found(cam, CONSOLE, "roadmap architects", "work") == [item.title]
    assert _found(cam, CONSOLE, f"#{item.pk}", "work") == [item.title]


def test_staff_find_legal_requests_by_agreement_and_proposed_changes(partner_a, admin_a, cam):
    lr = _legal(partner_a, admin_a)
    assert _found(cam, CONSOLE, "liability", "legal") == [lr.template.name]
    assert _found(cam, CONSOLE, "master partner", "legal") == [lr.template.name]
    assert _found(cam, CONSOLE, f"#{lr.pk}", "legal") == [lr.template.name]


def test_the_search_page_shows_results_grouped_by_kind_with_links(acme, admin_a, cam, login):
    ContactFactory(partner=acme, first_name="Ada", last_name="Acme", email="ada@acme-search.example")
    req = _nfr(acme)
    html = login(cam).get("/console/search/?q=acme").content.decode()
    assert 'id="search-partners-h"' in html and 'id="search-people-h"' in html and 'id="search-nfr-h"' in html
    assert f'href="/console/partners/{acme.pk}/"' in html
    assert f'href="/console/nfr/{req.pk}/"' in html
    assert "Acme Test Partner" in html and "Ada Acme" in html


# --- the index follows the records ---------------------------------------------------------------


def test_a_new_partner_is_found_at_once_and_a_renamed_one_by_its_new_name_only(cam, admin_a, partner_a):
    p = PartnerFactory(legal_name="Fresh Kumquat Systems")
    assert _found(cam, CONSOLE, "kumquat", "partners") == ["Fresh Kumquat Systems"]
    p.legal_name = "Ripe Mango Systems"
    p.save()
    assert _found(cam, CONSOLE, "kumquat", "partners") == []
    assert _found(cam, CONSOLE, "mango", "partners") == ["Ripe Mango Systems"]
    # the partner admin changes the website through the profile service: the new domain is found
    partner_profile_update(partner=partner_a, by=admin_a, data={"website": "https://papaya-search.example"})
    assert _found(cam, CONSOLE, "papaya-search.example", "partners") == ["Acme Test Partner"]


def test_renamed_work_items_and_deleted_people_follow(partner_a, cam):
    item = _work(partner_a, "Plan the kickoff")
    work_item_update(item=item, by=cam, data={"title": "Plan the hackathon"})
    assert _found(cam, CONSOLE, "kickoff", "work") == []
    assert _found(cam, CONSOLE, "hackathon", "work") == ["Plan the hackathon"]
    person = ContactFactory(partner=partner_a, first_name="Gone", last_name="Soon")
    assert _found(cam, CONSOLE, "gone soon", "people") == ["Gone Soon"]
    person.delete()
    assert _found(cam, CONSOLE, "gone soon", "people") == []
    assert not SearchDocument.objects.filter(kind="people", object_key=str(person.pk)).exists()


def test_a_person_added_through_the_service_is_found(partner_a, admin_a, cam):
    partner_person_add(
        partner=partner_a, email="nina.new@acme-search.example", full_name="Nina Newcomer", by=admin_a
    )
    assert _found(cam, CONSOLE, "newcomer", "people") == ["Nina Newcomer"]
    assert _found(admin_a, PORTAL, "nina.new@acme-search.example", "people") == ["Nina Newcomer"]


def test_the_rebuild_command_restores_a_lost_or_stale_index(acme, cam, capsys):
    Partner.objects.filter(pk=acme.pk).update(legal_name="Quietly Renamed GmbH")  # no signal
    SearchDocument.objects.filter(kind="people").delete()
    ContactFactory(partner=acme, first_name="Rita", last_name="Rebuild")
    SearchDocument.objects.filter(kind="people").delete()
    assert _found(cam, CONSOLE, "quietly", "partners") == []
    assert _found(cam, CONSOLE, "rebuild", "people") == []
    call_command("search_index", "--quiet")
    assert "search index rebuilt:" in capsys.readouterr().out
    assert _found(cam, CONSOLE, "quietly", "partners") == ["Quietly Renamed GmbH"]
    assert _found(cam, CONSOLE, "test partner", "partners") == []  # the old name is gone
    assert _found(cam, CONSOLE, "rebuild", "people") == ["Rita Rebuild"]
    call_command("search_index", "--kind", "people", "--kind", "partners", "--batch-size", "1")
    assert _found(cam, CONSOLE, "rebuild", "people") == ["Rita Rebuild"]
    with pytest.raises(CommandError, match="unknown kind nope"):
        call_command("search_index", "--kind", "nope")


def test_an_empty_index_is_built_after_migrate_and_left_alone_otherwise(acme, cam):
    from channelops.core.search import ensure_index

    SearchDocument.objects.all().delete()
    assert ensure_index()["partners"] >= 1
    assert _found(cam, CONSOLE, "acme", "partners") == ["Acme Test Partner"]
    assert ensure_index() == {}  # not empty: nothing rebuilt


# --- only what the person may see ------------------------------------------------------------------


@pytest.fixture
def two_partners(acme, admin_a, partner_b, user_b, license_key_dir) -> dict[str, Any]:
    """Records of partner A (name, people, NFR request, license, shared and internal work, legal
    request) and one shared work item of partner B."""
    ContactFactory(
        partner=acme,
        first_name="Secret",
        last_name="Acmeperson",
        email="secret@acme-search.example",
        user=admin_a,
    )
    return {
        "nfr": _nfr(acme),
        "license": _license(acme),
        "shared": _work(acme, "Acme shared roadmap", shared=True),
        "internal": _work(acme, "Acme internal churn risk"),
        "legal": _legal(acme, admin_a, "Acme wants a liability cap"),
        "b_item": _work(partner_b, "Beta shared roadmap", shared=True),
    }


ACME_QUERIES = [
    "acme",
    "Acme Test Partner",
    "acme-search.example",
    "0015g00000AcmeXYZ",
    "secret@acme-search.example",
    "lab@acme-search.example",
    "keys@acme-search.example",
    "roadmap",
    "churn",
    "liability",
]


def _hits_html(html: str) -> str:
    """The found records of a results page (the query itself is echoed elsewhere on the page)."""
    parts = html.split('class="list-group list-group-flush search-hits">')[1:]
    return "".join(p.split("</ul>", 1)[0] for p in parts)


def test_partner_b_admin_never_finds_partner_a_records_in_the_portal(two_partners, user_b, login):
    client = login(user_b)
    w = two_partners
    ids = [w["nfr"].reference, str(w["license"].pk), f"#{w['shared'].pk}", f"#{w['legal'].pk}"]
    for text in [*ACME_QUERIES, *ids]:
        for result in search(user_b, PORTAL, parse_query(text), limit=50):
            for hit in result.hits:
                assert "acme" not in f"{hit.title} {hit.subtitle}".lower(), (text, hit)
        html = client.get("/portal/search/", {"q": text}).content.decode()
        found = _hits_html(html)
        assert "Acme" not in found and "acme-search" not in found, text
        for record in (w["nfr"], w["license"], w["shared"], w["internal"], w["legal"]):
            assert f"/{record.pk}/" not in found, (text, record)
    # their own shared item is found
    assert _found(user_b, PORTAL, "roadmap", "work") == ["Beta shared roadmap"]


def test_partner_people_find_their_own_records_but_not_internal_work_nor_applications(
    two_partners, admin_a, user_a
):
    w = two_partners
    _application(
        company_name="Acme Applicant", email="apply@acme-apply.example", website="https://acme-apply.example"
    )
    assert _found(admin_a, PORTAL, "acme", "partners") == ["Acme Test Partner"]
    assert _found(admin_a, PORTAL, "secret@acme-search.example", "people") == ["Secret Acmeperson"]
    assert _found(admin_a, PORTAL, w["nfr"].reference, "nfr") == [w["nfr"].reference]
    assert _found(user_a, PORTAL, str(w["license"].pk), "licenses") == [str(w["license"].pk)]
    assert _found(admin_a, PORTAL, "roadmap", "work") == ["Acme shared roadmap"]  # not partner B's
    assert _found(admin_a, PORTAL, "churn", "work") == []  # internal: staff only
    assert _found(admin_a, PORTAL, "liability", "legal") == ["Master Partner Agreement"]
    kinds = {r.kind.key for r in search(admin_a, PORTAL, parse_query("acme"))}
    assert "applications" not in kinds  # no portal page shows applications


def test_portal_links_lead_to_portal_pages(two_partners, admin_a, login):
    w = two_partners
    html = login(admin_a).get("/portal/search/?q=acme").content.decode()
    assert 'href="/portal/company/"' in html
    assert f'href="/portal/nfr/{w["nfr"].pk}/"' in html
    assert f'href="/portal/licenses/{w["license"].pk}/"' in html
    assert "/console/" not in html.split("<main", 1)[1]
    assert "Your company" in html and "0015g00000AcmeXYZ" not in _hits_html(html)  # an internal id


def test_staff_whose_role_opens_no_nfr_pages_find_no_nfr_requests_nor_licenses(two_partners, cam, login):
    legal = StaffFactory(roles=["legal"])
    w = two_partners
    assert {r.kind.key for r in search(legal, CONSOLE, parse_query("acme"))} == {
        "partners",
        "people",
        "applications",
        "work",
        "legal",
    }
    client = login(legal)
    for url in (
        f"/console/search/?q={w['nfr'].reference}",
        f"/console/search/?q={w['nfr'].reference}&kind=nfr",
    ):
        html = client.get(url).content.decode()
        assert f"/console/nfr/{w['nfr'].pk}/" not in html
    assert (
        f"/console/licenses/{w['license'].pk}/"
        not in client.get(f"/console/search/?q={w['license'].pk}").content.decode()
    )
    # a CAM's and a PHD specialist's roles open both: they find them (visible_to: every partner)
    for staff in (cam, StaffFactory(roles=["phd_specialist"])):
        assert _found(staff, CONSOLE, w["nfr"].reference, "nfr") == [w["nfr"].reference]
        assert _found(staff, CONSOLE, str(w["license"].pk), "licenses") == [str(w["license"].pk)]
        assert _found(staff, CONSOLE, "churn", "work") == ["Acme internal churn risk"]


def test_who_may_open_the_search_pages(partner_a, admin_a, cam, client, login):
    assert client.get("/console/search/?q=acme").status_code == 302  # signed out: sign-in page
    assert client.get("/portal/search/?q=acme").status_code == 302
    login(admin_a)
    assert client.get("/console/search/?q=acme").status_code == 403  # partner people: no console
    assert client.get("/portal/search/?q=acme").status_code == 200
    login(cam)
    assert client.get("/portal/search/?q=acme")["Location"] == "/console/"  # staff: the console
    assert client.post("/console/search/", {"q": "acme"}).status_code == 405


def test_the_search_box_is_in_the_top_bar_of_console_and_portal_pages(admin_a, cam, login):
    html = login(cam).get("/console/queues/").content.decode()
    assert 'role="search"' in html and 'action="/console/search/"' in html
    assert '<label for="shell-search" class="visually-hidden">' in html
    assert 'id="shell-search-menu"' in html  # the phone's menu has one too
    html = login(admin_a).get("/portal/").content.decode()
    assert 'action="/portal/search/"' in html and '<label for="shell-search"' in html


# --- one query per kind, whatever the data size -----------------------------------------------------


def _many(n: int, partner: Partner, admin: Any, staff: Any, *, start: int = 0) -> None:
    for i in range(start, start + n):
        p = PartnerFactory(legal_name=f"Zephyr {i} Ltd")
        ContactFactory(partner=p, first_name="Zephyr", last_name=f"Person{i}")
        _nfr(p, email=f"zephyr{i}@lab.example", name="Zephyr Lab")
        _license(p, email=f"zephyr{i}@keys.example")
        _work(p, f"Zephyr task {i}", by=staff)
        _application(
            company_name=f"Zephyr {i} Applicant",
            email=f"z{i}@zephyr{i}.example",
            website=f"https://zephyr{i}.example",
        )
    if not LegalRequest.objects.filter(partner=partner).exists():
        _legal(partner, admin, "Zephyr clause")


def test_a_search_costs_one_query_per_kind_whatever_the_data_size(
    partner_a, admin_a, cam, login, django_assert_num_queries
):
    _many(3, partner_a, admin_a, cam)
    client = login(cam)
    client.get("/console/search/?q=zephyr")
    # session, user, MFA check, the permissions (user's, groups'), one per kind (7), the navigation
    with django_assert_num_queries(13) as ctx:
        response = client.get("/console/search/?q=zephyr")
    assert response.status_code == 200
    _many(30, partner_a, admin_a, cam, start=3)
    with django_assert_num_queries(len(ctx.captured_queries)):
        html = client.get("/console/search/?q=zephyr").content.decode()
    assert "All 33 matches in Partners" in html
    # one kind, a page at a time: the same one query for the kind
    with django_assert_num_queries(len(ctx.captured_queries) - 6):
        html = client.get("/console/search/?q=zephyr&kind=partners&page=2").content.decode()
    assert "Showing 26–33 of 33" in html


def test_the_portal_search_costs_one_query_per_kind(
    partner_a, admin_a, cam, login, django_assert_num_queries
):
    _many(3, partner_a, admin_a, cam)
    client = login(admin_a)
    client.get("/portal/search/?q=zephyr")
    # session, user, membership + partner, one per portal kind (6), the navigation (1)
    with django_assert_num_queries(10) as ctx:
        client.get("/portal/search/?q=zephyr")
    _many(20, partner_a, admin_a, cam, start=3)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get("/portal/search/?q=zephyr")


def test_one_kind_is_paged(cam, login):
    for i in range(30):
        PartnerFactory(legal_name=f"Quokka {i:02d} AG")
    client = login(cam)
    html = client.get("/console/search/?q=quokka").content.decode()
    assert html.count("Quokka ") >= 5 and "All 30 matches in Partners" in html
    assert "/console/search/?q=quokka&amp;kind=partners" in html
    page1 = client.get("/console/search/?q=quokka&kind=partners").content.decode()
    assert "Quokka 00 AG" in page1 and "Quokka 24 AG" in page1 and "Quokka 25 AG" not in page1
    page2 = client.get("/console/search/?q=quokka&kind=partners&page=2").content.decode()
    assert "Quokka 25 AG" in page2 and "Quokka 29 AG" in page2 and "Quokka 00 AG" not in page2
    for page in ("999999", "abc", "-1", "0"):  # past the end or not a number: the first page
        assert (
            "Quokka 00 AG"
            in client.get(f"/console/search/?q=quokka&kind=partners&page={page}").content.decode()
        )
    # an unknown kind: everything
    assert 'id="search-partners-h"' in client.get("/console/search/?q=quokka&kind=nope").content.decode()


# --- bad input: a message, never a 500 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a", "Type at least 2 characters."),
        ("x" * 500, "A search is at most 100 characters long"),
        ('"', "Type at least 2 characters."),
        ('""', "punctuation alone finds nothing"),
        ("*", "Type at least 2 characters."),
        ("** ()", "punctuation alone finds nothing"),
        ("-- ;", "punctuation alone finds nothing"),
    ],
)
def test_bad_searches_get_a_clear_message(cam, admin_a, login, text, message):
    for user, url in ((cam, "/console/search/"), (admin_a, "/portal/search/")):
        response = login(user).get(url, {"q": text})
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert 'aria-invalid="true"' in html


@pytest.mark.parametrize(
    "text",
    [
        '"acme',
        "acme*",
        "AND(",
        "acme AND(",
        "NEAR acme",
        "NEAR(acme test)",
        "acme OR 1=1 --",
        "'; DROP TABLE partners_partner; --",
        "acme:*",
        "acme & !test",
        "acme | <->",
        "%_\\",
        "acme^2 col:name",
        "a a a a a a a a a a a a acme",
        "   acme    ",
        "ａｃｍｅ",  # full-width letters: the same word
    ],
)
def test_query_syntax_of_the_databases_is_plain_text(acme, cam, admin_a, login, text):
    for user, url in ((cam, "/console/search/"), (admin_a, "/portal/search/")):
        response = login(user).get(url, {"q": text})
        assert response.status_code == 200, text
    query = parse_query(text)
    assert query.ok or query.error


@pytest.mark.parametrize(
    "text",
    ['"acme', "acme*", "acme:*", "(acme)", "acme)(*", "a a a a a a a a a acme", "   acme  ", "ａｃｍｅ"],
)
def test_punctuation_and_operators_around_a_word_still_find_it(acme, cam, text):
    assert _found(cam, CONSOLE, text, "partners") == ["Acme Test Partner"]


def test_an_empty_search_tells_what_can_be_searched(cam, admin_a, login):
    html = login(cam).get("/console/search/").content.decode()
    assert "What you can search" in html and "name, domain, CRM id" in html and "NFR-000123" in html
    html = login(admin_a).get("/portal/search/?q=+++").content.decode()
    assert "What you can search" in html and "Applications" not in html
    assert 'aria-invalid="true"' not in html


def test_nothing_found_says_so(cam, login):
    html = login(cam).get("/console/search/?q=xylophonist").content.decode()
    assert "Nothing matches “xylophonist”." in html


# --- words and queries -------------------------------------------------------------------------------


def test_words_are_lower_case_without_accents_split_at_punctuation():
    assert words("Jürgen.Müller@ACME-search.example") == ["jurgen", "muller", "acme", "search", "example"]
    assert words("NFR-000123") == ["nfr", "000123"]
    assert words("snake_case ÅNGSTRÖM") == ["snake", "case", "angstrom"]


def test_parse_query_keeps_words_drops_one_letter_ones_next_to_longer_ones_and_caps_terms():
    assert parse_query("  Anna   B. Smith ").terms == ("anna", "smith")
    assert parse_query("x y").terms == ("x", "y")
    assert len(parse_query(" ".join(f"w{i}" for i in range(20))).terms) == 8
    assert parse_query("").empty and not parse_query("").error


def test_both_databases_use_their_full_text_index(acme, cam):
    """SQLite: the FTS5 table answers the match; PostgreSQL: the GIN index on the words."""
    from channelops.core.search import _matching_documents, get_search_kind

    kind = get_search_kind("partners")
    assert kind is not None
    docs = _matching_documents(kind, ("acme",))
    sql = str(docs.query)
    if connection.vendor == "sqlite":
        assert "core_searchdocument_fts MATCH" in sql
    else:
        assert "to_tsvector" in sql and "to_tsquery" in sql
        # enough other documents for the planner to prefer the GIN index over reading the table
        SearchDocument.objects.bulk_create(
            SearchDocument(kind="partners", object_key=str(10**9 + i), words=f"filler {i}")
            for i in range(3000)
        )
        sql, params = docs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE core_searchdocument")
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "core_searchdoc_words_fts" in plan, plan
    assert list(docs.values_list("object_key", flat=True)) == [str(acme.pk)]


def test_search_kind_returns_the_total_with_the_first_hits(cam):
    for i in range(7):
        PartnerFactory(legal_name=f"Wombat {i} Pty")
    from channelops.core.search import get_search_kind

    kind = get_search_kind("partners")
    assert kind is not None
    result = search_kind(kind, cam, CONSOLE, parse_query("wombat"), limit=3)
    assert result.total == 7 and len(result.hits) == 3
    assert [h.title for h in result.hits] == ["Wombat 0 Pty", "Wombat 1 Pty", "Wombat 2 Pty"]
    assert search_kind(kind, cam, CONSOLE, parse_query("a")).total == 0  # refused query: no query at all


def test_the_demo_data_is_searchable(cam):
    from channelops.demo.data import demo_build

    demo_build(partners=2, contacts_per_partner=1, events_per_partner=0)
    demo = Partner.objects.filter(crm_account_id="DEMO-P0000001").get()
    assert _found(cam, CONSOLE, "DEMO-P0000001", "partners")[0] == demo.legal_name
    contact = Contact.objects.filter(partner=demo).get()
    assert _found(cam, CONSOLE, contact.email, "people") == [str(contact)]


def test_uuid_keys_are_matched_on_both_databases(partner_a, cam):
    lic = _license(partner_a)
    assert SearchDocument.objects.get(kind="licenses").object_key == lic.pk.hex
    assert _found(cam, CONSOLE, "keys@acme-search.example", "licenses") == [str(lic.pk)]
    assert uuid.UUID(_found(cam, CONSOLE, str(lic.pk)[:8], "licenses")[0]) == lic.pk
