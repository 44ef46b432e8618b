"""The partner-isolation rules, one module per app; tests/test_isolation.py walks them.

Every module ``rules_<app>.py`` of this package exports ``RULES: dict[str, Rule]``: for each
URL pattern of its app (key ``"namespace:name"``, or the route of an unnamed pattern), how to
request it with partner A's objects and what partner B's people may get back (see ``base``).
``RULES`` below is every module's table, collected automatically: a new app adds its module, it
edits no shared table. A key defined by two modules fails the collection, naming both.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from types import ModuleType

from .base import Rule


def rules_modules() -> list[ModuleType]:
    """Every ``rules_*`` module of this package, imported, by name."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__) if info.name.startswith("rules_"))
    return [importlib.import_module(f"{__name__}.{name}") for name in names]


def collect(modules: Iterable[ModuleType]) -> dict[str, Rule]:
    """The modules' ``RULES`` in one table; a key defined twice (or a module without ``RULES``) fails."""
    table: dict[str, Rule] = {}
    owner: dict[str, str] = {}
    for module in modules:
        rules = getattr(module, "RULES", None)
        if not isinstance(rules, dict):
            raise TypeError(f"{module.__name__} must export RULES: dict[str, Rule]")
        for key, rule in rules.items():
            if key in table:
                raise ValueError(
                    f"isolation rule {key!r} is defined twice: in {owner[key]} and in {module.__name__}"
                )
            table[key] = rule
            owner[key] = module.__name__
    return table


RULES: dict[str, Rule] = collect(rules_modules())
