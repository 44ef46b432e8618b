"""Several reads in one query: querysets projected to the same columns, each its own sub-select
(ordered and cut as its caller wants), joined with ``UNION ALL`` (the portal home's attention items).

``shaped(qs, **columns)`` projects a queryset to ``COLUMNS`` with typed casts (PostgreSQL matches
the types of a UNION's columns; a missing column is a typed NULL); ``union_rows(parts)`` runs them as
one query and answers each part's rows as dicts, dates and datetimes converted (a raw cursor on
SQLite answers the stored text). SQL does not promise that a sub-select's order survives the
``UNION ALL``: each part's ordering and slice decide *which* rows come; callers sort them again.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import DateField, DateTimeField, F, IntegerField, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

#: (name, type) of the shared columns: an id, a date, a moment, a number and four texts.
COLUMNS: tuple[tuple[str, type], ...] = (
    ("pk", int),
    ("due", date),
    ("at", datetime),
    ("n", int),
    ("t1", str),
    ("t2", str),
    ("t3", str),
    ("t4", str),
)
_OUTPUT = {int: IntegerField, date: DateField, datetime: DateTimeField, str: TextField}


def shaped(qs: Any, **columns: Any) -> Any:
    """``qs`` as a ``values_list`` of ``COLUMNS`` (names, ``F()`` or expressions; others NULL); keep
    the queryset's ordering and slice them after (``shaped(…)[:10]``)."""
    unknown = set(columns) - {name for name, _ in COLUMNS}
    if unknown:
        raise ValueError(f"unknown columns: {sorted(unknown)}")
    values = {}
    for name, kind in COLUMNS:
        expr = columns.get(name)
        if isinstance(expr, str):
            expr = F(expr)
        if kind is datetime and expr is not None:
            values[f"u_{name}"] = expr  # already a timestamp (Django's SQLite cast would cut microseconds)
        else:
            values[f"u_{name}"] = Cast(Value(None) if expr is None else expr, output_field=_OUTPUT[kind]())
    return qs.annotate(**values).values_list(*values)


def union_rows(parts: list[Any]) -> list[list[dict[str, Any]]]:
    """Run the ``shaped`` querysets ``parts`` as one query; each part's rows (sort them again)."""
    if not parts:
        return []
    sqls, params = [], []
    for i, qs in enumerate(parts):
        try:
            sql, p = qs.query.sql_with_params()
        except EmptyResultSet:  # qs.none(), an empty __in: no rows, nothing to ask
            continue
        sqls.append(f"SELECT {i} AS part_no, part{i}.* FROM ({sql}) part{i}")  # noqa: S608 (compiled SQL)
        params.extend(p)
    out: list[list[dict[str, Any]]] = [[] for _ in parts]
    if not sqls:
        return out
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(sqls), params)
        rows = cursor.fetchall()
    for row in rows:
        out[row[0]].append(
            {name: _convert(kind, v) for (name, kind), v in zip(COLUMNS, row[1:], strict=True)}
        )
    return out


def _convert(kind: type, value: Any) -> Any:
    if value is None:
        return None
    if kind is datetime:
        if isinstance(value, str):
            value = parse_datetime(value)
        return timezone.make_aware(value, UTC) if timezone.is_naive(value) else value
    if kind is date:
        if isinstance(value, datetime):
            return value.date()
        return parse_date(value) if isinstance(value, str) else value
    if kind is int:
        return int(value)
    return value
