"""The Django side of the benchmarks, run by bench/run.py as a subprocess.

The database is chosen by the environment (DATABASE_URL / CHANNELOPS_VAR_DIR) that
bench/run.py sets, so nothing here can touch the development database. Each
command prints ``PROGRESS {json}`` lines while it works and one ``RESULT {json}``
line at the end on stdout; Django's own logging goes to stderr.

    python bench/in_django.py template            migrate + cache table + demo sign-ins
    python bench/in_django.py build --partners N --contacts-per-partner C --events-per-partner E
    python bench/in_django.py slice-demo --partners N ...   time demo_build on a fresh copy
    python bench/in_django.py sessions            signed-in session cookies (staff CAM, partner admin)
    python bench/in_django.py queries [--explain]  queries per request, in-process test Client
                                                  (QUERY_PAGES: directory, dashboard, agreements report
                                                  and its CSV, portal agreements)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "channelops.settings")

STAFF_EMAIL = "cam@demo.channelops.test"  # a CAM: staff, with a TOTP authenticator
PARTNER_ADMIN_EMAIL = "admin@acme.example"  # Acme's partner admin
OTHER_PARTNER_ADMIN_EMAIL = "admin@globex.example"


def emit(kind: str, payload: dict[str, Any]) -> None:
    sys.stdout.write(f"{kind} {json.dumps(payload, default=str)}\n")
    sys.stdout.flush()


def _setup() -> None:
    import django

    django.setup()


def _table_marks() -> dict[str, tuple[int, int]]:
    """Every table's (max rowid, row count)."""
    from django.db import connection

    marks = {}
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            if table.startswith("sqlite_"):  # planner statistics (ANALYZE), not data
                continue
            if table.startswith("core_searchdocument_fts"):
                # the full-text index and its shadow tables (some WITHOUT ROWID): written by the
                # triggers on core_searchdocument, so replaying that table's rows rebuilds them
                continue
            cur.execute(f'SELECT COALESCE(MAX(rowid), 0), COUNT(*) FROM "{table}"')
            marks[table] = tuple(cur.fetchone())
    return marks


def cmd_template(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    from channelops.demo.data import demo_people

    t0 = time.perf_counter()
    emit("PROGRESS", {"phase": "migrate"})
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    emit("PROGRESS", {"phase": "demo sign-ins"})
    demo_people()
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    emit("RESULT", {"seconds": time.perf_counter() - t0})


def _build(args: argparse.Namespace) -> dict[str, Any]:
    from channelops.demo.data import demo_build

    def progress(label: str, done: int, total: int) -> None:
        # "partners" per batch, then the phases once every batch is in (rollup, reviews…)
        emit("PROGRESS", {"phase": label, "done": done, "total": total})

    t0, c0 = time.perf_counter(), time.process_time()
    created = demo_build(
        partners=args.partners,
        seed=args.seed,
        contacts_per_partner=args.contacts_per_partner,
        events_per_partner=args.events_per_partner,
        progress=progress,
    )
    return {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0, "created": created}


def _counts() -> dict[str, int]:
    from channelops.accounts.models import User
    from channelops.agreements.models import Acceptance
    from channelops.badges.models import Badge
    from channelops.enablement.models import PartnerCertificationStatus, PractitionerRecord
    from channelops.helpdesk.models import AccountReview
    from channelops.licensing.models import License, NfrRequest
    from channelops.partners.models import (
        Application,
        Contact,
        EngagementDaily,
        EngagementEvent,
        Partner,
        PartnerStatusChange,
    )

    return {
        "partners": Partner.objects.count(),
        "active_partners": Partner.objects.filter(status="active").count(),
        "status_changes": PartnerStatusChange.objects.count(),
        "applications": Application.objects.count(),
        "users": User.objects.count(),
        "contacts": Contact.objects.count(),
        "engagement_events": EngagementEvent.objects.count(),
        "engagement_days": EngagementDaily.objects.count(),
        "acceptances": Acceptance.objects.count(),
        "nfr_requests": NfrRequest.objects.count(),
        "licenses": License.objects.count(),
        "practitioner_records": PractitionerRecord.objects.count(),
        "badges": Badge.objects.count(),
        "partner_certifications": PartnerCertificationStatus.objects.count(),
        "account_reviews": AccountReview.objects.count(),
    }


def cmd_build(args: argparse.Namespace) -> None:
    from django.db import connection

    out = _build(args)
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    emit("RESULT", {**out, "counts": _counts()})


def cmd_slice_demo(args: argparse.Namespace) -> None:
    """demo_build on a fresh copy of the template; the rows it inserted, per table."""
    from django.db import connection

    before = _table_marks()
    out = _build(args)
    after = _table_marks()
    inserted = {}
    for table, (max_before, _n) in before.items():
        with connection.cursor() as cur:
            cur.execute(f'SELECT COUNT(*) FROM "{table}" WHERE rowid > %s', [max_before])
            n = cur.fetchone()[0]
        if n:
            inserted[table] = {"rows": n, "after_rowid": max_before}
    for table in set(after) - set(before):
        inserted[table] = {"rows": after[table][1], "after_rowid": 0}
    with connection.cursor() as cur:
        cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    emit("RESULT", {**out, "inserted": inserted})


def _login_cookie(email: str) -> str:
    from django.conf import settings
    from django.test import Client

    from channelops.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def cmd_sessions(args: argparse.Namespace) -> None:
    from django.conf import settings

    emit(
        "RESULT",
        {
            "cookie_name": settings.SESSION_COOKIE_NAME,
            "staff": _login_cookie(STAFF_EMAIL),
            "partner_admin": _login_cookie(PARTNER_ADMIN_EMAIL),
            "params": _path_params(),
        },
    )


# What `queries` measures: (label, who, path). Each is requested once to warm up, then measured.
DIRECTORY_VARIANTS = [
    ("directory", STAFF_EMAIL, "/console/partners/"),
    ("directory page 2", STAFF_EMAIL, "/console/partners/?page=2"),
    ("directory last page", STAFF_EMAIL, "/console/partners/?page=last"),
    ("directory by engagement", STAFF_EMAIL, "/console/partners/?sort=-engagement_score"),
    ("directory EMEA, active", STAFF_EMAIL, "/console/partners/?region=EMEA&status=active"),
]
DASHBOARD_VARIANTS = [
    ("dashboard (Acme admin)", PARTNER_ADMIN_EMAIL, "/portal/"),
    ("dashboard (Globex admin)", OTHER_PARTNER_ADMIN_EMAIL, "/portal/"),
]
# "{mpa}" is replaced by the Master Partner Agreement's primary key (first template required for all).
REPORT_VARIANTS = [
    ("report", STAFF_EMAIL, "/console/agreements/report/"),
    ("report page 2", STAFF_EMAIL, "/console/agreements/report/?page=2"),
    # Paginator.get_page() answers the last page for a number past the end.
    ("report last page", STAFF_EMAIL, "/console/agreements/report/?page=100000"),
    ("report one agreement", STAFF_EMAIL, "/console/agreements/report/?template={mpa}"),
    (
        "report EMEA, acceptance required",
        STAFF_EMAIL,
        "/console/agreements/report/?region=EMEA&state=required",
    ),
]
REPORT_CSV_VARIANTS = [
    ("report CSV", STAFF_EMAIL, "/console/agreements/report/?format=csv"),
]
OVERVIEW_VARIANTS = [
    ("overview", STAFF_EMAIL, "/console/overview/"),
    ("overview EMEA, 3 months", STAFF_EMAIL, "/console/overview/?region=EMEA&months=3"),
    ("overview select tier", STAFF_EMAIL, "/console/overview/?tier=select"),
    ("engagement analytics", STAFF_EMAIL, "/console/engagement/"),
]
# "{acme}" is Acme's primary key (the demo's best-documented partner).
PARTNER_360_VARIANTS = [
    (
        f"partner 360 {tab or 'overview'}",
        STAFF_EMAIL,
        "/console/partners/{acme}/" + (f"?tab={tab}" if tab else ""),
    )
    for tab in (
        "",
        "people",
        "agreements",
        "work",
        "nfr",
        "certifications",
        "enablement",
        "engagement",
        "timeline",
    )
]
PORTAL_AGREEMENTS_VARIANTS = [
    ("agreements (Acme admin)", PARTNER_ADMIN_EMAIL, "/portal/agreements/"),
    ("agreements (Globex admin)", OTHER_PARTNER_ADMIN_EMAIL, "/portal/agreements/"),
]
QUERY_PAGES = {
    "directory": DIRECTORY_VARIANTS,
    "dashboard": DASHBOARD_VARIANTS,
    "report": REPORT_VARIANTS,
    "report_csv": REPORT_CSV_VARIANTS,
    "portal_agreements": PORTAL_AGREEMENTS_VARIANTS,
    "overview": OVERVIEW_VARIANTS,
    "partner_360": PARTNER_360_VARIANTS,
}


def _path_params() -> dict[str, Any]:
    from channelops.agreements.models import AgreementTemplate
    from channelops.partners.models import Partner

    mpa = AgreementTemplate.objects.filter(required_for_all=True).order_by("position", "pk").first()
    return {"mpa": mpa.pk if mpa else "", "acme": Partner.objects.get(legal_name__startswith="Acme Cloud").pk}


def _body(resp: Any) -> bytes:
    """The whole response body, streamed or not."""
    return b"".join(resp.streaming_content) if resp.streaming else resp.content


def cmd_queries(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from channelops.accounts.models import User

    clients: dict[str, Client] = {}
    params = _path_params()
    wanted = {page: v for page, v in QUERY_PAGES.items() if not args.page or page in args.page}
    pages: dict[str, list[dict[str, Any]]] = {page: [] for page in wanted}
    for page, variants in wanted.items():
        for label, email, path_template in variants:
            path = path_template.format(**params)
            if email not in clients:
                clients[email] = Client()
                clients[email].force_login(User.objects.get(email=email))
            client = clients[email]
            _body(client.get(path))  # warm-up (first-use caches)
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                resp = client.get(path)
                body = _body(resp)  # a streamed export (CSV) runs its queries while it is read
                ms = (time.perf_counter() - t0) * 1000
            queries = []
            for q in ctx.captured_queries:
                item: dict[str, Any] = {"sql": q["sql"], "ms": float(q["time"]) * 1000}
                if args.explain and q["sql"].lstrip().upper().startswith("SELECT"):
                    with connection.cursor() as cur:
                        cur.execute("EXPLAIN QUERY PLAN " + q["sql"])
                        item["plan"] = [row[-1] for row in cur.fetchall()]
                queries.append(item)
            # After reading ctx: every request (request_started) clears the connection's query log.
            cpu, wall = [], []
            for _ in range(args.repeat):  # CPU time of the whole request, in this process
                c0, t0 = time.process_time(), time.perf_counter()
                _body(client.get(path))
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - t0)
            pages[page].append(
                {
                    "label": label,
                    "path": path,
                    "status": resp.status_code,
                    "queries": len(queries),
                    "ms": ms,
                    "cpu_ms_min": min(cpu) * 1000 if cpu else None,
                    "cpu_ms_median": sorted(cpu)[len(cpu) // 2] * 1000 if cpu else None,
                    "wall_ms_min": min(wall) * 1000 if wall else None,
                    "wall_ms_median": sorted(wall)[len(wall) // 2] * 1000 if wall else None,
                    "bytes": len(body),
                    "lines": body.count(b"\n"),
                    "detail": queries,
                }
            )
    emit("RESULT", {"pages": pages, "counts": _counts()})


def cmd_rollup(args: argparse.Namespace) -> None:
    """A day of engagement events, then (a) what the scheduler does with them — the daily rollup
    from today and the overview's monthly rollup of this month, for every partner — against (b)
    the raw aggregate the overview would need without rollups: the last 12 months' per-partner,
    per-month figures straight from the events. Min of ``--repeat`` runs each; rolled back."""
    import random
    from datetime import timedelta

    from django.db import transaction
    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth
    from django.utils import timezone

    from channelops.insight.months import last_months
    from channelops.insight.services import partner_months_refresh
    from channelops.partners.models import EngagementEvent, EngagementKind, Partner
    from channelops.partners.services import engagement_rollup

    rnd = random.Random(7)
    now = timezone.now()
    today = timezone.localdate(now)
    day_start = timezone.make_aware(timezone.datetime.combine(today, timezone.datetime.min.time()))
    with transaction.atomic():
        pids = list(Partner.objects.values_list("pk", flat=True))
        active = rnd.sample(pids, max(1, len(pids) * 12 // 100))  # about 12% of partners act today
        kinds = [k for k, _label in EngagementKind.choices]
        events = [
            EngagementEvent(
                partner_id=pid,
                kind=rnd.choice(kinds),
                at=day_start
                + timedelta(seconds=rnd.randint(0, max(1, int((now - day_start).total_seconds())))),
            )
            for pid in active
            for _ in range(rnd.randint(1, 8))
        ]
        EngagementEvent.objects.bulk_create(events, batch_size=5000)
        refresh, raw = [], []
        rows = 0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            engagement_rollup(since=today, now=now)
            partner_months_refresh(months=[today.replace(day=1)], today=today)
            refresh.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            start = last_months(today, 12)[0]
            qs = (
                EngagementEvent.objects.filter(
                    at__gte=timezone.make_aware(
                        timezone.datetime.combine(start, timezone.datetime.min.time())
                    )
                )
                .annotate(m=TruncMonth("at"))
                .values("partner_id", "m")
                .annotate(
                    events=Count("id"),
                    sign_ins=Count("id", filter=Q(kind=EngagementKind.SIGN_IN)),
                    people=Count("user_id", distinct=True),
                )
            )
            rows = len(list(qs))
            raw.append(time.perf_counter() - t0)
        total = EngagementEvent.objects.count()
        transaction.set_rollback(True)
    emit(
        "RESULT",
        {
            "day_events": len(events),
            "partners_active_today": len(active),
            "events_total": total,
            "refresh_s": min(refresh),
            "raw_s": min(raw),
            "raw_rows": rows,
            "ratio": min(raw) / min(refresh),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("template")
    for name in ("build", "slice-demo"):
        p = sub.add_parser(name)
        p.add_argument("--partners", type=int, required=True)
        p.add_argument("--contacts-per-partner", type=int, default=10)
        p.add_argument("--events-per-partner", type=int, default=100)
        p.add_argument("--seed", type=int, default=42)
    sub.add_parser("sessions")
    r = sub.add_parser("rollup")
    r.add_argument("--repeat", type=int, default=3)
    q = sub.add_parser("queries")
    q.add_argument("--explain", action="store_true")
    q.add_argument("--repeat", type=int, default=10, help="requests timed (CPU) per variant")
    q.add_argument(
        "--page",
        action="append",
        default=[],
        choices=list(QUERY_PAGES),
        help="only these pages (default: all)",
    )
    args = parser.parse_args()
    _setup()
    {
        "template": cmd_template,
        "build": cmd_build,
        "slice-demo": cmd_slice_demo,
        "sessions": cmd_sessions,
        "queries": cmd_queries,
        "rollup": cmd_rollup,
    }[args.cmd](args)


if __name__ == "__main__":
    main()
