"""Every gettext marker in the code, whatever name it is imported as (tests/test_i18n_catalog.py).

makemessages (xgettext) finds a marked string only by the name of the function called: Django's
and GNU gettext's own names (``_``, ``gettext``, ``gettext_lazy``, ``ngettext``, ``pgettext``…)
and the aliases the project's command adds (``channelops/core/management/commands/
makemessages.py``, ``ALIASES``). These helpers read the code itself (``ast``, no gettext needed):
which names each module binds to a translation function, and which strings it marks with them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from channelops.core.management.commands.makemessages import SPECS

TRANSLATION_MODULE = "django.utils.translation"
#: The keywords xgettext knows without being told (GNU gettext's Python defaults, then Django's).
DEFAULT_KEYWORDS = {
    "_",
    "gettext",
    "ugettext",
    "dgettext:2",
    "ngettext:1,2",
    "ungettext:1,2",
    "dngettext:2,3",
    "gettext_noop",
    "gettext_lazy",
    "ngettext_lazy:1,2",
    "pgettext:1c,2",
    "npgettext:1c,2,3",
    "pgettext_lazy:1c,2",
    "npgettext_lazy:1c,2,3",
}


def markers(tree: ast.Module) -> dict[str, str]:
    """Name → translation function, for the names a module binds: ``from django.utils.translation
    import gettext_lazy as _l``, plain imports, and assignments such as ``_t = gettext_lazy``."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION_MODULE:
            for alias in node.names:
                if alias.name in SPECS:
                    found[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):  # after the imports: `_t = _l` names what `_l` names
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name | ast.Attribute):
            value = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
            function = found.get(value) or (value if isinstance(node.value, ast.Attribute) else None)
            if function in SPECS:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = function
    return found


def keyword(name: str, function: str) -> str:
    """The xgettext ``--keyword`` value that extracts calls of ``name`` (which is ``function``)."""
    return name + SPECS[function]


def marked_strings(tree: ast.Module) -> set[tuple[str, str, str]]:
    """(context, msgid, plural) of every call of a translation function with literal arguments:
    by any name the module binds, and as ``translation.<function>(…)``."""
    names = markers(tree)
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Name):
            function = names.get(node.func.id)
        elif isinstance(node.func, ast.Attribute) and node.func.attr in SPECS:
            function = node.func.attr
        else:
            continue
        if function is None:
            continue
        args = [
            a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args
        ]
        context = ""
        if function.startswith(("pgettext", "npgettext")):
            if len(args) < 2 or args[0] is None:
                continue
            context, args = args[0], args[1:]
        plural = ""
        if function.startswith(("ngettext", "npgettext")):
            if len(args) < 2 or args[1] is None:
                continue
            plural = args[1]
        if not args or args[0] is None:
            continue
        found.add((context, args[0], plural))
    return found


def parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except FileNotFoundError:  # a temporary "<template>.py" of a makemessages running meanwhile
        return None
