"""Notification rules (S5), modelled on spreadsheet notification rules: what to watch, when ("any
change" or "new submission") and how ("right away" or "daily digest"); nobody is told of their own
changes; people are told only of what they may see. E-mails are read from the SMTP server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from channelops.agreements.models import AgreementTemplate
from channelops.agreements.services import (
    legal_comment_add,
    legal_request_open,
    legal_request_withdraw,
    region_exception_decide,
    region_exception_request,
)
from channelops.core.exceptions import NotAllowed
from channelops.core.models import OutboxMessage
from channelops.core.schedules import schedules
from channelops.notifications.models import How, Notification, NotificationRule, When
from channelops.notifications.registry import get_watchable, notify, register_watchable, watchables_for
from channelops.notifications.services import digests_send, notification_rule_save
from channelops.partners.models import Region
from channelops.partners.registration import (
    application_reject,
    application_submit,
    application_verify,
)
from channelops.work.models import Project
from channelops.work.services.items import comment_add, work_item_create

from .conftest import Mailbox
from .factories import MembershipFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def rule(user, watch: str, when: str = When.ANY_CHANGE, how: str = How.DIGEST) -> NotificationRule:
    return notification_rule_save(user=user, watch=watch, when=when, how=how, by=user)


def titles(user) -> list[str]:
    return list(Notification.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


def apply(company: str = "Gamma Systems", domain: str = "gamma.example"):
    app, _token = application_submit(
        company_name=company,
        website=f"https://{domain}",
        country="DE",
        region="EMEA",
        first_name="Gina",
        last_name="Gamma",
        email=f"gina@{domain}",
    )
    return application_verify(application=app)


def master() -> AgreementTemplate:
    return AgreementTemplate.objects.get(slug="master-partner-agreement")


def shared_item(partner, staff, title: str = "Joint launch plan", shared: bool = True):
    return work_item_create(
        project=Project.objects.get(slug="channels"),
        title=title,
        dri=staff,
        by=staff,
        due_date=date.today() + timedelta(days=7),
        partner=partner,
        shared_with_partner=shared,
    )


@pytest.fixture
def legal(db):
    return StaffFactory(email="legal@vendor.test", roles=["legal"])


# --- when: any change, or only new submissions ----------------------------------------------------


def test_an_any_change_rule_tells_of_new_applications_and_of_decisions(cam, phd_emea):
    rule(phd_emea, "applications", When.ANY_CHANGE)
    app = apply()
    application_reject(application=app, by=cam, reason="Not a fit for the program.")
    assert titles(phd_emea) == [
        "New partner application: Gamma Systems",
        "Partner application rejected: Gamma Systems",
    ]
    first, second = Notification.objects.filter(user=phd_emea).order_by("pk")
    assert first.url == f"/console/applications/{app.pk}/"
    assert first.actor is None  # the applicant has no account
    assert second.actor == cam


def test_a_new_submission_rule_ignores_later_changes(cam, phd_emea):
    rule(phd_emea, "applications", When.NEW_SUBMISSION)
    app = apply()
    application_reject(application=app, by=cam, reason="Not a fit for the program.")
    assert titles(phd_emea) == ["New partner application: Gamma Systems"]


def test_nobody_is_notified_of_their_own_changes(partner_a, admin_a, leadership, cam):
    rule(leadership, "region_exceptions")
    rule(cam, "region_exceptions")
    exc = region_exception_request(
        partner=partner_a, regions=[Region.objects.get(code="AMER")], justification="US customers", by=admin_a
    )
    region_exception_decide(exception=exc, approve=True, by=leadership)
    assert titles(cam) == [
        "New region request from Acme Test Partner",
        "Region request of Acme Test Partner approved",
    ]
    assert titles(leadership) == ["New region request from Acme Test Partner"]  # not of the decision


def test_people_without_a_rule_are_not_notified(partner_a, admin_a, cam, legal):
    legal_request_open(partner=partner_a, template=master(), proposed_changes="Shorter terms", by=admin_a)
    assert Notification.objects.count() == 0


# --- who may be told: visibility -------------------------------------------------------------------


def test_a_partner_person_is_never_notified_of_another_partners_items(
    partner_a, partner_b, admin_a, user_a, user_b, cam
):
    rule(user_b, "work_items")
    rule(user_b, "legal_requests")
    rule(user_a, "work_items")
    item = shared_item(partner_a, cam)
    comment_add(item=item, body="Kick-off on Monday", by=cam)
    legal_request_open(partner=partner_a, template=master(), proposed_changes="Shorter terms", by=admin_a)
    assert titles(user_b) == []
    assert titles(user_a) == ["New work item: Joint launch plan", "Work item updated: Joint launch plan"]
    n = Notification.objects.filter(user=user_a).first()
    assert n.url == f"/portal/work/{item.pk}/"  # partner people get the portal page
    assert n.partner_id == partner_a.pk


def test_partner_people_are_not_notified_of_work_items_not_shared_with_them(partner_a, user_a, cam):
    rule(user_a, "work_items")
    rule(cam, "work_items")
    other = StaffFactory(email="dri@vendor.test", roles=["cam"])
    shared_item(partner_a, other, "Internal note about Acme", shared=False)
    assert titles(user_a) == []
    assert titles(cam) == ["New work item: Internal note about Acme"]
    assert Notification.objects.get(user=cam).url.startswith("/console/work/")


def test_partner_people_are_told_of_their_own_partners_legal_requests(partner_a, admin_a, user_a, legal):
    rule(user_a, "legal_requests")
    lr = legal_request_open(
        partner=partner_a, template=master(), proposed_changes="Shorter terms", by=admin_a
    )
    legal_comment_add(request=lr, body="We can offer 60 days.", by=legal)
    legal_request_withdraw(request=lr, by=admin_a)
    assert titles(user_a) == [
        "New legal request from Acme Test Partner: Master Partner Agreement",
        "New comment on the legal request of Acme Test Partner: Master Partner Agreement",
        "Legal request of Acme Test Partner closed: Master Partner Agreement",
    ]
    assert set(Notification.objects.filter(user=user_a).values_list("url", flat=True)) == {
        f"/portal/agreements/legal/{lr.pk}/"
    }


def test_a_staff_role_without_the_view_permission_is_not_notified_of_legal_requests(
    partner_a, admin_a, legal
):
    no_role = StaffFactory(email="intern@vendor.test", roles=[])
    assert get_watchable("legal_requests") not in watchables_for(no_role)
    with pytest.raises(ValidationError):
        rule(no_role, "legal_requests")
    # A rule left over from a former role (written directly) does not leak anything either.
    NotificationRule.objects.create(
        user=no_role, watch="legal_requests", when=When.ANY_CHANGE, how=How.IMMEDIATE
    )
    rule(legal, "legal_requests")
    legal_request_open(partner=partner_a, template=master(), proposed_changes="Shorter terms", by=admin_a)
    assert titles(no_role) == []
    assert titles(legal) == ["New legal request from Acme Test Partner: Master Partner Agreement"]
    assert not OutboxMessage.objects.filter(payload__to=[no_role.email]).exists()


def test_partner_people_may_watch_only_partner_scoped_queues(user_a, cam):
    assert {w.key for w in watchables_for(user_a)} == {
        "legal_requests",
        "nfr_requests",
        "region_exceptions",
        "work_items",
    }
    assert "applications" in {w.key for w in watchables_for(cam)}
    with pytest.raises(ValidationError):
        rule(user_a, "applications")


def test_inactive_people_are_not_notified(phd_emea):
    rule(phd_emea, "applications")
    phd_emea.is_active = False
    phd_emea.save()
    apply()
    assert titles(phd_emea) == []


def test_a_later_feature_adds_its_queue_through_the_registry(cam, partner_a):
    register_watchable("test_widgets", "Test widgets", perm="partners.view_partner")
    try:
        rule(cam, "test_widgets", how=How.DIGEST)
        notify(
            watch="test_widgets",
            obj=None,
            actor=None,
            new=True,
            title="Widget",
            url="/x/",
            partner_id=partner_a.pk,
        )
        assert titles(cam) == ["Widget"]
        with pytest.raises(LookupError):
            notify(watch="nope", obj=None, actor=None, new=True, title="", url="", partner_id=None)
    finally:
        from channelops.notifications import registry

        registry._REGISTRY.pop("test_widgets")


# --- how: right away ---------------------------------------------------------------------------------


def test_a_right_away_rule_sends_one_email_per_change_to_the_smtp_server(
    partner_a, admin_a, legal, cam, smtp_server, deliver
):
    rule(legal, "legal_requests", how=How.IMMEDIATE)
    rule(cam, "legal_requests", how=How.DIGEST)
    lr = legal_request_open(
        partner=partner_a, template=master(), proposed_changes="Shorter terms", by=admin_a
    )
    legal_comment_add(request=lr, body="Any news?", by=admin_a)
    deliver()
    mine = [
        m
        for m in smtp_server.box.to("legal@vendor.test")
        if m["X-Channelops-Key"].startswith("notification:")
    ]
    assert [m["Subject"] for m in mine] == [
        "New legal request from Acme Test Partner: Master Partner Agreement",
        "New comment on the legal request of Acme Test Partner: Master Partner Agreement",
    ]
    text = Mailbox.text(mine[0])
    assert (
        f"http://testserver/console/legal-requests/{lr.pk}/" in text
        or f"/console/legal-requests/{lr.pk}/" in text
    )
    assert "/console/notifications/rules/" in text
    assert admin_a.get_full_name() in text
    assert smtp_server.box.to("cam@vendor.test") == []  # the digest comes once a day


# --- how: the daily digest -------------------------------------------------------------------------


def digests(smtp_server, address: str) -> list:
    return [m for m in smtp_server.box.to(address) if m["X-Channelops-Key"].startswith("digest:")]


def _changes(partner_a, admin_a, cam, n: int = 3):
    item = shared_item(partner_a, cam)
    for i in range(n):
        comment_add(item=item, body=f"Update {i}", by=admin_a)
    return item


def test_the_daily_digest_lists_every_change_once_in_one_email_per_person(
    partner_a, admin_a, user_a, cam, phd_emea, smtp_server, deliver
):
    rule(cam, "work_items", how=How.DIGEST)
    rule(user_a, "work_items", how=How.DIGEST)
    rule(phd_emea, "work_items", how=How.IMMEDIATE)
    item = _changes(partner_a, admin_a, cam, n=3)
    now = timezone.now() + timedelta(seconds=1)
    stats = digests_send(now=now)
    assert stats == {
        "people": 2,
        "changes": 7,
        "already_sent": 0,
        "skipped": 0,
        "failed": 0,
    }  # cam: 3, user_a: 1 + 3
    smtp_server.box.clear()
    deliver()
    (to_cam,) = digests(smtp_server, "cam@vendor.test")
    (to_user,) = digests(smtp_server, "user@a.test")
    assert digests(smtp_server, "phd.emea@vendor.test") == []  # right-away people get no digest
    assert len(smtp_server.box.to("phd.emea@vendor.test")) == 4  # but one e-mail per change
    assert to_cam["Subject"] == "Your daily digest: 3 changes"
    assert to_user["Subject"] == "Your daily digest: 4 changes"
    body = Mailbox.text(to_user)
    assert body.count("Work item updated: Joint launch plan") == 3
    assert body.count("New work item: Joint launch plan") == 1
    assert f"/portal/work/{item.pk}/" in body
    assert f"/console/work/{item.pk}/" in Mailbox.text(to_cam)
    assert to_cam["X-Channelops-Key"] == f"digest:{cam.pk}:{timezone.localdate(now).isoformat()}"
    assert not Notification.objects.filter(how=How.DIGEST, digested_at__isnull=True).exists()


def test_a_second_digest_run_the_same_day_sends_nothing_and_keeps_new_changes_for_tomorrow(
    frozen_clock, partner_a, admin_a, cam, smtp_server, deliver
):
    # 8:00 tomorrow morning: "two hours later" stays the same day whenever the suite runs.
    frozen_clock.move_to(
        (timezone.localtime() + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    )
    rule(cam, "work_items", how=How.DIGEST)
    item = _changes(partner_a, admin_a, cam, n=2)
    morning = timezone.now() + timedelta(seconds=1)
    assert digests_send(now=morning)["people"] == 1
    assert digests_send(now=morning)["people"] == 0  # a second run (or a second worker)
    comment_add(item=item, body="Late news", by=admin_a)
    later = morning + timedelta(hours=2)
    assert digests_send(now=later) == {
        "people": 0,
        "changes": 0,
        "already_sent": 1,
        "skipped": 0,
        "failed": 0,
    }
    deliver()
    assert len(digests(smtp_server, "cam@vendor.test")) == 1
    tomorrow = morning + timedelta(days=1)
    assert digests_send(now=tomorrow) == {
        "people": 1,
        "changes": 1,
        "already_sent": 0,
        "skipped": 0,
        "failed": 0,
    }
    smtp_server.box.clear()
    deliver()
    (msg,) = digests(smtp_server, "cam@vendor.test")
    assert msg["Subject"] == "Your daily digest: 1 change"
    assert "Late news" not in Mailbox.text(msg)  # titles only, never the comment bodies
    assert Mailbox.text(msg).count("Work item updated: Joint launch plan") == 1
    assert OutboxMessage.objects.filter(idempotency_key__startswith=f"digest:{cam.pk}:").count() == 2


def test_a_digest_that_cannot_be_queued_waits_for_the_next_run_and_others_still_get_theirs(
    partner_a, admin_a, cam, phd_emea, monkeypatch
):
    import channelops.notifications.services as services

    rule(cam, "work_items", how=How.DIGEST)
    rule(phd_emea, "work_items", how=How.DIGEST)
    _changes(partner_a, admin_a, cam, n=2)
    real = services.email_enqueue

    def broken_for_the_cam(**kwargs):
        if kwargs["to"] == "cam@vendor.test":
            raise RuntimeError("the template is broken")
        return real(**kwargs)

    monkeypatch.setattr(services, "email_enqueue", broken_for_the_cam)
    now = timezone.now() + timedelta(seconds=1)
    assert digests_send(now=now) == {"people": 1, "changes": 3, "already_sent": 0, "skipped": 0, "failed": 1}
    assert Notification.objects.filter(user=cam, digested_at__isnull=True).count() == 2
    monkeypatch.undo()
    assert digests_send(now=now) == {"people": 1, "changes": 2, "already_sent": 0, "skipped": 0, "failed": 0}


def test_the_digest_leaves_changes_made_after_its_cut_off(partner_a, admin_a, cam):
    rule(cam, "work_items", how=How.DIGEST)
    _changes(partner_a, admin_a, cam, n=1)
    before = datetime(2020, 1, 1, 6, tzinfo=UTC)
    assert digests_send(now=before)["people"] == 0
    assert Notification.objects.filter(digested_at__isnull=True).count() == 1


def test_the_digest_is_a_registered_daily_schedule():
    (sched,) = [s for s in schedules() if s.name == "notification_digests"]
    assert sched.rule == "FREQ=DAILY;BYHOUR=6;BYMINUTE=0"
    assert sched.task == "channelops.notifications.tasks.digests_send_task"


# --- pages -----------------------------------------------------------------------------------------


def _notifications_for(user, n: int, *, read: bool = False) -> None:
    Notification.objects.bulk_create(
        Notification(
            user=user,
            watch="work_items",
            title=f"Change {i}",
            url=f"/console/work/{i}/",
            read_at=timezone.now() if read else None,
        )
        for i in range(n)
    )


def test_the_console_list_shows_only_my_notifications_with_an_unread_badge(cam, phd_emea, login):
    _notifications_for(cam, 2)
    Notification.objects.create(user=phd_emea, watch="work_items", title="Not for the CAM", url="/x/")
    body = login(cam).get("/console/notifications/").content.decode()
    assert "Change 0" in body and "Change 1" in body
    assert "Not for the CAM" not in body
    assert (
        '<span class="badge nav-count ms-auto">2<span class="visually-hidden"> unread</span></span>' in body
    )


def test_marking_one_read_and_opening_it(cam, login):
    _notifications_for(cam, 2)
    client = login(cam)
    first, second = Notification.objects.filter(user=cam).order_by("pk")
    resp = client.post(f"/console/notifications/{first.pk}/read/")
    assert resp.status_code == 302 and resp["Location"] == "/console/notifications/"
    resp = client.post(f"/console/notifications/{second.pk}/read/", {"open": "1"})
    assert resp["Location"] == "/console/work/1/"
    assert Notification.objects.filter(user=cam, read_at__isnull=True).count() == 0
    assert 'visually-hidden"> unread' not in client.get("/console/notifications/").content.decode()
    assert client.get(f"/console/notifications/{first.pk}/read/").status_code == 405


def test_an_open_link_never_leaves_the_site(cam, login):
    n = Notification.objects.create(user=cam, watch="work_items", title="Odd", url="https://evil.example/")
    resp = login(cam).post(f"/console/notifications/{n.pk}/read/", {"open": "1"})
    assert resp["Location"] == "/console/notifications/"


def test_mark_all_read_marks_only_mine(cam, phd_emea, login):
    _notifications_for(cam, 3)
    _notifications_for(phd_emea, 2)
    resp = login(cam).post("/console/notifications/read/")
    assert resp.status_code == 302
    assert Notification.objects.filter(user=cam, read_at__isnull=True).count() == 0
    assert Notification.objects.filter(user=phd_emea, read_at__isnull=True).count() == 2


def test_someone_elses_notification_cannot_be_marked_read(cam, phd_emea, login):
    n = Notification.objects.create(user=phd_emea, watch="work_items", title="Private", url="/x/")
    assert login(cam).post(f"/console/notifications/{n.pk}/read/").status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_the_unread_filter(cam, login):
    _notifications_for(cam, 1)
    Notification.objects.create(
        user=cam, watch="work_items", title="Seen before", url="/x/", read_at=timezone.now()
    )
    body = login(cam).get("/console/notifications/?show=unread").content.decode()
    assert "Change 0" in body and "Seen before" not in body


def test_partner_people_have_the_same_pages_in_the_portal(admin_a, login):
    _notifications_for(admin_a, 1)
    client = login(admin_a)
    body = client.get("/portal/notifications/").content.decode()
    assert "Change 0" in body and "Acme Test Partner" in body
    assert '<span class="badge nav-count ms-auto">1<span class="visually-hidden"> unread' in body
    assert client.get("/console/notifications/").status_code == 403
    assert login(StaffFactory(roles=["cam"])).get("/portal/notifications/")["Location"] == "/console/"


@pytest.mark.parametrize("n", [3, 30])
def test_the_console_list_costs_the_same_queries_for_3_and_30_notifications(
    n, cam, login, django_assert_num_queries
):
    _notifications_for(cam, n)
    client = login(cam)
    client.get("/console/notifications/")
    # session, user, MFA check, page count, page rows (with the actor), unread count for the badge
    with django_assert_num_queries(6):
        resp = client.get("/console/notifications/")
    assert resp.content.decode().count("<strong>Change ") == n


@pytest.mark.parametrize("n", [3, 30])
def test_the_portal_list_costs_the_same_queries_for_3_and_30_notifications(
    n, admin_a, login, django_assert_num_queries
):
    _notifications_for(admin_a, n)
    client = login(admin_a)
    client.get("/portal/notifications/")
    # session, user, membership + partner, page count, page rows, unread count for the badge
    with django_assert_num_queries(6):
        resp = client.get("/portal/notifications/")
    assert resp.content.decode().count("<strong>Change ") == n


# --- rules pages: add, change, delete, bad input ----------------------------------------------------


def test_adding_changing_and_deleting_a_rule_in_the_console(cam, login):
    client = login(cam)
    resp = client.post(
        "/console/notifications/rules/",
        {"watch": "applications", "when": "new_submission", "how": "immediate"},
    )
    assert resp.status_code == 302
    r = NotificationRule.objects.get(user=cam)
    assert (r.watch, r.when, r.how) == ("applications", "new_submission", "immediate")
    body = client.get("/console/notifications/rules/").content.decode()
    assert "Partner applications" in body and "E-mail right away" in body
    resp = client.post(
        f"/console/notifications/rules/{r.pk}/",
        {"watch": "applications", "when": "any_change", "how": "digest"},
    )
    assert resp.status_code == 302
    r.refresh_from_db()
    assert (r.when, r.how) == ("any_change", "digest")
    assert client.post(f"/console/notifications/rules/{r.pk}/delete/").status_code == 302
    assert not NotificationRule.objects.filter(user=cam).exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"watch": "nothing_like_it", "when": "any_change", "how": "digest"}, "Select a valid choice"),
        ({"watch": "applications", "when": "", "how": "digest"}, "This field is required"),
        ({"watch": "applications", "when": "any_change", "how": "hourly"}, "Select a valid choice"),
        ({"watch": "applications", "when": "any_change", "how": "digest"}, "You already have a rule"),
    ],
)
def test_bad_rule_input_is_refused_with_a_message(cam, login, data, error):
    rule(cam, "applications")
    resp = login(cam).post("/console/notifications/rules/", data)
    assert resp.status_code == 400
    assert error in resp.content.decode()
    assert NotificationRule.objects.filter(user=cam).count() == 1


def test_changing_a_rule_to_a_queue_already_watched_is_refused(cam, login):
    rule(cam, "applications")
    other = rule(cam, "work_items")
    resp = login(cam).post(
        f"/console/notifications/rules/{other.pk}/",
        {"watch": "applications", "when": "any_change", "how": "digest"},
    )
    assert resp.status_code == 400
    assert "You already have a rule" in resp.content.decode()


def test_someone_elses_rule_cannot_be_changed_or_deleted(cam, phd_emea, login):
    theirs = rule(phd_emea, "applications")
    client = login(cam)
    assert client.get(f"/console/notifications/rules/{theirs.pk}/").status_code == 404
    data = {"watch": "applications", "when": "any_change", "how": "immediate"}
    assert client.post(f"/console/notifications/rules/{theirs.pk}/", data).status_code == 404
    assert client.post(f"/console/notifications/rules/{theirs.pk}/delete/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.how == How.DIGEST


def test_the_portal_rules_page_offers_only_partner_scoped_queues(user_a, login):
    client = login(user_a)
    body = client.get("/portal/notifications/rules/").content.decode()
    assert 'value="work_items"' in body and 'value="legal_requests"' in body
    assert 'value="applications"' not in body
    resp = client.post(
        "/portal/notifications/rules/", {"watch": "applications", "when": "any_change", "how": "digest"}
    )
    assert resp.status_code == 400
    resp = client.post(
        "/portal/notifications/rules/", {"watch": "work_items", "when": "any_change", "how": "digest"}
    )
    assert resp.status_code == 302
    assert NotificationRule.objects.get(user=user_a).watch == "work_items"


def test_rules_are_personal(cam, phd_emea):
    with pytest.raises(NotAllowed):
        notification_rule_save(user=phd_emea, watch="applications", when="any_change", how="digest", by=cam)


def test_a_person_watching_with_a_new_partner_user_gets_the_new_users_changes(partner_a, cam, login):
    """A partner person added later is told like the others (rules are per person, not per partner)."""
    newcomer = MembershipFactory(partner=partner_a, role="user", user=UserFactory(email="new@a.test")).user
    rule(newcomer, "work_items")
    shared_item(partner_a, cam, "Welcome plan")
    assert titles(newcomer) == ["New work item: Welcome plan"]
    assert "Welcome plan" in login(newcomer).get("/portal/notifications/").content.decode()
