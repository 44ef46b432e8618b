"""The `channelops` command: a thin wrapper over the management commands.

channelops run                      migrate, demo data, web + worker + scheduler
channelops demo --partners N [--seed S]
channelops token create --user EMAIL
channelops check [--deploy]
channelops keys generate | list           license signing keys (docs/licenses.md)
channelops license verify FILE [--keys JWKS_FILE_OR_URL] [--revoked FILE_OR_URL]
channelops badge verify FILE [--keys URL_OR_FILE] [--status URL_OR_FILE]   Open Badges (docs/badges.md)
channelops search_index [--kind KEY]      rebuild the global search index (docs/search.md)
channelops worker | scheduler | migrate | …   (any manage.py command)
"""

from __future__ import annotations

import os
import sys

ALIASES = {"check": "channelops_check"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "channelops.settings")
    from django.core.management import execute_from_command_line

    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    argv[0] = "channelops"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
