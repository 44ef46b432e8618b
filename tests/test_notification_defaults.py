"""The notification rules suggested for each role (channelops/notifications/defaults.py): new people
get them, a role change adds the new role's, the data migration gives existing people theirs once,
a deleted suggestion stays deleted — and a PHD specialist is actually told of a new NFR request in
their region, and only of those."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.utils import timezone

from channelops.accounts import roles
from channelops.accounts.services import user_access_change, user_create, user_totp_activate
from channelops.core.models import OutboxMessage
from channelops.licensing.services import nfr_request_submit
from channelops.notifications.defaults import DEFAULTS, PARTNER_ADMIN, PARTNER_USER
from channelops.notifications.models import DismissedDefault, Notification, NotificationRule
from channelops.notifications.services import (
    notification_defaults_backfill,
    notification_defaults_sync,
    notification_rule_delete,
    notification_rule_save,
)
from channelops.partners.models import Region, RegionRouting
from channelops.partners.registration import application_submit, application_verify
from channelops.partners.services import partner_person_add
from channelops.work.models import Project
from channelops.work.services.items import work_item_create

from .factories import TEST_TOTP_SECRET, MembershipFactory, PartnerFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("channelops.notifications.migrations.0002_rule_defaults")


def staff(role: str, email: str | None = None):
    return user_create(email=email or f"{role}@vendor.test", is_staff=True, roles=[role], email_verified=True)


def rules_of(user) -> dict[str, tuple[str, str, str, str]]:
    """watch → (when, how, scope, suggested for)."""
    return {
        r.watch: (r.when, r.how, r.scope, r.default_role)
        for r in NotificationRule.objects.filter(user=user).order_by("watch")
    }


def table(role: str) -> dict[str, tuple[str, str, str, str]]:
    return {d.watch: (d.when, d.how, d.scope, role) for d in DEFAULTS[role]}


def route(region: str, person) -> None:
    RegionRouting.objects.update_or_create(
        region=Region.objects.get(code=region), defaults={"phd_specialist": person}
    )


def superuser():
    return StaffFactory(email="super@vendor.test", roles=["administrator"], is_superuser=True)


# --- new people ---------------------------------------------------------------------------------------


def test_a_new_phd_specialist_is_told_of_new_nfr_requests_and_applications_in_their_regions_right_away():
    phd = staff(roles.PHD)
    assert rules_of(phd) == {
        "applications": ("new_submission", "immediate", "my_regions", "phd_specialist"),
        "nfr_requests": ("new_submission", "immediate", "my_regions", "phd_specialist"),
    }


def test_a_new_cam_gets_a_daily_digest_of_changes_to_their_partners_requests_and_work():
    cam = staff(roles.CAM)
    assert rules_of(cam) == {
        watch: ("any_change", "digest", "my_partners", "cam")
        for watch in ("legal_requests", "nfr_requests", "region_exceptions", "work_items")
    }


@pytest.mark.parametrize("role", [r for r in DEFAULTS if r in roles.ROLES])
def test_every_staff_role_gets_its_suggested_rules_on_creation_and_may_watch_each_of_them(role):
    # A suggestion the role may not watch (its permissions) is skipped: the table must not hold one.
    assert DEFAULTS[role], role
    assert rules_of(staff(role)) == table(role)


def test_partner_people_get_their_roles_suggestions_when_they_join_their_partner():
    partner = PartnerFactory()
    admin = partner_person_add(
        partner=partner, email="ada@p.test", full_name="Ada Admin", role="admin", by=None
    )
    user = partner_person_add(partner=partner, email="ulf@p.test", full_name="Ulf User", by=None)
    assert rules_of(admin.user) == table(PARTNER_ADMIN)
    assert set(rules_of(admin.user)) == {"legal_requests", "nfr_requests", "region_exceptions", "work_items"}
    assert (
        rules_of(user.user)
        == table(PARTNER_USER)
        == {"work_items": ("any_change", "digest", "all", "partner_user")}
    )


def test_a_person_without_a_role_gets_no_rules():
    assert rules_of(user_create(email="nobody@vendor.test")) == {}


# --- role changes -------------------------------------------------------------------------------------


def test_a_new_role_adds_its_suggestions_without_duplicating_a_queue_the_person_already_watches():
    cam = staff(roles.CAM)
    before = rules_of(cam)
    user_access_change(user=cam, by=superuser(), groups=Group.objects.filter(name__in=[roles.CAM, roles.PHD]))
    after = rules_of(cam)
    assert NotificationRule.objects.filter(user=cam).count() == len(after) == 5
    # The CAM's NFR rule stays (one rule per queue); the PHD role adds the applications rule.
    assert after == {
        **before,
        "applications": ("new_submission", "immediate", "my_regions", "phd_specialist"),
    }
    assert notification_defaults_sync(user=cam) == []
    assert rules_of(cam) == after


def test_losing_a_role_removes_only_its_suggestions_the_person_never_changed():
    cam = staff(roles.CAM)
    work = NotificationRule.objects.get(user=cam, watch="work_items")
    notification_rule_save(
        user=cam,
        watch="work_items",
        when="any_change",
        how="immediate",
        scope="my_partners",
        rule=work,
        by=cam,
    )
    user_access_change(user=cam, by=superuser(), groups=Group.objects.filter(name=roles.PHD))
    after = rules_of(cam)
    assert after["work_items"] == ("any_change", "immediate", "my_partners", "cam")  # changed: kept
    assert NotificationRule.objects.get(user=cam, watch="work_items").edited_at is not None
    assert after["nfr_requests"] == ("new_submission", "immediate", "my_regions", "phd_specialist")
    assert "legal_requests" not in after and "region_exceptions" not in after


def test_a_partner_persons_role_change_adds_the_admins_suggestions():
    from channelops.partners import hooks as partner_hooks

    m = partner_person_add(partner=PartnerFactory(), email="ulf@p.test", full_name="Ulf User", by=None)
    assert set(rules_of(m.user)) == {"work_items"}
    m.role = "admin"
    m.save()
    partner_hooks.partner_person_changed.call(membership=m, by=None, fields=["role"])
    # The user's suggestion the person never changed gives way to the admin's for the same queue.
    assert rules_of(m.user) == table(PARTNER_ADMIN)


# --- deleting a suggestion ------------------------------------------------------------------------


def test_a_deleted_suggestion_stays_deleted_on_role_changes_and_the_one_off_step():
    phd = staff(roles.PHD)
    rule = NotificationRule.objects.get(user=phd, watch="nfr_requests")
    notification_rule_delete(rule=rule, by=phd)
    assert DismissedDefault.objects.filter(user=phd, watch="nfr_requests", role="phd_specialist").exists()
    user_access_change(user=phd, by=superuser(), groups=Group.objects.filter(name__in=[roles.PHD, roles.CAM]))
    assert notification_defaults_sync(user=phd) == []
    notification_defaults_backfill()  # (gives the factory-made superuser their administrator rule)
    assert "nfr_requests" not in rules_of(phd)
    assert set(rules_of(phd)) == {"applications", "legal_requests", "region_exceptions", "work_items"}


def test_deleting_a_rule_the_person_made_records_nothing():
    phd = staff(roles.PHD)
    own = notification_rule_save(user=phd, watch="legal_requests", when="any_change", how="digest", by=phd)
    notification_rule_delete(rule=own, by=phd)
    assert not DismissedDefault.objects.filter(user=phd).exists()


# --- existing people: the data migration ----------------------------------------------------------


def test_the_migration_gives_existing_people_their_suggestions_once_and_skips_equivalent_rules():
    # Made by factories, as people existed before the defaults: no rules.
    phd = StaffFactory(roles=[roles.PHD])
    cam = StaffFactory(roles=[roles.CAM])
    admin = MembershipFactory(role="admin").user
    nobody = UserFactory()
    # The PHD specialist already watches NFR requests their own way: that counts as having it.
    own = NotificationRule.objects.create(user=phd, watch="nfr_requests", when="any_change", how="digest")
    MIGRATION.give_existing_people_their_defaults(django_apps, None)
    assert rules_of(phd) == {
        "nfr_requests": ("any_change", "digest", "all", ""),
        "applications": ("new_submission", "immediate", "my_regions", "phd_specialist"),
    }
    assert NotificationRule.objects.get(user=phd, watch="nfr_requests").pk == own.pk
    assert rules_of(cam) == table(roles.CAM)
    assert rules_of(admin) == table(PARTNER_ADMIN)
    assert rules_of(nobody) == {}
    count = NotificationRule.objects.count()
    MIGRATION.give_existing_people_their_defaults(django_apps, None)
    assert NotificationRule.objects.count() == count
    assert notification_defaults_backfill() == 0


def test_the_one_off_command_reports_what_it_added(capsys):
    from django.core.management import call_command

    StaffFactory(roles=[roles.LEGAL])
    call_command("notification_defaults")
    call_command("notification_defaults")
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{len(DEFAULTS[roles.LEGAL])} suggested notification rules added.",
        "0 suggested notification rules added.",
    ]


# --- notifications that arrive ------------------------------------------------------------------------


def _submit(partner, admin):
    return nfr_request_submit(
        partner=partner,
        contact_name="Lena License",
        contact_email=f"lena{partner.pk}@example.test",
        plan="ultimate",
        seats=5,
        term_months=12,
        purpose="Demo lab",
        by=admin,
    )


def test_a_phd_specialist_is_told_of_a_new_nfr_request_in_their_region_and_not_of_one_elsewhere():
    phd_emea = staff(roles.PHD, "phd.emea@vendor.test")
    phd_amer = staff(roles.PHD, "phd.amer@vendor.test")
    route("EMEA", phd_emea)
    route("AMER", phd_amer)
    emea = PartnerFactory(region=Region.objects.get(code="EMEA"))
    amer = PartnerFactory(region=Region.objects.get(code="AMER"))
    emea_admin = MembershipFactory(partner=emea, role="admin").user
    amer_admin = MembershipFactory(partner=amer, role="admin").user

    req = _submit(emea, emea_admin)
    [n] = Notification.objects.filter(user=phd_emea)
    assert (n.watch, n.how, n.partner_id) == ("nfr_requests", "immediate", emea.pk)
    assert req.reference in n.title
    assert not Notification.objects.filter(user=phd_amer).exists()
    assert OutboxMessage.objects.filter(idempotency_key=f"notification:{n.pk}").exists()  # right away

    _submit(amer, amer_admin)
    assert Notification.objects.filter(user=phd_amer, partner=amer).count() == 1
    assert Notification.objects.filter(user=phd_emea).count() == 1


def test_a_phd_specialist_is_told_of_a_new_application_in_their_region_only():
    phd_emea = staff(roles.PHD, "phd.emea@vendor.test")
    phd_amer = staff(roles.PHD, "phd.amer@vendor.test")
    route("EMEA", phd_emea)
    route("AMER", phd_amer)
    app, _token = application_submit(
        company_name="Gamma Systems",
        website="https://gamma.example",
        country="DE",
        region="EMEA",
        first_name="Gina",
        last_name="Gamma",
        email="gina@gamma.example",
    )
    application_verify(application=app)
    assert list(Notification.objects.filter(user=phd_emea).values_list("title", flat=True)) == [
        "New partner application: Gamma Systems"
    ]
    assert not Notification.objects.filter(user=phd_amer).exists()


def test_a_cam_gets_their_own_partners_work_in_the_digest_and_not_other_partners():
    cam = staff(roles.CAM)
    mine = PartnerFactory(cam=cam)
    other = PartnerFactory()
    author = StaffFactory(roles=[roles.LEADERSHIP])
    for partner in (mine, other):
        work_item_create(
            project=Project.objects.get(slug="channels"),
            title=f"Launch plan of {partner.legal_name}",
            dri=author,
            by=author,
            partner=partner,
            due_date=timezone.localdate() + timedelta(days=7),
        )
    assert list(Notification.objects.filter(user=cam).values_list("title", "how")) == [
        (f"New work item: Launch plan of {mine.legal_name}", "digest")
    ]


# --- the rules page ---------------------------------------------------------------------------------


def test_the_rules_page_marks_suggestions_and_a_change_saves_the_scope(client):
    phd = staff(roles.PHD)
    user_totp_activate(user=phd, secret=TEST_TOTP_SECRET)
    client.force_login(phd)
    body = client.get("/console/notifications/rules/").content.decode()
    assert body.count("Suggested for your role</span>") == 2
    assert "Partners in my regions: no region is routed to you yet" in body
    # The add form offers only the queues the person has no rule for yet.
    assert 'value="legal_requests"' in body and 'value="nfr_requests"' not in body
    route("EMEA", phd)
    route("APAC", phd)
    body = client.get("/console/notifications/rules/").content.decode()
    assert body.count("Partners in my regions: APAC, EMEA") == 2
    rule = NotificationRule.objects.get(user=phd, watch="nfr_requests")
    r = client.post(
        f"/console/notifications/rules/{rule.pk}/",
        {"watch": "nfr_requests", "when": "new_submission", "how": "immediate", "scope": "all"},
    )
    assert r.status_code == 302
    rule.refresh_from_db()
    assert (rule.scope, rule.edited_at is not None) == ("all", True)
    body = client.get("/console/notifications/rules/").content.decode()
    assert body.count("Suggested for your role</span>") == 1
