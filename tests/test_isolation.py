"""Partner isolation: every URL of the project, walked as partner B's people, never shows partner A.

The walker iterates ``get_resolver()`` recursively and needs a rule for every URL
pattern it finds. A rule says how to build requests for the pattern (substituting
partner A's objects for ids) and what partner B's people may get back:

* ``DENIED``  — 401/403/404/405 or a redirect to a sign-in page;
* ``OWN``     — a page about the caller's own partner or account (any status below 500);
* ``PUBLIC``  — a page anyone may open (sign-in, health checks, API schema…).

Whatever the rule, no response (body or Location header) may contain partner A's
legal name, contact e-mail addresses, people or CRM id, and partner A's data must be
unchanged after the walk. A URL pattern without a rule fails the suite: a later
feature that adds a page must add its rule to its app's module, ``tests/isolation/rules_<app>.py``
(a new app adds that module; ``tests/isolation/__init__.py`` collects every ``rules_*`` module).
The world, the rules' vocabulary and the snapshot are in ``tests/isolation/base.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from .isolation import RULES
from .isolation.base import A_LEGAL_NAME, B_MARKERS, DENIED, OWN, Probe, Rule, World, make_world, snapshot
from .isolation.rules_admin import ADMIN_OBJECTS

# Sign-in pages a denied request may be redirected to.
LOGIN_PATHS = ("/accounts/login/", "/console/admin/login/")


@pytest.fixture
def world(partner_a, partner_b, admin_a, user_a, user_b) -> World:
    """Partner A with one object of every kind, partner B's people (tests/isolation/base.py)."""
    return make_world(partner_a, partner_b, admin_a, user_a, user_b)


# URL patterns the walker does not request, each with the reason. Deliberately empty: the
# allauth and invitation URLs that carry tokens (e-mail confirmation key, password-reset key,
# invitation token) cannot be built for partner A's people — their clear tokens exist only in
# e-mails — so they are requested with invalid tokens instead (see the rules' notes). Add an
# entry here only for a pattern that cannot be requested at all, and say why.
SKIPPED: dict[str, str] = {}


# --- the walker -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # "namespace:name", or the route for unnamed patterns
    route: str
    name: str | None


def all_patterns() -> list[Pattern]:
    out: list[Pattern] = []

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p, URLResolver._join_route(prefix, str(p.pattern)), ns)
            elif isinstance(p, URLPattern):
                route = URLResolver._join_route(prefix, str(p.pattern))
                key = f"{namespace}:{p.name}" if p.name else route
                out.append(Pattern(key=key, route=route, name=p.name))

    walk(get_resolver(), "", "")
    return out


def all_rules() -> dict[str, Rule]:
    """Every app's rules (tests/isolation/rules_*.py; a key defined twice fails their collection)."""
    return dict(RULES)


def _unknown_patterns() -> list[Pattern]:
    rules = all_rules()
    return [p for p in all_patterns() if p.key not in rules and p.key not in SKIPPED]


def test_every_url_pattern_has_an_isolation_rule():
    unknown = _unknown_patterns()
    unregistered = sorted(
        m._meta.label_lower for m in admin.site._registry if m._meta.label_lower not in ADMIN_OBJECTS
    )
    assert not unregistered, (
        f"models in the data admin without an entry in ADMIN_OBJECTS (tests/isolation/rules_admin.py): "
        f"{unregistered}"
    )
    assert not unknown, (
        "URL patterns the isolation walker does not know how to probe — add a rule to RULES in "
        "tests/isolation/rules_<app>.py (a new app adds that module):\n"
        + "\n".join(f"  {p.key}  ({p.route})" for p in unknown)
    )


def test_pattern_keys_are_unique_so_every_pattern_is_walked():
    keys = [p.key for p in all_patterns()]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    assert not duplicates, f"two URL patterns share a key; the walker would miss one: {duplicates}"


def test_isolation_rules_only_name_url_patterns_that_exist():
    existing = {p.key for p in all_patterns()}
    stale = sorted(k for k, rule in all_rules().items() if k not in existing and not rule.optional)
    stale += sorted(k for k in SKIPPED if k not in existing)
    assert not stale, f"rules for URL patterns that no longer exist (remove them): {stale}"


def _body(resp: Any) -> str:
    raw = b"".join(resp.streaming_content) if getattr(resp, "streaming", False) else resp.content
    return raw.decode("utf-8", errors="replace")


def _send(w: World, actor: str, probe: Probe, client: Client) -> Any:
    user = w.actors[actor]
    if probe.api:
        api_client = Client(raise_request_exception=False)  # no session: the token alone authenticates
        headers = {"HTTP_AUTHORIZATION": f"Bearer {w.tokens[actor]}"} if actor in w.tokens else {}
        if probe.method == "GET":
            return api_client.get(probe.url, **headers)
        return api_client.generic(
            probe.method, probe.url, data=_json(probe.data or {}), content_type="application/json", **headers
        )
    if user is not None and client.session.get("_auth_user_id") != str(user.pk):
        client.force_login(user)  # again after a probe that signed out
    if probe.method == "GET":
        return client.get(probe.url)
    return client.post(probe.url, probe.data or {})


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data)


def _problems(w: World, actor: str, key: str, rule: Rule, probe: Probe, resp: Any) -> list[str]:
    where = f"[{actor}] {key}: {probe.method} {probe.url} → {resp.status_code}"
    problems = []
    body = _body(resp)
    location = resp.get("Location", "") or ""
    for marker in w.markers:
        if marker in body:
            problems.append(f"{where}: the response shows partner A's {marker!r}")
        if marker in location:
            problems.append(f"{where}: the redirect shows partner A's {marker!r}")
    if resp.status_code >= 500:
        problems.append(f"{where}: server error")
    if rule.access == DENIED:
        if resp.status_code in (301, 302, 303, 307, 308):
            if not urlsplit(location).path.startswith(LOGIN_PATHS):
                problems.append(f"{where}: redirects to {location!r}, not to a sign-in page")
        elif resp.status_code not in (401, 403, 404, 405):
            problems.append(f"{where}: expected 401/403/404/405 or a redirect to sign in ({body[:300]!r})")
        if resp.status_code == 200:
            problems.append(f"{where}: a 200 for a request about partner A")
    own_page_probe = rule.own_page and actor != "anonymous" and probe.method == "GET" and "?" not in probe.url
    if own_page_probe and (resp.status_code != 200 or not any(m in body for m in B_MARKERS)):
        problems.append(f"{where}: partner B's own page should render and show partner B")
    return problems


@pytest.fixture
def clean_cache():
    """The walk posts wrong passwords to the sign-in page: leave allauth's rate-limit counters clean."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("actor", ["partner_b_user", "partner_b_admin", "anonymous"])
def test_partner_b_people_never_see_or_change_partner_a_anywhere(world, actor, clean_cache):
    rules = all_rules()
    patterns = all_patterns()
    unknown = [p.key for p in patterns if p.key not in rules and p.key not in SKIPPED]
    assert not unknown, f"URL patterns without an isolation rule: {unknown}"
    assert not set(SKIPPED) & set(rules), "a pattern is both skipped and probed"
    before = snapshot(world)
    problems: list[str] = []
    walked = 0
    client = Client(raise_request_exception=False)  # a server error is reported, not raised
    for pattern in patterns:
        if pattern.key in SKIPPED:
            continue
        rule = rules[pattern.key]
        probes = rule.probes(world)
        assert probes, f"{pattern.key}: the rule builds no request"
        for probe in probes:
            match = resolve(urlsplit(probe.url).path)
            assert match.route == pattern.route, (
                f"{pattern.key}: the rule's URL {probe.url} resolves to {match.route!r}, not {pattern.route!r}"
            )
            resp = _send(world, actor, probe, client)
            problems.extend(_problems(world, actor, pattern.key, rule, probe, resp))
            walked += 1
    assert not problems, "\n".join(problems)
    assert snapshot(world) == before, "a request by partner B's people changed partner A's data"
    assert walked >= len(patterns) - len(SKIPPED)  # every pattern not skipped got at least one request


def test_walker_notices_a_leak_and_an_unknown_pattern(world):
    """The walker's own checks work: a page showing partner A is reported, a new pattern is unknown."""
    from django.http import HttpResponse

    leaky = HttpResponse(f"<h1>{A_LEGAL_NAME}</h1>")
    probe = Probe("GET", "/somewhere/")
    assert _problems(world, "partner_b_user", "x", Rule(OWN, lambda w: [probe]), probe, leaky)
    ok = HttpResponse("<h1>nothing</h1>", status=404)
    assert not _problems(world, "partner_b_user", "x", Rule(DENIED, lambda w: [probe]), probe, ok)
    assert "brand:new_page" not in all_rules()


def test_a_new_url_pattern_without_a_rule_makes_the_walker_fail(settings):
    """Adding a page to the project without a rule in tests/isolation/rules_<app>.py is caught."""
    import sys
    import types

    from django.urls import clear_url_caches, path

    from channelops import urls as project_urls

    mod = types.ModuleType("isolation_probe_urls")
    mod.urlpatterns = [
        *project_urls.urlpatterns,
        path("brand-new/<int:pk>/", lambda r, pk: None, name="brand_new"),
    ]
    sys.modules[mod.__name__] = mod
    settings.ROOT_URLCONF = mod.__name__
    clear_url_caches()
    try:
        assert [p.key for p in _unknown_patterns()] == [":brand_new"]
        with pytest.raises(AssertionError, match="brand_new"):
            test_every_url_pattern_has_an_isolation_rule()
    finally:
        del sys.modules[mod.__name__]
        clear_url_caches()
