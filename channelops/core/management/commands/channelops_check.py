from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from channelops.core.views import _check_database, _check_queue


class Command(BaseCommand):
    help = "Check the installation: Django system checks, database, pending migrations, task queue."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--deploy", action="store_true", help="Also run Django's deployment checks.")

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("check", deploy=opts["deploy"], fail_level="WARNING" if opts["deploy"] else "ERROR")
        problems = []
        db = _check_database()
        if db:
            problems.append(f"database: {db} — check DATABASE_URL")
        else:
            executor = MigrationExecutor(connection)
            pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if pending:
                problems.append(f"{len(pending)} migrations are not applied — run `channelops migrate`")
        queue = _check_queue()
        if queue:
            problems.append(f"task queue: {queue} — check REDIS_URL or run migrations")
        if problems:
            raise CommandError("; ".join(problems))
        self.stdout.write("channelops: database, migrations and task queue OK")
