from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline

from .models import AccountReview, ChecklistItem, ReviewItem


@admin.register(ChecklistItem)
class ChecklistItemAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["text", "kind", "key", "position", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["text", "key"]


class ReviewItemInline(TabularInline):
    model = ReviewItem
    extra = 0
    fields = ["position", "text", "status", "detail", "checked", "reminder_sent_at"]
    readonly_fields = ["position", "text", "status", "detail", "reminder_sent_at"]
    can_delete = False


@admin.register(AccountReview)
class AccountReviewAdmin(ModelAdmin):
    list_display = ["partner", "kind", "due_date", "status", "specialist", "completed_at"]
    list_filter = ["kind", "status", "partner__region"]
    search_fields = ["partner__legal_name"]
    # Reviews change through the console pages (services); here staff may only reassign or re-date one.
    fields = [
        "partner",
        "kind",
        "occurrence",
        "specialist",
        "due_date",
        "status",
        "priority",
        "reason",
        "notes",
    ]
    readonly_fields = ["partner", "kind", "occurrence", "status", "priority", "reason", "notes"]
    date_hierarchy = "due_date"
    inlines = [ReviewItemInline]
