"""The notification list's filter (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.utils.translation import gettext_lazy as _


class NotificationFilter(django_filters.FilterSet):
    show = django_filters.ChoiceFilter(
        choices=[("unread", _("Unread only"))], empty_label=_("All"), label=_("Show"), method="filter_show"
    )

    def filter_show(self, qs: Any, name: str, value: str) -> Any:
        return qs.unread() if value == "unread" else qs
