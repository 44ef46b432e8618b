"""Which agreements apply to whom, and the state of each: the rules behind the portal, report and reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from channelops.agreements.compliance import compliance_refresh
from channelops.agreements.models import AgreementTemplate, AgreementVersion, LegalStatus
from channelops.agreements.querysets import State, partner_agreement_rows, reaccept_report
from channelops.agreements.services import (
    agreement_accept,
    legal_custom_version_offer,
    legal_request_open,
    reaccept_reminders,
    version_create,
    version_publish,
)
from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.partners.models import Program, Region

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def slugs(rows) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r.template.slug: r.state for r in rows}


def accept_all(partner, admin) -> None:  # type: ignore[no-untyped-def]
    for row in partner_agreement_rows(partner):
        if row.needs_action:
            agreement_accept(
                partner=partner, version=row.current, submitted_hash=row.current.content_hash, by=admin
            )


@pytest.fixture
def manager(db):
    return StaffFactory(email="legal.rules@vendor.test", roles=["legal"])


def new_master_version(manager, text: str = "\n## 9. A new clause\nText.\n", **kw):  # type: ignore[no-untyped-def]
    master = AgreementTemplate.objects.get(slug="master-partner-agreement")
    latest = master.versions.filter(partner__isnull=True).order_by("-number").first()
    draft = version_create(template=master, body=latest.body + text, change_summary="clause 9", by=manager)
    return version_publish(version=draft, by=manager, **kw)


def test_every_partner_needs_the_master_agreement_and_partner_types_add_their_addenda(partner_a):
    assert slugs(partner_agreement_rows(partner_a)) == {"master-partner-agreement": State.REQUIRED}
    partner_a.programs.set(Program.objects.filter(slug__in=["reseller", "msp", "ctp", "csp"]))
    assert slugs(partner_agreement_rows(partner_a)) == {
        "master-partner-agreement": State.REQUIRED,
        "reseller-addendum": State.REQUIRED,
        "referral-services-addendum": State.REQUIRED,
        "managed-services-agreement": State.REQUIRED,
        "training-partner-addendum": State.REQUIRED,
    }


def test_a_template_limited_to_regions_applies_only_to_partners_in_them(partner_a):
    reseller = AgreementTemplate.objects.get(slug="reseller-addendum")
    partner_a.programs.set(Program.objects.filter(slug="reseller"))
    reseller.regions.set(Region.objects.filter(code="AMER"))  # partner A is in EMEA
    assert "reseller-addendum" not in slugs(partner_agreement_rows(partner_a))
    reseller.regions.add(Region.objects.get(code="EMEA"))
    assert "reseller-addendum" in slugs(partner_agreement_rows(partner_a))


def test_a_new_version_makes_earlier_acceptors_due_then_overdue_after_the_deadline(
    partner_a, admin_a, manager
):
    accept_all(partner_a, admin_a)
    assert slugs(partner_agreement_rows(partner_a)) == {"master-partner-agreement": State.ACCEPTED}
    deadline = timezone.localdate() + timedelta(days=10)
    v2 = new_master_version(manager, reaccept_by=deadline)
    row = partner_agreement_rows(partner_a)[0]
    assert (row.state, row.deadline, row.current.pk) == (State.DUE, deadline, v2.pk)
    assert row.accepted.version.number == 1  # still covered by v1 until the deadline
    after = deadline + timedelta(days=1)
    assert partner_agreement_rows(partner_a, today=after)[0].state == State.OVERDUE
    report = reaccept_report(today=after)
    assert [(r.partner_name, r.state, r.accepted_version) for r in report] == [
        (partner_a.legal_name, State.OVERDUE, 1)
    ]
    accept_all(partner_a, admin_a)
    assert reaccept_report(today=after) == []


def test_the_report_filters_by_state_and_region_and_ignores_partners_that_are_not_active(
    partner_a, partner_b, admin_a, manager
):
    accept_all(partner_a, admin_a)
    new_master_version(manager)
    amer = PartnerFactory(legal_name="Amer Never Accepted", region=Region.objects.get(code="AMER"))
    PartnerFactory(legal_name="Suspended One", status="suspended")
    compliance_refresh()  # factories skip the partner services that keep the table current
    rows = {(r.partner_name, r.state) for r in reaccept_report()}
    assert rows == {
        (partner_a.legal_name, State.DUE),
        (partner_b.legal_name, State.REQUIRED),
        (amer.legal_name, State.REQUIRED),
    }
    assert {r.partner_name for r in reaccept_report(state=State.DUE)} == {partner_a.legal_name}
    assert {r.partner_name for r in reaccept_report(region="AMER")} == {amer.legal_name}


def test_a_published_version_never_changes_and_publishing_twice_is_refused(manager):
    v2 = new_master_version(manager)
    v2.body = v2.body + "sneaky change\n"
    with pytest.raises(ValueError, match="cannot be changed"):
        v2.save()
    with pytest.raises(ValidationError, match="already published"):
        version_publish(version=AgreementVersion.objects.get(pk=v2.pk), by=manager)


def test_a_deadline_in_the_past_is_refused_and_nothing_is_published(manager):
    master = AgreementTemplate.objects.get(slug="master-partner-agreement")
    draft = version_create(template=master, body=master.versions.get(number=1).body + "\nx\n", by=manager)
    with pytest.raises(ValidationError, match="future"):
        version_publish(version=draft, by=manager, reaccept_by=date(2000, 1, 1))
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not OutboxMessage.objects.filter(kind="agreements.prompt_reaccept").exists()


def test_only_staff_who_manage_agreements_create_versions(cam):
    master = AgreementTemplate.objects.get(slug="master-partner-agreement")
    with pytest.raises(NotAllowed):
        version_create(template=master, body="# A text long enough to count\n", by=cam)
    assert master.versions.count() == 1


def test_a_custom_version_from_a_legal_request_replaces_the_general_one_for_that_partner_only(
    partner_a, partner_b, admin_a, manager
):
    master = AgreementTemplate.objects.get(slug="master-partner-agreement")
    lr = legal_request_open(
        partner=partner_a, template=master, proposed_changes="Clause 2.3: 60 days", by=admin_a
    )
    assert partner_agreement_rows(partner_a)[0].state == State.NEGOTIATING
    custom = legal_custom_version_offer(
        request=lr, body="# Master, as negotiated\n\n60 days notice.\n", by=manager
    )
    row_a = partner_agreement_rows(partner_a)[0]
    assert (row_a.current.pk, row_a.state) == (custom.pk, State.REQUIRED)
    assert partner_agreement_rows(partner_b)[0].current.number == 1
    agreement_accept(partner=partner_a, version=custom, submitted_hash=custom.content_hash, by=admin_a)
    lr.refresh_from_db()
    assert lr.status == LegalStatus.ACCEPTED
    # Partner B cannot accept partner A's custom text, even with the right hash.
    admin_b = MembershipFactory(partner=partner_b, role="admin", user=UserFactory(email="b2@b.test")).user
    with pytest.raises(ValidationError, match="not the version"):
        agreement_accept(partner=partner_b, version=custom, submitted_hash=custom.content_hash, by=admin_b)
    assert not partner_b.acceptances.exists()


def test_reminders_go_once_before_the_deadline_and_once_after_it(partner_a, admin_a, manager):
    accept_all(partner_a, admin_a)
    today = timezone.localdate()
    new_master_version(manager, reaccept_by=today + timedelta(days=20))
    assert reaccept_reminders(today=today) == {"soon": 0, "overdue": 0}  # too early
    near = today + timedelta(days=15)
    assert reaccept_reminders(today=near) == {"soon": 1, "overdue": 0}
    assert reaccept_reminders(today=near + timedelta(days=1)) == {"soon": 0, "overdue": 0}  # sent already
    late = today + timedelta(days=22)
    assert reaccept_reminders(today=late) == {"soon": 0, "overdue": 1}
    assert reaccept_reminders(today=late) == {"soon": 0, "overdue": 0}
    keys = set(
        OutboxMessage.objects.filter(idempotency_key__startswith="agreement-").values_list(
            "idempotency_key", flat=True
        )
    )
    assert {k.split(":")[0] for k in keys} >= {"agreement-soon", "agreement-overdue"}


def test_the_publish_fan_out_can_run_twice_without_sending_twice(partner_a, admin_a, manager, deliver):
    accept_all(partner_a, admin_a)
    with time_machine.travel(timezone.now()):
        v2 = new_master_version(manager)
    deliver()
    prompts = OutboxMessage.objects.filter(idempotency_key=f"agreement-prompt:{v2.pk}:{partner_a.pk}")
    assert prompts.count() == 1
    from channelops.agreements.services import agreement_prompts_send

    assert agreement_prompts_send(version=v2, kind="prompt") == 0
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"agreement-prompt:{v2.pk}:").count() == 1
