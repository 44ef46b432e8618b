"""The help desk's CRM work (SPEC S9: weekly reviews check "CRM account fields are right"; "weekly,
other: CRM sync errors"), read from the CRM sync once a CRM is connected (docs/crm.md)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from channelops.crm.models import SyncState
from channelops.crm.services import crm_sync
from channelops.helpdesk.models import AccountReview, ItemStatus, ReviewKind
from channelops.helpdesk.services import reviews_materialise
from channelops.partners.models import Partner

from .factories import PartnerFactory
from .test_crm_sync import sf  # noqa: F401  (fixture)
from .test_reviews import april_partner, at, emea_phd  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def _crm_fields(partner: Partner) -> tuple[str, str]:
    item = AccountReview.objects.get(partner=partner, kind=ReviewKind.WEEKLY_NEW_APPLICANT).items.get(
        key="crm_fields"
    )
    return item.status, item.detail


def test_the_weekly_review_checks_the_crm_fields_from_the_sync(sf, april_partner):
    refused = PartnerFactory(legal_name="INVALID Co", created_at=at(2025, 4, 10), region=april_partner.region)
    unsent = PartnerFactory(legal_name="Later Co", created_at=at(2025, 4, 10), region=april_partner.region)
    with time_machine.travel(at(2025, 4, 10, 11), tick=False):
        crm_sync(direction="out", full=True)
    # "Later Co" as if created after the run: never synced.
    Partner.objects.filter(pk=unsent.pk).update(crm_account_id="")
    SyncState.objects.filter(object="partner", local_id=unsent.pk).delete()
    with time_machine.travel(at(2025, 4, 10, 12), tick=False):
        reviews_materialise(today=date(2025, 4, 10))
    status, detail = _crm_fields(april_partner)
    assert status == ItemStatus.PASSED
    assert f"tier {april_partner.tier.name}" in detail and "region EMEA" in detail and "2025-04-10" in detail
    status, detail = _crm_fields(refused)
    assert status == ItemStatus.FAILED and "FIELD_CUSTOM_VALIDATION_EXCEPTION" in detail
    assert _crm_fields(unsent) == (ItemStatus.FAILED, "not in the CRM yet: the next sync run sends it")


def test_without_a_crm_the_check_says_it_cannot_know(april_partner):
    with time_machine.travel(at(2025, 4, 10, 12), tick=False):
        reviews_materialise(today=date(2025, 4, 10))
    status, detail = _crm_fields(april_partner)
    assert status == ItemStatus.UNKNOWN and "no CRM is connected" in detail


def test_the_phd_works_crm_sync_errors_from_the_work_queues(sf, phd_emea, cam, login):
    bad = PartnerFactory(legal_name="INVALID GmbH", country="GB")
    PartnerFactory(legal_name="Good Ltd", country="GB")
    crm_sync(direction="out", full=True)
    client = login(phd_emea)
    queues = client.get("/console/queues/").content.decode()
    assert "CRM sync errors" in queues
    page = client.get("/console/queues/crm_sync_errors/")
    assert page.status_code == 302 and page["Location"] == "/console/crm/#errors"
    crm_page = client.get("/console/crm/").content.decode()
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION" in crm_page and f"/console/partners/{bad.pk}/" in crm_page
    # A CAM neither sees the queue nor may open it.
    cam_client = login(cam)
    assert "CRM sync errors" not in cam_client.get("/console/queues/").content.decode()
    assert cam_client.get("/console/queues/crm_sync_errors/").status_code == 404
    assert cam_client.get("/console/crm/").status_code == 403
