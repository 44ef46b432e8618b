"""Database maintenance that keeps query plans good."""

from __future__ import annotations

from django.db import connection


def database_analyze() -> str:
    """Refresh the query planner's statistics.

    SQLite keeps none until ANALYZE runs; without them it picks poor plans for filtered
    directory pages (docs/performance.md). `analysis_limit` keeps the run short on large
    tables. PostgreSQL's autovacuum already analyses, so nothing is done there.
    """
    if connection.vendor != "sqlite":
        return "skipped: statistics are maintained by the database"
    with connection.cursor() as cur:
        cur.execute("PRAGMA analysis_limit=1000")
        cur.execute("ANALYZE")
    return "analyzed"
