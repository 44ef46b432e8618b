"""The `channelops` console script and its commands."""

from __future__ import annotations

import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from channelops.accounts.models import ApiToken
from channelops.accounts.services import api_token_authenticate
from channelops.demo.data import DEMO_PASSWORD, PARTNER_PEOPLE, STAFF
from channelops.partners.models import Contact, EngagementEvent, Partner


def test_token_create_prints_a_working_token_once(db, admin_a, capsys):
    call_command("token", "create", "--user", "ADMIN@a.test")
    clear = capsys.readouterr().out.strip()
    assert clear.startswith("cho_")
    assert api_token_authenticate(clear) == admin_a
    assert not ApiToken.objects.filter(token_hash=clear).exists()  # only the hash is stored


def test_token_create_for_an_unknown_person_says_what_to_do(db):
    with pytest.raises(CommandError, match="No person with e-mail"):
        call_command("token", "create", "--user", "nobody@example.test")
    assert not ApiToken.objects.exists()


def test_token_revoke_by_prefix(db, admin_a, capsys):
    call_command("token", "create", "--user", admin_a.email)
    clear = capsys.readouterr().out.strip()
    call_command("token", "revoke", clear[:12])
    assert api_token_authenticate(clear) is None


def test_demo_is_idempotent_and_every_role_can_sign_in(db, license_key_dir):
    # determinism, the story and the distributions: tests/test_demo.py
    call_command("demo", partners=5, contacts_per_partner=3, events_per_partner=4, seed=7)
    names = list(
        Partner.objects.filter(crm_account_id__startswith="DEMO-P")
        .order_by("crm_account_id")
        .values_list("legal_name", flat=True)
    )
    counts = (Partner.objects.count(), Contact.objects.count(), EngagementEvent.objects.count())
    call_command("demo", partners=5, contacts_per_partner=3, events_per_partner=4, seed=7)
    assert (Partner.objects.count(), Contact.objects.count(), EngagementEvent.objects.count()) == counts
    assert len(names) == 5
    # one sign-in per S1 role, all able to sign in with the demo password
    from channelops.accounts.models import User

    for person in STAFF + PARTNER_PEOPLE:
        assert User.objects.get(email=person.email).check_password(DEMO_PASSWORD)
    # the generated records validate: countries from the ISO list, phones international (E.164)
    for p in Partner.objects.filter(crm_account_id__startswith="DEMO-P"):
        p.clean_fields(exclude=[f.name for f in Partner._meta.fields if f.name not in ("country", "phone")])
        assert str(p.phone).startswith("+") or p.phone == ""


def test_demo_rejects_a_negative_count(db):
    with pytest.raises(SystemExit):
        call_command("demo", partners=-1)


def test_the_console_script_wraps_check(migrated_sqlite):
    import os

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "CHANNELOPS_TESTING": "0",
        "DATABASE_URL": f"sqlite:///{migrated_sqlite}",
    }
    exe = os.path.join(os.path.dirname(sys.executable), "channelops")
    ok = subprocess.run([exe, "check"], env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "database, migrations and task queue OK" in ok.stdout
    empty = migrated_sqlite.parent / "empty.sqlite3"
    bad = subprocess.run(
        [exe, "check"],
        env=env | {"DATABASE_URL": f"sqlite:///{empty}"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0
    assert "run `channelops migrate`" in bad.stderr


def test_token_create_for_staff_without_mfa_says_what_to_do(db):
    from .factories import StaffFactory

    StaffFactory(email="nomfa@vendor.test", roles=["cam"], mfa=False)
    with pytest.raises(CommandError, match="authenticator app"):
        call_command("token", "create", "--user", "nomfa@vendor.test")
    assert not ApiToken.objects.exists()
