"""The fiscal calendar (S5): fiscal years, quarters and two-week milestones, and due-date rules.

The fiscal year starts on the first day of ``WORK_FISCAL_YEAR_START_MONTH`` (default 2,
February) and is named by the calendar year it ends in (FY21 = February 2020 – January
2021). Each quarter has six milestones: "1a" is days 1–15 of the quarter's first month,
"1b" the 16th to the month's end, and so on to "3b". A milestone is titled like
"Channel - FY21Q2 3a".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings


def fiscal_start_month() -> int:
    month = int(getattr(settings, "WORK_FISCAL_YEAR_START_MONTH", 2))
    if not 1 <= month <= 12:
        raise ValueError("WORK_FISCAL_YEAR_START_MONTH must be 1–12")
    return month


@dataclass(frozen=True)
class FiscalWindow:
    fiscal_year: int  # e.g. 2021 for FY21
    quarter: int  # 1–4
    month_of_quarter: int  # 1–3
    half: str  # "a" (days 1–15) or "b" (16th–end)
    start: date
    end: date

    @property
    def title(self) -> str:
        prefix = getattr(settings, "WORK_MILESTONE_PREFIX", "Channel")
        return f"{prefix} - FY{self.fiscal_year % 100:02d}Q{self.quarter} {self.month_of_quarter}{self.half}"


def fiscal_window(day: date) -> FiscalWindow:
    """The two-week milestone window that contains ``day``."""
    start_month = fiscal_start_month()
    months_into_year = (day.month - start_month) % 12
    # The fiscal year is named by the calendar year in which it ends.
    fy_start_year = day.year if day.month >= start_month else day.year - 1
    fiscal_year = fy_start_year + 1 if start_month != 1 else fy_start_year
    quarter = months_into_year // 3 + 1
    month_of_quarter = months_into_year % 3 + 1
    last = calendar.monthrange(day.year, day.month)[1]
    if day.day <= 15:
        half, start, end = "a", day.replace(day=1), day.replace(day=15)
    else:
        half, start, end = "b", day.replace(day=16), day.replace(day=last)
    return FiscalWindow(fiscal_year, quarter, month_of_quarter, half, start, end)


def add_days(start: date, days: int, basis: str = "calendar") -> date:
    """``days`` calendar days after ``start``, or ``days`` business days (Monday–Friday)."""
    if basis != "business":
        return start + timedelta(days=days)
    d = start
    left = days
    while left > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            left -= 1
    return d


def fiscal_quarter_bounds(fiscal_year: int, quarter: int) -> tuple[date, date]:
    """The first and last day of quarter ``quarter`` (1–4) of fiscal year ``fiscal_year`` (e.g. 2027).

    With the default start month (February), FY27 Q4 is 1 November 2026 – 31 January 2027."""
    if not 1 <= quarter <= 4:
        raise ValueError("quarter must be 1–4")
    start_month = fiscal_start_month()
    fy_start_year = fiscal_year - 1 if start_month != 1 else fiscal_year
    months = (start_month - 1) + 3 * (quarter - 1)
    start = date(fy_start_year + months // 12, months % 12 + 1, 1)
    end_months = months + 2
    end_year, end_month = fy_start_year + end_months // 12, end_months % 12 + 1
    end = date(end_year, end_month, calendar.monthrange(end_year, end_month)[1])
    return start, end


def fiscal_quarter_of(day: date) -> tuple[int, int]:
    """``(fiscal_year, quarter)`` of ``day``."""
    w = fiscal_window(day)
    return w.fiscal_year, w.quarter
