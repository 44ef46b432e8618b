"""Isolation rules of licensing (channelops/licensing).

Public verification material; NFR requests and licenses in the portal, the console and the API.
"""

from __future__ import annotations

from .base import DENIED, OWN, PUBLIC, Probe, Rule, api_calls, get_post

RULES: dict[str, Rule] = {
    # public license verification material: public keys and revoked license ids only
    ":license_keys": Rule(PUBLIC, get_post("/licenses/keys.json")),
    ":license_revocations": Rule(PUBLIC, get_post("/licenses/revoked.json")),
    # NFR requests: partner B's own list and form (an empty POST: 400, nothing created; partner B's
    # user, not allowed to submit, gets 404 on the form); partner A's request: 404, not answerable.
    "portal:nfr_requests": Rule(OWN, get_post("/portal/nfr/"), own_page=True),
    "portal:nfr_request_new": Rule(OWN, get_post("/portal/nfr/new/")),
    "portal:nfr_request": Rule(
        DENIED,
        get_post(
            lambda w: f"/portal/nfr/{w.nfr_request_a.pk}/",
            {"answer": "intrude", "seats": "1", "term_months": "1", "contact_name": "In Truder"},
        ),
    ),
    # partner A's request: no confirmation page and no withdrawal for partner B's people (404).
    "portal:nfr_request_withdraw": Rule(
        DENIED, get_post(lambda w: f"/portal/nfr/{w.nfr_request_a.pk}/withdraw/")
    ),
    # Licenses: partner B's own list; partner A's license page, renewal (POST) and file: 404.
    "portal:licenses": Rule(OWN, get_post("/portal/licenses/"), own_page=True),
    "portal:license": Rule(DENIED, get_post(lambda w: f"/portal/licenses/{w.license_a.pk}/")),
    "portal:license_file": Rule(DENIED, get_post(lambda w: f"/portal/licenses/{w.license_a.pk}/file")),
    # NFR requests (staff only): queue, exports, a request on a partner's behalf, review, reject,
    # ask, correct.
    "console:nfr_requests": Rule(DENIED, get_post("/console/nfr/?q=Acme&cols=partner,contact_email")),
    "console:nfr_requests_export": Rule(
        DENIED,
        lambda w: [Probe("GET", "/console/nfr/export.csv"), Probe("GET", "/console/nfr/export.xlsx")],
    ),
    "console:nfr_request_new": Rule(
        DENIED,
        lambda w: [
            Probe("GET", f"/console/nfr/new/?partner={w.partner_a.pk}"),
            Probe(
                "POST",
                "/console/nfr/new/",
                {
                    "partner": w.partner_a.pk,
                    "contact_name": "In Truder",
                    "contact_email": "intruder@evil.example",
                    "plan": "ultimate",
                    "seats": "9",
                    "term_months": "12",
                    "purpose": "pwned",
                },
            ),
        ],
    ),
    "console:nfr_request": Rule(DENIED, get_post(lambda w: f"/console/nfr/{w.nfr_request_a.pk}/")),
    "console:nfr_request_reject": Rule(
        DENIED, get_post(lambda w: f"/console/nfr/{w.nfr_request_a.pk}/reject/", {"reason": "pwned"})
    ),
    "console:nfr_request_ask": Rule(
        DENIED, get_post(lambda w: f"/console/nfr/{w.nfr_request_a.pk}/ask/", {"question": "pwned"})
    ),
    "console:nfr_request_approve": Rule(
        DENIED, get_post(lambda w: f"/console/nfr/{w.nfr_request_a.pk}/approve/")
    ),
    "console:nfr_request_correct": Rule(
        DENIED,
        get_post(
            lambda w: f"/console/nfr/{w.nfr_request_a.pk}/correct/",
            {
                "seats": "1",
                "term_months": "1",
                "contact_name": "In Truder",
                "contact_email": "intruder@evil.example",
                "reason": "pwned",
            },
        ),
    ),
    "console:nfr_message_templates": Rule(DENIED, get_post("/console/nfr/templates/")),
    "console:nfr_message_template": Rule(
        DENIED, get_post("/console/nfr/templates/nfr_encouragement/", {"subject": "pwned", "body": "pwned"})
    ),
    # Licenses (staff only): list, detail, file, revocation.
    "console:licenses": Rule(DENIED, get_post("/console/licenses/?q=Acme&status=active&within=400")),
    "console:license": Rule(DENIED, get_post(lambda w: f"/console/licenses/{w.license_a.pk}/")),
    "console:license_file": Rule(DENIED, get_post(lambda w: f"/console/licenses/{w.license_a.pk}/file")),
    "console:license_revoke": Rule(
        DENIED, get_post(lambda w: f"/console/licenses/{w.license_a.pk}/revoke/", {"reason": "pwned"})
    ),
    # NFR requests: partner B lists and creates only its own (partner_id is ignored for partner people;
    # B's admin gets 201 for B, B's user 403); partner A's request: 404 to read, reject or question.
    "api:list_nfr_requests": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/nfr-requests", None),
            ("GET", lambda w: f"/api/v1/nfr-requests?partner_id={w.partner_a.pk}&open=true", None),
        ),
    ),
    "api:get_nfr_request": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}", None))
    ),
    "api:create_nfr_request": Rule(
        OWN,
        lambda w: [
            Probe(
                "POST",
                "/api/v1/nfr-requests",
                {
                    "partner_id": w.partner_a.pk,
                    "contact_name": "In Truder",
                    "contact_email": "intruder@evil.example",
                    "seats": 3,
                    "purpose": "B's demo",
                },
                api=True,
            )
        ],
    ),
    "api:reject_nfr_request": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/reject", {"reason": "pwned"})
        ),
    ),
    "api:request_info_nfr_request": Rule(
        DENIED,
        api_calls(
            (
                "POST",
                lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/request-info",
                {"question": "pwned"},
            )
        ),
    ),
    "api:answer_nfr_request": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/answer", {"answer": "pwned"})
        ),
    ),
    "api:withdraw_nfr_request": Rule(
        DENIED, api_calls(("POST", lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/withdraw", {}))
    ),
    "api:correct_nfr_request": Rule(
        DENIED,
        api_calls(
            (
                "POST",
                lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/correct",
                {"reason": "pwned", "seats": 999},
            )
        ),
    ),
    "api:approve_nfr_request": Rule(
        DENIED, api_calls(("POST", lambda w: f"/api/v1/nfr-requests/{w.nfr_request_a.pk}/approve", {}))
    ),
    "api:get_license": Rule(DENIED, api_calls(("GET", lambda w: f"/api/v1/licenses/{w.license_a.pk}", None))),
    "api:get_license_file": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/licenses/{w.license_a.pk}/file", None))
    ),
}
