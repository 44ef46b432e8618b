"""Cadences and periodic account reviews (S9): rules, holidays, overrides, rotation, checklists, completion."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage, OutboxStatus
from channelops.helpdesk.models import AccountReview, ItemStatus, ReviewItem, ReviewKind, ReviewStatus
from channelops.helpdesk.selection import quarter_bounds
from channelops.helpdesk.services import review_complete, review_remind, reviews_materialise
from channelops.partners.models import EngagementDaily, EngagementEvent, Partner, Region, RegionRouting, Tier
from channelops.work.cadences import cadence_materialise, cadence_occurrences
from channelops.work.models import Cadence, CadenceOverride, HolidayPolicy, Occurrence

from .factories import MembershipFactory, PartnerFactory, StaffFactory, UserFactory

MID_MONTH_FRIDAY = "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=12,13,14,15,16,17,18"


def at(y: int, m: int, d: int, hour: int = 9) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC)


def cadence(
    slug: str = "test", rule: str = "FREQ=WEEKLY;BYDAY=FR", region: str | None = "EMEA", **kw
) -> Cadence:
    return Cadence.objects.create(
        slug=slug,
        name=slug,
        kind=kw.pop("kind", "test"),
        rule=rule,
        start=kw.pop("start", date(2024, 1, 1)),
        region=Region.objects.get(code=region) if region else None,
        **kw,
    )


@pytest.fixture
def emea_phd(phd_emea):
    RegionRouting.objects.update_or_create(
        region=Region.objects.get(code="EMEA"), defaults={"phd_specialist": phd_emea}
    )
    return phd_emea


def select() -> Tier:
    return Tier.objects.get(slug="select")


# --- cadence rules ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_middle_of_the_month_friday_falls_between_the_12th_and_18th_every_month_2024_to_2027():
    c = cadence(rule=MID_MONTH_FRIDAY, holiday_policy=HolidayPolicy.IGNORE)
    dates = [o.date for o in cadence_occurrences(c, date(2024, 1, 1), date(2027, 12, 31))]
    assert len(dates) == 48
    assert {(d.year, d.month) for d in dates} == {(y, m) for y in range(2024, 2028) for m in range(1, 13)}
    assert all(d.weekday() == 4 and 12 <= d.day <= 18 for d in dates)


@pytest.mark.django_db
def test_a_weekly_friday_rule_gives_every_friday_and_starts_at_its_start_date():
    c = cadence(start=date(2025, 3, 1), holiday_policy=HolidayPolicy.IGNORE)
    dates = [o.date for o in cadence_occurrences(c, date(2024, 1, 1), date(2025, 12, 31))]
    assert dates[0] == date(2025, 3, 7)
    assert all(d.weekday() == 4 for d in dates)
    assert all(b - a == timedelta(days=7) for a, b in zip(dates, dates[1:], strict=False))
    assert len(dates) == 43


@pytest.mark.django_db
def test_a_malformed_rule_or_an_unknown_holiday_country_is_refused_with_a_clear_error():
    with pytest.raises(ValidationError, match="rule"):
        Cadence(slug="x", name="x", kind="k", rule="FREQ=SOMETIMES", start=date(2025, 1, 1)).full_clean()
    with pytest.raises(ValidationError, match="daily or less often"):
        Cadence(slug="y", name="y", kind="k", rule="FREQ=HOURLY", start=date(2025, 1, 1)).full_clean()
    with pytest.raises(ValidationError, match="ZZ"):
        Cadence(
            slug="z", name="z", kind="k", rule="FREQ=WEEKLY", start=date(2025, 1, 1), holiday_country="ZZ"
        ).full_clean()


# --- holidays ----------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (HolidayPolicy.IGNORE, [date(2025, 4, 11), date(2025, 4, 18), date(2025, 4, 25)]),
        (HolidayPolicy.SKIP, [date(2025, 4, 11), date(2025, 4, 25)]),
        (HolidayPolicy.BEFORE, [date(2025, 4, 11), date(2025, 4, 17), date(2025, 4, 25)]),
        # GB-wide holidays: Easter Monday is not one (it is in England, not in Scotland).
        (HolidayPolicy.AFTER, [date(2025, 4, 11), date(2025, 4, 21), date(2025, 4, 25)]),
    ],
)
def test_good_friday_in_emea_follows_the_holiday_policy(policy, expected):
    c = cadence(holiday_policy=policy)  # EMEA → GB holidays by default
    assert [o.date for o in cadence_occurrences(c, date(2025, 4, 10), date(2025, 4, 30))] == expected


@pytest.mark.django_db
def test_july_4th_moves_the_amer_review_but_not_the_emea_one():
    amer = cadence("amer", region="AMER")
    emea = cadence("emea", region="EMEA")
    window = (date(2025, 7, 1), date(2025, 7, 8))
    assert [(o.scheduled_date, o.date, o.note) for o in cadence_occurrences(amer, *window)] == [
        (date(2025, 7, 4), date(2025, 7, 3), "Independence Day")
    ]
    assert [o.date for o in cadence_occurrences(emea, *window)] == [date(2025, 7, 4)]


@pytest.mark.django_db
def test_moving_before_skips_weekends_and_consecutive_holidays():
    # Christmas 2026 is a Friday in GB; Boxing Day (Saturday) is observed on Monday the 28th.
    c = cadence(holiday_policy=HolidayPolicy.BEFORE)
    assert [o.date for o in cadence_occurrences(c, date(2026, 12, 20), date(2026, 12, 30))] == [
        date(2026, 12, 24)
    ]
    monday = cadence("monday", rule="FREQ=WEEKLY;BYDAY=MO", holiday_policy=HolidayPolicy.BEFORE)
    # Monday 28 Dec (Boxing Day observed) → Thursday 24 Dec: Friday 25 is Christmas, the weekend is skipped.
    assert date(2026, 12, 24) in [
        o.date for o in cadence_occurrences(monday, date(2026, 12, 21), date(2026, 12, 31))
    ]


@pytest.mark.django_db
def test_the_region_country_mapping_is_a_setting_and_a_cadence_may_name_its_own_country(settings):
    settings.CADENCE_HOLIDAY_COUNTRIES = {"EMEA": "US"}
    c = cadence()
    assert [o.date for o in cadence_occurrences(c, date(2025, 4, 14), date(2025, 4, 20))] == [
        date(2025, 4, 18)
    ]
    settings.CADENCE_HOLIDAY_COUNTRIES = {"EMEA": "GB"}
    assert [o.date for o in cadence_occurrences(c, date(2025, 4, 14), date(2025, 4, 20))] == [
        date(2025, 4, 17)
    ]
    c.holiday_country = "US"
    assert [o.date for o in cadence_occurrences(c, date(2025, 4, 14), date(2025, 4, 20))] == [
        date(2025, 4, 18)
    ]
    no_region = cadence("global", region=None)
    assert [o.date for o in cadence_occurrences(no_region, date(2025, 4, 14), date(2025, 4, 20))] == [
        date(2025, 4, 18)
    ]


@pytest.mark.django_db
def test_an_occurrence_moved_before_the_window_start_is_still_found_at_its_new_date():
    # Monday 2025-05-05 (GB Early May bank holiday) moves back to Friday 2 May.
    c = cadence(rule="FREQ=WEEKLY;BYDAY=MO")
    got = cadence_occurrences(c, date(2025, 5, 1), date(2025, 5, 3))
    assert [(o.scheduled_date, o.date) for o in got] == [(date(2025, 5, 5), date(2025, 5, 2))]
    assert cadence_occurrences(c, date(2025, 5, 4), date(2025, 5, 11)) == []


# --- overrides -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_overrides_move_or_cancel_one_occurrence():
    c = cadence(holiday_policy=HolidayPolicy.IGNORE)
    CadenceOverride.objects.create(
        cadence=c, date=date(2025, 6, 6), new_date=date(2025, 6, 4), reason="offsite"
    )
    CadenceOverride.objects.create(cadence=c, date=date(2025, 6, 13), new_date=None, reason="summit")
    got = cadence_occurrences(c, date(2025, 6, 1), date(2025, 6, 30))
    assert [(o.scheduled_date, o.date) for o in got] == [
        (date(2025, 6, 6), date(2025, 6, 4)),
        (date(2025, 6, 20), date(2025, 6, 20)),
        (date(2025, 6, 27), date(2025, 6, 27)),
    ]
    assert "offsite" in got[0].note


@pytest.mark.django_db
def test_an_override_wins_over_the_holiday_policy_and_may_move_a_date_from_far_away():
    c = cadence(holiday_policy=HolidayPolicy.SKIP)
    CadenceOverride.objects.create(cadence=c, date=date(2025, 4, 18), new_date=date(2025, 4, 16))
    CadenceOverride.objects.create(cadence=c, date=date(2025, 1, 3), new_date=date(2025, 8, 13))
    got = cadence_occurrences(c, date(2025, 8, 11), date(2025, 8, 14))
    assert [(o.scheduled_date, o.date) for o in got] == [(date(2025, 1, 3), date(2025, 8, 13))]
    assert [o.date for o in cadence_occurrences(c, date(2025, 4, 14), date(2025, 4, 20))] == [
        date(2025, 4, 16)
    ]


# --- materialising occurrences ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_materialising_twice_creates_the_same_rows_once():
    c = cadence()
    first = cadence_materialise(cadence=c, until=date(2025, 12, 31), today=date(2024, 1, 1))
    rows = sorted(Occurrence.objects.filter(cadence=c).values_list("scheduled_date", "date"))
    second = cadence_materialise(cadence=c, until=date(2025, 12, 31), today=date(2024, 1, 1))
    assert first.created == len(rows) == 104
    assert second.created == 0
    assert sorted(Occurrence.objects.filter(cadence=c).values_list("scheduled_date", "date")) == rows
    assert (date(2025, 4, 18), date(2025, 4, 17)) in rows  # Good Friday moved before


@pytest.mark.django_db
def test_future_occurrences_follow_later_overrides_and_past_ones_stay():
    c = cadence(holiday_policy=HolidayPolicy.IGNORE)
    cadence_materialise(cadence=c, until=date(2025, 6, 30), since=date(2025, 6, 1), today=date(2025, 6, 1))
    CadenceOverride.objects.create(cadence=c, date=date(2025, 6, 20), new_date=date(2025, 6, 19))
    CadenceOverride.objects.create(cadence=c, date=date(2025, 6, 27), new_date=None)
    CadenceOverride.objects.create(
        cadence=c, date=date(2025, 6, 6), new_date=date(2025, 6, 5)
    )  # already passed
    result = cadence_materialise(
        cadence=c, until=date(2025, 6, 30), since=date(2025, 6, 1), today=date(2025, 6, 10)
    )
    assert (result.moved, result.removed) == (1, 1)
    assert dict(Occurrence.objects.filter(cadence=c).values_list("scheduled_date", "date")) == {
        date(2025, 6, 6): date(2025, 6, 6),
        date(2025, 6, 13): date(2025, 6, 13),
        date(2025, 6, 20): date(2025, 6, 19),
    }


@pytest.mark.django_db
def test_every_region_has_the_three_default_review_cadences():
    slugs = set(Cadence.objects.filter(slug__startswith="review-").values_list("slug", flat=True))
    for code in ("amer", "emea", "apac", "pubsec"):
        assert {f"review-weekly-{code}", f"review-monthly-{code}", f"review-quarterly-{code}"} <= slugs
    monthly = Cadence.objects.get(slug="review-monthly-emea")
    assert monthly.rule == MID_MONTH_FRIDAY and monthly.kind == "review_monthly"


# --- reviews: who is due ------------------------------------------------------------------------------------


def _quarterly(kind: str, start: date, end: date) -> Counter:
    return Counter(
        AccountReview.objects.filter(
            kind=kind, occurrence__scheduled_date__gte=start, occurrence__scheduled_date__lt=end
        ).values_list("partner_id", flat=True)
    )


@pytest.mark.django_db
def test_each_select_partner_is_reviewed_exactly_once_a_quarter_a_third_each_month(emea_phd):
    selects = [PartnerFactory(tier=select()) for _ in range(31)]
    amer_select = PartnerFactory(tier=select(), region=Region.objects.get(code="AMER"))
    PartnerFactory(tier=select(), status="suspended")
    with time_machine.travel(at(2025, 5, 1), tick=False):
        counts = reviews_materialise(today=date(2025, 5, 1), until=date(2025, 10, 31))
    assert counts[ReviewKind.QUARTERLY_SELECT] == 2 * 32
    for start in (date(2025, 5, 1), date(2025, 8, 1)):  # fiscal Q2 and Q3 (the year starts in February)
        start_q, end_q, month = quarter_bounds(start)
        assert (start_q, month) == (start, 0)
        per_partner = _quarterly(ReviewKind.QUARTERLY_SELECT, start_q, end_q)
        assert set(per_partner) == {p.pk for p in selects} | {amer_select.pk}
        assert set(per_partner.values()) == {1}
        emea = AccountReview.objects.filter(
            kind=ReviewKind.QUARTERLY_SELECT,
            partner__region__code="EMEA",
            occurrence__scheduled_date__gte=start_q,
            occurrence__scheduled_date__lt=end_q,
        )
        thirds = Counter(emea.values_list("occurrence__scheduled_date", flat=True))
        assert len(thirds) == 3 and max(thirds.values()) - min(thirds.values()) <= 1
    assert set(
        AccountReview.objects.filter(partner__region__code="EMEA").values_list("specialist", flat=True)
    ) == {emea_phd.pk}


@pytest.mark.django_db
def test_a_partner_that_becomes_select_mid_quarter_is_still_reviewed_once_that_quarter(emea_phd):
    for _ in range(30):
        PartnerFactory(tier=select())
    with time_machine.travel(at(2025, 5, 1), tick=False):
        reviews_materialise(today=date(2025, 5, 1), until=date(2025, 6, 30))  # May and June
    late = [
        PartnerFactory(tier=select()) for _ in range(2)
    ]  # ranks 30, 31: thirds 1 (June, gone) and 2 (July)
    with time_machine.travel(at(2025, 7, 1), tick=False):
        reviews_materialise(today=date(2025, 7, 1), until=date(2025, 7, 31))
    per_partner = _quarterly(ReviewKind.QUARTERLY_SELECT, date(2025, 5, 1), date(2025, 8, 1))
    assert len(per_partner) == 32 and set(per_partner.values()) == {1}
    assert all(
        AccountReview.objects.get(partner=p, kind=ReviewKind.QUARTERLY_SELECT).due_date == date(2025, 7, 4)
        for p in late
    )


@pytest.mark.django_db
def test_open_partners_flagged_by_reporting_come_first_and_at_most_the_monthly_number(emea_phd, settings):
    settings.REVIEW_OPEN_PER_MONTH = 2
    PartnerFactory(tier=select())
    falling = PartnerFactory(legal_name="Falling Open")
    quiet = PartnerFactory(legal_name="Quiet Open")
    busy = PartnerFactory(legal_name="Busy Open")
    for p, earlier, recent in ((falling, 100, 10), (quiet, 20, 20), (busy, 10, 50)):
        EngagementDaily.objects.create(partner=p, day=date(2024, 12, 15), points=earlier)
        EngagementDaily.objects.create(partner=p, day=date(2025, 4, 20), points=recent)
    EngagementEvent.objects.create(partner=busy, kind="sign_in", at=at(2025, 4, 10))
    with time_machine.travel(at(2025, 4, 30), tick=False):
        reviews_materialise(today=date(2025, 4, 30))
    due = list(AccountReview.objects.filter(due_date=date(2025, 5, 2)).order_by("priority", "pk"))
    assert [r.kind for r in due] == [ReviewKind.QUARTERLY_OPEN] * 2 + [ReviewKind.QUARTERLY_SELECT]
    assert [r.partner for r in due[:2]] == [falling, quiet]
    assert "engagement falling (10, was 100)" in due[0].reason and "no sign-in in April 2025" in due[0].reason
    # Chosen once per occurrence; not chosen again in the quarter.
    with time_machine.travel(at(2025, 5, 1), tick=False):
        reviews_materialise(today=date(2025, 5, 1), until=date(2025, 6, 30))
    open_reviews = AccountReview.objects.filter(kind=ReviewKind.QUARTERLY_OPEN)
    assert open_reviews.filter(due_date=date(2025, 5, 2)).count() == 2
    assert list(open_reviews.filter(due_date=date(2025, 6, 6)).values_list("partner", flat=True)) == [busy.pk]


@pytest.mark.django_db
def test_weekly_and_monthly_reviews_cover_new_partners_once(emea_phd):
    created = {
        "old": PartnerFactory(created_at=at(2025, 3, 20)),
        "april": PartnerFactory(created_at=at(2025, 4, 10)),
        "may_week": PartnerFactory(created_at=at(2025, 5, 5)),
    }
    PartnerFactory(created_at=at(2025, 4, 12), status="terminated")
    with time_machine.travel(at(2025, 4, 1), tick=False):
        reviews_materialise(today=date(2025, 4, 1), until=date(2025, 5, 31))
    weekly = AccountReview.objects.filter(kind=ReviewKind.WEEKLY_NEW_APPLICANT)
    assert dict(weekly.values_list("partner__legal_name", "due_date")) == {
        created["old"].legal_name: date(2025, 3, 21),  # within the catch-up days
        created["april"].legal_name: date(2025, 4, 11),
        created["may_week"].legal_name: date(2025, 5, 9),
    }
    monthly = AccountReview.objects.filter(kind=ReviewKind.MONTHLY_NEW_PARTNER)
    assert dict(monthly.values_list("partner__legal_name", "due_date")) == {
        created["old"].legal_name: date(2025, 4, 17),  # Good Friday (GB) → Thursday
        created["april"].legal_name: date(2025, 5, 16),
    }


@pytest.mark.django_db
def test_materialising_reviews_twice_creates_nothing_twice(emea_phd):
    for _ in range(6):
        PartnerFactory(tier=select(), created_at=at(2025, 4, 2))
    with time_machine.travel(at(2025, 4, 1), tick=False):
        first = reviews_materialise(today=date(2025, 4, 1), until=date(2025, 6, 30))
        rows = sorted(AccountReview.objects.values_list("partner", "kind", "occurrence", "due_date"))
        items = ReviewItem.objects.count()
        second = reviews_materialise(today=date(2025, 4, 1), until=date(2025, 6, 30))
    assert first["reviews"] == len(rows) > 6 and second["reviews"] == 0
    assert sorted(AccountReview.objects.values_list("partner", "kind", "occurrence", "due_date")) == rows
    assert ReviewItem.objects.count() == items


@pytest.mark.django_db
def test_the_daily_run_creates_reviews_a_week_ahead_and_follows_moves_and_cancellations(emea_phd):
    with time_machine.travel(at(2025, 6, 1), tick=False):
        reviews_materialise(today=date(2025, 6, 1))
        assert not AccountReview.objects.filter(kind=ReviewKind.WEEKLY_NEW_APPLICANT).exists()
    with time_machine.travel(at(2025, 6, 2), tick=False):
        partner = PartnerFactory()  # a new partner: a later run adds its review to 6 June
    with time_machine.travel(at(2025, 6, 6), tick=False):
        reviews_materialise(today=date(2025, 6, 6))
    review = AccountReview.objects.get(partner=partner, kind=ReviewKind.WEEKLY_NEW_APPLICANT)
    assert review.due_date == date(2025, 6, 6)
    weekly = Cadence.objects.get(slug="review-weekly-emea")
    CadenceOverride.objects.create(cadence=weekly, date=date(2025, 6, 13), new_date=date(2025, 6, 12))
    later = PartnerFactory(created_at=at(2025, 6, 7))
    with time_machine.travel(at(2025, 6, 9), tick=False):
        reviews_materialise(today=date(2025, 6, 9))
        assert AccountReview.objects.get(partner=later, kind="weekly_new_applicant").due_date == date(
            2025, 6, 12
        )
        CadenceOverride.objects.filter(cadence=weekly, date=date(2025, 6, 13)).update(
            new_date=date(2025, 6, 11)
        )
        reviews_materialise(today=date(2025, 6, 9))
        assert AccountReview.objects.get(partner=later, kind="weekly_new_applicant").due_date == date(
            2025, 6, 11
        )
        CadenceOverride.objects.filter(cadence=weekly, date=date(2025, 6, 13)).update(new_date=None)
        counts = reviews_materialise(today=date(2025, 6, 9))
    assert counts["cancelled_reviews"] >= 1
    assert not AccountReview.objects.filter(partner=later, kind="weekly_new_applicant").exists()
    assert not Occurrence.objects.filter(cadence=weekly, scheduled_date=date(2025, 6, 13)).exists()


# --- checklists --------------------------------------------------------------------------------------------


@pytest.fixture
def april_partner(emea_phd):
    partner = PartnerFactory(
        legal_name="April Co", created_at=at(2025, 4, 10), crm_account_id="CRM-1", phone="", website=""
    )
    admin = MembershipFactory(partner=partner, role="admin", user=UserFactory(email="admin@april.test")).user
    EngagementEvent.objects.create(partner=partner, user=admin, kind="sign_in", at=at(2025, 4, 14))
    EngagementEvent.objects.create(partner=partner, user=admin, kind="sign_in", at=at(2025, 4, 20))
    EngagementEvent.objects.create(
        partner=partner, user=admin, kind="sign_in", at=at(2025, 5, 2)
    )  # not April
    from channelops.agreements.compliance import compliance_refresh

    compliance_refresh()  # the factory skipped the partner services that keep the table current
    return partner


def _items(review: AccountReview) -> dict[str, tuple[str, str]]:
    return {i.key: (i.status, i.detail) for i in review.items.all()}


@pytest.mark.django_db
def test_the_monthly_checklist_is_prefilled_from_last_months_data(april_partner):
    with time_machine.travel(at(2025, 5, 10), tick=False):
        reviews_materialise(today=date(2025, 5, 10))
    review = AccountReview.objects.get(partner=april_partner, kind=ReviewKind.MONTHLY_NEW_PARTNER)
    assert review.due_date == date(2025, 5, 16)
    items = _items(review)
    assert list(items) == ["signed_in", "users_added", "journeys", "training", "deals"]
    assert items["signed_in"] == (ItemStatus.PASSED, "2 sign-ins in April 2025")
    assert items["users_added"][0] == ItemStatus.FAILED and items["users_added"][1].startswith(
        "1 active users"
    )
    assert items["journeys"] == (ItemStatus.FAILED, "no journey assigned")
    assert items["training"][0] == ItemStatus.FAILED
    assert items["deals"][0] == ItemStatus.UNKNOWN


@pytest.mark.django_db
def test_the_weekly_checklist_is_prefilled_from_the_partner_record(april_partner):
    with time_machine.travel(at(2025, 4, 10, 12), tick=False):
        reviews_materialise(today=date(2025, 4, 10))
    review = AccountReview.objects.get(partner=april_partner, kind=ReviewKind.WEEKLY_NEW_APPLICANT)
    items = _items(review)
    assert items["crm_link"][0] == ItemStatus.PASSED and "CRM-1" in items["crm_link"][1]
    assert items["phone_set"] == (ItemStatus.FAILED, "no phone number on the partner record")
    assert items["company_real"] == (ItemStatus.FAILED, "no website on the partner record")
    assert items["cam_owner"][0] == ItemStatus.FAILED
    assert items["agreement_accepted"][0] == ItemStatus.FAILED  # the master agreement was never accepted
    assert items["crm_fields"][0] == ItemStatus.UNKNOWN
    assert review.specialist == april_partner.phd_specialist


# --- working on a review --------------------------------------------------------------------------------


@pytest.fixture
def monthly_review(april_partner):
    with time_machine.travel(at(2025, 5, 10), tick=False):
        reviews_materialise(today=date(2025, 5, 10))
    return AccountReview.objects.get(partner=april_partner, kind=ReviewKind.MONTHLY_NEW_PARTNER)


@pytest.mark.django_db
def test_a_reminder_for_a_failed_item_reaches_the_partner_admins_once(
    monthly_review, emea_phd, login, smtp_server, deliver
):
    item = monthly_review.items.get(key="users_added")
    client = login(emea_phd)
    page = client.get(f"/console/reviews/{monthly_review.pk}/").content.decode()
    assert f"/console/reviews/{monthly_review.pk}/items/{item.pk}/remind/" in page
    passed = monthly_review.items.get(key="signed_in")
    assert f"/items/{passed.pk}/remind/" not in page  # only failed items have the button
    resp = client.post(f"/console/reviews/{monthly_review.pk}/items/{item.pk}/remind/")
    assert resp.status_code == 302
    deliver()
    [msg] = smtp_server.box.to("admin@april.test")
    assert "April Co: Other users were added" in msg["Subject"]
    assert "Add your sales and technical colleagues" in smtp_server.box.text(msg)
    assert msg["Reply-To"] == emea_phd.email
    client.post(f"/console/reviews/{monthly_review.pk}/items/{item.pk}/remind/")
    deliver()
    assert len(smtp_server.box.to("admin@april.test")) == 1
    item.refresh_from_db()
    assert item.reminder_sent_at is not None and item.reminder_sent_by == emea_phd
    with pytest.raises(ValidationError, match="already sent"):
        review_remind(item=item, by=emea_phd)
    with pytest.raises(ValidationError, match="Only a failed item"):
        review_remind(item=passed, by=emea_phd)


@pytest.mark.django_db
def test_ticking_an_item_records_who_checked_it(monthly_review, emea_phd, login):
    item = monthly_review.items.get(key="deals")
    login(emea_phd).post(f"/console/reviews/{monthly_review.pk}/items/{item.pk}/check/", {"checked": "1"})
    item.refresh_from_db()
    assert item.checked and item.checked_by == emea_phd


@pytest.mark.django_db
def test_completing_a_review_sets_the_partner_fields_with_history_and_queues_the_crm_update(
    monthly_review, emea_phd, login, deliver
):
    partner = monthly_review.partner
    Partner.objects.filter(pk=partner.pk).update(account_notes="Old notes")
    client = login(emea_phd)
    with time_machine.travel(at(2025, 5, 16, 11), tick=False):
        resp = client.post(
            f"/console/reviews/{monthly_review.pk}/complete/", {"notes": "Signed in twice; add users."}
        )
    assert resp.status_code == 302
    partner.refresh_from_db()
    monthly_review.refresh_from_db()
    assert monthly_review.status == ReviewStatus.DONE and monthly_review.completed_by == emea_phd
    assert monthly_review.done_on_time
    assert partner.last_phd_review == date(2025, 5, 16)
    assert partner.account_notes == "Signed in twice; add users."
    latest = partner.history.order_by("-history_id").first()
    assert latest.history_user == emea_phd and latest.account_notes == "Signed in twice; add users."
    msg = OutboxMessage.objects.get(kind="crm.partner_update")
    assert msg.payload["fields"] == {
        "last_phd_review": "2025-05-16",
        "account_notes": "Signed in twice; add users.",
    }
    assert msg.payload["crm_account_id"] == "CRM-1"
    deliver()
    msg.refresh_from_db()
    assert msg.status == OutboxStatus.SENT  # no CRM configured: logged and dropped
    with pytest.raises(ValidationError, match="already completed"):
        review_complete(review=monthly_review, notes="again", by=emea_phd)


@pytest.mark.django_db
def test_with_crm_enabled_but_no_crm_sync_the_update_waits_instead_of_being_lost(
    monthly_review, emea_phd, deliver, settings
):
    settings.CRM_ENABLED = True
    review_complete(review=monthly_review, notes="Fine.", by=emea_phd)
    deliver()
    msg = OutboxMessage.objects.get(kind="crm.partner_update")
    assert msg.status == OutboxStatus.PENDING and "No CRM is connected" in msg.last_error


@pytest.mark.django_db
def test_notes_are_required_to_complete_a_review(monthly_review, emea_phd, login):
    resp = login(emea_phd).post(f"/console/reviews/{monthly_review.pk}/complete/", {"notes": "   "})
    assert resp.status_code == 400
    monthly_review.refresh_from_db()
    assert monthly_review.status == ReviewStatus.OPEN
    assert not OutboxMessage.objects.filter(kind="crm.partner_update").exists()
    with pytest.raises(ValidationError, match="Account Notes"):
        review_complete(review=monthly_review, notes="", by=emea_phd)


# --- permissions and pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_partner_people_and_anonymous_never_see_reviews(monthly_review, client, login):
    partner_admin = monthly_review.partner.memberships.get().user
    item = monthly_review.items.first()
    urls = [
        "/console/reviews/",
        f"/console/reviews/{monthly_review.pk}/",
    ]
    posts = [
        f"/console/reviews/{monthly_review.pk}/complete/",
        f"/console/reviews/{monthly_review.pk}/items/{item.pk}/check/",
        f"/console/reviews/{monthly_review.pk}/items/{item.pk}/remind/",
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to sign in
    login(partner_admin)
    for url in urls:
        assert client.get(url).status_code == 403
    for url in posts:
        assert client.post(url, {"notes": "x", "checked": "1"}).status_code == 403
    monthly_review.refresh_from_db()
    assert (
        monthly_review.status == ReviewStatus.OPEN and not monthly_review.items.filter(checked=True).exists()
    )
    assert AccountReview.objects.visible_to(partner_admin).count() == 0
    assert ReviewItem.objects.visible_to(partner_admin).count() == 0


@pytest.mark.django_db
def test_staff_without_a_review_role_may_look_but_not_complete(monthly_review, cam, login):
    client = login(cam)
    assert client.get(f"/console/reviews/{monthly_review.pk}/").status_code == 200
    resp = client.post(f"/console/reviews/{monthly_review.pk}/complete/", {"notes": "x"})
    assert resp.status_code == 403
    with pytest.raises(NotAllowed):
        review_complete(review=monthly_review, notes="x", by=cam)


@pytest.mark.django_db
def test_the_calendar_shows_this_and_next_month_due_overdue_and_completion_by_region(
    april_partner, emea_phd, login
):
    with time_machine.travel(at(2025, 5, 10), tick=False):
        reviews_materialise(today=date(2025, 5, 10))
    with time_machine.travel(at(2025, 5, 20), tick=False):
        client = login(emea_phd)
        body = client.get("/console/reviews/").content.decode()
        assert "May 2025" in body and "June 2025" in body
        assert "April Co" in body and "overdue" in body  # the monthly review of 16 May
        assert 'data-region="EMEA"' in body and "0%" in body
        queue = client.get("/console/queues/").content.decode()
        assert "Account reviews due" in queue
        other = StaffFactory(email="phd.amer@vendor.test", roles=["phd_specialist"])
        assert "April Co" not in login(other).get("/console/reviews/").content.decode()
        assert "April Co" in client.get("/console/reviews/", {"specialist": "all"}).content.decode()


def _reviews(n: int, specialist) -> None:  # type: ignore[no-untyped-def]
    occ, _c = Occurrence.objects.get_or_create(
        cadence=Cadence.objects.get(slug="review-weekly-emea"),
        scheduled_date=date(2025, 5, 9),
        defaults={"date": date(2025, 5, 9)},
    )
    for _ in range(n):
        review = AccountReview.objects.create(
            partner=PartnerFactory(),
            specialist=specialist,
            kind=ReviewKind.WEEKLY_NEW_APPLICANT,
            occurrence=occ,
            due_date=occ.date,
        )
        ReviewItem.objects.create(review=review, key="phone_set", text="Phone", status=ItemStatus.FAILED)


@pytest.mark.django_db
def test_calendar_query_count_is_constant(
    emea_phd, login, django_assert_num_queries, django_assert_max_num_queries
):
    with time_machine.travel(at(2025, 5, 20), tick=False):
        client = login(emea_phd)
        _reviews(3, emea_phd)
        client.get("/console/reviews/")  # warm up
        # session, user, MFA check, the user's roles, calendar reviews, planned occurrences, due list,
        # specialists, due count, completion by region (10), plus the page shell's own (unread
        # notifications: 1)
        with django_assert_max_num_queries(11) as ctx:
            client.get("/console/reviews/")
        small = len(ctx.captured_queries)
        _reviews(50, emea_phd)
        with django_assert_num_queries(small):
            body = client.get("/console/reviews/").content.decode()
        assert body.count("data-review=") == 2 * 53  # in the due list and on 9 May


@pytest.mark.django_db
def test_the_daily_job_is_registered_and_its_task_materialises_reviews(emea_phd):
    from channelops.core.schedules import schedules
    from channelops.helpdesk.tasks import reviews_materialise_task

    job = next(s for s in schedules() if s.name == "reviews_materialise")
    assert job.task == "channelops.helpdesk.tasks.reviews_materialise_task"
    assert job.rule.startswith("FREQ=DAILY")
    PartnerFactory(tier=select())
    with time_machine.travel(at(2025, 4, 30), tick=False):
        result = reviews_materialise_task.call()
    assert result["quarterly_select"] == 1
    assert AccountReview.objects.get(kind=ReviewKind.QUARTERLY_SELECT).due_date == date(2025, 5, 2)


@pytest.mark.django_db
def test_the_reviews_due_queue_counts_a_specialists_due_reviews(emea_phd):
    from channelops.core.queues import get_queue

    with time_machine.travel(at(2025, 5, 20), tick=False):
        _reviews(2, emea_phd)
        _reviews(1, None)  # unassigned: every specialist sees it
        queue = get_queue("reviews_due")
        assert queue.items(emea_phd).count() == 3
        other = StaffFactory(email="phd.apac@vendor.test", roles=["phd_specialist"])
        assert queue.items(other).count() == 1
