"""Benchmark: NFR licenses issued per second, and the signing step against raw Ed25519.

    .venv/bin/python bench/licenses.py                 # 300 requests
    .venv/bin/python bench/licenses.py --requests 50

In a temporary directory it migrates a fresh SQLite database and builds (untimed) one
authorised partner per request (agreements accepted through the service), a PHD specialist
holding the issuing privilege (access request approved by channel leadership) and one submitted
request per partner. It then times:

* **end to end**: ``nfr_request_approve`` for every request, one transaction each — lock the
  request, evaluate the eligibility criteria, sign the license (Ed25519 JWS), store it, audit the
  privilege's use, render the license e-mail and queue the four delivery steps in the outbox.
  Reported as licenses per second; the run checks one license and four outbox rows per request;
* **signing**: ``license_sign`` (canonical JSON, JWS compact via joserfc, armour) of the same
  payloads, against the **baseline** — raw Ed25519 ``sign`` (pyca/cryptography) of the same
  canonical bytes, in the same run. The ratio is the overhead of the envelope.

Prints the figures and writes ``bench/results/licenses.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import time
from pathlib import Path
from typing import Any

from benchlib import django_on_fresh_sqlite, machine, scratch_dir, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "licenses.json"


def _setup(tmp: Path) -> None:
    django_on_fresh_sqlite(
        tmp,
        "licenses",
        env={"CHANNELOPS_LICENSE_KEY_DIR": str(tmp / "license-keys")},
        drop=("CHANNELOPS_LICENSE_PRIVATE_KEY",),
    )


def _build(n: int) -> tuple[Any, list[Any]]:
    """n authorised partners with one submitted request each, and an issuer (untimed)."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from channelops.accounts.models import User
    from channelops.accounts.services import access_request_approve, access_request_create
    from channelops.agreements.querysets import partner_agreement_rows
    from channelops.agreements.services import agreement_accept
    from channelops.licensing.services import nfr_request_submit
    from channelops.partners.models import MembershipRole, Partner, PartnerMembership, Region, Tier

    def staff(email: str, role: str) -> User:
        user = User.objects.create_user(
            email=email, password=None, full_name=email.split("@")[0], is_staff=True
        )
        user.groups.add(Group.objects.get(name=role))
        return user

    phd = staff("phd@bench.example", "phd_specialist")
    lead = staff("lead@bench.example", "channel_leadership")
    grant = access_request_create(
        perm="licensing.issue_license", justification="Benchmark issuer for the NFR queue.", by=phd
    )
    access_request_approve(request=grant, by=lead)
    region = Region.objects.get(code="EMEA")
    tier = Tier.objects.get(slug="select")
    requests = []
    for i in range(n):
        with transaction.atomic():
            partner = Partner.objects.create(
                legal_name=f"Bench Partner {i:05d} GmbH", region=region, tier=tier, status="active"
            )
            admin = User.objects.create_user(email=f"admin{i:05d}@bench.example", password=None)
            PartnerMembership.objects.create(partner=partner, user=admin, role=MembershipRole.ADMIN)
            for row in partner_agreement_rows(partner):
                if row.needs_action:
                    agreement_accept(
                        partner=partner,
                        version=row.current,
                        submitted_hash=row.current.content_hash,
                        by=admin,
                    )
            requests.append(
                nfr_request_submit(
                    partner=partner,
                    contact_name=f"Contact {i:05d}",
                    contact_email=f"contact{i:05d}@bench.example",
                    plan="ultimate",
                    seats=5,
                    term_months=12,
                    purpose="Demo lab",
                    by=admin,
                )
            )
    return phd, requests


def _signing(n: int) -> dict[str, Any]:
    """license_sign against raw Ed25519 signing of the same canonical bytes."""
    from channelops.licensing.files import canonical_json, license_sign
    from channelops.licensing.keys import current_signing_key

    key = current_signing_key()
    payloads = [
        {
            "id": f"00000000-0000-4000-8000-{i:012d}",
            "licensee": f"Contact {i:05d}",
            "company": f"Bench Partner {i:05d} GmbH",
            "email": f"contact{i:05d}@bench.example",
            "plan": "ultimate",
            "users": 5,
            "nfr": True,
            "trial": False,
            "starts": "2026-11-28",
            "expires": "2027-11-28",
            "note": f"5 Ultimate NFR licenses for partner Bench Partner {i:05d} GmbH",
            "issuer": "https://partners.example",
            "kid": key.kid,
        }
        for i in range(n)
    ]
    t0 = time.perf_counter()
    for p in payloads:
        license_sign(p, key=key)
    envelope = time.perf_counter() - t0
    messages = [canonical_json(p) for p in payloads]
    private = key.private_key
    t0 = time.perf_counter()
    for m in messages:
        private.sign(m)
    raw = time.perf_counter() - t0
    return {"license_sign_seconds": envelope, "raw_ed25519_seconds": raw}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("need at least one request")

    with scratch_dir("licenses", keep=args.keep) as tmp:
        t = time.perf_counter()
        _setup(tmp)
        migrate_seconds = time.perf_counter() - t
        t = time.perf_counter()
        phd, requests = _build(args.requests)
        build_seconds = time.perf_counter() - t

        from channelops.core.models import OutboxMessage
        from channelops.licensing.models import License
        from channelops.licensing.services import nfr_request_approve

        outbox_before = OutboxMessage.objects.count()
        t0, c0 = time.perf_counter(), time.process_time()
        for req in requests:
            nfr_request_approve(request=req, by=phd)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        licenses = License.objects.count()
        queued = OutboxMessage.objects.count() - outbox_before
        if licenses != args.requests or queued != 4 * args.requests:
            raise RuntimeError(
                f"expected {args.requests} licenses and {4 * args.requests} outbox rows, got {licenses} / {queued}"
            )
        sign = _signing(args.requests)
        ratio = sign["license_sign_seconds"] / sign["raw_ed25519_seconds"]
        rate = args.requests / seconds
        result = {
            "scenario": "NFR approval to queued license e-mail",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "scale": {"requests": args.requests},
            "setup_seconds": {"migrate": round(migrate_seconds, 2), "build": round(build_seconds, 2)},
            "end_to_end": {
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "licenses_per_second": round(rate, 1),
                "ms_per_license": round(seconds * 1000 / args.requests, 2),
                "outbox_rows": queued,
            },
            "signing": {
                "license_sign_ms": round(sign["license_sign_seconds"] * 1000 / args.requests, 4),
                "raw_ed25519_ms": round(sign["raw_ed25519_seconds"] * 1000 / args.requests, 4),
                "ratio_to_raw_ed25519": round(ratio, 2),
                "share_of_end_to_end": round(sign["license_sign_seconds"] / seconds, 3),
            },
        }
        write_results(RESULTS, result)
        e, s = result["end_to_end"], result["signing"]
        print(f"NFR licenses: {args.requests:,} approvals (SQLite {sqlite3.sqlite_version})")
        print(
            f"  end to end        {e['licenses_per_second']:8.1f} licenses/s  ({e['ms_per_license']} ms each,"
            f" approval → license signed → 4 outbox rows)"
        )
        print(f"  license_sign      {s['license_sign_ms']:8.4f} ms  (canonical JSON + JWS + armour)")
        print(f"  raw Ed25519 sign  {s['raw_ed25519_ms']:8.4f} ms  (baseline, same bytes)")
        print(
            f"  ratio             {s['ratio_to_raw_ed25519']:8.2f} x  (signing is {s['share_of_end_to_end']:.1%} of end to end)"
        )
        print(f"  written to {RESULTS.relative_to(ROOT)}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
