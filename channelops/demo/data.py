"""Deterministic demo data (Faker with a fixed seed) at any scale.

`demo_people()` creates one sign-in per S1 role (demo-only password, staff with
known TOTP secrets) and two named partners, Acme and Globex, through the services.
`demo_build()` adds generated partners up to the requested count with the story of
their program (``plan.py`` plans it, ``build.py`` writes it in bulk; docs/demo.md);
running it again with the same arguments creates nothing new.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import phonenumbers
from django.db import transaction
from django.utils import timezone

DEMO_PASSWORD = "demo-password-1"
DEMO_DOMAIN = "demo.channelops.test"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: str  # S1 role
    staff_roles: tuple[str, ...] = ()
    partner: str = ""  # key of a named partner for partner people
    region: str = ""  # PHD routing

    @property
    def totp_secret(self) -> str:
        return base64.b32encode(
            hashlib.sha256(f"channelops-demo:{self.email}".encode()).digest()[:20]
        ).decode()


STAFF = [
    DemoPerson(f"admin@{DEMO_DOMAIN}", "Ada Admin", "administrator", ("administrator",)),
    DemoPerson(f"cam@{DEMO_DOMAIN}", "Carla CAM", "CAM", ("cam",)),
    DemoPerson(
        f"phd.amer@{DEMO_DOMAIN}", "Pat Helpdesk (AMER)", "PHD specialist", ("phd_specialist",), region="AMER"
    ),
    DemoPerson(
        f"phd.emea@{DEMO_DOMAIN}",
        "Petra Helpdesk (EMEA)",
        "PHD specialist",
        ("phd_specialist",),
        region="EMEA",
    ),
    DemoPerson(
        f"phd.apac@{DEMO_DOMAIN}",
        "Priya Helpdesk (APAC)",
        "PHD specialist",
        ("phd_specialist",),
        region="APAC",
    ),
    DemoPerson(
        f"phd.pubsec@{DEMO_DOMAIN}",
        "Paul Helpdesk (Public Sector)",
        "PHD specialist",
        ("phd_specialist",),
        region="PUBSEC",
    ),
    DemoPerson(f"leadership@{DEMO_DOMAIN}", "Lee Leadership", "channel leadership", ("channel_leadership",)),
    DemoPerson(
        f"program@{DEMO_DOMAIN}", "Pia Program", "channel program manager", ("channel_program_manager",)
    ),
    DemoPerson(f"education@{DEMO_DOMAIN}", "Eli Education", "education services", ("education_services",)),
    DemoPerson(
        f"services@{DEMO_DOMAIN}", "Sam Services", "professional services", ("professional_services",)
    ),
    DemoPerson(f"legal@{DEMO_DOMAIN}", "Lou Legal", "legal", ("legal",)),
    DemoPerson(f"marketing@{DEMO_DOMAIN}", "Max Marketing", "channel marketing", ("channel_marketing",)),
]
PARTNER_PEOPLE = [
    DemoPerson("admin@acme.example", "Alice Acme", "partner admin", partner="acme"),
    DemoPerson("user@acme.example", "Bob Acme", "partner user", partner="acme"),
    DemoPerson("admin@globex.example", "Grace Globex", "partner admin", partner="globex"),
]
NAMED_PARTNERS = {
    "acme": {
        "legal_name": "Acme Cloud Consulting GmbH",
        "country": "DE",
        "region": "EMEA",
        "tier": "select",
        "website": "https://acme.example",
        "crm": "DEMO-ACME",
    },
    "globex": {
        "legal_name": "Globex Systems Inc.",
        "country": "US",
        "region": "AMER",
        "tier": "open",
        "website": "https://globex.example",
        "crm": "DEMO-GLOBEX",
    },
}

Progress = Callable[[str, int, int], None]


class DemoRefused(RuntimeError):
    """Demo data must never be loaded into a production instance."""


def _demo_phone(country: str, rnd: random.Random) -> str:
    """A valid number in ``country`` (E.164), varied from libphonenumber's example; "" when none."""
    example = phonenumbers.example_number(country)
    if example is None:
        return ""
    digits = str(example.national_number)
    for _try in range(5):
        tail = "".join(rnd.choice("0123456789") for _ in range(min(3, len(digits) - 1)))
        candidate = phonenumbers.parse(f"+{example.country_code}{digits[: -len(tail)]}{tail}")
        if phonenumbers.is_valid_number(candidate):
            return phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def _noop(label: str, done: int, total: int) -> None:
    return None


@transaction.atomic
def demo_people() -> list[DemoPerson]:
    """Create the named demo sign-ins and partners (idempotent). Refused in production mode."""
    from django.conf import settings

    if settings.PRODUCTION:
        raise DemoRefused("Demo data (with published passwords) is refused when CHANNELOPS_PRODUCTION=true.")
    from django.contrib.auth.hashers import make_password

    from channelops.accounts.models import StaffTeam, TeamKind, User
    from channelops.accounts.services import user_create, user_totp_activate
    from channelops.partners.models import Partner, PartnerStatus, Region, RegionRouting, Tier
    from channelops.partners.services import partner_create, partner_person_add

    hashed: list[str] = []

    def demo_password(user: User) -> None:
        """The demo password, hashed once (Argon2 takes a good fraction of a second per hash) and
        stored for every demo person: a published password gains nothing from distinct salts."""
        if not hashed:
            hashed.append(make_password(DEMO_PASSWORD))
        User.objects.filter(pk=user.pk).update(password=hashed[0])

    for person in STAFF:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            user = user_create(
                email=person.email,
                full_name=person.name,
                password=None,
                is_staff=True,
                is_superuser="administrator" in person.staff_roles,
                roles=list(person.staff_roles),
                email_verified=True,
            )
            demo_password(user)
            user_totp_activate(user=user, secret=person.totp_secret)
        if person.region:
            routing, _ = RegionRouting.objects.get_or_create(region=Region.objects.get(code=person.region))
            if routing.phd_specialist_id is None:
                routing.phd_specialist = user
                routing.save()
    leads = {
        TeamKind.CHANNEL: f"cam@{DEMO_DOMAIN}",
        TeamKind.HELP_DESK: f"phd.amer@{DEMO_DOMAIN}",
        TeamKind.LEADERSHIP: f"leadership@{DEMO_DOMAIN}",
        TeamKind.EDUCATION_SERVICES: f"education@{DEMO_DOMAIN}",
        TeamKind.PROFESSIONAL_SERVICES: f"services@{DEMO_DOMAIN}",
        TeamKind.LEGAL: f"legal@{DEMO_DOMAIN}",
        TeamKind.CHANNEL_MARKETING: f"marketing@{DEMO_DOMAIN}",
    }
    for kind, email in leads.items():
        team = StaffTeam.objects.get(kind=kind)
        if team.lead_id is None:
            lead = User.objects.get(email=email)
            team.lead = lead
            team.save()
            team.members.add(lead)
    cam = User.objects.get(email=f"cam@{DEMO_DOMAIN}")
    partners = {}
    for key, spec in NAMED_PARTNERS.items():
        p = Partner.objects.filter(crm_account_id=spec["crm"]).first()
        if p is None:
            p = partner_create(
                legal_name=spec["legal_name"],
                country=spec["country"],
                region=Region.objects.get(code=spec["region"]),
                tier=Tier.objects.get(slug=spec["tier"]),
                website=spec["website"],
                cam=cam,
                status=PartnerStatus.ACTIVE,
            )
            p.crm_account_id = spec["crm"]
            p.save(update_fields=["crm_account_id"])
        partners[key] = p
    for person in PARTNER_PEOPLE:
        if not User.objects.filter(email=person.email).exists():
            membership = partner_person_add(
                partner=partners[person.partner],
                email=person.email,
                full_name=person.name,
                role="admin" if person.role == "partner admin" else "user",
                by=None,
                password=None,
                email_verified=True,
                invite=False,
            )
            demo_password(membership.user)
    from channelops.agreements.demo import demo_agreements

    from .plan import HISTORY_DAYS

    program_start = timezone.now() - timedelta(days=HISTORY_DAYS + 30)
    demo_agreements(partners=partners, domain=DEMO_DOMAIN, since=program_start)
    from channelops.accounts.demo import demo_access

    demo_access(domain=DEMO_DOMAIN)  # the PHD specialists may issue licenses (an approved access request)
    if getattr(settings, "LICENSE_KEY_AUTOGENERATE", False):
        from channelops.licensing.keys import current_signing_key

        current_signing_key()  # so /licenses/keys.json publishes a key from the start
        from channelops.licensing.demo import demo_nfr

        demo_nfr(partners=partners, domain=DEMO_DOMAIN)  # issuing needs a signing key
    from channelops.enablement.demo import demo_enablement

    demo_enablement(partners=partners)
    return STAFF + PARTNER_PEOPLE


_FAKERS: dict[str, Any] = {}


def _faker(locale: str) -> Any:
    """One Faker per locale for the process, with the only providers the demo uses (company and
    person names): a Faker with every provider takes a fifth of a second to build."""
    if locale not in _FAKERS:
        from faker import Faker

        _FAKERS[locale] = Faker(locale, providers=["faker.providers.company", "faker.providers.person"])
    return _FAKERS[locale]


def demo_build(
    *,
    partners: int,
    seed: int = 42,
    contacts_per_partner: int = 10,
    events_per_partner: int = 100,
    progress: Progress = _noop,
    batch: int = 1000,
) -> dict[str, int]:
    """Generate partners until ``partners`` demo partners exist, with the story of their program
    (docs/demo.md): applications, status history, people, engagement, acceptances, NFR requests
    and licenses, certified people, badges, plans, partner certifications and account reviews.

    Deterministic for a seed (on an empty database), idempotent (a second run with the same
    arguments creates nothing), and refused in production mode (by ``demo_people``).
    """
    from channelops.partners.models import Application, Partner

    from .names import Namer
    from .plan import Planner
    from .planned import month_starts
    from .writers.agreements import write_acceptances
    from .writers.assets import write_assets
    from .writers.awards import write_plans_and_awards
    from .writers.badges import write_badges
    from .writers.communications import write_communications
    from .writers.context import Context
    from .writers.faq import write_faq
    from .writers.mdf import write_mdf
    from .writers.nfr import write_nfr
    from .writers.partners import write_applications, write_partners
    from .writers.people import write_engagement, write_people
    from .writers.records import plan_records, write_records
    from .writers.reviews import write_reviews

    demo_people()
    existing = Partner.objects.filter(crm_account_id__startswith="DEMO-P").count()
    todo = max(0, partners - existing)
    created = {"partners": 0, "contacts": 0, "events": 0}
    if not todo:
        return created
    now = timezone.now()
    ctx = Context.load(seed=seed, now=now, domain=DEMO_DOMAIN)
    ctx.window_start = month_starts(now)[-1]
    names = set(Partner.objects.values_list("legal_name", flat=True))
    names |= set(Application.objects.values_list("company_name", flat=True))
    domains = {
        (w or "").split("//")[-1].split("/")[0].removeprefix("www.")
        for w in Partner.objects.values_list("website", flat=True)
    }
    domains |= set(Application.objects.values_list("company_domain", flat=True))
    namer = Namer(names, domains)
    seeded: set[str] = set()
    batch_start = {"at": existing}

    def faker_for(locale: str) -> Any:
        fake = _faker(locale)
        if locale not in seeded:  # each batch seeds the locales it uses, in the order it uses them
            fake.seed_instance(f"{seed}:{batch_start['at']}:{locale}")
            seeded.add(locale)
        return fake

    planner = Planner(
        seed=seed,
        now=now,
        namer=namer,
        faker_for=faker_for,
        contacts_per_partner=contacts_per_partner,
        phone=_demo_phone,
    )
    start = existing
    while start < existing + todo:
        end = min(start + batch, existing + todo)
        batch_start["at"] = start
        seeded.clear()
        plan = planner.plan(start, end)
        with transaction.atomic():
            write_partners(ctx, plan, start)
            write_applications(ctx, plan)
            people = write_people(ctx, plan, start)
            write_engagement(ctx, plan, start, people, events_per_partner)
            write_acceptances(ctx, plan, start, people)
            records = plan_records(ctx, plan, start)
            write_records(ctx, records, people)
            write_nfr(ctx, plan, start, people, records)
            write_badges(ctx, records, start)
            write_plans_and_awards(ctx, plan, start, people, records)
        start = end
        progress("partners", start - existing, todo)
    from channelops.enablement.services.awards import partner_certifications_evaluate
    from channelops.partners.services import engagement_rollup

    progress("engagement rollup", 0, 0)
    engagement_rollup(since=timezone.localdate(ctx.window_start) - timedelta(days=1), now=now)
    progress("partner certifications", 0, 0)
    with transaction.atomic():
        generated = Partner.objects.filter(crm_account_id__startswith="DEMO-P").order_by("crm_account_id")
        ids = list(generated.values_list("pk", flat=True)[existing:])
        partner_certifications_evaluate(partner_ids=ids)
    progress("account reviews", 0, 0)
    with transaction.atomic():
        write_reviews(ctx)
    progress("FAQ", 0, 0)
    with transaction.atomic():
        write_faq(ctx)
    progress("asset library", 0, 0)
    with transaction.atomic():
        write_assets(ctx)
    progress("market development funds", 0, 0)
    with transaction.atomic():
        write_mdf(ctx)
    progress("partner communications", 0, 0)
    with transaction.atomic():
        write_communications(ctx)
    progress("notification rules", 0, 0)
    from channelops.notifications.services import notification_defaults_backfill

    with transaction.atomic():
        notification_defaults_backfill()  # people written with bulk_create: their roles' suggested rules
    progress("search index", 0, 0)
    from channelops.core.search import rebuild_index

    rebuild_index()  # bulk-created rows send no save signals
    progress("agreement compliance", 0, 0)
    from channelops.agreements.compliance import compliance_refresh

    compliance_refresh()  # bulk-created partners and acceptances passed no agreement service
    progress("program overview", 0, 0)
    from channelops.insight.services import partner_months_refresh

    partner_months_refresh()
    from channelops.core.maintenance import database_analyze

    database_analyze()
    stats = dict(ctx.stats)
    return {
        **stats,
        "partners": stats.get("partners", 0),
        "contacts": stats.get("contacts", 0),
        "events": stats.get("events", 0),
    }
