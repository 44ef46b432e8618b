"""What the standalone benchmark scripts share: a fresh Django on a temporary SQLite database,
the machine description and the results file."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def django_on_fresh_sqlite(
    tmp: Path, name: str, *, env: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> Path:
    """Point Django at ``tmp/<name>.sqlite3`` (plus ``env``; without ``drop`` and the Redis/immediate
    task settings), set it up and migrate. Returns the database file."""
    db = tmp / f"{name}.sqlite3"
    for var in ("REDIS_URL", "CHANNELOPS_TASKS_IMMEDIATE", *drop):
        os.environ.pop(var, None)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "channelops.settings",
            "DATABASE_URL": f"sqlite:///{db}",
            "CHANNELOPS_VAR_DIR": str(tmp),
            "CHANNELOPS_TESTING": "0",
            "CHANNELOPS_PRODUCTION": "false",
            **(env or {}),
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return db


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }


def write_results(path: Path, result: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")


@contextmanager
def scratch_dir(name: str, *, keep: bool) -> Iterator[Path]:
    """A temporary directory for one run, removed afterwards unless ``keep``."""
    tmp = Path(tempfile.mkdtemp(prefix=f"channelops-bench-{name}-"))
    try:
        yield tmp
    finally:
        if keep:
            print(f"  database kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


# Runs argv[2:] and writes its exit status, peak RSS (ru_maxrss of that one child, KiB) and wall time to
# argv[1]. A separate small process: Linux hands a parent's high-water mark down through exec, so a
# child started straight from the (large) benchmark process would report the benchmark's own peak.
_PEAK_RSS_LAUNCHER = """
import json, os, subprocess, sys, time
t = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - t
with open(sys.argv[1], "w") as f:
    json.dump({"exit": os.waitstatus_to_exitcode(status), "peak_rss_kib": usage.ru_maxrss, "seconds": seconds}, f)
"""


def peak_rss(argv: list[str], *, env: dict[str, str], cwd: Path = ROOT) -> dict[str, Any]:
    """Run ``argv`` as a child process; returns its exit status, peak resident memory (``peak_rss_mb``,
    from ``getrusage`` via ``wait4``), wall time and what it printed (``stdout``, ``stderr``)."""
    with tempfile.TemporaryDirectory(prefix="channelops-bench-rss-") as tmp:
        out = Path(tmp) / "usage.json"
        proc = subprocess.run(
            [sys.executable, "-c", _PEAK_RSS_LAUNCHER, str(out), *argv],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        if not out.exists():
            raise RuntimeError(f"peak_rss launcher failed: {proc.stderr}")
        usage = json.loads(out.read_text())
    return {
        "exit": usage["exit"],
        "peak_rss_mb": round(usage["peak_rss_kib"] / 1024, 1),
        "seconds": round(usage["seconds"], 2),
        "stdout": proc.stdout,
        "stderr": proc.stderr,
    }


def pool_rounds(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One URL's interleaved rounds (from ``load.drive``) pooled: requests/s over all rounds and the
    p50/p95 of every request's latency."""
    import statistics

    latencies = sorted(x for r in runs for x in r.pop("latencies"))
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    requests = sum(r["requests"] for r in runs)
    seconds = sum(r["seconds"] for r in runs)
    return {
        "path": runs[0]["path"],
        "requests": requests,
        "rounds": len(runs),
        "rps": requests / seconds,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "bytes": runs[0]["bytes"],
    }
