"""channelops benchmarks (`make bench`): see docs/performance.md.

Builds (or reuses) a demo dataset at a stated scale in its own SQLite file under
var/bench/, then measures each scenario against a baseline taken in the same run:

1. demo generation (`demo_build`) vs a raw executemany INSERT of the same rows;
2. the console partner directory vs /healthz on the same gunicorn server;
3. the portal dashboard vs /healthz on the same server;
4. the console agreements report ("who has not (re-)accepted") vs /healthz;
5. the portal agreements page vs /healthz;

plus queries per request for these pages and the report's CSV (in-process,
CaptureQueriesContext), at the dataset's scale and at the slice's scale, and the
CSV's in-process time. Results go to bench/results/latest.json and a table on the
terminal.

    .venv/bin/python bench/run.py                 # 10,000 partners / 100,000 contacts / 1,000,000 events
    .venv/bin/python bench/run.py --quick         # 1,000 partners, fewer requests: a fast check
    .venv/bin/python bench/run.py --markdown      # print latest.json as Markdown tables
    .venv/bin/python bench/run.py --only report --only overview --rounds 2 --requests 100 \\
        --output subset.json                      # only these pages (HTTP and queries), own results file
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import Server, drive, get  # noqa: E402
from rawinsert import raw_insert  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH_VAR = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "results"
SCHEMA_VERSION = (
    3  # bump when the dataset recipe changes (2: the demo story of issue 13; 3: staffed service partners)
)
QUERY_LIMIT = 10  # agreed for the directory and the dashboard (QUERY_LIMIT_PAGES) only
QUERY_LIMIT_PAGES = ("directory", "dashboard")
# Pages whose variants (tabs, filters) have their own query counts: constant means the same count
# for each variant at both scales.
PER_VARIANT_PAGES = ("overview", "partner_360")
# The agreements report before it read the maintained compliance table (issue 13): 17 req/s at
# 10,000 partners, 1% of /healthz on the same server (it rebuilt 16,086 rows per request).
REPORT_BEFORE_RATIO = 0.01
THROUGHPUT_TARGET = 0.30  # directory ≥ 30% of the trivial view's requests/s

# Pages of the queries scenario (bench/in_django.py QUERY_PAGES), with their titles in the report.
TITLES = {
    "directory": "console partner directory",
    "dashboard": "portal dashboard",
    "report": "console agreements report",
    "report_csv": "console agreements report CSV",
    "portal_agreements": "portal agreements",
    "overview": "console program overview",
    "partner_360": "console partner 360 page",
}

console = Console()


# --- databases ------------------------------------------------------------------------------------


def _schema_fingerprint() -> str:
    """Changes when a migration or the demo recipe changes: the template and the datasets are then rebuilt."""
    h = hashlib.sha256(f"v{SCHEMA_VERSION}".encode())
    for path in sorted((ROOT / "channelops").glob("*/migrations/*.py")):
        h.update(path.relative_to(ROOT).as_posix().encode())
        h.update(path.read_bytes())
    recipe = sorted((ROOT / "channelops" / "demo").glob("*.py")) + sorted(
        (ROOT / "channelops").glob("*/demo.py")
    )  # the demo generator and the apps' demo data
    for path in (ROOT / "requirements.lock", *recipe):
        if path.exists():
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def db_path(folder: Path) -> Path:
    return folder / "channelops.sqlite3"


def django_env(folder: Path) -> dict[str, str]:
    """The environment of every Django subprocess: this folder's SQLite file, development mode."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CHANNELOPS_DEMO", "DEBUG", "CHANNELOPS_TASKS_IMMEDIATE"}
    }
    (folder / "static").mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "channelops.settings",
            "CHANNELOPS_VAR_DIR": str(folder),
            "DATABASE_URL": f"sqlite:///{db_path(folder)}",
            "CHANNELOPS_PRODUCTION": "false",
            "CHANNELOPS_TESTING": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def copy_db(src: Path, dst_folder: Path) -> None:
    """A consistent copy of a SQLite database (backup API) into a fresh folder."""
    if dst_folder.exists():
        shutil.rmtree(dst_folder)
    dst_folder.mkdir(parents=True)
    source = sqlite3.connect(src)
    target = sqlite3.connect(db_path(dst_folder))
    with target:
        source.backup(target)
    target.execute("PRAGMA journal_mode=WAL")
    source.close()
    target.close()


def read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / "scale.json").read_text())
    except (OSError, ValueError):
        return None


def write_marker(folder: Path, data: dict[str, Any]) -> None:
    (folder / "scale.json").write_text(json.dumps(data, indent=2) + "\n")


# --- Django subprocesses --------------------------------------------------------------------------


def run_django(
    args: list[str],
    folder: Path,
    *,
    log_name: str,
    on_progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run bench/in_django.py in a subprocess against the database in ``folder``; its RESULT."""
    logs = BENCH_VAR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"{log_name}.log"
    result: dict[str, Any] | None = None
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "in_django.py"), *args],
            cwd=ROOT,
            env=django_env(folder),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            kind, _sep, payload = line.rstrip("\n").partition(" ")
            if kind == "PROGRESS" and on_progress:
                on_progress(json.loads(payload))
            elif kind == "RESULT":
                result = json.loads(payload)
            else:
                log.write(line)
        proc.wait()
    if proc.returncode != 0 or result is None:
        tail = "\n".join(log_path.read_text().splitlines()[-30:])
        raise RuntimeError(f"in_django.py {' '.join(args)} failed (exit {proc.returncode}):\n{tail}")
    return result


class Phases:
    """One rich progress display for the whole run."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress

    def start(self, description: str, total: float | None = None) -> TaskID:
        return self.progress.add_task(description, total=total)

    def done(self, task: TaskID, note: str = "") -> None:
        t = next(x for x in self.progress.tasks if x.id == task)
        self.progress.update(
            task, total=t.total or 1, completed=t.total or 1, description=f"{t.description} {note}".rstrip()
        )
        self.progress.stop_task(task)


# --- scenarios ------------------------------------------------------------------------------------


def ensure_template(phases: Phases, fingerprint: str) -> Path:
    """A migrated database with the cache table and the named demo sign-ins (no generated partners)."""
    folder = BENCH_VAR / "template"
    marker = read_marker(folder)
    task = phases.start("template database (migrate, demo sign-ins)")
    if marker and marker.get("schema") == fingerprint and db_path(folder).exists():
        phases.done(task, "[dim]reused[/]")
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)

    def progress(p: dict[str, Any]) -> None:
        phases.progress.update(task, description=f"template database: {p['phase']}")

    out = run_django(["template"], folder, log_name="template", on_progress=progress)
    write_marker(folder, {"schema": fingerprint, "seconds": out["seconds"]})
    phases.done(task, f"[dim]{out['seconds']:.1f}s[/]")
    return folder


def ensure_dataset(
    phases: Phases, template: Path, scale: dict[str, int], fingerprint: str, rebuild: bool
) -> tuple[Path, dict[str, Any]]:
    name = "p{partners}-c{contacts_per_partner}-e{events_per_partner}-s{seed}".format(**scale)
    folder = BENCH_VAR / "datasets" / name
    marker = read_marker(folder)
    want = {**scale, "schema": fingerprint}
    task = phases.start(f"dataset {name}", total=scale["partners"])
    if not rebuild and marker and {k: marker.get(k) for k in want} == want and db_path(folder).exists():
        phases.done(task, "[dim]reused[/]")
        return folder, {**marker, "reused": True}
    copy_db(db_path(template), folder)

    def progress(p: dict[str, Any]) -> None:
        if p["phase"] == "partners":
            phases.progress.update(
                task, completed=p["done"], description=f"dataset {name}: partners, contacts, events"
            )
        else:
            phases.progress.update(task, description=f"dataset {name}: {p['phase']}")

    out = run_django(
        ["build", *_scale_args(scale, scale["partners"])],
        folder,
        log_name="dataset",
        on_progress=progress,
    )
    info = {
        **want,
        "counts": out["counts"],
        "build_seconds": out["seconds"],
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "size_mb": round(db_path(folder).stat().st_size / 1e6, 1),
    }
    write_marker(folder, info)
    phases.done(task, f"[dim]built in {out['seconds']:.0f}s[/]")
    return folder, {**info, "reused": False}


def _scale_args(scale: dict[str, int], partners: int) -> list[str]:
    """The demo generator's arguments for a scale (shared by the dataset and the slice)."""
    return [
        "--partners", str(partners),
        "--contacts-per-partner", str(scale["contacts_per_partner"]),
        "--events-per-partner", str(scale["events_per_partner"]),
        "--seed", str(scale["seed"]),
    ]  # fmt: skip


def scenario_generation(
    phases: Phases, template: Path, scale: dict[str, int], partners: int
) -> dict[str, Any]:
    demo_folder = BENCH_VAR / "slice-demo"
    raw_folder = BENCH_VAR / "slice-raw"
    copy_db(db_path(template), demo_folder)
    copy_db(db_path(template), raw_folder)
    task = phases.start(f"demo_build: {partners:,} partners on a fresh database", total=partners)

    def progress(p: dict[str, Any]) -> None:
        if p["phase"] == "partners":
            phases.progress.update(task, completed=p["done"])
        else:
            phases.progress.update(task, description=f"demo_build: {p['phase']}")

    demo = run_django(
        ["slice-demo", *_scale_args(scale, partners)],
        demo_folder,
        log_name="slice-demo",
        on_progress=progress,
    )
    demo_rows = sum(v["rows"] for v in demo["inserted"].values())
    phases.done(task, f"[dim]{demo['seconds']:.1f}s[/]")
    task = phases.start(f"raw executemany INSERT of the same {demo_rows:,} rows")
    raw = raw_insert(source=db_path(demo_folder), target=db_path(raw_folder), inserted=demo["inserted"])
    phases.done(task, f"[dim]{raw['seconds']:.2f}s[/]")
    demo_rps = demo_rows / demo["seconds"]
    raw_rps = raw["rows"] / raw["seconds"]
    return {
        "slice_partners": partners,
        "rows": demo_rows,
        "rows_per_table": {t: v["rows"] for t, v in demo["inserted"].items()},
        "demo_build": {
            "seconds": demo["seconds"],
            "cpu_seconds": demo["cpu_seconds"],
            "rows_per_s": demo_rps,
            "created": demo["created"],
        },
        "raw_insert": {"seconds": raw["seconds"], "cpu_seconds": raw["cpu_seconds"], "rows_per_s": raw_rps},
        "ratio": demo_rps / raw_rps,
        # The same ratio from CPU time (the generator's process vs the inserting process).
        "cpu_ratio": raw["cpu_seconds"] / demo["cpu_seconds"],
        "slice_db": str(db_path(demo_folder).relative_to(ROOT)),
    }


def _query_summary(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        page: {
            "variants": {v["label"]: v["queries"] for v in variants},
            "statuses": sorted({v["status"] for v in variants}),
        }
        for page, variants in result["pages"].items()
    }


def scenario_queries(
    phases: Phases, dataset: Path, slice_folder: Path | None, only: list[str] | None = None
) -> dict[str, Any]:
    task = phases.start("queries per request (in-process test Client)")
    pages = [a for page in _query_pages(only) for a in ("--page", page)]
    big = run_django(["queries", "--explain", *pages], dataset, log_name="queries-dataset")
    small = run_django(["queries", *pages], slice_folder, log_name="queries-slice") if slice_folder else None
    phases.done(task)
    out: dict[str, Any] = {}
    for page in TITLES:
        if page not in big["pages"]:
            continue
        counts = {
            f"{v['label']} @ {big['counts']['partners']:,} partners": v["queries"] for v in big["pages"][page]
        }
        by_scale = {
            f"{big['counts']['partners']:,} partners": sorted({v["queries"] for v in big["pages"][page]})
        }
        if small:
            counts.update(
                {
                    f"{v['label']} @ {small['counts']['partners']:,} partners": v["queries"]
                    for v in small["pages"][page]
                }
            )
            by_scale[f"{small['counts']['partners']:,} partners"] = sorted(
                {v["queries"] for v in small["pages"][page]}
            )
        statuses = {v["status"] for v in big["pages"][page]} | (
            {v["status"] for v in small["pages"][page]} if small else set()
        )
        if statuses != {200}:
            raise RuntimeError(f"{page}: the in-process requests answered {sorted(statuses)}, not 200")
        values = set(counts.values())
        if 0 in values:
            raise RuntimeError(f"{page}: no query captured for a signed-in page: the measurement is broken")
        constant: bool | None = len(values) == 1
        if page in PER_VARIANT_PAGES:
            # tabs and filters differ on purpose; each must cost the same at both scales (not
            # measurable without the generation scenario's smaller dataset)
            at_small = {v["label"]: v["queries"] for v in small["pages"][page]} if small else None
            constant = (
                all(at_small.get(v["label"]) == v["queries"] for v in big["pages"][page])
                if at_small is not None
                else None
            )
        out[page] = {
            "per_request": max(values),
            "constant": constant,
            "counts": counts,
            "by_scale": by_scale,
            "queries": [
                {"sql": q["sql"][:400], "plan": q.get("plan", [])} for q in big["pages"][page][0]["detail"]
            ],
            # CPU per request in one process (test Client, connection kept open): min of 10.
            "in_process_cpu_ms": {v["label"]: round(v["cpu_ms_min"], 1) for v in big["pages"][page]},
            # Wall time per request in the same process (min and median of 10), and the response size.
            "in_process_wall_ms": {v["label"]: round(v["wall_ms_min"], 1) for v in big["pages"][page]},
            "in_process_wall_ms_median": {
                v["label"]: round(v["wall_ms_median"], 1) for v in big["pages"][page]
            },
            "bytes": {v["label"]: v["bytes"] for v in big["pages"][page]},
            "lines": {v["label"]: v["lines"] for v in big["pages"][page]},
        }
    return out


PAGES = {
    "directory": ("/console/partners/", "staff", b"Partner directory"),
    "dashboard": ("/portal/", "partner_admin", b"Welcome, Acme"),
    "report": ("/console/agreements/report/", "staff", b"Who has not (re-)accepted"),
    "overview": ("/console/overview/", "staff", b"Program overview"),
    "partner_360": ("/console/partners/{acme}/", "staff", b"Acme"),
    "portal_agreements": (
        "/portal/agreements/",
        "partner_admin",
        b"Agreements of Acme Cloud Consulting GmbH",
    ),
}


def _query_pages(only: list[str] | None) -> list[str]:
    """The queries scenario's pages for ``--only`` (the report brings its CSV); [] means all."""
    if not only:
        return []
    return [p for p in TITLES if p in only or (p == "report_csv" and "report" in only)]


def pool(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds of one URL together: requests/s over all of them, latency percentiles over every request."""
    latencies = sorted(x for r in runs for x in r.pop("latencies"))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    cpu = [r["server_cpu_seconds"] for r in runs]
    return {
        "path": runs[0]["path"],
        "requests": requests,
        "rounds": len(runs),
        "concurrency": runs[0]["concurrency"],
        "seconds": seconds,
        "rps": requests / seconds,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "bytes": runs[0]["bytes"],
        # Server CPU (all gunicorn processes) per request: barely moved by other load on the machine.
        "server_cpu_ms": sum(cpu) / requests * 1000 if None not in cpu else None,
        "per_round": runs,
    }


def scenario_http(phases: Phases, dataset: Path, args: argparse.Namespace) -> dict[str, Any]:
    task = phases.start("signed-in sessions (force_login)")
    sessions = run_django(["sessions"], dataset, log_name="sessions")
    phases.done(task)
    logs = BENCH_VAR / "logs"
    out: dict[str, Any] = {"server": args.server, "workers": args.workers if args.server == "gunicorn" else 1}
    with (logs / "server.log").open("w") as log:
        server = Server(kind=args.server, workers=args.workers, env=django_env(dataset), log=log)
        task = phases.start(f"{args.server} on 127.0.0.1:{server.port}")
        with server:
            phases.done(task, "[dim]ready[/]")
            for page, (path_template, who, marker) in PAGES.items():
                if args.only and page not in args.only:
                    continue
                path = path_template.format(**sessions.get("params", {}))
                cookie = f"{sessions['cookie_name']}={sessions[who]}"
                status, body = get(server.port, path, cookie)
                if status != 200 or marker not in body:
                    raise RuntimeError(f"{path} answered {status} without {marker!r}: not signed in?")
                runs: dict[str, list[dict[str, Any]]] = {"trivial": [], page: []}
                for rnd in range(1, args.rounds + 1):
                    # Interleaved rounds: trivial view, then the page, each after its own warm-up.
                    for label, p, c in (("trivial", "/healthz", ""), (page, path, cookie)):
                        drive(
                            port=server.port,
                            path=p,
                            cookie=c,
                            requests=args.warmup,
                            concurrency=args.concurrency,
                        )
                        task = phases.start(
                            f"HTTP {p} round {rnd}/{args.rounds} ({args.concurrency} threads)",
                            total=args.requests,
                        )
                        r = drive(
                            port=server.port,
                            path=p,
                            cookie=c,
                            requests=args.requests,
                            concurrency=args.concurrency,
                            on_done=lambda t=task: phases.progress.advance(t),
                            server_cpu=server.cpu_seconds,
                        )
                        r["loadavg_1m"] = round(os.getloadavg()[0], 2)
                        runs[label].append(r)
                        phases.done(task, f"[dim]{r['rps']:.0f} req/s[/]")
                trivial, measured = pool(runs["trivial"]), pool(runs[page])
                out[page] = {
                    "page": measured,
                    "trivial": trivial,
                    "ratio": measured["rps"] / trivial["rps"],
                    "cpu_ratio": (
                        trivial["server_cpu_ms"] / measured["server_cpu_ms"]
                        if trivial["server_cpu_ms"] and measured["server_cpu_ms"]
                        else None
                    ),
                    "ratio_per_round": [
                        m["rps"] / t["rps"] for m, t in zip(runs[page], runs["trivial"], strict=True)
                    ],
                }
    return out


# --- report ---------------------------------------------------------------------------------------


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    s = results["scenarios"]
    rows = []
    for page in TITLES:
        q = s["queries"].get(page)
        if q is None:
            continue
        if page in QUERY_LIMIT_PAGES:
            rows.append(
                {
                    "target": f"{page}: queries per request ≤ {QUERY_LIMIT}",
                    "measured": q["per_request"],
                    "pass": q["per_request"] <= QUERY_LIMIT,
                }
            )
        if q["constant"] is None:
            continue
        rows.append(
            {
                "target": f"{page}: queries per request constant (pages, filters, two scales)",
                "measured": " / ".join(str(n) for n in sorted(set(q["counts"].values()))),
                "pass": q["constant"],
            }
        )
    if "http" in s:
        directory = s["http"].get("directory")
        if directory is not None:
            ratio = directory["ratio"]
            rows.append(
                {
                    "target": f"directory throughput ≥ {THROUGHPUT_TARGET:.0%} of the trivial view",
                    "measured": f"{ratio:.0%}",
                    "pass": ratio >= THROUGHPUT_TARGET,
                }
            )
        report = s["http"].get("report")
        if report is not None:
            rows.append(
                {
                    "target": "agreements report throughput ≥ 5× the rate before the compliance table "
                    f"({REPORT_BEFORE_RATIO:.0%} of the trivial view): ≥ {5 * REPORT_BEFORE_RATIO:.0%}",
                    "measured": f"{report['ratio']:.1%}",
                    "pass": report["ratio"] >= 5 * REPORT_BEFORE_RATIO,
                }
            )
    return rows


def _http_figure(r: dict[str, Any]) -> str:
    text = f"{r['rps']:.1f} req/s, p50 {r['p50_ms']:.1f} ms, p95 {r['p95_ms']:.1f} ms"
    if r.get("server_cpu_ms"):
        text += f", server CPU {r['server_cpu_ms']:.1f} ms/req"
    return text


def summary_rows(results: dict[str, Any]) -> list[list[str]]:
    """[scenario, figure, baseline, ratio] for the terminal and for Markdown."""
    s = results["scenarios"]
    rows = []
    g = s.get("generation")
    if g:
        rows.append(
            [
                f"demo generation ({g['slice_partners']:,} partners, {g['rows']:,} rows)",
                f"{g['demo_build']['rows_per_s']:,.0f} rows/s ({g['demo_build']['seconds']:.1f} s)",
                f"raw executemany INSERT: {g['raw_insert']['rows_per_s']:,.0f} rows/s "
                f"({g['raw_insert']['seconds']:.2f} s)",
                f"{g['ratio']:.3f}× (by CPU time {g['cpu_ratio']:.3f}×)",
            ]
        )
    for page, title in TITLES.items():
        h = s.get("http", {}).get(page)
        q = s["queries"].get(page)
        if q is None:  # a latest.json from before this page was measured
            continue
        if page == "report_csv" and "in_process_wall_ms" in q:
            rows.append(_csv_row(s["queries"]))
        if h:
            rows.append(
                [
                    f"{title} ({h['page']['path']})",
                    _http_figure(h["page"]),
                    "/healthz: " + _http_figure(h["trivial"]),
                    f"{h['ratio']:.1%} of req/s"
                    + (f"; {h['cpu_ratio']:.1%} by server CPU" if h.get("cpu_ratio") else ""),
                ]
            )
        rows.append([f"{title}: queries per request", _queries_figure(q), "—", "—"])
    r = s.get("rollup")
    if r:
        rows.append(
            [
                f"overview rollup refresh after a day of events ({r['day_events']:,} events, "
                f"{r['partners_active_today']:,} partners)",
                f"{r['refresh_s'] * 1000:.0f} ms (daily + this month's rollup, every partner)",
                f"raw 12-month aggregate over {r['events_total']:,} events: {r['raw_s'] * 1000:.0f} ms",
                f"raw is {r['ratio']:.1f}× the refresh",
            ]
        )
    return rows


def _queries_figure(q: dict[str, Any]) -> str:
    """'12 @ 10,002 partners; 12 @ 1,002 partners' (every variant at each scale)."""
    if not q.get("by_scale"):
        return str(q["per_request"])
    return "; ".join(f"{'/'.join(str(n) for n in ns)} @ {scale}" for scale, ns in q["by_scale"].items())


def _csv_row(queries: dict[str, Any]) -> list[str]:
    """The report's CSV, in-process (wall and CPU), against the report's first HTML page in the same process."""
    csv_q, html_q = queries["report_csv"], queries.get("report")
    label = next(iter(csv_q["in_process_wall_ms"]))
    wall, cpu = csv_q["in_process_wall_ms"][label], csv_q["in_process_cpu_ms"][label]
    median = csv_q["in_process_wall_ms_median"][label]
    figure = (
        f"{wall:.0f} ms (median {median:.0f} ms), CPU {cpu:.0f} ms; "
        f"{csv_q['lines'][label] - 1:,} rows, {csv_q['bytes'][label] / 1e6:.2f} MB"
    )
    baseline, ratio = "—", "—"
    if html_q:
        html_label = next(iter(html_q["in_process_wall_ms"]))
        html_wall = html_q["in_process_wall_ms"][html_label]
        html_cpu = html_q["in_process_cpu_ms"][html_label]
        baseline = f"report HTML page 1, in-process: {html_wall:.0f} ms, CPU {html_cpu:.0f} ms"
        ratio = f"{wall / html_wall:.2f}× the HTML page's time"
    return ["console agreements report CSV (?format=csv), in-process, min of 10", figure, baseline, ratio]


def print_report(results: dict[str, Any]) -> None:
    meta = results["meta"]
    ds = results["dataset"]
    c = ds["counts"]
    table = Table(
        title=(
            f"channelops bench — {c['partners']:,} partners, {c['contacts']:,} contacts, "
            f"{c['engagement_events']:,} engagement events ({meta['date']}, {meta['machine']['cpus']} CPUs)"
        )
    )
    for col in ("scenario", "figure", "baseline (same run)", "ratio"):
        table.add_column(col)
    for row in summary_rows(results):
        table.add_row(*row)
    console.print(table)
    t = Table(title="targets")
    for col in ("target", "measured", "result"):
        t.add_column(col)
    for row in results["targets"]:
        t.add_row(row["target"], str(row["measured"]), "[green]PASS[/]" if row["pass"] else "[red]FAIL[/]")
    console.print(t)
    console.print(
        f"Results: {RESULTS / meta.get('output', 'latest.json')} (bench took {meta['seconds']:.0f} s)"
    )


def print_markdown(results: dict[str, Any]) -> None:
    print("| scenario | figure | baseline (same run) | ratio |")
    print("| --- | --- | --- | --- |")
    for row in summary_rows(results):
        print("| " + " | ".join(row) + " |")
    print()
    print("| target | measured | result |")
    print("| --- | --- | --- |")
    for row in results["targets"]:
        print(f"| {row['target']} | {row['measured']} | {'PASS' if row['pass'] else 'FAIL'} |")


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": mem,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
    }


# --- main -----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--partners", type=int, help="generated partners in the dataset (default 10,000)")
    p.add_argument("--contacts-per-partner", type=int, default=10)
    p.add_argument("--events-per-partner", type=int, default=100)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--quick", action="store_true", help="1,000 partners, a 200-partner slice, 2×100 requests")
    p.add_argument("--slice-partners", type=int, help="partners in the demo-generation slice (default 1,000)")
    p.add_argument("--requests", type=int, help="measured requests per URL and round (default 500)")
    p.add_argument("--rounds", type=int, help="interleaved rounds of trivial view + page (default 3)")
    p.add_argument("--warmup", type=int, default=50, help="unmeasured requests before each HTTP run")
    p.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    p.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--rebuild", action="store_true", help="rebuild the dataset even if it exists")
    p.add_argument("--skip", action="append", default=[], choices=["generation", "http"])
    p.add_argument(
        "--only",
        action="append",
        default=[],
        choices=list(PAGES),
        help="measure only this page (repeatable): its HTTP rounds against /healthz and its queries "
        "at the dataset's scale; no generation, rollup or slice scenario. Results go to --output "
        "(default subset.json), never to latest.json",
    )
    p.add_argument(
        "--output",
        help="results file under bench/results/ (default latest.json; subset.json with --only); "
        "with --markdown, the file to print",
    )
    p.add_argument("--markdown", action="store_true", help="print bench/results/latest.json as Markdown")
    args = p.parse_args()
    args.output = args.output or ("subset.json" if args.only else "latest.json")
    if args.only and args.output == "latest.json":
        p.error("--only writes partial results: choose another --output than latest.json")
    if Path(args.output).name != args.output or not args.output.endswith(".json"):
        p.error("--output is a file name ending in .json (written under bench/results/)")
    args.partners = args.partners or (1000 if args.quick else 10_000)
    args.slice_partners = args.slice_partners or (200 if args.quick else 1000)
    args.requests = args.requests or (100 if args.quick else 500)
    args.rounds = args.rounds or (2 if args.quick else 3)
    if (
        min(args.partners, args.slice_partners, args.requests, args.rounds, args.concurrency, args.workers)
        < 1
    ):
        p.error(
            "--partners, --slice-partners, --requests, --rounds, --concurrency and --workers must be at least 1"
        )
    return args


def main() -> int:
    args = parse_args()
    if args.markdown:
        print_markdown(json.loads((RESULTS / args.output).read_text()))
        return 0
    if os.environ.get("CHANNELOPS_PRODUCTION", "").lower() in {"1", "true", "yes", "on"}:
        console.print(
            "[yellow]CHANNELOPS_PRODUCTION is ignored: the bench server runs in development mode.[/]"
        )
    started = time.perf_counter()
    load_start = os.getloadavg()
    scale = {
        "partners": args.partners,
        "contacts_per_partner": args.contacts_per_partner,
        "events_per_partner": args.events_per_partner,
        "seed": args.seed,
    }
    fingerprint = _schema_fingerprint()
    BENCH_VAR.mkdir(parents=True, exist_ok=True)
    scenarios: dict[str, Any] = {}
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
    with progress:
        phases = Phases(progress)
        template = ensure_template(phases, fingerprint)
        dataset, info = ensure_dataset(phases, template, scale, fingerprint, args.rebuild)
        # Each run works on a copy: sessions and sign-in events never accumulate in the dataset.
        task = phases.start("working copy of the dataset")
        work = BENCH_VAR / "run"
        copy_db(db_path(dataset), work)
        phases.done(task)
        slice_folder = None
        if "generation" not in args.skip and not args.only:
            scenarios["generation"] = scenario_generation(phases, template, scale, args.slice_partners)
            slice_folder = BENCH_VAR / "slice-demo"
        scenarios["queries"] = scenario_queries(phases, work, slice_folder, args.only)
        if not args.only:
            task = phases.start("rollup refresh after a day of events vs the raw aggregate")
            scenarios["rollup"] = run_django(["rollup"], work, log_name="rollup")
            phases.done(task, f"[dim]{scenarios['rollup']['ratio']:.1f}×[/]")
        if "http" not in args.skip:
            scenarios["http"] = scenario_http(phases, work, args)
    results: dict[str, Any] = {
        "meta": {
            "date": dt.date.today().isoformat(),
            "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 1),
            "machine": machine(),
            # Other processes on the machine skew the figures: the 1-minute load at start and end.
            "loadavg_1m": [round(load_start[0], 2), round(os.getloadavg()[0], 2)],
            "args": {k: v for k, v in vars(args).items() if k != "markdown"},
            "output": args.output,
        },
        "dataset": {
            "scale": scale,
            "counts": info["counts"],
            "reused": info["reused"],
            "build_seconds": info.get("build_seconds"),
            "size_mb": info.get("size_mb"),
            "path": str(db_path(dataset).relative_to(ROOT)),
        },
        "scenarios": scenarios,
    }
    results["targets"] = targets(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = RESULTS / f"{args.output}.tmp"
    tmp.write_text(json.dumps(results, indent=2, default=str) + "\n")
    tmp.replace(RESULTS / args.output)
    print_report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
