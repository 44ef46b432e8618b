"""Benchmark: the console's MDF budget report at N and 10×N proposals (each with two claims): the
query count must be the same at both sizes, and the page's requests per second are measured as a
ratio to ``/healthz`` on the same server in the same run.

    .venv/bin/python bench/mdf.py                       # 1,000 then 10,000 proposals, 2 workers
    .venv/bin/python bench/mdf.py --proposals 200 --requests 50

In a temporary directory it migrates a fresh SQLite database and inserts (untimed, in bulk) one
budget per region for the four quarters of FY27, 60 partners with allocations, N approved
proposals spread over them with a paid and an approved claim each, and signs in a channel
marketing person (with TOTP, as the console requires). It counts the queries of
``/console/mdf/budgets/report/?fiscal_year=2027`` in-process (Django's test client), adds 9×N
proposals, counts again (the counts must be equal, else it fails), then starts gunicorn and drives,
in interleaved rounds after a warm-up each, ``/healthz`` and the report.

Prints the figures and writes ``bench/results/mdf.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchlib import django_on_fresh_sqlite, machine, pool_rounds, scratch_dir, write_results
from load import Server, drive, get

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "mdf.json"
REPORT = "/console/mdf/budgets/report/?fiscal_year=2027"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _setup() -> dict[str, Any]:
    from django.contrib.auth.models import Group

    from channelops.accounts.models import User
    from channelops.accounts.services.credentials import user_totp_activate
    from channelops.mdf.models import Allocation, Budget
    from channelops.partners.models import Partner, Region, Tier
    from channelops.work.calendar import fiscal_quarter_bounds

    staff = User.objects.create_user(
        email="marketing@bench.example", password="x", is_staff=True, full_name="Bench Marketing"
    )
    staff.groups.add(Group.objects.get(name="channel_marketing"))
    user_totp_activate(user=staff, secret=TOTP_SECRET)
    regions = list(Region.objects.order_by("code"))
    tier = Tier.objects.get(slug="select")
    budgets = []
    for region in regions:
        for q in (1, 2, 3, 4):
            start, end = fiscal_quarter_bounds(2027, q)
            budgets.append(
                Budget(
                    region=region,
                    fiscal_year=2027,
                    quarter=q,
                    starts_on=start,
                    ends_on=end,
                    amount=Decimal("100000000"),
                    created_by=staff,
                )
            )
    Budget.objects.bulk_create(budgets)
    budgets = list(Budget.objects.order_by("pk"))
    Partner.objects.bulk_create(
        [
            Partner(
                legal_name=f"Bench MDF Partner {i:03d}",
                region=regions[i % len(regions)],
                tier=tier,
                status="active",
                country="GB",
            )
            for i in range(60)
        ]
    )
    partners = list(Partner.objects.order_by("pk"))
    Allocation.objects.bulk_create(
        [
            Allocation(budget=b, partner=p, amount=Decimal("1000000"))
            for b in budgets
            for p in partners
            if p.region_id == b.region_id
        ]
    )
    return {"staff": staff, "budgets": budgets, "partners": partners}


def _add_proposals(world: dict[str, Any], start: int, n: int) -> None:
    from channelops.mdf.models import Claim, Proposal

    staff, budgets, partners = world["staff"], world["budgets"], world["partners"]
    by_region: dict[int, list[Any]] = {}
    for p in partners:
        by_region.setdefault(p.region_id, []).append(p)
    rows = []
    for i in range(start, start + n):
        b = budgets[i % len(budgets)]
        plist = by_region[b.region_id]
        rows.append(
            Proposal(
                number=f"MDF-{i + 1:06d}",
                partner=plist[i % len(plist)],
                budget=b,
                title=f"Bench activity {i}",
                activity_type="event",
                starts_on=b.starts_on,
                ends_on=b.starts_on,
                requested_amount=Decimal("1000"),
                entered_currency="USD",
                entered_amount=Decimal("1000"),
                status="approved",
                approved_amount=Decimal("1000"),
                created_by=staff,
            )
        )
    Proposal.objects.bulk_create(rows, batch_size=2000)
    new = list(Proposal.objects.filter(number__gte=f"MDF-{start + 1:06d}").values_list("pk", flat=True))
    Claim.objects.bulk_create(
        [
            Claim(
                number=f"CLM-{2 * j + k + 1:07d}-{pk}",
                proposal_id=pk,
                amount=Decimal("100") * (k + 1),
                entered_currency="USD",
                entered_amount=Decimal("100") * (k + 1),
                status=("paid", "approved")[k],
                submitted_by=staff,
            )
            for j, pk in enumerate(new)
            for k in (0, 1)
        ],
        batch_size=4000,
    )


def _count_queries(client: Any) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(REPORT)  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(REPORT)
    if resp.status_code != 200:
        raise RuntimeError(f"{REPORT} answered {resp.status_code}")
    return len(ctx.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proposals", type=int, default=1_000, help="N (the second size is 10×N)")
    parser.add_argument("--requests", type=int, default=100, help="requests per round and URL")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()

    with scratch_dir("mdf", keep=args.keep) as tmp:
        t = time.perf_counter()
        django_on_fresh_sqlite(tmp, "mdf")
        migrate_seconds = time.perf_counter() - t
        from django.conf import settings
        from django.test import Client

        t = time.perf_counter()
        world = _setup()
        _add_proposals(world, 0, args.proposals)
        client = Client()
        client.force_login(world["staff"])
        small = _count_queries(client)
        _add_proposals(world, args.proposals, 9 * args.proposals)
        large = _count_queries(client)
        build_seconds = time.perf_counter() - t
        print(
            f"budget report queries: {small} at {args.proposals} proposals, {large} at {10 * args.proposals}"
        )
        assert small == large, f"the report's query count grew: {small} → {large}"
        cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

        (tmp / "static").mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG", "CHANNELOPS_DEMO"}}
        env.update({"LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
        urls = {"trivial": "/healthz", "report": REPORT}
        runs: dict[str, list[dict[str, Any]]] = {key: [] for key in urls}
        with (
            (tmp / "server.log").open("w") as log,
            Server(kind="gunicorn", workers=args.workers, env=env, log=log) as server,
        ):
            status, body = get(server.port, REPORT, cookie)
            if status != 200 or b"MDF budget report" not in body:
                raise RuntimeError(f"{REPORT} answered {status}: not signed in?")
            for rnd in range(args.rounds):
                for key, path in urls.items():
                    c = "" if key == "trivial" else cookie
                    drive(port=server.port, path=path, cookie=c, requests=10, concurrency=args.concurrency)
                    r = drive(
                        port=server.port,
                        path=path,
                        cookie=c,
                        requests=args.requests,
                        concurrency=args.concurrency,
                    )
                    runs[key].append(r)
                    print(f"round {rnd + 1}: {path} {r['rps']:.0f} req/s")
        pooled = {key: pool_rounds(r) for key, r in runs.items()}
        trivial = pooled["trivial"]["rps"]
        result = {
            "scenario": "console MDF budget report (16 budgets, 60 partners) vs /healthz; queries at N and 10×N",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "scale": {
                "proposals": 10 * args.proposals,
                "claims": 20 * args.proposals,
                "budgets": 16,
                "partners": 60,
            },
            "queries": {"at_n": small, "at_10n": large, "n": args.proposals},
            "server": {"kind": "gunicorn", "workers": args.workers, "concurrency": args.concurrency},
            "setup_seconds": {"migrate": migrate_seconds, "build": build_seconds},
            "healthz": pooled["trivial"],
            "report": {**pooled["report"], "ratio_to_healthz": pooled["report"]["rps"] / trivial},
        }
        write_results(RESULTS, result)
        print(
            f"/healthz {trivial:.0f} req/s; budget report ({10 * args.proposals} proposals) "
            f"{pooled['report']['rps']:.0f} req/s = {result['report']['ratio_to_healthz']:.3f} of /healthz, "
            f"p95 {pooled['report']['p95_ms']:.0f} ms; {small} queries at N and 10×N"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
