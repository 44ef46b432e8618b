"""`channelops run` (what `make run` starts): web, worker and scheduler together, stopped by Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def test_run_serves_the_demo_with_worker_and_scheduler_and_stops_them_all_on_ctrl_c(migrated_sqlite):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "DJANGO_SETTINGS_MODULE": "channelops.settings",
        "CHANNELOPS_TESTING": "0",
        "CHANNELOPS_DEMO": "true",
        "DATABASE_URL": f"sqlite:///{migrated_sqlite}",
        "CHANNELOPS_VAR_DIR": str(migrated_sqlite.parent),
    }
    exe = os.path.join(os.path.dirname(sys.executable), "channelops")
    proc = subprocess.Popen(
        [exe, "run", "--addr", f"127.0.0.1:{port}", "--partners", "3"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Read the output as it comes: the worker prints every demo e-mail (console backend), and a
    # full pipe would block the web server's request log, so /readyz would never answer.
    chunks: list[str] = []
    reader = threading.Thread(target=lambda: chunks.extend(iter(proc.stdout.readline, "")), daemon=True)
    reader.start()

    def collected() -> str:
        proc.wait(timeout=60)
        reader.join(timeout=10)
        return "".join(chunks)

    try:
        deadline = time.time() + 240  # migrate + demo + three processes; slow when the machine is busy
        ready = None
        while time.time() < deadline and ready is None and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
                    ready = resp.read().decode()
            except OSError:
                time.sleep(0.5)
        if ready is None:
            proc.send_signal(signal.SIGINT)
            output = collected()
            pytest.fail(
                f"channelops run was not ready (exit code {proc.returncode}):\n{output[:3000]}\n…\n{output[-1500:]}"
            )
        assert '"status": "ok"' in ready
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as resp:
            assert resp.status == 200
        children = _children(proc.pid)
        assert len(children) == 3  # web, worker, scheduler
    finally:
        proc.send_signal(signal.SIGINT)
        output = collected()
    assert proc.returncode == 0, output[-2000:]
    assert f"running on http://127.0.0.1:{port}/" in output
    assert "cam@demo.channelops.test" in output and "TOTP secret" in output
    assert "admin@acme.example" in output and "demo-password-1" in output
    assert "channelops stopped." in output
    for pid in children:
        assert _gone(pid), f"child {pid} is still running"


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] == "Z"  # a zombie has exited
    except FileNotFoundError:
        return True
