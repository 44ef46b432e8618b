"""Building blocks every page uses: the access decorators and safe spreadsheet export cells.

They live in core so feature apps build their portal and console pages without importing the
portal or console apps (apps depend downwards; see DESIGN.md).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _


def staff_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in as staff; anyone else gets 403."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_staff:
            raise PermissionDenied(_("The console is for staff."))
        return view(request, *args, **kwargs)

    return wrapper


def safe_cell(v: Any) -> Any:
    """Neutralise spreadsheet formulas in exported text (CSV injection)."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


class Echo:
    """A file-like object for ``csv.writer`` that returns each row, for streaming responses."""

    def write(self, value: str) -> str:
        return value
