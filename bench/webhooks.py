"""Benchmark: outgoing webhook deliveries per second against raw HTTP POSTs to the same receiver.

    .venv/bin/python bench/webhooks.py                  # 1,000 deliveries
    .venv/bin/python bench/webhooks.py --deliveries 200

In a temporary directory it migrates a fresh SQLite database, starts a local HTTP receiver
(threads, answers 204) and registers one endpoint for it. It then times:

* **publish**: 1,000 ``license.revoked`` events published through ``core.events.publish`` in one
  transaction — each becomes a ``WebhookDelivery`` row and an outbox message;
* **deliver**: the worker's ``outbox_deliver_due`` until every delivery is sent — claim the
  outbox row, resolve nothing (private addresses allowed for the local receiver), sign with
  ``standardwebhooks``, POST, record the outcome on the delivery, the endpoint and the outbox row;
* **baseline**: the same number of POSTs of the same bodies with ``requests.post`` (a new
  connection each, as the deliveries make) to the same receiver, in the same run.

The ratio deliver/baseline is the cost of the delivery machinery around the HTTP call. The run
checks that the receiver got every delivery once with a valid signature.
Prints the figures and writes ``bench/results/webhooks.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchlib import django_on_fresh_sqlite, machine, scratch_dir, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "webhooks.json"


class _Receiver:
    def __init__(self) -> None:
        self.bodies: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                outer.bodies.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deliveries", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    n = args.deliveries
    with scratch_dir("webhooks", keep=args.keep) as tmp:
        django_on_fresh_sqlite(
            tmp,
            "webhooks",
            env={"CHANNELOPS_WEBHOOKS_ALLOW_PRIVATE": "true", "CHANNELOPS_OUTBOX_BATCH_SIZE": str(n + 10)},
        )
        import requests
        from django.db import transaction
        from standardwebhooks import Webhook

        from channelops.accounts.models import User
        from channelops.core.events import publish
        from channelops.core.outbox import outbox_deliver_due
        from channelops.webhooks.models import WebhookDelivery
        from channelops.webhooks.services import endpoint_create

        receiver = _Receiver()
        admin = User.objects.create_superuser(email="bench@vendor.test", password=None)
        endpoint = endpoint_create(url=receiver.url, event_kinds=["license.revoked"], by=admin)

        t0 = time.perf_counter()
        with transaction.atomic():
            for i in range(n):
                publish("license.revoked", key=str(i), data={"license_id": str(i), "reason": "bench"})
        publish_s = time.perf_counter() - t0

        t0 = time.perf_counter()
        sent = 0
        while sent < n:
            counts = outbox_deliver_due(limit=n)
            if not counts["sent"] and not counts["failed"]:
                break
            sent += counts["sent"]
        deliver_s = time.perf_counter() - t0
        ok = WebhookDelivery.objects.filter(status="succeeded").count()
        hook = Webhook(endpoint.secret)
        verified = sum(1 for headers, body in receiver.bodies if hook.verify(body, headers))
        if ok != n or verified != n or len(receiver.bodies) != n:
            print(f"FAILED: {ok} delivered, {len(receiver.bodies)} received, {verified} verified of {n}")
            return 1

        bodies = [body for _h, body in receiver.bodies]
        t0 = time.perf_counter()
        for body in bodies:
            requests.post(receiver.url, data=body, headers={"content-type": "application/json"}, timeout=10)
        raw_s = time.perf_counter() - t0
        receiver.server.shutdown()

        result = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "deliveries": n,
            "publish_seconds": round(publish_s, 3),
            "publish_per_second": round(n / publish_s, 1),
            "deliver_seconds": round(deliver_s, 3),
            "deliveries_per_second": round(n / deliver_s, 1),
            "raw_post_seconds": round(raw_s, 3),
            "raw_posts_per_second": round(n / raw_s, 1),
            "deliver_vs_raw": round(deliver_s / raw_s, 2),
        }
        print(json.dumps(result, indent=2))
        print(
            f"{n} deliveries: {result['deliveries_per_second']}/s; raw POSTs {result['raw_posts_per_second']}/s "
            f"in the same run; the deliveries take {result['deliver_vs_raw']}× as long; "
            f"publishing {result['publish_per_second']} events/s"
        )
        write_results(RESULTS, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
