"""The maintained "who has not (re-)accepted" table (issue 13): it always equals a fresh
computation, whatever the services change, and ages (due → overdue) without a refresh."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from channelops.agreements.compliance import compliance_refresh
from channelops.agreements.models import AgreementCompliance, AgreementTemplate
from channelops.agreements.querysets import (
    State,
    compute_not_accepted,
    partner_agreement_rows,
    reaccept_report,
)
from channelops.agreements.services import (
    agreement_accept,
    legal_custom_version_offer,
    legal_request_open,
    legal_request_withdraw,
    version_create,
    version_publish,
)
from channelops.partners.models import Region
from channelops.partners.services import partner_set_status, partner_update_classification

from .factories import MembershipFactory, PartnerFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _key(r):  # type: ignore[no-untyped-def]
    return (
        r.partner_id,
        r.partner_name,
        r.region,
        r.template.pk,
        r.current.pk,
        r.accepted_version,
        r.state,
        r.deadline,
    )


def assert_table_is_fresh() -> None:
    assert [_key(r) for r in reaccept_report()] == [_key(r) for r in compute_not_accepted()]


def accept_all(partner, admin) -> None:  # type: ignore[no-untyped-def]
    for row in partner_agreement_rows(partner):
        if row.needs_action:
            agreement_accept(
                partner=partner, version=row.current, submitted_hash=row.current.content_hash, by=admin
            )


@pytest.fixture
def legal(db):
    return StaffFactory(email="legal.compliance@vendor.test", roles=["legal"])


@pytest.fixture
def admin(db):
    return StaffFactory(email="root.compliance@vendor.test", roles=["administrator"], is_superuser=True)


def _master_v2(legal, **kw):  # type: ignore[no-untyped-def]
    master = AgreementTemplate.objects.get(slug="master-partner-agreement")
    latest = master.versions.filter(partner__isnull=True).order_by("-number").first()
    draft = version_create(
        template=master, body=latest.body + "\n## 9. New\nText.\n", change_summary="9", by=legal
    )
    return version_publish(version=draft, by=legal, **kw)


def test_the_table_follows_every_service_that_changes_who_must_accept(legal, admin):
    with time_machine.travel(date(2026, 3, 2), tick=False):
        a, b, c = (PartnerFactory(legal_name=n) for n in ("Alpha", "Bravo", "Charlie"))
        admins = {p.pk: MembershipFactory(partner=p, role="admin").user for p in (a, b, c)}
        compliance_refresh()  # the factories bypass the services; from here on only services act
        assert_table_is_fresh()
        assert AgreementCompliance.objects.count() == 3  # the master agreement, never accepted
        for p in (a, b, c):
            accept_all(p, admins[p.pk])
        assert_table_is_fresh()
        assert AgreementCompliance.objects.count() == 0
        _master_v2(legal, reaccept_by=date(2026, 4, 1))  # everyone must re-accept
        assert_table_is_fresh()
        assert {r.state for r in reaccept_report()} == {State.DUE}
        accept_all(a, admins[a.pk])
        master = AgreementTemplate.objects.get(slug="master-partner-agreement")
        lr = legal_request_open(
            partner=b, template=master, proposed_changes="Clause 9 please not.", by=admins[b.pk]
        )
        assert_table_is_fresh()
        assert {(r.partner_name, r.state) for r in reaccept_report()} == {
            ("Bravo", State.NEGOTIATING),
            ("Charlie", State.DUE),
        }
        legal_request_withdraw(request=lr, by=admins[b.pk], note="fine")
        assert_table_is_fresh()
        lr2 = legal_request_open(
            partner=b, template=master, proposed_changes="Clause 9 please.", by=admins[b.pk]
        )
        legal_custom_version_offer(
            request=lr2,
            body=master.versions.order_by("-number").first().body + "\nCustom.\n",
            note="ok",
            by=legal,
        )
        assert_table_is_fresh()
        # Charlie moves region, then is suspended.
        amer = Region.objects.get(code="AMER")
        partner_update_classification(partner=c, by=admin, tier=c.tier, cam=None, region=amer, reason="moved")
        assert_table_is_fresh()
        partner_set_status(partner=c, to="suspended", by=admin, note="test")
        assert_table_is_fresh()
        assert "Charlie" not in {r.partner_name for r in reaccept_report()}


def test_a_due_re_acceptance_becomes_overdue_without_a_refresh(legal):
    with time_machine.travel(date(2026, 3, 2), tick=False):
        p = PartnerFactory(legal_name="Delta")
        accept_all(p, MembershipFactory(partner=p, role="admin").user)
        _master_v2(legal, reaccept_by=date(2026, 4, 1))
        assert [r.state for r in reaccept_report()] == [State.DUE]
    with time_machine.travel(date(2026, 4, 2), tick=False):
        assert [(r.state, r.deadline) for r in reaccept_report()] == [(State.OVERDUE, date(2026, 4, 1))]
        assert_table_is_fresh()


def test_report_page_query_count_is_constant(legal, admin, client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admin)
    for i in range(3):
        PartnerFactory(legal_name=f"Small {i}")
    compliance_refresh()
    url = reverse("console:agreement_report")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(30):
        PartnerFactory(legal_name=f"Big {i}")
    compliance_refresh()
    with CaptureQueriesContext(connection) as big:
        resp = client.get(url)
    assert len(big) == len(small)
    assert "Big 0" in resp.content.decode()


def test_command_rebuilds_the_table(capsys):
    PartnerFactory(legal_name="Echo")
    call_command("agreement_compliance", "--refresh")
    assert "1 agreements are not accepted in their current version" in capsys.readouterr().out
    assert AgreementCompliance.objects.get().partner_name == "Echo"


def test_moving_a_deadline_forward_is_seen_at_once(legal):
    with time_machine.travel(date(2026, 3, 2), tick=False):
        p = PartnerFactory(legal_name="Foxtrot")
        accept_all(p, MembershipFactory(partner=p, role="admin").user)
        v2 = _master_v2(legal, reaccept_by=date(2026, 3, 10))
        assert reaccept_report()[0].deadline == date(2026, 3, 10)
        assert v2.reaccept_by == date(2026, 3, 10)
        assert date(2026, 3, 2) + timedelta(days=8) == reaccept_report()[0].deadline


def test_the_data_admin_keeps_the_table_current(legal, admin, client):
    """Programs are edited in the data admin; a template's rules too: both refresh the table."""
    from channelops.partners.models import Program

    with time_machine.travel(date(2026, 3, 2), tick=False):
        p = PartnerFactory(legal_name="Echo")
        accept_all(p, MembershipFactory(partner=p, role="admin").user)
        compliance_refresh()
        assert AgreementCompliance.objects.count() == 0
        client.force_login(admin)
        url = reverse("admin:partners_partner_change", args=[p.pk])
        page = client.get(url)
        assert page.status_code == 200
        data = {
            "legal_name": p.legal_name,
            "country": p.country,
            "website": p.website,
            "crm_account_id": p.crm_account_id,
            "programs": [Program.objects.get(slug="reseller").pk],
            "contacts-TOTAL_FORMS": "0",
            "contacts-INITIAL_FORMS": "0",
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        }
        resp = client.post(url, data)
        assert resp.status_code == 302, resp.content.decode()[:2000]
        assert set(p.programs.values_list("slug", flat=True)) == {"reseller"}
        # the reseller addendum now applies and is not accepted
        assert [(r.partner_name, r.template.slug, r.state) for r in reaccept_report()] == [
            ("Echo", "reseller-addendum", State.REQUIRED)
        ]
        assert_table_is_fresh()
        # the addendum is made inactive in the data admin: nothing is missing any more
        addendum = AgreementTemplate.objects.get(slug="reseller-addendum")
        turl = reverse("admin:agreements_agreementtemplate_change", args=[addendum.pk])
        tform = client.get(turl).context["adminform"].form
        tdata = {}
        for name, field in tform.fields.items():
            value = tform.initial.get(name)
            if name in ("programs", "regions"):
                tdata[name] = [o.pk for o in value] if value else []
            elif isinstance(value, bool):
                if value:
                    tdata[name] = "on"
            elif value is not None:
                tdata[name] = value
        tdata.pop("active", None)
        resp = client.post(turl, tdata)
        assert resp.status_code == 302, resp.content.decode()[:3000]
        assert AgreementTemplate.objects.get(pk=addendum.pk).active is False
        assert reaccept_report() == []
        assert_table_is_fresh()


def test_the_report_filters_by_tier_and_program(legal, login):
    from channelops.partners.models import Program, Tier

    with time_machine.travel(date(2026, 3, 2), tick=False):
        select = Tier.objects.get(slug="select")
        a = PartnerFactory(legal_name="Foxtrot", tier=select)
        b = PartnerFactory(legal_name="Golf")
        b.programs.set(Program.objects.filter(slug="msp"))
        compliance_refresh()
        client = login(legal)
        url = reverse("console:agreement_report")
        by_tier = client.get(url, {"tier": "select"}).content.decode()
        assert "Foxtrot" in by_tier and "Golf" not in by_tier
        by_program = client.get(url, {"program": "msp"}).content.decode()
        assert "Golf" in by_program and "Foxtrot" not in by_program
        assert a.pk != b.pk


def test_a_refresh_writes_only_the_difference(legal):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(date(2026, 3, 2), tick=False):
        a, b = PartnerFactory(legal_name="Hotel"), PartnerFactory(legal_name="India")
        compliance_refresh()
        ids = set(AgreementCompliance.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as ctx:
            compliance_refresh()
        writes = [
            q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")
        ]
        assert writes == []
        assert set(AgreementCompliance.objects.values_list("pk", flat=True)) == ids
        accept_all(a, MembershipFactory(partner=a, role="admin").user)  # a's row goes, b's stays
        assert list(AgreementCompliance.objects.values_list("partner_id", flat=True)) == [b.pk]
        assert set(AgreementCompliance.objects.values_list("pk", flat=True)) < ids
        assert_table_is_fresh()


def test_the_report_renders_its_cells_from_plain_rows(legal, admin, client):
    """The report's rows are ``values()`` dicts (docs/performance.md): the same cells, links and
    CSV as when they were model objects."""
    from django.utils.formats import date_format

    with time_machine.travel(date(2026, 3, 2), tick=False):
        delta, echo = PartnerFactory(legal_name="Delta"), PartnerFactory(legal_name="Echo")
        accept_all(delta, MembershipFactory(partner=delta, role="admin").user)
        _master_v2(legal, reaccept_by=date(2026, 4, 1))
        compliance_refresh()
        master = AgreementTemplate.objects.get(slug="master-partner-agreement")
        client.force_login(admin)
        page = client.get(reverse("console:agreement_report")).content.decode()
        accepted = date_format(date(2026, 3, 2), "DATE_FORMAT")
        deadline = date_format(date(2026, 4, 1), "DATE_FORMAT")
        assert f'<a href="/console/partners/{delta.pk}/">Delta</a>' in page
        assert f'<a href="/console/partners/{echo.pk}/">Echo</a>' in page
        assert f'v1 <span class="text-secondary">({accepted})</span>' in page
        assert f">{deadline}</td>" in page
        assert f">{master.name}</td>" in page
        assert ">v2</td>" in page
        csv = client.get(reverse("console:agreement_report"), {"format": "csv"})
        lines = b"".join(csv.streaming_content).decode().splitlines()
        assert lines[0].startswith("Partner id,Partner,Region,Agreement,Current version")
        delta_row = next(line for line in lines if f"{delta.pk},Delta," in line)
        assert f",{master.name},v2,v1," in delta_row and delta_row.endswith(",2026-04-01")
        echo_master = next(
            line for line in lines if line.startswith(f"{echo.pk},Echo,") and master.name in line
        )
        assert echo_master.endswith(",")  # never accepted: no deadline
