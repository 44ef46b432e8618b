"""Benchmark: a full CRM sync to the Salesforce double (tests/fake_salesforce.py, HTTPS, the REST
wire protocol), against the double's raw ingest rate in the same run.

    .venv/bin/python bench/crm.py                                  # 10,000 partners, 100,000 contacts
    .venv/bin/python bench/crm.py --partners 2000 --contacts-per-partner 10

In a temporary directory it migrates a fresh SQLite database, starts the double and creates the
partners and contacts with ``bulk_create`` (untimed). It then times:

* **full outbound sync**: ``crm_sync(direction="out", full=True)`` — every partner and contact
  upserted by external id; above ``CHANNELOPS_CRM_BULK_THRESHOLD`` (2,000) in Bulk API 2.0 ingest
  jobs of 10,000 records (polled every 0.2 s here), the CRM ids and the synced values kept;
  reported as records/s and API calls per record (goal ≤ 1 call per 190 records, or Bulk jobs);
* **raw ingest** (the baselines), in the same run, with ``requests`` (one session, no database):
  the same rows as Bulk API 2.0 jobs of 10,000 (create, upload, close, poll every 0.2 s, read the
  results) — what the double itself costs — and as sObject Collections of 200;
* **full inbound read**: ``crm_sync(direction="in", full=True)`` (sets the inbound cursor);
* **no-op incremental**: ``crm_sync()`` with nothing changed on either side (goal ≤ 3 calls).

Checks the double holds exactly one Account per partner and one Contact per contact. Prints the
figures and writes ``bench/results/crm.json``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import django_on_fresh_sqlite, machine, scratch_dir, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "crm.json"


def _build(partners: int, per_partner: int) -> None:
    from channelops.partners.models import Contact, Partner, Region, Tier

    regions = list(Region.objects.order_by("code"))
    tiers = list(Tier.objects.order_by("rank"))
    Partner.objects.bulk_create(
        [
            Partner(
                legal_name=f"Bench Partner {i:05d}",
                website=f"https://p{i}.example",
                country="DE",
                region=regions[i % len(regions)],
                tier=tiers[i % len(tiers)],
                status="active",
            )
            for i in range(partners)
        ],
        batch_size=1000,
    )
    ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    Contact.objects.bulk_create(
        [
            Contact(partner_id=pid, first_name="Person", last_name=f"{pid}-{n}", email=f"c{n}@p{pid}.example")
            for pid in ids
            for n in range(per_partner)
        ],
        batch_size=2000,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--partners", type=int, default=10_000)
    parser.add_argument("--contacts-per-partner", type=int, default=10)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.fake_salesforce import FakeSalesforce

    fake = FakeSalesforce()
    with scratch_dir("crm", keep=args.keep) as tmp:
        django_on_fresh_sqlite(
            tmp,
            "crm",
            env={
                "CHANNELOPS_CRM_ENABLED": "true",
                "CHANNELOPS_SALESFORCE_LOGIN_URL": fake.url,
                "CHANNELOPS_SALESFORCE_CLIENT_ID": fake.client_id,
                "CHANNELOPS_SALESFORCE_CLIENT_SECRET": fake.client_secret,
                "CHANNELOPS_CRM_CA_BUNDLE": fake.ca_file,
                "CHANNELOPS_CRM_DAILY_API_BUDGET": "1000000",
                "CHANNELOPS_CRM_BULK_POLL_SECONDS": "0.2",
            },
        )
        import requests

        from channelops.crm.adapter import _flat
        from channelops.crm.mapping import EXTERNAL_ID
        from channelops.crm.services import crm_sync, load_records, mappings_for, payload_for
        from channelops.partners.models import Contact, Partner

        _build(args.partners, args.contacts_per_partner)
        partners, contacts = Partner.objects.count(), Contact.objects.count()
        records = partners + contacts

        t0 = time.perf_counter()
        out = crm_sync(direction="out", full=True)
        out_s = time.perf_counter() - t0
        bulk_jobs = sum(
            1 for c in fake.data_calls() if c.method == "POST" and c.path.endswith("/jobs/ingest")
        )
        accounts, remote_contacts = len(fake.records("Account")), len(fake.records("Contact"))
        if (out.status, accounts, remote_contacts) != ("succeeded", partners, contacts):
            print(f"FAILED: {out.status} {out.message}; {accounts} accounts, {remote_contacts} contacts")
            return 1

        # The baseline: the same payloads straight to the double (one session, no database work).
        payloads: dict[str, list[dict[str, Any]]] = {}
        for obj, model in (("partner", Partner), ("contact", Contact)):
            mappings = mappings_for(obj, "out", "both")
            ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
            payloads[obj] = [payload_for(obj, r, mappings) for r in load_records(obj, ids)]
        token = requests.post(
            f"{fake.url}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": fake.client_id,
                "client_secret": fake.client_secret,
            },
            verify=fake.ca_file,
            timeout=30,
        ).json()["access_token"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        base = f"{fake.url}/services/data/v59.0"

        def raw_bulk() -> int:
            calls = 0
            for obj, remote in (("partner", "Account"), ("contact", "Contact")):
                rows = [_flat(r) for r in payloads[obj]]
                for i in range(0, len(rows), 10_000):
                    chunk = rows[i : i + 10_000]
                    job = session.post(
                        f"{base}/jobs/ingest",
                        json={
                            "object": remote,
                            "operation": "upsert",
                            "externalIdFieldName": EXTERNAL_ID,
                            "contentType": "CSV",
                            "lineEnding": "LF",
                        },
                        verify=fake.ca_file,
                        timeout=60,
                    ).json()
                    text = io.StringIO()
                    writer = csv.DictWriter(text, fieldnames=list(chunk[0]), lineterminator="\n")
                    writer.writeheader()
                    writer.writerows(chunk)
                    url = f"{base}/jobs/ingest/{job['id']}"
                    put = session.put(
                        f"{url}/batches",
                        data=text.getvalue().encode(),
                        headers={"content-type": "text/csv"},
                        verify=fake.ca_file,
                        timeout=120,
                    )
                    put.raise_for_status()
                    session.patch(url, json={"state": "UploadComplete"}, verify=fake.ca_file, timeout=60)
                    calls += 3
                    while True:
                        time.sleep(0.2)
                        calls += 1
                        if session.get(url, verify=fake.ca_file, timeout=60).json()["state"] == "JobComplete":
                            break
                    for part in ("successfulResults", "failedResults"):
                        session.get(f"{url}/{part}", verify=fake.ca_file, timeout=120).raise_for_status()
                        calls += 1
            return calls

        def raw_collections() -> int:
            calls = 0
            for obj, remote in (("partner", "Account"), ("contact", "Contact")):
                rows = payloads[obj]
                for i in range(0, len(rows), 200):
                    body = {
                        "allOrNone": False,
                        "records": [{"attributes": {"type": remote}, **r} for r in rows[i : i + 200]],
                    }
                    answer = session.patch(
                        f"{base}/composite/sobjects/{remote}/{EXTERNAL_ID}",
                        json=body,
                        verify=fake.ca_file,
                        timeout=60,
                    )
                    answer.raise_for_status()
                    calls += 1
            return calls

        t0 = time.perf_counter()
        raw_calls = raw_bulk()
        raw_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        collection_calls = raw_collections()
        collections_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        inbound = crm_sync(direction="in", full=True)
        in_s = time.perf_counter() - t0
        noop = crm_sync()
        fake.close()

        result = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "partners": partners,
            "contacts": contacts,
            "full_out_seconds": round(out_s, 2),
            "full_out_records_per_second": round(records / out_s, 1),
            "full_out_api_calls": out.api_calls,
            "full_out_bulk_jobs": bulk_jobs,
            "records_per_call": round(records / out.api_calls, 1),
            "raw_ingest_seconds": round(raw_s, 2),
            "raw_ingest_records_per_second": round(records / raw_s, 1),
            "raw_ingest_calls": raw_calls,
            "raw_collections_seconds": round(collections_s, 2),
            "raw_collections_records_per_second": round(records / collections_s, 1),
            "raw_collections_calls": collection_calls,
            "sync_vs_raw": round(out_s / raw_s, 2),
            "full_in_seconds": round(in_s, 2),
            "full_in_api_calls": inbound.api_calls,
            "noop_incremental_api_calls": noop.api_calls,
            "noop_incremental_status": noop.status,
        }
        print(json.dumps(result, indent=2))
        print(
            f"full sync of {partners:,} partners + {contacts:,} contacts: {result['full_out_records_per_second']} "
            f"records/s, {out.api_calls} API calls in {bulk_jobs} Bulk API 2.0 jobs ({result['records_per_call']} "
            f"records per call); raw bulk ingest {result['raw_ingest_records_per_second']} records/s in the same "
            f"run (the sync takes {result['sync_vs_raw']}× as long; raw collections of 200: "
            f"{result['raw_collections_records_per_second']} records/s in {collection_calls} calls); "
            f"no-op incremental: {noop.api_calls} calls"
        )
        write_results(RESULTS, result)
    os.environ.pop("CHANNELOPS_CRM_CA_BUNDLE", None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
