"""Demo data for registration and agreements (called by ``channelops demo``; idempotent).

The agreements have a history: the default versions 1 were published when the program started
(``since``); the Master Partner Agreement's version 2 was published 75 days ago with a
re-acceptance deadline 45 days ago (partners that have not re-accepted are overdue), and the
Reseller Addendum's version 2 twelve days ago, to re-accept within 30 days (due).
Acme has accepted every agreement that applies to it and asks for a second region;
Globex has accepted nothing yet and negotiates the Reseller Addendum; two companies
have applied (one verified and waiting in the console, one not verified yet).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

# (template slug, published days ago, re-accept deadline in days from today, what changed, text added)
NEWER_VERSIONS = [
    (
        "master-partner-agreement",
        75,
        -45,
        "New section 7 (data protection).",
        "\n## 7. Data protection\nEach party processes the personal data it receives under the program "
        "only for the program's purposes, under the data processing terms of the program guide, and "
        "tells the other party of a personal data breach within 72 hours.\n",
    ),
    (
        "reseller-addendum",
        12,
        18,
        "Renewals: renewal prices are fixed for 12 months.",
        "5. **Renewal prices.** Renewal prices quoted to an end customer stay fixed for 12 months.\n",
    ),
]


def demo_agreement_history(*, since: datetime, domain: str) -> None:
    """Date the default versions 1 at the program's start and publish the newer versions above
    (as ``version_publish`` records them, dated in the past: the service itself publishes now, with
    a deadline in the future, and e-mails every partner)."""
    from channelops.accounts.models import User

    from .models import AgreementEvent, AgreementTemplate, AgreementVersion, EventKind, VersionStatus

    AgreementVersion.objects.filter(
        number=1, partner__isnull=True, status=VersionStatus.PUBLISHED, published_at__gt=since
    ).update(published_at=since, created_at=since)
    legal = User.objects.filter(email=f"legal@{domain}").first()
    now = timezone.now()
    for slug, days_ago, deadline_days, summary, added in NEWER_VERSIONS:
        template = AgreementTemplate.objects.filter(slug=slug).first()
        if template is None or template.versions.filter(number__gt=1).exists():
            continue
        v1 = template.versions.get(number=1)
        published = now - timedelta(days=days_ago)
        deadline = timezone.localdate(now) + timedelta(days=deadline_days)
        version = AgreementVersion(
            template=template,
            number=2,
            body=v1.body.rstrip("\n") + "\n" + added,
            change_summary=summary,
            status=VersionStatus.PUBLISHED,
            reaccept_by=deadline,
            created_by=legal,
            created_at=published - timedelta(days=3),
            published_by=legal,
            published_at=published,
        )
        version._history_user = legal  # type: ignore[attr-defined]
        version._history_date = published  # type: ignore[attr-defined]
        version.save()
        AgreementEvent.objects.create(
            kind=EventKind.PUBLISHED,
            by=legal,
            at=published,
            version=version,
            detail=f"{version} published; re-accept by {deadline:%Y-%m-%d}",
        )


#: German convenience translations (not binding) of the demo's texts: version 1 from
#: ``defaults/<file>.de.md``, then what each newer version added (NEWER_VERSIONS), by version number.
GERMAN = {
    "master-partner-agreement": (
        "master.de.md",
        {
            2: "\n## 7. Datenschutz\nJede Partei verarbeitet die personenbezogenen Daten, die sie im Rahmen "
            "des Programms erhält, nur für die Zwecke des Programms, nach den Bedingungen zur "
            "Auftragsverarbeitung des Programmhandbuchs, und informiert die andere Partei innerhalb von "
            "72 Stunden über eine Verletzung des Schutzes personenbezogener Daten.\n",
        },
    ),
}


def demo_agreement_translations(*, domain: str) -> None:
    """Give the current general version of each template in ``GERMAN`` its German convenience
    translation (through the service, as the legal team would), unless it has one."""
    from pathlib import Path

    from channelops.accounts.models import User

    from .models import AgreementTranslation, AgreementVersion
    from .services import version_translation_save

    legal = User.objects.filter(email=f"legal@{domain}", is_staff=True).first()
    for slug, (filename, added) in GERMAN.items():
        current = (
            AgreementVersion.objects.published()
            .filter(template__slug=slug, partner__isnull=True)
            .order_by("-number")
            .first()
        )
        if current is None or AgreementTranslation.objects.filter(version=current, language="de").exists():
            continue
        body = (Path(__file__).parent / "defaults" / filename).read_text(encoding="utf-8")
        for number in range(2, current.number + 1):
            if number not in added:
                break  # a newer text the demo has no German for: leave it English
            body = body.rstrip("\n") + "\n" + added[number]
        else:
            version_translation_save(version=current, language="de", body=body, by=legal)


def demo_agreements(*, partners: dict[str, Any], domain: str, since: datetime | None = None) -> None:
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

    if since is not None:
        demo_agreement_history(since=since, domain=domain)
    demo_agreement_translations(domain=domain)
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
