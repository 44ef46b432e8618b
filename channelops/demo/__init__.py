"""The demo: deterministic sign-ins per role and generated partners (``data.py``), the ``demo``
command and ``channelops run`` (migrate, demo data, web + worker + scheduler).

A project-level package: it may import every app, and no app imports it (the import-linter
contract in pyproject.toml)."""
