"""Background tasks through the Django tasks API: the database backend, and RQ on a real Redis."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ENQUEUE = """
import django
django.setup()
from django.db import transaction
from channelops.core.outbox import outbox_enqueue
with transaction.atomic():
    outbox_enqueue(kind="email", key="backend-test", payload={
        "to": ["ops@example.test"], "subject": "via the task queue", "text": "hello"})
"""

READY = """
import django
django.setup()
from django.test import Client
r = Client().get("/readyz")
print(r.status_code, r.content.decode())
"""


def _env(db_path, smtp_port: int, **extra: str) -> dict[str, str]:
    base = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_XDIST_WORKER"}
    }
    return base | {
        "DJANGO_SETTINGS_MODULE": "channelops.settings",
        "CHANNELOPS_TESTING": "0",
        "DATABASE_URL": f"sqlite:///{db_path}",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "CHANNELOPS_VAR_DIR": str(db_path.parent),
        **extra,
    }


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], env=env, check=True, timeout=300, capture_output=True, text=True
    )


def test_the_database_backend_worker_runs_the_delivery_task(migrated_sqlite, smtp_server):
    env = _env(migrated_sqlite, smtp_server.port)
    _run(env, "-c", ENQUEUE)
    assert smtp_server.box.messages == []  # nothing is sent from the writer's process
    _run(env, "-m", "django", "worker", "--burst")
    [msg] = smtp_server.box.messages
    assert msg["Subject"] == "via the task queue"


@pytest.mark.redis
def test_the_rq_backend_on_redis_runs_the_delivery_task(migrated_sqlite, smtp_server):
    redis_url = os.environ.get("REDIS_TEST_URL")
    if not redis_url:
        pytest.skip("REDIS_TEST_URL is not set (make test-redis sets it)")
    import redis

    conn = redis.Redis.from_url(redis_url)
    conn.ping()
    env = _env(
        migrated_sqlite,
        smtp_server.port,
        REDIS_URL=redis_url,
    )
    conn.delete("rq:queue:default")
    ready = _run(env, "-c", READY).stdout
    assert ready.startswith("200") and '"queue": "ok"' in ready
    _run(env, "-c", ENQUEUE)
    assert conn.llen("rq:queue:default") >= 1  # the task waits in Redis
    _run(env, "-m", "django", "worker", "--burst")
    [msg] = smtp_server.box.messages
    assert msg["Subject"] == "via the task queue"
    assert conn.llen("rq:queue:default") == 0


@pytest.mark.redis
def test_readyz_reports_an_unreachable_redis(migrated_sqlite, smtp_server):
    if not os.environ.get("REDIS_TEST_URL"):
        pytest.skip("REDIS_TEST_URL is not set (make test-redis sets it)")
    env = _env(migrated_sqlite, smtp_server.port, REDIS_URL="redis://127.0.0.1:1/0")
    result = _run(env, "-c", READY)
    assert result.stdout.startswith("503") and '"queue": "unavailable"' in result.stdout
    assert "127.0.0.1" not in result.stdout  # the details go to the log, not the public answer
    assert "readiness check queue failed" in result.stderr and "ConnectionError" in result.stderr
