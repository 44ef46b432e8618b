from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin

from .compliance import compliance_refresh
from .models import (
    Acceptance,
    AgreementEvent,
    AgreementTemplate,
    AgreementVersion,
    LegalComment,
    LegalRequest,
    RegionException,
)
from .services import acceptance_edit_refused


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "kind", "required_for_all", "position", "active"]
    filter_horizontal = ["programs", "regions"]
    prepopulated_fields = {"slug": ["name"]}

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Active, programs and regions decide who must accept it: rebuild the compliance table.
        compliance_refresh()


@admin.register(AgreementVersion)
class AgreementVersionAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["template", "number", "status", "partner", "published_at", "reaccept_by"]
    list_filter = ["status", "template"]
    readonly_fields = ["content_hash", "published_at", "published_by", "created_by", "created_at"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == "published":
            return False  # published text never changes: publish a new version instead
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Acceptance)
class AcceptanceAdmin(SimpleHistoryAdmin, ModelAdmin):
    """Read-only evidence. Any attempt to change or delete it is refused and recorded."""

    list_display = ["partner", "template", "version", "accepted_by_email", "accepted_at", "ip_address"]
    list_filter = ["template"]
    search_fields = ["partner__legal_name", "accepted_by_email"]
    list_select_related = ["partner", "template", "version__template"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _refuse(self, request, object_id, how):
        obj = Acceptance.objects.filter(pk=object_id).select_related("partner", "version").first()
        if obj is not None and request.user.is_staff:
            acceptance_edit_refused(acceptance=obj, by=request.user, how=how)
        return HttpResponseForbidden(_("Acceptance evidence cannot be changed or deleted."))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id and request.user.is_staff:
            return self._refuse(request, object_id, "the data admin (change)")
        return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST" and request.user.is_staff:
            return self._refuse(request, object_id, "the data admin (delete)")
        raise PermissionDenied

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST" and request.user.is_staff:
            return self._refuse(request, object_id, "the data admin (revert)")
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(RegionException)
class RegionExceptionAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["partner", "status", "requested_at", "decided_by"]
    list_filter = ["status"]
    readonly_fields = ["status", "decided_by", "decided_at"]


class LegalCommentInline(admin.TabularInline):
    model = LegalComment
    extra = 0
    readonly_fields = ["author", "body", "created_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LegalRequest)
class LegalRequestAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["partner", "template", "status", "opened_at"]
    list_filter = ["status", "template"]
    inlines = [LegalCommentInline]


@admin.register(AgreementEvent)
class AgreementEventAdmin(ModelAdmin):
    list_display = ["at", "partner", "kind", "by", "detail"]
    list_filter = ["kind"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
