"""CRM sync in the data console: the mapping is editable here (administrators); runs, errors,
states and conflicts are read-only (the console's CRM page resolves conflicts)."""

from django.contrib import admin
from unfold.admin import ModelAdmin

from channelops.core.admin import ReadOnlyAdmin

from .models import FieldMapping, SyncConflict, SyncCursor, SyncError, SyncRun, SyncState


@admin.register(FieldMapping)
class FieldMappingAdmin(ModelAdmin):
    list_display = ["object", "local_field", "remote_field", "direction", "system_of_record", "position"]
    list_filter = ["object", "direction"]


for model in (SyncRun, SyncError, SyncConflict, SyncCursor, SyncState):
    admin.site.register(model, ReadOnlyAdmin)
