"""Weak deployment settings refused: known or short secret keys and a wildcard host.

``settings.py`` calls ``secret_key_problem`` and ``allowed_hosts_problem`` at start-up and refuses
to start in production mode (``ImproperlyConfigured``); the same rules are Django system checks
with the ``deploy`` tag, so ``manage.py check --deploy`` (and ``channelops_check --deploy``) fails
on them in any mode. This module imports nothing from Django's app registry: settings.py loads it.
"""

from __future__ import annotations

from typing import Any

# Keys published in this repository (settings.py, the docs): anyone can sign sessions and
# password-reset links with them.
KNOWN_DEVELOPMENT_KEYS = frozenset({"dev-only-insecure-key-do-not-use-in-production-0123456789abcdef"})
# Django's ``startproject`` keys and this project's development key family.
KNOWN_DEVELOPMENT_PREFIXES = ("django-insecure", "dev-only-insecure")
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE_CHARACTERS = 5
HOW_TO_FIX_KEY = (
    "Generate a new one with: python -c 'import secrets; print(secrets.token_urlsafe(50))' "
    "and set it as SECRET_KEY."
)


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` must not sign a deployment's sessions and links, or None when it may."""
    if key in KNOWN_DEVELOPMENT_KEYS or key.startswith(KNOWN_DEVELOPMENT_PREFIXES):
        return "SECRET_KEY is a known development key, published with the source code."
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters."
    if len(set(key)) < MIN_SECRET_KEY_UNIQUE_CHARACTERS:
        return f"SECRET_KEY has fewer than {MIN_SECRET_KEY_UNIQUE_CHARACTERS} different characters."
    return None


def allowed_hosts_problem(hosts: list[str]) -> str | None:
    """Why ``hosts`` must not be a deployment's ALLOWED_HOSTS, or None when it may."""
    if "*" in hosts:
        return (
            "ALLOWED_HOSTS contains '*': any Host header is accepted. List the site's host names, "
            "e.g. ALLOWED_HOSTS=partners.example.com."
        )
    return None


def check_deployment_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """System check (tag ``deploy``): the same rules as the production start-up."""
    from django.conf import settings
    from django.core.checks import Error

    errors = []
    key_problem = secret_key_problem(str(settings.SECRET_KEY))
    if key_problem:
        errors.append(Error(key_problem, hint=HOW_TO_FIX_KEY, id="channelops.E001"))
    hosts_problem = allowed_hosts_problem(list(settings.ALLOWED_HOSTS))
    if hosts_problem:
        errors.append(Error(hosts_problem, id="channelops.E002"))
    return errors
