"""Calendar-month helpers (months are ``date`` objects on the 1st)."""

from __future__ import annotations

from datetime import date, timedelta


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_last_day(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def last_months(today: date, n: int) -> list[date]:
    """The ``n`` months ending with ``today``'s month, oldest first."""
    current = month_start(today)
    return [add_months(current, -i) for i in range(n - 1, -1, -1)]
