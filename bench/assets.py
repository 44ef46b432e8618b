"""Benchmark: the portal's asset library page at 10,000 assets and the asset download view (local
storage), each as requests per second against ``/healthz`` on the same server in the same run.

    .venv/bin/python bench/assets.py                    # 10,000 assets, 2 gunicorn workers
    .venv/bin/python bench/assets.py --assets 2000 --requests 100

In a temporary directory it migrates a fresh SQLite database and inserts (untimed) N published
assets (a third of them Select-only, every fifth with a program, tags, a stored 1 KB PDF per
version), one Open partner and its person, and signs that person in. It then starts gunicorn and
drives, in interleaved rounds after a warm-up each:

* ``/healthz`` (the trivial view: the server's ceiling on this machine);
* ``/portal/assets/`` (first page of what the Open partner may see: the visibility EXISTS
  subqueries over N assets, the count, one page of rows and their tags);
* ``/portal/assets/<pk>/download/`` (visibility check, an ``AssetDownload`` row and an engagement
  event written, the file streamed from the local disk).

Prints the figures and writes ``bench/results/assets.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

from benchlib import django_on_fresh_sqlite, machine, pool_rounds, scratch_dir, write_results
from load import Server, drive, get

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "assets.json"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _build(n: int) -> dict[str, Any]:
    """N published assets with one version each, an Open partner and its person (untimed, bulk)."""
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.test import Client

    from channelops.accounts.models import User
    from channelops.assets.models import Asset, AssetVersion, Tag
    from channelops.partners.models import Partner, PartnerMembership, Program, Region, Tier

    staff = User.objects.create_user(email="marketing@bench.example", password="x", is_staff=True)
    staff.groups.add(Group.objects.get(name="channel_marketing"))
    select, open_tier = Tier.objects.get(slug="select"), Tier.objects.get(slug="open")
    program = Program.objects.order_by("pk").first()
    tags = [Tag.objects.create(name=f"topic {i}", slug=f"topic-{i}") for i in range(20)]
    stored = default_storage.save("asset/bench/file.pdf", ContentFile(PDF * 8))
    kinds = ["logo", "deck", "template", "video", "paper", "other"]
    Asset.objects.bulk_create(
        [
            Asset(
                title=f"Asset {i:05d}",
                description=f"Bench asset number {i} for partner marketing.",
                kind=kinds[i % len(kinds)],
                language=["", "en", "de"][i % 3],
                owner=staff,
                status="published",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    ids = list(Asset.objects.order_by("pk").values_list("pk", flat=True))
    AssetVersion.objects.bulk_create(
        [
            AssetVersion(
                asset_id=pk,
                number=1,
                file=stored,
                filename=f"asset-{pk}.pdf",
                content_type="application/pdf",
                size=len(PDF) * 8,
                sha256="0" * 64,
                uploaded_by=staff,
            )
            for pk in ids
        ],
        batch_size=2000,
    )
    versions = dict(AssetVersion.objects.values_list("asset_id", "pk"))
    from django.db import connection

    with connection.cursor() as cur:
        cur.executemany(
            "UPDATE assets_asset SET current_version_id = %s WHERE id = %s",
            [(v, a) for a, v in versions.items()],
        )
    tiers = Asset.tiers.through
    tiers.objects.bulk_create([tiers(asset_id=pk, tier_id=select.pk) for pk in ids[::3]], batch_size=2000)
    if program is not None:
        programs = Asset.programs.through
        programs.objects.bulk_create(
            [programs(asset_id=pk, program_id=program.pk) for pk in ids[1::5]], batch_size=2000
        )
    tagged = Asset.tags.through
    tagged.objects.bulk_create(
        [tagged(asset_id=pk, tag_id=tags[(pk + j) % len(tags)].pk) for pk in ids for j in range(2)],
        batch_size=5000,
    )
    partner = Partner.objects.create(
        legal_name="Bench Assets Ltd",
        region=Region.objects.get(code="EMEA"),
        tier=open_tier,
        status="active",
        country="GB",
    )
    person = User.objects.create_user(email="person@bench-assets.example", password="x")
    PartnerMembership.objects.create(partner=partner, user=person, role="user")
    visible = Asset.objects.visible_to(person)
    download_pk = visible.order_by("pk").values_list("pk", flat=True)[0]
    client = Client()
    client.force_login(person)
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
        "visible": visible.count(),
        "download_pk": download_pk,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200, help="requests per round and URL")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()

    with scratch_dir("assets", keep=args.keep) as tmp:
        t = time.perf_counter()
        django_on_fresh_sqlite(tmp, "assets")
        migrate_seconds = time.perf_counter() - t
        t = time.perf_counter()
        built = _build(args.assets)
        build_seconds = time.perf_counter() - t
        (tmp / "static").mkdir(exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG", "CHANNELOPS_DEMO"}}
        env.update({"LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
        urls = {
            "trivial": "/healthz",
            "library": "/portal/assets/",
            "download": f"/portal/assets/{built['download_pk']}/download/",
        }
        runs: dict[str, list[dict[str, Any]]] = {key: [] for key in urls}
        with (
            (tmp / "server.log").open("w") as log,
            Server(kind="gunicorn", workers=args.workers, env=env, log=log) as server,
        ):
            status, body = get(server.port, urls["library"], built["cookie"])
            if status != 200 or b"Asset library" not in body:
                raise RuntimeError(f"/portal/assets/ answered {status}: not signed in?")
            for rnd in range(args.rounds):
                for key, path in urls.items():
                    cookie = "" if key == "trivial" else built["cookie"]
                    drive(
                        port=server.port, path=path, cookie=cookie, requests=20, concurrency=args.concurrency
                    )
                    r = drive(
                        port=server.port,
                        path=path,
                        cookie=cookie,
                        requests=args.requests,
                        concurrency=args.concurrency,
                    )
                    runs[key].append(r)
                    print(f"round {rnd + 1}: {path} {r['rps']:.0f} req/s")
        pooled = {key: pool_rounds(r) for key, r in runs.items()}
        trivial = pooled["trivial"]["rps"]
        result = {
            "scenario": "portal asset library page and asset download (local storage) vs /healthz",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "scale": {"assets": args.assets, "visible_to_the_partner": built["visible"]},
            "server": {"kind": "gunicorn", "workers": args.workers, "concurrency": args.concurrency},
            "setup_seconds": {"migrate": migrate_seconds, "build": build_seconds},
            "healthz": pooled["trivial"],
            "library": {**pooled["library"], "ratio_to_healthz": pooled["library"]["rps"] / trivial},
            "download": {**pooled["download"], "ratio_to_healthz": pooled["download"]["rps"] / trivial},
        }
        write_results(RESULTS, result)
        print(
            f"/healthz {trivial:.0f} req/s; asset library ({args.assets} assets) "
            f"{pooled['library']['rps']:.0f} req/s = {result['library']['ratio_to_healthz']:.2f} of /healthz, "
            f"p95 {pooled['library']['p95_ms']:.0f} ms; download {pooled['download']['rps']:.0f} req/s = "
            f"{result['download']['ratio_to_healthz']:.2f} of /healthz, p95 {pooled['download']['p95_ms']:.0f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
