"""Benchmark: inbound e-mail from a private Dovecot (tests/dovecot.py) to routed messages, against a
raw IMAP FETCH loop of the same messages in the same run.

    .venv/bin/python bench/inbound.py                 # 2,000 messages
    .venv/bin/python bench/inbound.py --messages 500

In a temporary directory it migrates a fresh SQLite database, starts a private Dovecot and APPENDs the
messages (untimed; one in ten has a PDF attachment). It then times:

* **raw FETCH** (the baseline): one connection, ``UID SEARCH ALL``, then ``UID FETCH … (BODY.PEEK[])``
  in batches of ``CHANNELOPS_INBOUND_IMAP_BATCH`` (100) — the server's and the wire's cost alone;
* **poll + store**: ``imap_poll()`` — the same fetch, each message stored raw (de-duplicated by hash
  and Message-ID, one transaction each), the cursor advanced and ``\\Seen`` set per batch;
* **route**: ``inbound_route_pending()`` — parsed and offered to the registered handlers: the help
  desk's, which makes each message a question of the sender's partner (50 partners in four regions,
  one person each, the regions' PHD specialists set), routed and acknowledged through the outbox —
  one transaction per message.

Reports messages/s for each and the ratio of the full path (poll + route) to the raw FETCH loop.
Writes ``bench/results/inbound.json``. ``BENCH_PROFILE=1`` prints a cProfile of the timed poll and route.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchlib import django_on_fresh_sqlite, machine, scratch_dir, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "inbound.json"


def _partners(count: int) -> None:
    """``count`` partners over the regions, one person each (person<i>@partner<i>.test), and a PHD
    specialist per region in the routing table."""
    from channelops.accounts.models import User
    from channelops.partners.models import Partner, PartnerMembership, Region, RegionRouting, Tier

    regions = list(Region.objects.order_by("code"))
    tier = Tier.objects.order_by("rank").first()
    for region in regions:
        phd = User.objects.create(
            email=f"phd.{region.code.lower()}@vendor.test", full_name="PHD", is_staff=True
        )
        RegionRouting.objects.update_or_create(region=region, defaults={"phd_specialist": phd})
    partners = Partner.objects.bulk_create(
        [
            Partner(
                legal_name=f"Bench Partner {i:03d}",
                website=f"https://partner{i}.test",
                country="GB",
                region=regions[i % len(regions)],
                tier=tier,
                status="active",
            )
            for i in range(count)
        ]
    )
    users = User.objects.bulk_create(
        [User(email=f"person{i}@partner{i}.test", full_name=f"Person {i}") for i in range(count)]
    )
    PartnerMembership.objects.bulk_create(
        [PartnerMembership(user=u, partner=p) for u, p in zip(users, partners, strict=True)]
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.dovecot import Dovecot, available, imap_env
    from tests.inbound_mail import PDF, mail

    if not available():
        print("Dovecot is not installed (apt-get install dovecot-imapd): inbound benchmark skipped")
        return 0
    server = Dovecot().start()
    try:
        with scratch_dir("inbound", keep=args.keep) as tmp:
            django_on_fresh_sqlite(
                tmp,
                "inbound",
                env={**imap_env(server), "CHANNELOPS_HELPDESK_ADDRESS": "help@channelops.test"},
            )
            _partners(50)
            from channelops.inbound.imap import connect, imap_config, imap_poll
            from channelops.inbound.models import InboundMessage
            from channelops.inbound.registry import handlers
            from channelops.inbound.services import inbound_route_pending

            n = args.messages
            raws = [
                mail(
                    sender=f"Person {i % 50} <person{i % 50}@partner{i % 50}.test>",
                    subject=f"Question {i} about licences",
                    text=f"Hello,\n\nquestion number {i}: " + "words " * 200 + "\n\nRegards",
                    message_id=f"<bench-{i}@partner{i % 50}.test>",
                    attachments=[("spec.pdf", PDF * 20, "application/pdf")] if i % 10 == 0 else [],
                )
                for i in range(n)
            ]
            t = time.perf_counter()
            server.append(*raws)
            append_s = time.perf_counter() - t
            cfg = imap_config()
            assert cfg is not None

            # Baseline: a raw FETCH loop of the same messages.
            t = time.perf_counter()
            box = connect(cfg)
            box.client.select('"INBOX"', readonly=True)
            typ, data = box.client.uid("SEARCH", "ALL")
            uids = data[0].split()
            fetched = 0
            for i in range(0, len(uids), cfg.batch):
                typ, items = box.client.uid("FETCH", b",".join(uids[i : i + cfg.batch]), "(BODY.PEEK[])")
                fetched += sum(1 for item in items if isinstance(item, tuple))
            box.logout()
            raw_s = time.perf_counter() - t
            assert fetched == n, fetched

            registered = [h.name for h in handlers()]
            if "helpdesk" not in registered:
                print("FAILED: the help desk's inbound handler is not registered")
                return 1

            import os

            profiler = None
            if os.environ.get("BENCH_PROFILE"):
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            t = time.perf_counter()
            polled = imap_poll(cfg=cfg)
            poll_s = time.perf_counter() - t
            t = time.perf_counter()
            routed = inbound_route_pending()
            route_s = time.perf_counter() - t
            if profiler is not None:
                profiler.disable()
                profiler.print_stats("tottime")
            stored = InboundMessage.objects.count()
            if (polled.stored, stored) != (n, n):
                print(f"FAILED: {polled.stored} stored of {n}")
                return 1
            from channelops.helpdesk.models import Question

            questions = Question.objects.filter(partner__isnull=False, assignee__isnull=False).count()
            if (routed.routed, questions) != (n, n):
                print(f"FAILED: {routed.routed} routed, {questions} questions routed to a specialist, of {n}")
                return 1
            full_s = poll_s + route_s
            result = {
                "machine": machine(),
                "messages": n,
                "handlers": registered,
                "append_seconds": round(append_s, 2),
                "raw_fetch_seconds": round(raw_s, 2),
                "raw_fetch_messages_per_second": round(n / raw_s, 1),
                "poll_store_seconds": round(poll_s, 2),
                "poll_store_messages_per_second": round(n / poll_s, 1),
                "route_seconds": round(route_s, 2),
                "route_messages_per_second": round(n / route_s, 1),
                "routed": routed.routed,
                "ignored": routed.ignored,
                "dead": routed.dead,
                "questions_routed_to_a_specialist": questions,
                "full_messages_per_second": round(n / full_s, 1),
                "full_vs_raw_fetch": round(full_s / raw_s, 2),
            }
            print(json.dumps(result, indent=2))
            print(
                f"{n:,} messages: raw FETCH {result['raw_fetch_messages_per_second']} msg/s; poll+store "
                f"{result['poll_store_messages_per_second']} msg/s; route ({', '.join(registered)}) "
                f"{result['route_messages_per_second']} msg/s; full path {result['full_messages_per_second']} "
                f"msg/s = {result['full_vs_raw_fetch']}× the raw FETCH loop's time"
            )
            write_results(RESULTS, result)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
