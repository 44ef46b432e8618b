"""Benchmark: Open Badges issued per second, and the signing step against raw Ed25519.

    .venv/bin/python bench/badges.py                 # 1,000 practitioner records
    .venv/bin/python bench/badges.py --records 200

In a temporary directory it migrates a fresh SQLite database and inserts (untimed) one partner
and N certified practitioner records of a certification that grants a badge. It then times:

* **end to end**: what an import and the worker do — the ``practitioner_records_changed`` signal
  in one transaction (one ``Badge`` row per record, status-list indexes, ``badges.sign`` outbox
  rows; approval mode ``auto``), then every ``badges.sign`` outbox message handled as the worker
  does (build the OpenBadgeCredential, canonicalize with RDFC-1.0, sign, store, queue the holder's
  e-mail). Reported as badges signed per second; the run checks N signed badges;
* **signing**: the ``eddsa-rdfc-2022`` proof of the same credentials (two RDFC-1.0
  canonicalizations by pyld + SHA-256 + Ed25519), against the **baseline** — raw Ed25519 ``sign``
  (pyca/cryptography) of the same credentials' canonical JSON bytes, in the same run. The ratio
  is the cost of JSON-LD canonicalization, reported on its own too.

Prints the figures and writes ``bench/results/badges.json``.
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
RESULTS = ROOT / "bench" / "results" / "badges.json"


def _setup(tmp: Path) -> None:
    django_on_fresh_sqlite(
        tmp,
        "badges",
        env={"CHANNELOPS_BADGE_KEY_DIR": str(tmp / "badge-keys"), "CHANNELOPS_BADGE_APPROVAL": "auto"},
        drop=("CHANNELOPS_BADGE_PRIVATE_KEY",),
    )


def _build(n: int) -> list[int]:
    """One partner and n certified records (untimed, bulk)."""
    from channelops.enablement.models import Certification, PractitionerRecord
    from channelops.partners.models import Partner, Region, Tier

    partner = Partner.objects.create(
        legal_name="Bench Badges GmbH",
        region=Region.objects.get(code="EMEA"),
        tier=Tier.objects.get(slug="select"),
        status="active",
    )
    cert = Certification.objects.filter(grants_badge=True).order_by("pk").first()
    if cert is None:
        raise RuntimeError("no certification grants a badge")
    today = dt.date.today()
    PractitionerRecord.objects.bulk_create(
        [
            PractitionerRecord(
                partner=partner,
                email=f"practitioner{i:06d}@bench.example",
                full_name=f"Practitioner {i:06d}",
                certification=cert,
                training_completed=True,
                exam_passed=True,
                exam_score=90,
                completed_on=today - dt.timedelta(days=1),
                expires_on=today + dt.timedelta(days=729),
                source="import",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    return list(PractitionerRecord.objects.filter(partner=partner).values_list("pk", flat=True))


def _signing(documents: list[dict[str, Any]]) -> dict[str, float]:
    """The eddsa-rdfc-2022 proof of each document against raw Ed25519 of its canonical JSON."""
    from channelops.badges.keys import current_key, verification_method
    from channelops.badges.proofs import add_proof, canonicalize
    from channelops.licensing.files import canonical_json

    key = current_key()
    method = verification_method(key.kid)
    unsigned = [{k: v for k, v in d.items() if k != "proof"} for d in documents]
    t0 = time.perf_counter()
    for d in unsigned:
        add_proof(d, private_key=key.private_key, verification_method=method, created="2026-11-28T00:00:00Z")
    proof = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in unsigned:
        canonicalize(d)
    canon = time.perf_counter() - t0
    messages = [canonical_json(d) for d in unsigned]
    t0 = time.perf_counter()
    for m in messages:
        key.private_key.sign(m)
    raw = time.perf_counter() - t0
    return {"proof_seconds": proof, "canonicalize_document_seconds": canon, "raw_ed25519_seconds": raw}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    if args.records < 1:
        parser.error("need at least one record")

    with scratch_dir("badges", keep=args.keep) as tmp:
        t = time.perf_counter()
        _setup(tmp)
        migrate_seconds = time.perf_counter() - t
        t = time.perf_counter()
        record_ids = _build(args.records)
        build_seconds = time.perf_counter() - t

        from django.db import transaction

        from channelops.badges.keys import current_key
        from channelops.badges.models import Badge, BadgeStatus
        from channelops.badges.services import deliver_badges_sign
        from channelops.core.models import OutboxMessage
        from channelops.enablement.hooks import practitioner_records_changed

        current_key()  # the key is generated on first use: not part of the timing
        t0, c0 = time.perf_counter(), time.process_time()
        with transaction.atomic():
            practitioner_records_changed.call(partner_ids=set(), record_ids=record_ids, by=None)
        created = time.perf_counter() - t0
        for msg in OutboxMessage.objects.filter(kind="badges.sign").order_by("pk"):
            deliver_badges_sign(msg)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        signed = Badge.objects.filter(status=BadgeStatus.ISSUED, credential__isnull=False).count()
        if signed != args.records:
            raise RuntimeError(f"expected {args.records} signed badges, got {signed}")
        documents = list(Badge.objects.values_list("credential", flat=True)[:1000])
        sign = _signing(documents)
        n_sign = len(documents)
        rate = args.records / seconds
        result = {
            "scenario": "certified practitioner record to signed Open Badges 3.0 credential",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "scale": {"records": args.records, "signing_sample": n_sign},
            "setup_seconds": {"migrate": round(migrate_seconds, 2), "build": round(build_seconds, 2)},
            "end_to_end": {
                "seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "badges_per_second": round(rate, 1),
                "ms_per_badge": round(seconds * 1000 / args.records, 3),
                "create_rows_seconds": round(created, 3),
                "create_rows_ms_per_badge": round(created * 1000 / args.records, 4),
            },
            "signing": {
                "eddsa_rdfc_2022_ms": round(sign["proof_seconds"] * 1000 / n_sign, 4),
                "canonicalize_document_ms": round(sign["canonicalize_document_seconds"] * 1000 / n_sign, 4),
                "raw_ed25519_ms": round(sign["raw_ed25519_seconds"] * 1000 / n_sign, 4),
                "ratio_to_raw_ed25519": round(sign["proof_seconds"] / sign["raw_ed25519_seconds"], 1),
                "share_of_end_to_end": round(sign["proof_seconds"] / n_sign * args.records / seconds, 3),
            },
        }
        write_results(RESULTS, result)
        e, s = result["end_to_end"], result["signing"]
        print(f"Open Badges: {args.records:,} certified records (SQLite {sqlite3.sqlite_version})")
        print(
            f"  end to end        {e['badges_per_second']:8.1f} badges/s  ({e['ms_per_badge']} ms each:"
            f" record → badge row → signed credential stored → e-mail queued)"
        )
        print(
            f"  badge rows        {e['create_rows_ms_per_badge']:8.4f} ms each  (inside the import's transaction)"
        )
        print(
            f"  eddsa-rdfc-2022   {s['eddsa_rdfc_2022_ms']:8.4f} ms  (2 × RDFC-1.0 canonicalization + SHA-256 + Ed25519)"
        )
        print(
            f"  canonicalize doc  {s['canonicalize_document_ms']:8.4f} ms  (pyld RDFC-1.0 of the credential alone)"
        )
        print(
            f"  raw Ed25519 sign  {s['raw_ed25519_ms']:8.4f} ms  (baseline, the same credential's JSON bytes)"
        )
        print(
            f"  ratio             {s['ratio_to_raw_ed25519']:8.1f} x  (signing is {s['share_of_end_to_end']:.1%} of end to end)"
        )
        print(f"  written to {RESULTS.relative_to(ROOT)}")
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
