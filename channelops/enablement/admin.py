"""Enablement in the data console. The catalogs are data staff may edit here (certifications,
partner certifications and their requirements); records, statuses, imports and plans change
through their services and pages, so they are read-only here."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline

from channelops.core.admin import ReadOnlyAdmin

from .models import (
    BusinessPlan,
    Certification,
    EnablementPlanEntry,
    ImportRun,
    PartnerCertification,
    PartnerCertificationRequirement,
    PartnerCertificationStatus,
    PractitionerRecord,
)


@admin.register(Certification)
class CertificationAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "slug", "exam_name", "validity_months", "grants_badge", "active"]
    list_filter = ["active", "grants_badge"]
    search_fields = ["name", "slug"]

    def has_delete_permission(self, request, obj=None):
        return False  # records point to it; deactivate instead


class RequirementInline(TabularInline):
    model = PartnerCertificationRequirement
    extra = 0
    fields = ["certification", "count", "label"]


@admin.register(PartnerCertification)
class PartnerCertificationAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "slug", "admission", "requires_compliance", "requires_business_plan", "active"]
    search_fields = ["name", "slug"]
    inlines = [RequirementInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PractitionerRecord)
class PractitionerRecordAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = [
        "full_name",
        "email",
        "partner",
        "certification",
        "exam_passed",
        "completed_on",
        "expires_on",
    ]
    list_filter = ["certification", "source", "exam_passed"]
    search_fields = ["email", "full_name", "partner__legal_name", "external_id"]
    date_hierarchy = "completed_on"


@admin.register(PartnerCertificationStatus)
class PartnerCertificationStatusAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["partner", "certification", "state", "awarded_at"]
    list_filter = ["certification", "state"]
    search_fields = ["partner__legal_name"]


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "by", "mode", "status", "created"]
    list_filter = ["status", "mode"]
    exclude = ["content"]


@admin.register(EnablementPlanEntry)
class EnablementPlanEntryAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["full_name", "email", "partner", "certification", "target_date"]
    search_fields = ["email", "full_name", "partner__legal_name"]


@admin.register(BusinessPlan)
class BusinessPlanAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["partner", "version", "state"]
    list_filter = ["state"]
    search_fields = ["partner__legal_name"]
