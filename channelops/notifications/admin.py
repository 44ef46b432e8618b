"""The data admin: notification rules (staff may review and remove them) and notifications (read only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from unfold.admin import ModelAdmin

from .models import Notification, NotificationRule


@admin.register(NotificationRule)
class NotificationRuleAdmin(ModelAdmin):
    list_display = ("user", "watch", "when", "how", "scope", "default_role", "created_at")
    list_filter = ("watch", "when", "how", "scope", "default_role")
    search_fields = ("user__email", "watch")
    raw_id_fields = ("user",)


@admin.register(Notification)
class NotificationAdmin(ModelAdmin):
    list_display = ("title", "user", "watch", "how", "created_at", "read_at", "digested_at")
    list_filter = ("watch", "how")
    search_fields = ("user__email", "title")
    list_select_related = ("user",)
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
