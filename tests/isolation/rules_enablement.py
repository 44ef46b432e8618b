"""Isolation rules of enablement (channelops/enablement).

Certifications and practitioner records, enablement and business plans, partner certifications:
portal, console, API, and the learning-system webhook.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .base import A_LEGAL_NAME, DENIED, OWN, Probe, Rule, World, api_calls, get_post, records_world


def _after_records(build: Callable[[World], list[Probe]]) -> Callable[[World], list[Probe]]:
    def wrapped(w: World) -> list[Probe]:
        records_world(w)
        return build(w)

    return wrapped


def _pcert_status_a(w: World) -> Any:
    """Partner A's Certified Professional Services Partner status, under review (staff only)."""
    from channelops.enablement.models import PartnerCertification, PartnerCertificationStatus

    status, _created = PartnerCertificationStatus.objects.get_or_create(
        partner=w.partner_a,
        certification=PartnerCertification.objects.get(slug="certified-professional-services-partner"),
        defaults={"state": "under_review", "flag_reason": f"{A_LEGAL_NAME}: 0 of 2 engineers"},
    )
    return status


RULES: dict[str, Rule] = {
    # ENABLEMENT-RECORDS-RULES
    # Certification catalog, imports (staff only); partner B's own practitioners page and API list
    # (never A's records: one of them carries A's user's e-mail); recording results is for staff
    # (403); the learning-system webhook refuses unsigned requests (404 while no secret is set).
    "portal:practitioners": Rule(OWN, _after_records(get_post("/portal/enablement/people/")), own_page=True),
    "console:certifications": Rule(DENIED, get_post("/console/certifications/")),
    "console:certification": Rule(
        DENIED,
        get_post(
            "/console/certifications/solution-architect-core/", {"name": "Pwned", "validity_months": "1"}
        ),
    ),
    "console:certification_import": Rule(DENIED, get_post("/console/certifications/import/")),
    "console:certification_import_run": Rule(
        DENIED, lambda w: get_post(f"/console/certifications/import/{records_world(w)['run'].pk}/")(w)
    ),
    "console:certification_import_valid_rows": Rule(
        DENIED,
        lambda w: get_post(f"/console/certifications/import/{records_world(w)['run'].pk}/valid-rows/")(w),
    ),
    ":learning_webhook": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/webhooks/learning-system"),
            Probe("POST", "/webhooks/learning-system", {"email": "intruder@evil.example"}),
        ],
    ),
    "api:list_practitioner_records": Rule(
        OWN,
        _after_records(
            api_calls(
                ("GET", "/api/v1/practitioner-records", None),
                ("GET", lambda w: f"/api/v1/practitioner-records?partner_id={w.partner_a.pk}", None),
                ("GET", lambda w: f"/api/v1/practitioner-records?email={w.user_a.email}", None),
            )
        ),
    ),
    "api:create_practitioner_records": Rule(
        DENIED,
        lambda w: [
            Probe(
                "POST",
                "/api/v1/practitioner-records",
                {
                    "email": "intruder@evil.example",
                    "name": "In Truder",
                    "partner": w.partner_a.pk,
                    "certification": "solution-architect-core",
                    "training_completed": True,
                    "exam_passed": True,
                    "completed_on": "2025-01-02",
                },
                api=True,
            )
        ],
        note="recording results is for staff with enablement.add_practitionerrecord: partner people get 403",
    ),
    # END ENABLEMENT-RECORDS-RULES
    # PLANS-RULES
    "portal:enablement_home": Rule(OWN, get_post("/portal/enablement/"), own_page=True),
    "portal:enablement_plan": Rule(
        OWN,
        get_post(
            "/portal/enablement/plan/",
            {"full_name": "In Truder", "email": "bad", "certification": "0", "target_date": "2000-01-01"},
        ),
        own_page=True,
    ),
    "portal:enablement_plan_entry": Rule(
        DENIED,
        get_post(
            lambda w: f"/portal/enablement/plan/{w.plans_a['entry'].pk}/",
            {"full_name": "Pwned", "email": "x@evil.example.com", "target_date": "2099-01-01"},
        ),
    ),
    "portal:enablement_plan_entry_remove": Rule(
        DENIED, get_post(lambda w: f"/portal/enablement/plan/{w.plans_a['entry'].pk}/remove/")
    ),
    "portal:business_plan": Rule(
        OWN,
        get_post(
            "/portal/enablement/business-plan/",
            # an unknown certification: the save is refused and nothing is written (B's own plan)
            {
                "action": "submit",
                "target_customers": "pwned",
                "t-0-certification": "999999",
                "t-0-people": "1",
            },
        ),
        own_page=True,
    ),
    "portal:business_plan_version": Rule(
        DENIED, get_post(lambda w: f"/portal/enablement/business-plan/v{w.plans_a['plan'].version}/")
    ),
    "console:plans": Rule(DENIED, get_post("/console/enablement/plans/")),
    "console:plan_detail": Rule(DENIED, get_post(lambda w: f"/console/enablement/plans/{w.partner_a.pk}/")),
    "console:plan_accept": Rule(
        DENIED, get_post(lambda w: f"/console/enablement/plans/{w.partner_a.pk}/accept/", {"comment": "x"})
    ),
    "console:plan_return": Rule(
        DENIED, get_post(lambda w: f"/console/enablement/plans/{w.partner_a.pk}/return/", {"comment": "x"})
    ),
    "api:get_enablement_plan": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}/enablement-plan", None))
    ),
    "api:put_enablement_plan": Rule(
        DENIED,
        api_calls(("PUT", lambda w: f"/api/v1/partners/{w.partner_a.pk}/enablement-plan", {"entries": []})),
    ),
    "api:add_enablement_plan_entry": Rule(
        DENIED,
        lambda w: [
            Probe(
                "POST",
                f"/api/v1/partners/{w.partner_a.pk}/enablement-plan",
                {
                    "full_name": "In Truder",
                    "email": "x@evil.example.com",
                    "certification_id": w.plans_a["cert"].pk,
                    "target_date": "2099-01-01",
                },
                api=True,
            )
        ],
    ),
    "api:get_business_plan": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}/business-plan", None))
    ),
    "api:put_business_plan": Rule(
        DENIED,
        api_calls(
            ("PUT", lambda w: f"/api/v1/partners/{w.partner_a.pk}/business-plan", {"go_to_market": "x"})
        ),
    ),
    "api:post_business_plan": Rule(
        DENIED,
        api_calls(("POST", lambda w: f"/api/v1/partners/{w.partner_a.pk}/business-plan", {"submit": True})),
    ),
    # PARTNER-CERTS-RULES
    # partner certifications (channelops/enablement/views/awards.py, api/awards.py): partner B's own
    # page and actions (joining or adding a candidate only ever act for B); staff-only console pages;
    # partner A's progress over the API: 404.
    "portal:partner_certifications": Rule(OWN, get_post("/portal/enablement/certifications/"), own_page=True),
    "portal:partner_certification_join": Rule(
        OWN, get_post("/portal/enablement/certifications/certified-training-partner/join/")
    ),
    "portal:ctp_candidate_add": Rule(
        OWN,
        get_post(
            "/portal/enablement/certifications/certified-training-partner/candidates/",
            {"full_name": "In Truder", "email": "x@evil.example.com"},
        ),
    ),
    "console:partner_certifications": Rule(DENIED, get_post("/console/partner-certifications/?q=Acme")),
    "console:partner_certifications_partner": Rule(
        DENIED, get_post(lambda w: f"/console/partner-certifications/partners/{w.partner_a.pk}/")
    ),
    "console:partner_certification_invite": Rule(
        DENIED,
        get_post(
            lambda w: (
                f"/console/partner-certifications/partners/{w.partner_a.pk}/certified-training-partner/invite/"
            )
        ),
    ),
    "console:partner_certification_review": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/partner-certifications/status/{_pcert_status_a(w).pk}/review/",
            {"decision": "withdraw"},
        ),
    ),
    "api:list_partner_certifications": Rule(OWN, api_calls(("GET", "/api/v1/partner-certifications", None))),
    "api:list_partner_certification_statuses": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/partner-certification-statuses", None),
            ("GET", lambda w: f"/api/v1/partner-certification-statuses?partner_id={w.partner_a.pk}", None),
        ),
    ),
    "api:get_partner_certification_progress": Rule(
        DENIED,
        api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}/certification-progress", None)),
    ),
    # END PARTNER-CERTS-RULES
}
