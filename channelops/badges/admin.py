"""Badges in the data console: read-only (issued, approved and revoked through their services,
which sign and flip the status list)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from channelops.core.admin import ReadOnlyAdmin

from .models import Badge, StatusList


@admin.register(Badge)
class BadgeAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["id", "holder_name", "partner", "certification", "status"]
    list_filter = ["status", "certification"]
    search_fields = ["holder_name", "partner__legal_name", "id"]


@admin.register(StatusList)
class StatusListAdmin(ReadOnlyAdmin):
    list_display = ["id", "next_index", "size"]
