from django.contrib import admin
from unfold.admin import ModelAdmin

from .models import OutboxMessage, ScheduleRun


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ModelAdmin):
    list_display = ["id", "kind", "idempotency_key", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["idempotency_key", "topic"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ScheduleRun)
class ScheduleRunAdmin(ModelAdmin):
    list_display = ["name", "slot", "enqueued_at"]
    list_filter = ["name"]

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(ModelAdmin):
    """A data-console view of records that change only through their services (and whose audit
    trail never changes): list, search, detail and history, no add/change/delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
