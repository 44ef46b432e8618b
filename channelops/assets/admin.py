"""The asset library in the data admin: read-only. Assets change through their services (the
console's pages: checks, history, stored files); guideline acceptances are evidence and never
change. Tags may be tidied here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from channelops.core.admin import ReadOnlyAdmin

from .models import Asset, AssetDownload, AssetVersion, GuidelineAcceptance, Tag


@admin.register(Asset)
class AssetAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "language", "expires_on", "owner", "updated_at"]
    list_filter = ["kind", "status", "language"]
    search_fields = ["title", "description"]
    list_select_related = ["owner"]


@admin.register(AssetVersion)
class AssetVersionAdmin(ReadOnlyAdmin):
    list_display = ["asset", "number", "filename", "content_type", "size", "uploaded_by", "uploaded_at"]
    search_fields = ["asset__title", "filename", "sha256"]
    list_select_related = ["asset", "uploaded_by"]


@admin.register(AssetDownload)
class AssetDownloadAdmin(ReadOnlyAdmin):
    list_display = ["asset", "version", "partner", "user", "at"]
    search_fields = ["asset__title", "partner__legal_name"]
    list_select_related = ["asset", "version", "partner", "user"]


@admin.register(GuidelineAcceptance)
class GuidelineAcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["asset", "partner", "accepted_by_email", "accepted_at", "ip_address"]
    search_fields = ["asset__title", "partner__legal_name", "accepted_by_email"]
    list_select_related = ["asset", "partner"]


@admin.register(Tag)
class TagAdmin(ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
