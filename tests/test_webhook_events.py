"""Each owning service publishes its domain event (channelops.core.events) in its transaction, with
the data docs/webhooks.md lists; the webhooks app turns them into deliveries (tests/test_webhooks.py)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from channelops.core.events import event_published
from channelops.helpdesk.services import review_complete
from channelops.licensing.lifecycle import license_revoke
from channelops.licensing.models import License
from channelops.licensing.services import nfr_request_approve, nfr_request_reject, nfr_request_submit
from channelops.partners.models import Region, RegionRouting
from channelops.partners.registration import application_approve, application_reject
from channelops.work.models import Project
from channelops.work.services.items import work_item_create

from .test_badges import auto, issued, program_manager  # noqa: F401  (fixtures)
from .test_nfr_approval import grant_issuing
from .test_nfr_requests import FORM, accept_all
from .test_registration import submitted_application
from .test_reviews import april_partner, at, emea_phd, monthly_review  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("license_key_dir")]


@pytest.fixture
def events():
    seen: list[tuple[str, str, dict]] = []

    def listen(*, kind, key, data):
        seen.append((kind, key, data))

    with event_published.registered(listen):
        yield seen


def kinds(events) -> list[str]:
    return [k for k, _key, _data in events]


def test_accepting_agreements_publishes_one_event_per_acceptance(partner_a, admin_a, events):
    accept_all(partner_a, admin_a)
    accepted = [d for k, _key, d in events if k == "agreement.accepted"]
    assert accepted and all(
        d["partner_id"] == partner_a.pk and d["accepted_by"] == "admin@a.test" for d in accepted
    )
    assert all(len(d["content_hash"]) == 64 for d in accepted)


def test_an_nfr_decision_and_the_license_lifecycle_are_published(
    partner_a, admin_a, phd_emea, leadership, events
):
    RegionRouting.objects.filter(region=Region.objects.get(code="EMEA")).update(phd_specialist=phd_emea)
    grant_issuing(phd_emea, leadership)
    accept_all(partner_a, admin_a)
    req = nfr_request_submit(partner=partner_a, by=admin_a, **{**FORM, "seats": 5, "term_months": 12})
    events.clear()
    lic = nfr_request_approve(request=req, by=phd_emea)
    assert kinds(events) == ["license.issued", "nfr_request.decided"]
    issued_data = events[0][2]
    assert (issued_data["license_id"], issued_data["users"], issued_data["partner_id"]) == (
        str(lic.pk),
        5,
        partner_a.pk,
    )
    decided = events[1][2]
    assert (decided["decision"], decided["request"], decided["license_id"]) == (
        "approved",
        req.reference,
        str(lic.pk),
    )
    events.clear()
    license_revoke(license=License.objects.get(pk=lic.pk), by=phd_emea, reason="Left the program")
    assert kinds(events) == ["license.revoked"] and events[0][2]["reason"] == "Left the program"
    other = nfr_request_submit(partner=partner_a, by=admin_a, **{**FORM, "seats": 2, "term_months": 6})
    events.clear()
    nfr_request_reject(request=other, by=phd_emea, reason="Duplicate")
    assert kinds(events) == ["nfr_request.decided"] and events[0][2]["decision"] == "rejected"


def test_badges_issued_and_revoked_are_published(partner_a, auto, deliver, program_manager, events):
    from channelops.badges.services import badge_revoke

    badge = issued(partner_a, deliver)
    assert ("badge.issued", str(badge.pk)) in [(k, key) for k, key, _d in events]
    events.clear()
    badge_revoke(badge=badge, by=program_manager, reason="misuse")
    assert kinds(events) == ["badge.revoked"] and events[0][2]["status"] == "revoked"


def test_a_completed_review_is_published(monthly_review, emea_phd, events):
    with time_machine.travel(at(2025, 5, 16, 11), tick=False):
        review_complete(review=monthly_review, notes="Fine.", by=emea_phd)
    (event,) = [e for e in events if e[0] == "review.completed"]
    assert event[2]["last_phd_review"] == date(2025, 5, 16).isoformat()
    assert event[2]["partner_id"] == monthly_review.partner_id


def test_application_decisions_a_new_partner_and_work_items_are_published(leadership, cam, events):
    approved = submitted_application(1)
    partner = application_approve(application=approved, by=leadership)
    assert "partner.created" in kinds(events)
    decided = [d for k, _key, d in events if k == "application.decided"]
    assert decided == [
        {
            "application_id": approved.pk,
            "company": approved.company_name,
            "decision": "approved",
            "partner_id": partner.pk,
        }
    ]
    events.clear()
    rejected = submitted_application(2)
    application_reject(application=rejected, by=leadership, reason="Not a fit")
    assert kinds(events) == ["application.decided"] and events[0][2]["decision"] == "rejected"
    events.clear()
    item = work_item_create(
        project=Project.objects.first(),
        title="Onboard",
        dri=cam,
        by=cam,
        partner=partner,
        due_date=date(2027, 1, 15),
    )
    assert ("work_item.changed", str(item.pk)) in [(k, key) for k, key, _d in events]
