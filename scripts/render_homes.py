"""Render the portal home of every partner person of a demo database, in English and German, with
the clock frozen, to compare the page before and after a change (a developer tool, not a test).

    CHANNELOPS_VAR_DIR=/tmp/homes .venv/bin/python manage.py migrate -v0
    CHANNELOPS_VAR_DIR=/tmp/homes .venv/bin/channelops demo --partners 12 --events-per-partner 30
    cp /tmp/homes/channelops.sqlite3 /tmp/homes-pristine.sqlite3
    # on the old code, then on the new one:
    CHANNELOPS_VAR_DIR=/tmp/homes .venv/bin/python scripts/render_homes.py /tmp/homes-pristine.sqlite3 /tmp/before
    CHANNELOPS_VAR_DIR=/tmp/homes .venv/bin/python scripts/render_homes.py /tmp/homes-pristine.sqlite3 /tmp/after
    diff -r /tmp/before /tmp/after

Each run starts from a copy of the pristine database (rendering records page views). Prints each
person's status code and query count; CSRF tokens and CSP nonces are blanked in the files.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

if len(sys.argv) != 3:
    sys.exit(__doc__)
pristine, out = sys.argv[1], Path(sys.argv[2])
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "channelops.settings")
var_dir = Path(os.environ.get("CHANNELOPS_VAR_DIR", "var"))
shutil.copy(pristine, var_dir / "channelops.sqlite3")

import django  # noqa: E402
import time_machine  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from channelops.accounts.models import User  # noqa: E402

settings.ALLOWED_HOSTS = ["*"]
out.mkdir(parents=True, exist_ok=True)
with time_machine.travel(datetime(2026, 12, 6, 15, 0, tzinfo=UTC), tick=False):
    people = User.objects.filter(is_staff=False, is_active=True, membership__isnull=False).order_by("pk")
    for person in people:
        for language in ("en", "de"):
            client = Client(HTTP_ACCEPT_LANGUAGE=language)
            client.force_login(person)
            client.get("/portal/")  # warm up
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/portal/")
            html = response.content.decode()
            html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "CSRF", html)
            html = re.sub(r'nonce="[^"]*"', "NONCE", html)
            (out / f"{person.pk}-{language}.html").write_text(f"status {response.status_code}\n{html}")
            print(person.email, language, response.status_code, len(queries.captured_queries))
