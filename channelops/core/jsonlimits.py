"""JSON from outside with bounded nesting.

Every JSON document the product accepts from outside (API bodies, webhooks, files given to
`channelops badge verify` / `license verify`, keys fetched from a URL) is parsed with
`loads`, so a deeply nested document is a clear error instead of a RecursionError deep in
a parser, a validator or a canonicalizer.
"""

import json
from collections.abc import Iterable
from typing import Any

#: Deeper than any document the product reads or writes (a badge is about 6 levels deep).
MAX_DEPTH = 64


class JsonTooDeep(ValueError):
    """The document nests objects/arrays deeper than the limit."""

    def __init__(self, max_depth: int) -> None:
        super().__init__(f"the JSON document nests deeper than {max_depth} levels")
        self.max_depth = max_depth


def depth_exceeds(value: Any, max_depth: int = MAX_DEPTH) -> bool:
    """True when `value` (parsed JSON) nests containers deeper than `max_depth`.

    Iterative, so it never recurses itself.
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def loads(text: str | bytes | bytearray, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads` that raises `JsonTooDeep` (a ValueError) for documents nested too deep.

    Other malformed input raises `json.JSONDecodeError` (also a ValueError), so callers
    catch `ValueError` once.
    """
    try:
        value = json.loads(text)
    except RecursionError:
        raise JsonTooDeep(max_depth) from None
    if depth_exceeds(value, max_depth):
        raise JsonTooDeep(max_depth)
    return value
