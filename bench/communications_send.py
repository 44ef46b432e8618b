"""Benchmark: sending a partner mailing to 50,000 recipients against a local SMTP server, as a ratio
to raw smtplib at the same concurrency in the same run; the sending process's peak RSS; the time
to build the audience.

    .venv/bin/python bench/communications_send.py              # 50,000 recipients, 4 connections
    .venv/bin/python bench/communications_send.py --quick      # 5,000 recipients (development)

In a temporary directory it migrates a fresh SQLite database and inserts (untimed, in bulk) 500
partners and N partner people, and a mailing (Markdown with eight links) for all of them. An
aiosmtpd server that accepts and discards runs in a separate process. Then:

(a) raw: N messages built beforehand (``ROTATE`` distinct ones made by the real assembler, reused in
    turn) are sent with ``smtplib`` from C threads, one reused connection each — measured before
    and after (b), and the two rounds averaged;
(b) full: in a child process, ``recipients.audience_build`` + ``render.render_save`` +
    ``sending.send_run`` with the same concurrency: messages/s over the whole of it, and the ratio
    to (a) (goal ≥ 0.5);
(c) the child's peak resident memory (``wait4``'s ``ru_maxrss``; goal ≤ 200 MB);
(d) the audience build's seconds (inside (b)).

Prints the figures and writes ``bench/results/communications_send.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchlib import django_on_fresh_sqlite, machine, peak_rss, scratch_dir, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "communications_send.json"
ROTATE = 2000  # distinct prebuilt messages of the raw round

SINK = r"""
import sys, time
from aiosmtpd.controller import Controller

class Handler:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"

controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
open(sys.argv[2], "w").close()
while True:
    time.sleep(3600)
"""

FULL = r"""
import json, sys, time
import django
django.setup()
from django.utils import timezone
from channelops.communications import recipients, render, sending
from channelops.communications.models import Mailing
mailing_id = int(sys.argv[1])
Mailing.objects.filter(pk=mailing_id).update(status="sending", sending_started_at=timezone.now())
m = Mailing.objects.get(pk=mailing_id)
t0 = time.perf_counter()
n = recipients.audience_build(m)
t1 = time.perf_counter()
render.render_save(m, sending.render_for(m))
t2 = time.perf_counter()
stats = sending.send_run(mailing_id, concurrency=int(sys.argv[2]))
t3 = time.perf_counter()
print(json.dumps({"recipients": n, "audience_seconds": t1 - t0, "render_seconds": t2 - t1,
                  "send_seconds": t3 - t2, "total_seconds": t3 - t0, "stats": stats}))
"""

BODY = "\n\n".join(
    [
        "## Featured: the spring release",
        "The spring release brings **faster sync**, a new partner dashboard and better reports. "
        "Read [the release notes](https://docs.vendor.example/release/spring) and "
        "[watch the demo](https://video.vendor.example/spring-demo).",
        "## Enablement",
        "- [New certification path](https://learn.vendor.example/cert/path)\n"
        "- [Sales playbook](https://learn.vendor.example/playbook)\n"
        "- [Office hours](https://learn.vendor.example/office-hours)",
        "## New and noteworthy",
        "Partners in EMEA closed 40% more deals this quarter. " * 6,
        "## Partner deal of the month",
        "A retail chain moved 12,000 seats with [Acme](https://acme.example/case). "
        "[Watch the story](https://video.vendor.example/deal).",
        "## What's new in the product",
        "1. Single sign-on for every plan\n2. Audit log export\n3. A faster mobile app",
        "Questions? [Ask the channel team](https://partners.vendor.example/help).",
    ]
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _seed(n: int) -> int:
    from channelops.accounts.models import User
    from channelops.communications.models import Mailing
    from channelops.partners.models import Partner, PartnerMembership, Region, Tier

    regions, tiers = list(Region.objects.order_by("code")), list(Tier.objects.order_by("rank"))
    Partner.objects.bulk_create(
        [
            Partner(
                legal_name=f"Bench Partner {i:04d}",
                website=f"https://bp{i}.example",
                country="GB",
                region=regions[i % len(regions)],
                tier=tiers[i % len(tiers)],
                status="active",
            )
            for i in range(500)
        ],
        batch_size=500,
    )
    partner_ids = list(Partner.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, n, 5000):
        User.objects.bulk_create(
            [
                User(email=f"reader{i}@p{i % 500}.example", full_name=f"Reader {i} Example", language="en")
                for i in range(start, min(n, start + 5000))
            ],
            batch_size=1000,
        )
    users = User.objects.filter(email__startswith="reader").order_by("pk").values_list("pk", flat=True)
    PartnerMembership.objects.bulk_create(
        [
            PartnerMembership(user_id=uid, partner_id=partner_ids[i % len(partner_ids)])
            for i, uid in enumerate(users.iterator())
        ],
        batch_size=2000,
    )
    m = Mailing.objects.create(
        kind="special",
        topic="special",
        title="Partner Flash bench",
        subject="Partner Flash: the spring release",
        body=BODY,
        status="scheduled",
        audience={"signups": False},
    )
    return m.pk


def _prebuilt(mailing_id: int, count: int) -> list[tuple[str, str, bytes]]:
    """``count`` messages from the real assembler (rendered in memory), as (sender, to, bytes)."""
    from channelops.communications.message import Assembler, Person
    from channelops.communications.models import Mailing
    from channelops.communications.sending import render_for

    m = Mailing.objects.get(pk=mailing_id)
    r = render_for(m)
    preview = Mailing(
        pk=m.pk, kind=m.kind, topic=m.topic, title=m.title, subject=r.subject, html=r.html, text=r.text
    )
    a = Assembler(preview, rendered_links=r.links)
    return [
        (
            "flash@vendor.example",
            f"raw{i}@example.test",
            a.build(Person(pk=i + 1, email=f"raw{i}@example.test", name="Raw Reader")),
        )
        for i in range(count)
    ]


def _raw(port: int, messages: list[tuple[str, str, bytes]], total: int, concurrency: int) -> dict[str, Any]:
    """Send ``total`` messages (cycling ``messages``) with ``concurrency`` threads, one connection each."""
    counter = iter(range(total))
    lock = threading.Lock()
    errors: list[str] = []

    def work() -> None:
        conn = smtplib.SMTP("127.0.0.1", port, timeout=30)
        try:
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                sender, to, data = messages[i % len(messages)]
                conn.sendmail(sender, [to], data)
        except Exception as exc:  # pragma: no cover - reported
            errors.append(repr(exc))
        finally:
            conn.quit()

    t = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(concurrency)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    seconds = time.perf_counter() - t
    if errors:
        raise RuntimeError(f"raw send failed: {errors[:3]}")
    return {"messages": total, "seconds": round(seconds, 2), "per_second": round(total / seconds, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="5,000 recipients")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    parser.add_argument("--no-results", action="store_true", help="do not write bench/results")
    args = parser.parse_args()
    n = 5_000 if args.quick else args.recipients

    with scratch_dir("comms-send", keep=args.keep) as tmp:
        port = _free_port()
        ready = tmp / "sink.ready"
        sink = subprocess.Popen([sys.executable, "-c", SINK, str(port), str(ready)])
        try:
            while not ready.exists():
                if sink.poll() is not None:
                    raise RuntimeError("the SMTP sink did not start")
                time.sleep(0.05)
            env_extra = {
                "CHANNELOPS_COMMS_SMTP_URL": f"smtp://127.0.0.1:{port}",
                "CHANNELOPS_COMMS_FROM_EMAIL": "Partner Flash <flash@vendor.example>",
                "CHANNELOPS_COMMS_BOUNCE_ADDRESS": "bounces@vendor.example",
                "CHANNELOPS_COMMS_UNSUBSCRIBE_ADDRESS": "unsubscribe@vendor.example",
                "CHANNELOPS_SITE_URL": "https://partners.vendor.example",
                "CHANNELOPS_COMMS_SEND_CONCURRENCY": str(args.concurrency),
                "LOG_LEVEL": "WARNING",
            }
            django_on_fresh_sqlite(tmp, "comms_send", env=env_extra)
            t = time.perf_counter()
            mailing_id = _seed(n)
            seed_seconds = time.perf_counter() - t
            print(f"seeded {n} partner people in {seed_seconds:.1f} s")
            messages = _prebuilt(mailing_id, min(ROTATE, n))
            size = sum(len(m[2]) for m in messages) // len(messages)
            from django.db import connections

            connections.close_all()

            raw_before = _raw(port, messages, n, args.concurrency)
            print(f"raw smtplib: {raw_before['per_second']:.0f} msg/s")
            env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL"}}
            full = peak_rss([sys.executable, "-c", FULL, str(mailing_id), str(args.concurrency)], env=env)
            if full["exit"] != 0:
                raise RuntimeError(f"the full send failed: {full['stderr'][-3000:]}")
            figures = json.loads(full["stdout"].strip().splitlines()[-1])
            if figures["stats"].get("sent") != n:
                raise RuntimeError(f"the full send sent {figures['stats']}, not {n}")
            raw_after = _raw(port, messages, n, args.concurrency)
            print(f"raw smtplib (again): {raw_after['per_second']:.0f} msg/s")
        finally:
            sink.kill()
            sink.wait()

        raw_rate = (raw_before["per_second"] + raw_after["per_second"]) / 2
        full_rate = n / figures["total_seconds"]
        send_rate = n / figures["send_seconds"]
        result = {
            "scenario": f"{n} recipients to a local aiosmtpd (separate process), {args.concurrency} connections",
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "recipients": n,
            "concurrency": args.concurrency,
            "message_bytes": size,
            "raw": {"before": raw_before, "after": raw_after, "per_second": round(raw_rate, 1)},
            "full": {
                "audience_seconds": round(figures["audience_seconds"], 2),
                "render_seconds": round(figures["render_seconds"], 3),
                "send_seconds": round(figures["send_seconds"], 2),
                "total_seconds": round(figures["total_seconds"], 2),
                "per_second": round(full_rate, 1),
                "send_only_per_second": round(send_rate, 1),
                "stats": figures["stats"],
            },
            "ratio_full_to_raw": round(full_rate / raw_rate, 3),
            "ratio_send_only_to_raw": round(send_rate / raw_rate, 3),
            "peak_rss_mb": full["peak_rss_mb"],
            "goals": {"ratio": 0.5, "peak_rss_mb": 200},
            "seed_seconds": round(seed_seconds, 1),
        }
        print(
            f"full path: {full_rate:.0f} msg/s (send alone {send_rate:.0f}) = {result['ratio_full_to_raw']:.2f} × raw; "
            f"audience of {n} built in {figures['audience_seconds']:.2f} s; peak RSS {full['peak_rss_mb']} MB"
        )
        if not args.no_results:
            write_results(RESULTS, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
