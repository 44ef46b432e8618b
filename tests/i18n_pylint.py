"""The Python half of the i18n lint (tests/test_i18n_catalog.py): literal text handed to the places
people read it — form labels and help, messages, errors, navigation and attention items — must be
wrapped in ``gettext``/``gettext_lazy`` (``_``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

#: Keyword arguments whose value people read.
READ_KEYWORDS = {
    "label",
    "help_text",
    "verbose_name",
    "verbose_name_plural",
    "empty_label",
    "title",
    "text",
    "success",
    "not_allowed",
    "placeholder",
}
#: Calls whose first argument people read.
READ_CALLS = {"ValidationError", "NotAllowed", "Http404", "PermissionDenied"}
MESSAGE_CALLS = {"success", "error", "info", "warning"}
#: Keyword values that are identifiers or formats, not text.
ALLOWED_VALUES = {"YYYY-MM-DD", "item", "badge", "license", "channelops API"}
#: Modules that are not shown to people (commands print for operators; migrations are history).
SKIP_PARTS = {"migrations", "management", "demo", "demo.py"}


def _text(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return ""


def _readable(s: str) -> bool:
    return (
        s not in ALLOWED_VALUES
        and re.search(r"[A-Za-z]{3,}", s) is not None
        and " " in s.strip()
        or (s[:1].isupper() and s.isalpha() and len(s) > 2)
    )


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def unmarked_python(path: Path) -> list[str]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines()
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or "# i18n: internal" in lines[node.lineno - 1]:
            continue
        name = _name(node.func)
        for kw in node.keywords:
            if kw.arg in READ_KEYWORDS:
                s = _text(kw.value)
                if s and _readable(s):
                    found.append(f"{path.name}:{node.lineno} {kw.arg}={s!r}")
        if name in READ_CALLS and node.args:
            s = _text(node.args[0])
            if s and _readable(s):
                found.append(f"{path.name}:{node.lineno} {name}({s!r})")
        if (
            name in MESSAGE_CALLS
            and isinstance(node.func, ast.Attribute)
            and _name(node.func.value) == "messages"
            and len(node.args) >= 2
        ):
            s = _text(node.args[1])
            if s and _readable(s):
                found.append(f"{path.name}:{node.lineno} messages.{name}({s!r})")
    return found
