"""Benchmark: FAQ search (the portal's Help, ``/portal/help/?q=…``) at 5,000 articles, as a req/s
ratio to /healthz on the same gunicorn server in the same run.

    .venv/bin/python bench/faq.py                                 # 5,000 articles, 1 in 5 with a German version
    .venv/bin/python bench/faq.py --articles 1000 --requests 200  # a quick check

In a temporary directory it migrates a fresh SQLite database, creates the articles with
``bulk_create`` (untimed; the FTS5 triggers index them as they are inserted), a partner person and
a signed-in session. It then starts gunicorn and times, in interleaved rounds (each after its own
warm-up): /healthz (the baseline), the portal search for a common two-word query (title and body
matches, ranked, snippets, the page rendered) and for a rare word, and the htmx partial the search
box asks for while a question is typed. Prints the figures and writes ``bench/results/faq.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import django_on_fresh_sqlite, machine, scratch_dir, write_results  # noqa: E402
from load import Server, drive, get  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "faq.json"

WORDS = [
    "partner",
    "portal",
    "password",
    "reset",
    "sign",
    "licence",
    "license",
    "renewal",
    "certification",
    "exam",
    "badge",
    "training",
    "agreement",
    "contract",
    "signature",
    "region",
    "territory",
    "discount",
    "pricing",
    "quote",
    "deal",
    "registration",
    "opportunity",
    "marketing",
    "budget",
    "claim",
    "proof",
    "invoice",
    "payment",
    "account",
    "contact",
    "user",
    "invitation",
    "role",
    "admin",
    "data",
    "export",
    "report",
    "dashboard",
    "newsletter",
    "event",
    "webinar",
    "support",
    "ticket",
    "escalation",
    "holiday",
    "calendar",
    "review",
    "tier",
]
GERMAN = [
    "Kennwort",
    "Anmeldung",
    "Lizenz",
    "Vertrag",
    "Rabatt",
    "Rechnung",
    "Schulung",
    "Zertifizierung",
    "Termin",
    "Bericht",
]


SYLLABLES = ["ka", "ro", "mi", "te", "lu", "sa", "no", "vi", "de", "pa", "gor", "len", "tis", "bar", "quo"]
# A vocabulary of 3,000 made-up words with a Zipf-like use (a few common, most rare), plus the topic
# words above: the words of real answers are spread this way, so a search matches a fraction of them.
VOCABULARY = list(
    dict.fromkeys(
        "".join(random.Random(n).choice(SYLLABLES) for _ in range(2 + n % 3)) + str(n % 7)
        for n in range(3000)
    )
)
WEIGHTS = [1 / (rank + 1) for rank in range(len(VOCABULARY))]


def _sentence(rng: random.Random, n: int, topics: int = 1) -> str:
    words = rng.choices(VOCABULARY, weights=WEIGHTS, k=n)
    for _ in range(topics):
        words[rng.randrange(n)] = rng.choice(WORDS)
    return " ".join(words).capitalize() + "."


def _build(articles: int) -> dict[str, Any]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from channelops.accounts.models import User
    from channelops.helpdesk.models import FaqArticle, FaqTranslation
    from channelops.partners.models import Partner, PartnerMembership, Region, Tier

    rng = random.Random(16)
    owner = User.objects.create_user(email="phd.bench@vendor.test", password=None, is_staff=True)
    now = timezone.now()
    categories = ["portal", "application", "data", "licensing", "certifications", "mdf", "other"]
    FaqArticle.objects.bulk_create(
        [
            FaqArticle(
                title=_sentence(rng, 7, topics=2).rstrip(".") + "?",
                slug=f"article-{i:05d}",
                category=categories[i % len(categories)],
                body="\n\n".join(_sentence(rng, 40, topics=2) for _ in range(4)),
                status="published",
                visibility="public" if i % 3 else "partners",
                owner=owner,
                published_at=now,
            )
            for i in range(articles)
        ],
        batch_size=500,
    )
    FaqTranslation.objects.bulk_create(
        [
            FaqTranslation(
                article_id=pk,
                language="de",
                title=" ".join(rng.choice(GERMAN) for _ in range(5)) + "?",
                body=" ".join(rng.choice(GERMAN) for _ in range(120)),
            )
            for pk in FaqArticle.objects.values_list("pk", flat=True)[::5]
        ],
        batch_size=500,
    )
    partner = Partner.objects.create(
        legal_name="Bench Partner Ltd",
        website="https://bench.example",
        country="GB",
        region=Region.objects.order_by("code").first(),
        tier=Tier.objects.order_by("rank").first(),
        status="active",
    )
    person = User.objects.create_user(email="person@bench.example", password=None)
    PartnerMembership.objects.create(user=person, partner=partner, role="user")
    session = SessionStore()
    session[SESSION_KEY] = str(person.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = person.get_session_auth_hash()
    session.create()
    return {"cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}


def _matches(query: str) -> int:
    from channelops.helpdesk.faq_search import faq_search, parse

    return len(faq_search(None, parse(query), limit=100_000))  # every public match, not the 50 shown


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=400, help="requests per round and path")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()

    with scratch_dir("faq", keep=args.keep) as tmp:
        django_on_fresh_sqlite(tmp, "faq")
        t0 = time.perf_counter()
        built = _build(args.articles)
        build_s = time.perf_counter() - t0
        print(f"  {args.articles} articles built and indexed in {build_s:.1f}s")
        paths = {
            "search (common words)": "/portal/help/?q=password+reset",
            "search (rare word, German version)": "/portal/help/?q=zertifizierung+kennwort",
            "suggestions (htmx partial)": "/portal/help/?q=licence+renewal&from=question",
        }
        found = {
            label: _matches(path.split("q=")[1].split("&")[0].replace("+", " "))
            for label, path in paths.items()
        }
        env = dict(os.environ)
        env.update({"LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"})
        out: dict[str, Any] = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "articles": args.articles,
            "german_versions": args.articles // 5 + (1 if args.articles % 5 else 0),
            "build_seconds": round(build_s, 1),
            "server": {"kind": "gunicorn", "workers": args.workers, "concurrency": args.concurrency},
            "scenarios": {},
        }
        with (tmp / "server.log").open("w") as log:
            server = Server(kind="gunicorn", workers=args.workers, env=env, log=log)
            with server:
                for label, path in paths.items():
                    headers_cookie = built["cookie"]
                    status, body = get(server.port, path, headers_cookie)
                    if status != 200 or b"faq-results" not in body and b"list-group" not in body:
                        raise RuntimeError(f"{path} answered {status}: not signed in?")
                    runs: dict[str, list[dict[str, Any]]] = {"healthz": [], "search": []}
                    for _round in range(args.rounds):
                        for key, p, cookie in (("healthz", "/healthz", ""), ("search", path, headers_cookie)):
                            drive(
                                port=server.port,
                                path=p,
                                cookie=cookie,
                                requests=args.warmup,
                                concurrency=args.concurrency,
                            )
                            runs[key].append(
                                drive(
                                    port=server.port,
                                    path=p,
                                    cookie=cookie,
                                    requests=args.requests,
                                    concurrency=args.concurrency,
                                )
                            )
                    rps = {k: sum(r["rps"] for r in v) / len(v) for k, v in runs.items()}
                    p50 = {k: sorted(r["p50_ms"] for r in v)[len(v) // 2] for k, v in runs.items()}
                    out["scenarios"][label] = {
                        "path": path,
                        "matches": found[label],
                        "rps": round(rps["search"], 1),
                        "healthz_rps": round(rps["healthz"], 1),
                        "ratio": round(rps["search"] / rps["healthz"], 3),
                        "p50_ms": round(p50["search"], 1),
                        "healthz_p50_ms": round(p50["healthz"], 1),
                    }
                    s = out["scenarios"][label]
                    print(
                        f"  {label:38} {s['rps']:7.1f} req/s vs /healthz {s['healthz_rps']:7.1f} req/s"
                        f" = {s['ratio']:.3f}  (p50 {s['p50_ms']} ms; {s['matches']} matches)"
                    )
        write_results(RESULTS, out)
        print(f"  results in {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
