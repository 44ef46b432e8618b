"""A real server in a subprocess and a small threaded HTTP client to drive it."""

from __future__ import annotations

import http.client
import itertools
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def get(port: int, path: str, cookie: str = "", timeout: float = 30) -> tuple[int, bytes]:
    """One GET on a new connection (gunicorn's sync workers close every connection anyway)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Connection": "close"}
        if cookie:
            headers["Cookie"] = cookie
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class Server:
    """gunicorn (sync workers) or `manage.py runserver --noreload`, on a free port."""

    def __init__(self, *, kind: str, workers: int, env: dict[str, str], log: IO[str]) -> None:
        self.kind = kind
        self.workers = workers
        self.port = free_port()
        if kind == "gunicorn":
            cmd = [
                sys.executable,
                "-m",
                "gunicorn",
                "channelops.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
            ]
        elif kind == "runserver":
            cmd = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"]
        else:
            raise ValueError(kind)
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server process and its workers (Linux /proc)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == self.proc.pid or ppid == self.proc.pid:
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / tick

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited with {self.proc.returncode} before answering")
            try:
                status, _body = get(self.port, "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.kind} did not answer /healthz within {timeout:.0f}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> Server:
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def drive(
    *,
    port: int,
    path: str,
    cookie: str,
    requests: int,
    concurrency: int,
    on_done: Callable[[], None] | None = None,
    server_cpu: Callable[[], float] | None = None,
) -> dict[str, Any]:
    """Send ``requests`` GETs from ``concurrency`` threads; throughput and latency (every status must be 200)."""
    counter = itertools.count()
    latencies: list[float] = []
    failures: list[str] = []
    sizes: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        while next(counter) < requests:
            t0 = time.perf_counter()
            try:
                status, body = get(port, path, cookie)
            except OSError as exc:
                status, body = -1, repr(exc).encode()
            dt = time.perf_counter() - t0
            with lock:
                latencies.append(dt)
                sizes.append(len(body))
                if status != 200:
                    failures.append(f"{status}: {body[:200]!r}")
            if on_done:
                on_done()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    cpu0 = server_cpu() if server_cpu else 0.0
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    cpu = (server_cpu() - cpu0) if server_cpu else None
    if failures:
        raise RuntimeError(f"{len(failures)} of {requests} requests to {path} failed, e.g. {failures[0]}")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "path": path,
        "requests": requests,
        "concurrency": concurrency,
        "seconds": wall,
        "rps": requests / wall,
        "p50_ms": cuts[49] * 1000,
        "p95_ms": cuts[94] * 1000,
        "mean_ms": statistics.fmean(latencies) * 1000,
        "max_ms": max(latencies) * 1000,
        "bytes": int(statistics.fmean(sizes)),
        "server_cpu_seconds": cpu,
        "latencies": latencies,
    }
