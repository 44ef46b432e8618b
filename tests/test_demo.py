"""The demo data (`channelops demo`, channelops/demo): deterministic, idempotent, refused in
production, and a story the program overview can tell (docs/demo.md)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from channelops.demo.data import DemoRefused, demo_build
from channelops.demo.names import REGION_COUNTRIES, has_repeated_word, name_stem
from channelops.partners.models import (
    Application,
    Contact,
    EngagementDaily,
    EngagementEvent,
    Partner,
    PartnerStatusChange,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("license_key_dir")]

GENERATED = {"crm_account_id__startswith": "DEMO-P"}


def _counts() -> dict[str, int]:
    from channelops.agreements.models import Acceptance, AgreementEvent
    from channelops.badges.models import Badge
    from channelops.enablement.models import BusinessPlan, PartnerCertificationStatus, PractitionerRecord
    from channelops.helpdesk.models import AccountReview
    from channelops.licensing.models import License, NfrRequest, RequestEvent

    models = [
        Partner,
        PartnerStatusChange,
        Application,
        Contact,
        EngagementEvent,
        EngagementDaily,
        Acceptance,
        AgreementEvent,
        NfrRequest,
        License,
        RequestEvent,
        PractitionerRecord,
        Badge,
        BusinessPlan,
        PartnerCertificationStatus,
        AccountReview,
    ]
    return {m.__name__: m.objects.count() for m in models}


def _fingerprint() -> tuple:
    """What a person sees of the generated data (no primary keys, no random salts)."""
    from channelops.agreements.models import Acceptance
    from channelops.enablement.models import PractitionerRecord
    from channelops.helpdesk.models import AccountReview
    from channelops.licensing.models import License, NfrRequest

    p = "partner__crm_account_id"
    return (
        list(
            Partner.objects.filter(**GENERATED)
            .order_by("crm_account_id")
            .values_list(
                "crm_account_id",
                "legal_name",
                "website",
                "country",
                "region__code",
                "tier__slug",
                "status",
                "phone",
                "created_at",
            )
        ),
        sorted(
            Application.objects.values_list("company_name", "email", "status", "created_at", "decided_at")
        ),
        sorted(Contact.objects.values_list(p, "email", "title")),
        sorted(PartnerStatusChange.objects.values_list(p, "from_status", "to_status", "at")),
        sorted(EngagementEvent.objects.values_list(p, "kind", "at")),
        sorted(
            Acceptance.objects.values_list(p, "version__template__slug", "version__number", "accepted_at")
        ),
        sorted(NfrRequest.objects.values_list(p, "status", "seats", "created_at", "decided_at")),
        sorted(License.objects.values_list(p, "starts", "expires", "users")),
        sorted(
            PractitionerRecord.objects.values_list(
                "email", "certification__slug", "completed_on", "exam_passed"
            )
        ),
        sorted(AccountReview.objects.values_list(p, "kind", "due_date", "status")),
    )


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(frozen_clock):
    def build(seed: int) -> tuple:
        sid = transaction.savepoint()  # each build on an empty database: undone afterwards
        demo_build(partners=25, seed=seed, contacts_per_partner=3, events_per_partner=10)
        data = _fingerprint()
        transaction.savepoint_rollback(sid)
        return data

    first, again, other = build(7), build(7), build(8)
    assert first == again
    assert len(first[0]) == 25
    for part_first, part_other in zip(first, other, strict=True):
        assert part_first != part_other


def test_a_second_run_adds_nothing_and_a_larger_one_adds_only_the_new_partners(frozen_clock):
    demo_build(partners=12, contacts_per_partner=2, events_per_partner=5)
    counts = _counts()
    demo_build(partners=12, contacts_per_partner=2, events_per_partner=5)
    call_command("demo", partners=12, contacts_per_partner=2, events_per_partner=5)
    assert _counts() == counts
    demo_build(partners=15, contacts_per_partner=2, events_per_partner=5)
    assert Partner.objects.filter(**GENERATED).count() == 15
    names = list(Partner.objects.values_list("legal_name", flat=True))
    assert len({n.lower() for n in names}) == len(names)


def test_demo_data_is_refused_in_production_mode(settings):
    settings.PRODUCTION = True
    with pytest.raises(DemoRefused):
        demo_build(partners=3)
    with pytest.raises(CommandError, match="refused when CHANNELOPS_PRODUCTION=true"):
        call_command("demo", partners=3)
    assert not Partner.objects.filter(**GENERATED).exists()


@pytest.fixture
def story(frozen_clock):
    """40 generated partners (the default 10 contacts and 20 events each)."""
    return demo_build(partners=40, seed=42, events_per_partner=20)


def test_companies_have_unique_plausible_names_countries_of_their_region_and_people_on_their_domain(story):
    partners = list(Partner.objects.filter(**GENERATED).select_related("region"))
    apps = list(Application.objects.all())
    names = [p.legal_name for p in partners] + [a.company_name for a in apps if a.partner_id is None]
    assert len({n.lower() for n in names}) == len(names), "company names are unique"
    for name in names:
        assert not has_repeated_word(name), name  # no "Robinson LLC LLC", no "Smith-Smith"
        assert not re.search(r"\b(LLC|Inc|Ltd|PLC|GmbH|AG)\b.*\b\1\b", name), name
        assert name_stem(name), name
    domains = [p.website.removeprefix("https://www.") for p in partners]
    assert len(set(domains)) == len(domains), "each company has its own domain"
    for p, domain in zip(partners, domains, strict=True):
        allowed = {c.code for c in REGION_COUNTRIES[p.region.code]}
        assert str(p.country) in allowed, (p.legal_name, p.region.code, p.country)
        emails = list(p.contacts.values_list("email", flat=True))
        assert emails and all(e.endswith(f"@{domain}") for e in emails), (domain, emails)
        users = list(p.memberships.values_list("user__email", flat=True))
        assert all(e.endswith(f"@{domain}") for e in users)
    for app in apps:
        assert app.email.endswith(f"@{app.company_domain}")
        assert str(app.country) in {c.code for c in REGION_COUNTRIES[app.region.code]}
        if app.partner_id is not None:
            assert app.partner.legal_name == app.company_name and app.company_domain in app.partner.website


def test_applications_fill_the_last_18_months_and_convert_like_a_real_funnel(story):
    from channelops.demo.planned import month_starts

    now = timezone.now()
    months = month_starts(now)
    by_month = Counter()
    for created in Application.objects.values_list("created_at", flat=True):
        by_month[min((i for i, m in enumerate(months) if m <= created), default=None)] += 1
    assert None not in by_month, "no application is older than the 18 months"
    assert all(by_month[i] >= 1 for i in range(18)), by_month
    statuses = Counter(Application.objects.values_list("status", flat=True))
    received = sum(statuses.values())
    verified = received - statuses["unverified"]
    assert 0.6 < verified / received < 0.95
    assert 0.4 < statuses["approved"] / verified < 0.85
    assert statuses["submitted"] >= 1 and statuses["rejected"] >= 1
    for app in Application.objects.filter(status="approved").select_related("partner"):
        assert app.created_at < app.verified_at < app.decided_at <= now
        assert app.partner.created_at == app.decided_at
        first_change = app.partner.status_changes.order_by("at").first()
        assert (first_change.from_status, first_change.to_status, first_change.at) == (
            "",
            "active",
            app.decided_at,
        )
        sign_in = app.partner.engagement_events.filter(kind="sign_in").order_by("at").first()
        if sign_in is not None:  # nobody signs in before the partner exists
            assert sign_in.at > app.decided_at
            accepted = app.partner.acceptances.order_by("accepted_at").first()
            assert accepted is None or accepted.accepted_at > sign_in.at
    signed_in = (
        Application.objects.filter(status="approved", partner__engagement_days__sign_ins__gt=0)
        .distinct()
        .count()
    )
    assert signed_in >= statuses["approved"] * 0.6


def test_partners_have_a_status_history_over_the_window_and_a_realistic_share_is_active_each_month(story):
    now = timezone.now()
    generated = Partner.objects.filter(**GENERATED)
    for p in generated.prefetch_related("status_changes"):
        changes = sorted(p.status_changes.all(), key=lambda c: c.at)
        assert changes and changes[0].from_status == "" and changes[-1].to_status == p.status
        for before, after in zip(changes, changes[1:], strict=False):
            assert before.to_status == after.from_status and before.at <= after.at <= now
    recent = PartnerStatusChange.objects.filter(partner__in=generated, at__gte=now - timedelta(days=365))
    assert recent.count() >= 10
    assert len(set(generated.values_list("status", flat=True))) >= 3  # active, and suspended or terminated…
    # monthly active partners (any engagement event in the month) — about one in eight
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(day=1)
    active = (
        EngagementDaily.objects.filter(
            day__gte=last_month.date(), day__lt=now.replace(day=1).date(), events__gt=0
        )
        .values("partner_id")
        .distinct()
        .count()
    )
    assert 0.03 * generated.count() <= active <= 0.35 * generated.count()
    assert generated.filter(engagement_score__gt=0).exists()


def test_agreements_are_mostly_accepted_with_some_re_acceptances_overdue_and_some_due(story):
    from channelops.agreements.querysets import State, reaccept_report

    active = Partner.objects.filter(status="active", **GENERATED)
    never = {r.partner_id for r in reaccept_report() if r.state == State.REQUIRED}
    accepted = active.exclude(pk__in=never).filter(acceptances__isnull=False).distinct().count()
    assert accepted >= active.count() * 0.6, "most active partners have accepted their agreements"
    states = Counter(r.state for r in reaccept_report() if r.partner_name != "Globex Systems Inc.")
    assert states[State.OVERDUE] >= 1 and states[State.DUE] >= 1, states


def test_nfr_requests_and_licenses_span_statuses_and_expiry_dates(story):
    from channelops.licensing.files import verify_license
    from channelops.licensing.keys import public_jwks
    from channelops.licensing.models import License, NfrRequest

    today = timezone.localdate()
    statuses = Counter(NfrRequest.objects.values_list("status", flat=True))
    assert statuses["approved"] >= 5 and statuses["rejected"] >= 1, statuses
    live = License.objects.filter(revoked_at__isnull=True)
    for lo, hi in ((0, 30), (30, 60), (60, 90)):
        assert live.filter(
            expires__gt=today + timedelta(days=lo), expires__lte=today + timedelta(days=hi)
        ).exists(), (lo, hi)
    assert live.filter(expires__lt=today).exists()  # expired ones too
    lic = License.objects.order_by("issued_at").first()
    assert verify_license(lic.file_text, jwks=public_jwks(), today=lic.starts).id == str(lic.id)
    for req in NfrRequest.objects.filter(partner__crm_account_id__startswith="DEMO-P").exclude(
        decided_at=None
    ):
        assert req.created_at < req.decided_at


def test_certified_people_badges_partner_certifications_and_plans_exist_for_a_share_of_partners(story):
    from channelops.badges.models import Badge
    from channelops.enablement.models import (
        BusinessPlan,
        EnablementPlanEntry,
        PartnerCertificationStatus,
        PractitionerRecord,
    )

    partners = Partner.objects.filter(**GENERATED).count()
    certified = PractitionerRecord.objects.filter(partner__crm_account_id__startswith="DEMO-P").certified()
    with_people = certified.values("partner_id").distinct().count()
    assert 0.05 * partners <= with_people <= 0.7 * partners
    assert certified.values("certification__slug").distinct().count() >= 2
    assert Badge.objects.filter(status="issued", issued_at__isnull=False, credential__isnull=False).exists()
    held = PartnerCertificationStatus.objects.filter(
        partner__crm_account_id__startswith="DEMO-P", state="awarded"
    )
    assert held.exists()
    for status in held:
        assert BusinessPlan.objects.on_file().filter(partner_id=status.partner_id).exists()
    assert EnablementPlanEntry.objects.filter(partner__crm_account_id__startswith="DEMO-P").exists()


def test_this_quarters_account_reviews_are_partly_done_and_partly_due(story):
    from channelops.helpdesk.models import AccountReview
    from channelops.helpdesk.selection import quarter_bounds

    today = timezone.localdate()
    first, _end, _m = quarter_bounds(today)
    reviews = AccountReview.objects.filter(partner__crm_account_id__startswith="DEMO-P", due_date__gte=first)
    past = reviews.filter(due_date__lt=today)
    if not past.exists():  # the quarter began today: nothing was due yet
        assert reviews.exists()
        return
    assert past.filter(status="done").exists()
    done = past.filter(status="done").first()
    assert done.completed_at is not None and done.items.filter(checked=False).count() == 0
    assert done.partner.last_phd_review is not None
    assert reviews.filter(status="open").exists()  # due (or overdue) and not done yet


def test_the_faq_has_thirteen_articles_across_categories_the_same_for_a_seed(frozen_clock):
    from channelops.helpdesk.models import FaqArticle, FaqCategory

    def build(seed: int) -> list:
        sid = transaction.savepoint()
        demo_build(partners=3, seed=seed, contacts_per_partner=1, events_per_partner=2)
        rows = sorted(
            FaqArticle.objects.values_list(
                "slug", "category", "status", "visibility", "owner__email", "last_reviewed", "helpful_count"
            )
        )
        related = FaqArticle.objects.filter(related__isnull=False).count()
        stale = FaqArticle.objects.stale().count()
        transaction.savepoint_rollback(sid)
        return [rows, related, stale]

    first, again, other = build(7), build(7), build(8)
    assert first == again and first[0] != other[0]
    rows, related, stale = first
    assert len(rows) == 13 and {r[1] for r in rows} == set(FaqCategory.values)
    assert [r[2] for r in rows].count("draft") == 1 and {r[3] for r in rows} == {"public", "partners"}
    assert related and stale  # related articles, and some articles due for review


def test_the_asset_library_has_both_logos_with_guidelines_the_select_one_for_select_only(
    frozen_clock, settings, tmp_path
):
    from channelops.assets.models import Asset

    settings.MEDIA_ROOT = tmp_path
    demo_build(partners=3, contacts_per_partner=1, events_per_partner=2)
    assets = {a.title: a for a in Asset.objects.prefetch_related("tiers")}
    assert len(assets) == 6 and all(a.status == "published" for a in assets.values())
    select, open_logo = assets["Select partner logo"], assets["Open partner logo"]
    assert [t.slug for t in select.tiers.all()] == ["select"] and not open_logo.tiers.all()
    assert select.has_guidelines and open_logo.has_guidelines
    assert assets["Price list (last year)"].is_expired()
    assert (tmp_path / select.current_version.file).read_bytes()[:4] == b"\x89PNG"
    demo_build(partners=3, contacts_per_partner=1, events_per_partner=2)
    assert Asset.objects.count() == 6
