"""Licensing in the data console: read-only (requests and licenses change through their services,
which sign, audit and deliver); the e-mail templates are edited on /console/nfr/templates/."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from channelops.core.admin import ReadOnlyAdmin

from .models import License, LicenseReminder, MessageTemplate, NfrRequest, RequestEvent


@admin.register(NfrRequest)
class NfrRequestAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["__str__", "partner", "contact_email", "plan", "seats", "status", "created_at"]
    list_filter = ["status", "plan", "partner__region"]
    search_fields = ["partner__legal_name", "contact_email", "contact_name"]
    date_hierarchy = "created_at"


@admin.register(License)
class LicenseAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["id", "partner", "contact_email", "plan", "users", "starts", "expires", "revoked_at"]
    list_filter = ["plan", "key_id"]
    search_fields = ["partner__legal_name", "contact_email", "id"]
    exclude = ["file_text"]  # downloaded from the license pages, which check who may


@admin.register(RequestEvent)
class RequestEventAdmin(ReadOnlyAdmin):
    list_display = ["request", "kind", "by", "at", "detail"]
    list_filter = ["kind"]
    search_fields = ["request__partner__legal_name", "detail"]


@admin.register(LicenseReminder)
class LicenseReminderAdmin(ReadOnlyAdmin):
    list_display = ["license", "days_before", "sent_at"]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["name", "key", "subject", "updated_at", "updated_by"]
