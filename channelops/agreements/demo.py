"""Demo data for registration and agreements (called by ``channelops demo``; idempotent).

Acme has accepted every agreement that applies to it and asks for a second region;
Globex has accepted nothing yet and negotiates the Reseller Addendum; two companies
have applied (one verified and waiting in the console, one not verified yet).
"""

from __future__ import annotations

from typing import Any


def demo_agreements(*, partners: dict[str, Any], domain: str) -> None:
    from channelops.accounts.models import User
    from channelops.partners.models import Application, Program, Region
    from channelops.partners.registration import application_submit, application_verify

    from .models import AgreementTemplate, LegalRequest, RegionException
    from .querysets import partner_agreement_rows
    from .services import (
        agreement_accept,
        legal_comment_add,
        legal_request_open,
        region_exception_request,
    )

    acme, globex = partners["acme"], partners["globex"]
    if not acme.programs.exists():
        acme.programs.set(Program.objects.filter(slug__in=["reseller", "csp"]))
    if not globex.programs.exists():
        globex.programs.set(Program.objects.filter(slug__in=["reseller"]))
    alice = User.objects.get(email="admin@acme.example")
    grace = User.objects.get(email="admin@globex.example")
    for row in partner_agreement_rows(acme):
        if row.needs_action and row.current is not None:
            agreement_accept(
                partner=acme,
                version=row.current,
                submitted_hash=row.current.content_hash,
                by=alice,
                ip="192.0.2.10",
                user_agent="demo data",
            )
    if not RegionException.objects.filter(partner=acme).exists():
        region_exception_request(
            partner=acme,
            regions=[Region.objects.get(code="AMER")],
            justification="We deliver services for two German customers' US subsidiaries.",
            by=alice,
        )
    reseller = AgreementTemplate.objects.get(slug="reseller-addendum")
    if not LegalRequest.objects.filter(partner=globex).exists():
        lr = legal_request_open(
            partner=globex,
            template=reseller,
            proposed_changes="Section 2 (Renewals): we ask for renewal prices to be fixed for 12 months.",
            by=grace,
        )
        legal = User.objects.filter(email=f"legal@{domain}").first()
        if legal is not None:
            legal_comment_add(
                request=lr,
                body="Thanks — could you tell us the typical contract length of your customers?",
                by=legal,
            )
    applicants = [
        (
            "Initech Solutions Ltd",
            "https://initech.example",
            "GB",
            "EMEA",
            "Peter",
            "Gibbons",
            "peter@initech.example",
        ),
        (
            "Umbrella Networks Pty",
            "https://umbrella.example",
            "AU",
            "APAC",
            "Alice",
            "Abernathy",
            "alice@umbrella.example",
        ),
    ]
    for i, (name, web, country, region, first, last, email) in enumerate(applicants):
        if Application.objects.filter(email=email).exists():
            continue
        app, _token = application_submit(
            company_name=name,
            website=web,
            country=country,
            region=region,
            first_name=first,
            last_name=last,
            email=email,
            programs=["reseller", "referral"],
            message="We would like to resell and refer.",
            ip="198.51.100.7",
        )
        if i == 0:
            application_verify(application=app)
