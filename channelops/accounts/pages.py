"""Typed requests for signed-in pages.

``staff_required`` (``channelops.core.pages``) lets only staff in; views behind it annotate their
argument as :class:`StaffRequest` so ``request.user`` is a :class:`~channelops.accounts.models.User`
(not ``User | AnonymousUser``) without ``# type: ignore``. Actions are typed the same way:
``Action[StaffRequest](perform=lambda request, obj, data: service(obj, by=request.user), …)``.
Partner pages use ``channelops.partners.pages.PartnerRequest``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from .models import User


class SignedInRequest(HttpRequest):
    """A request behind ``login_required``: the person is signed in."""

    user: User


class StaffRequest(SignedInRequest):
    """A request behind ``staff_required``: the person is signed in and on staff."""
