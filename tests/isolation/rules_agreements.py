"""Isolation rules of agreements (channelops/agreements).

The portal's agreements, region requests and legal requests; the console's templates, versions,
report, region exceptions and legal requests; the agreements API.
"""

from __future__ import annotations

from channelops.partners.models import Region

from .base import DENIED, OWN, Probe, Rule, api_calls, get_post

RULES: dict[str, Rule] = {
    # --- agreements: portal ---
    # AGREEMENTS-PORTAL-RULES
    # Partner B's own pages (list, region request, open a legal request): B's POSTs act on B only.
    "portal:agreements": Rule(OWN, get_post("/portal/agreements/"), own_page=True),
    "portal:region_request": Rule(
        OWN,
        lambda w: [
            Probe("GET", "/portal/agreements/regions/"),
            Probe(
                "POST",
                "/portal/agreements/regions/",
                {"regions": [Region.objects.get(code="APAC").pk], "justification": "B sells in APAC"},
            ),
        ],
    ),
    "portal:legal_requests": Rule(
        OWN,
        lambda w: [
            Probe("GET", "/portal/agreements/legal/"),
            Probe(
                "POST",
                "/portal/agreements/legal/",
                {"template": w.custom_version_a.template_id, "proposed_changes": "B's changes"},
            ),
        ],
        own_page=True,
    ),
    # Partner A's custom version (its text names partner A): not readable, not acceptable.
    "portal:agreement_version": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/portal/agreements/versions/{w.custom_version_a.pk}/"),
            Probe(
                "POST",
                f"/portal/agreements/versions/{w.custom_version_a.pk}/",
                {
                    "version": w.custom_version_a.pk,
                    "content_hash": w.custom_version_a.content_hash,
                    "confirm": "on",
                },
            ),
        ],
    ),
    "portal:legal_request": Rule(
        DENIED, get_post(lambda w: f"/portal/agreements/legal/{w.legal_request_a.pk}/", {"body": "intrude"})
    ),
    "portal:legal_request_withdraw": Rule(
        DENIED, get_post(lambda w: f"/portal/agreements/legal/{w.legal_request_a.pk}/withdraw/")
    ),
    # --- agreements: console ---
    # CONSOLE-RULES
    "console:agreements": Rule(DENIED, get_post("/console/agreements/")),
    "console:agreement_report": Rule(
        DENIED,
        lambda w: [
            Probe("GET", "/console/agreements/report/?state=required"),
            Probe("GET", "/console/agreements/report/?format=csv"),
            Probe("POST", "/console/agreements/report/", {}),
        ],
    ),
    "console:agreement_template": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/agreements/{w.custom_version_a.template_id}/",
            {"body": "# Pwned terms\n\nEverything belongs to us.", "change_summary": "pwned"},
        ),
    ),
    "console:agreement_diff": Rule(
        DENIED,
        get_post(
            lambda w: (
                f"/console/agreements/{w.custom_version_a.template_id}/diff/"
                f"?a={w.legal_request_a.version_id}&b={w.custom_version_a.pk}"
            )
        ),
    ),
    "console:agreement_version": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/agreements/versions/{w.custom_version_a.pk}/",
            {"body": "# Pwned terms\n\nEverything belongs to us."},
        ),
    ),
    "console:agreement_version_publish": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/agreements/versions/{w.custom_version_a.pk}/publish/",
            {"reaccept_by": "2099-01-01"},
        ),
    ),
    "console:agreement_version_translation": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/agreements/versions/{w.custom_version_a.pk}/translation/",
            {"language": "de", "body": "# Übersetzung\n\nAlles gehört uns, und zwar sofort."},
        ),
    ),
    "console:region_exceptions": Rule(DENIED, get_post("/console/region-exceptions/?status=pending")),
    "console:region_exception": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/region-exceptions/{w.region_exception_a.pk}/",
            {"decision": "approve", "note": "pwned"},
        ),
    ),
    "console:legal_requests": Rule(DENIED, get_post("/console/legal-requests/?status=open")),
    "console:legal_request": Rule(
        DENIED, get_post(lambda w: f"/console/legal-requests/{w.legal_request_a.pk}/", {"body": "intrude"})
    ),
    "console:legal_request_offer": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/legal-requests/{w.legal_request_a.pk}/offer/",
            {"offer-body": "# Pwned terms\n\nEverything belongs to us.", "offer-note": "pwned"},
        ),
    ),
    "console:legal_request_withdraw": Rule(
        DENIED, get_post(lambda w: f"/console/legal-requests/{w.legal_request_a.pk}/withdraw/")
    ),
    # --- agreements: API ---
    # agreements, acceptances, legal requests (partner B never sees or changes A's)
    "api:list_agreement_templates": Rule(OWN, api_calls(("GET", "/api/v1/agreement-templates", None))),
    "api:get_agreement_template": Rule(
        OWN,
        api_calls(("GET", lambda w: f"/api/v1/agreement-templates/{w.custom_version_a.template_id}", None)),
        note="templates are not partner data; A's custom version must not be among the versions listed",
    ),
    "api:get_agreement_version": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/agreement-versions/{w.custom_version_a.pk}", None))
    ),
    "api:list_acceptances": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/acceptances", None),
            ("GET", lambda w: f"/api/v1/acceptances?partner_id={w.partner_a.pk}", None),
            ("GET", lambda w: f"/api/v1/acceptances?template_id={w.acceptance_a.template_id}", None),
        ),
    ),
    "api:get_acceptance": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/acceptances/{w.acceptance_a.pk}", None))
    ),
    "api:list_partner_agreements": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}/agreements", None))
    ),
    "api:list_legal_requests": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/legal-requests", None),
            ("GET", lambda w: f"/api/v1/legal-requests?partner_id={w.partner_a.pk}", None),
            ("GET", "/api/v1/legal-requests?status=offered", None),
        ),
    ),
    "api:get_legal_request": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/legal-requests/{w.legal_request_a.pk}", None))
    ),
    "api:create_legal_request": Rule(
        OWN,
        lambda w: [
            Probe(
                "POST",
                "/api/v1/legal-requests",
                {
                    "template_id": w.legal_request_a.template_id,
                    "proposed_changes": "pwned",
                    "partner_id": w.partner_a.pk,  # ignored: the request is the caller's partner's
                },
                api=True,
            )
        ],
        note="partner B's admin opens one for partner B (201), B's user gets 403; never one for A",
    ),
    "api:add_legal_comment": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/legal-requests/{w.legal_request_a.pk}/comments", {"body": "pwned"})
        ),
    ),
    "api:withdraw_legal_request": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/legal-requests/{w.legal_request_a.pk}/withdraw", {"note": "pwned"})
        ),
    ),
}
