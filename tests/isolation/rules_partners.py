"""Isolation rules of partners (channelops/partners).

Public registration, applications (console and API), partners and contacts over the API.
"""

from __future__ import annotations

from .base import DENIED, FORGED_PROFILE, OWN, PUBLIC, Probe, Rule, api_calls, get_post

RULES: dict[str, Rule] = {
    # --- registration (public) ---
    # REGISTRATION-RULES
    # (an empty form: 400 and nothing created — the snapshot counts the applications)
    ":register": Rule(PUBLIC, get_post("/register/")),
    ":register_sent": Rule(PUBLIC, get_post("/register/sent/")),
    ":register_verify": Rule(
        PUBLIC,
        get_post("/register/verify/not-a-real-token/"),
        note="a capability URL: the clear token exists only in the e-mail to the applicant; probed with an invalid one",
    ),
    ":register_status": Rule(
        PUBLIC,
        get_post("/register/status/not-a-real-token/"),
        note="the same token as the verification link; probed with an invalid one",
    ),
    # --- applications: console ---
    # APPLICATIONS-CONSOLE-RULES
    "console:applications": Rule(DENIED, get_post("/console/applications/?status=all&q=Acme")),
    "console:application_detail": Rule(
        DENIED, get_post(lambda w: f"/console/applications/{w.application_a.pk}/")
    ),
    "console:application_approve": Rule(
        DENIED, get_post(lambda w: f"/console/applications/{w.application_a.pk}/approve/", {"tier": 1})
    ),
    "console:application_reject": Rule(
        DENIED, get_post(lambda w: f"/console/applications/{w.application_a.pk}/reject/", {"reason": "pwned"})
    ),
    # --- applications, partners and contacts: API (partner B never sees or changes A's) ---
    "api:list_applications": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/applications", None),
            ("GET", "/api/v1/applications?status=approved&page_size=500", None),
        ),
    ),
    "api:get_application": Rule(
        DENIED, api_calls(("GET", lambda w: f"/api/v1/applications/{w.application_a.pk}", None))
    ),
    "api:create_application": Rule(
        DENIED,
        api_calls(
            (
                "POST",
                "/api/v1/applications",
                {
                    "company_name": "Intruder Ltd",
                    "website": "https://intruder.example",
                    "country": "DE",
                    "region": "EMEA",
                    "first_name": "In",
                    "last_name": "Truder",
                    "email": "intruder@intruder.example",
                },
            )
        ),
        note="registering on a company's behalf is for staff: partner people get 403",
    ),
    "api:approve_application": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/applications/{w.application_a.pk}/approve", {"tier": "select"})
        ),
    ),
    "api:reject_application": Rule(
        DENIED,
        api_calls(
            ("POST", lambda w: f"/api/v1/applications/{w.application_a.pk}/reject", {"reason": "pwned"})
        ),
    ),
    "api:list_partners": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/partners", None),
            ("GET", "/api/v1/partners?q=Acme&page_size=500", None),
            ("GET", "/api/v1/partners?region=EMEA&tier=open&status=active", None),
        ),
        own_page=True,
    ),
    "api:get_partner": Rule(DENIED, api_calls(("GET", lambda w: f"/api/v1/partners/{w.partner_a.pk}", None))),
    "api:patch_partner": Rule(
        DENIED, api_calls(("PATCH", lambda w: f"/api/v1/partners/{w.partner_a.pk}", FORGED_PROFILE))
    ),
    "api:list_contacts": Rule(
        OWN,
        api_calls(
            ("GET", "/api/v1/contacts", None),
            ("GET", lambda w: f"/api/v1/contacts?partner_id={w.partner_a.pk}", None),
            ("GET", "/api/v1/contacts?q=secret", None),
        ),
    ),
    "api:get_contact": Rule(DENIED, api_calls(("GET", lambda w: f"/api/v1/contacts/{w.contact_a.pk}", None))),
    "api:create_contact": Rule(
        DENIED,
        lambda w: [
            Probe(
                "POST",
                # (an e-mail the API accepts: its validation refuses special-use domains such as .test)
                "/api/v1/contacts",
                {
                    "partner_id": w.partner_a.pk,
                    "first_name": "In",
                    "last_name": "Truder",
                    "email": "x@evil.example.com",
                },
                api=True,
            )
        ],
    ),
}
