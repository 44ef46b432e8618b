"""Money of MDF: the program currency, the currencies partners may enter amounts in, their exchange
rates and how amounts are shown. One place for proposals, claims, budgets and their pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings


def program_currency() -> str:
    """The currency budgets, approvals, claims and payments are kept in (``CHANNELOPS_MDF_CURRENCY``)."""
    return str(getattr(settings, "MDF_CURRENCY", "USD")).upper()


def currencies() -> list[str]:
    """The currencies a partner may enter amounts in, the program currency first."""
    program = program_currency()
    listed = [str(c).upper() for c in getattr(settings, "MDF_CURRENCIES", [])]
    return [program, *(c for c in dict.fromkeys(listed) if c != program)]


def currency_choices() -> list[tuple[str, str]]:
    return [(c, c) for c in currencies()]


def rate_for(currency: str) -> Decimal | None:
    """Program-currency units per unit of ``currency`` (1 for the program currency; None: no rate)."""
    from .models import ExchangeRate

    currency = (currency or "").upper()
    if currency == program_currency():
        return Decimal("1")
    return ExchangeRate.objects.filter(currency=currency).values_list("rate", flat=True).first()


def amount_text(amount: Any, *, currency: bool = False) -> str:
    """``12,000.00`` (``12,000.00 USD`` with ``currency``); "—" for no amount."""
    if amount is None:
        return "—"
    text = f"{Decimal(amount):,.2f}"
    return f"{text} {program_currency()}" if currency else text
