from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, TabularInline

from . import hooks
from .models import (
    Application,
    Contact,
    EngagementDaily,
    EngagementEvent,
    Partner,
    PartnerMembership,
    PartnerStatus,
    PartnerStatusChange,
    Program,
    Region,
    RegionRouting,
    Tier,
    TierBenefit,
)
from .services import partner_set_status


@admin.register(Region)
class RegionAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["code", "name", "active"]


@admin.register(Tier)
class TierAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "rank", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(TierBenefit)
class TierBenefitAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["tier", "label", "value", "position"]
    list_filter = ["tier"]
    list_editable = ["position"]
    search_fields = ["label", "value"]


@admin.register(Program)
class ProgramAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(RegionRouting)
class RegionRoutingAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["region", "phd_specialist"]
    autocomplete_fields = ["phd_specialist"]


class ContactInline(TabularInline):
    model = Contact
    extra = 0
    fields = ["first_name", "last_name", "email", "title", "is_primary"]


class StatusChangeInline(TabularInline):
    model = PartnerStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["from_status", "to_status", "by", "note", "at"]

    def has_add_permission(self, request, obj=None):
        return False


def _status_action(target: str):
    @admin.action(description=_("Set status: %(s)s") % {"s": PartnerStatus(target).label})
    def act(modeladmin, request, queryset):
        for partner in queryset:
            try:
                partner_set_status(partner=partner, to=target, by=request.user)
            except ValidationError as exc:
                modeladmin.message_user(request, f"{partner}: {' '.join(exc.messages)}", messages.ERROR)

    act.__name__ = f"set_status_{target}"
    return act


@admin.register(Partner)
class PartnerAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["legal_name", "country", "region", "tier", "status", "cam", "engagement_score"]
    list_filter = ["region", "tier", "status", "programs"]
    search_fields = ["legal_name", "website", "crm_account_id"]
    list_select_related = ["region", "tier", "cam"]
    autocomplete_fields = ["cam"]
    filter_horizontal = ["programs"]
    readonly_fields = ["status", "engagement_score", "created_at", "updated_at"]
    #: Fields a service owns (partner_update_classification, partner_set_status): read-only once the
    #: partner exists, so no edit here skips the history, the status record and the hooks. Staff
    #: change them on the console's partner page (/console/partners/<id>/edit/).
    service_owned_fields = ["status", "tier", "cam", "region"]
    inlines = [ContactInline, StatusChangeInline]
    actions = [_status_action(s) for s in PartnerStatus.values]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += [f for f in self.service_owned_fields if f not in fields]
        return fields

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # What the services would have announced (the work app's journeys, the agreement
        # compliance table, the overview rollup listen): the programs are saved by now.
        if not change:
            hooks.partner_created.call(partner=form.instance, by=request.user)
        elif form.changed_data:
            hooks.partner_changed.call(
                partner=form.instance, by=request.user, fields=sorted(form.changed_data)
            )


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["__str__", "email", "partner", "is_primary", "user"]
    search_fields = ["first_name", "last_name", "email", "partner__legal_name"]
    list_select_related = ["partner", "user"]
    autocomplete_fields = ["partner", "user"]
    readonly_fields = ["phone_legacy"]  # kept by migration 0004: a phone that was not a valid number


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["user", "partner", "role", "can_submit_requests"]
    list_filter = ["role"]
    search_fields = ["user__email", "partner__legal_name"]
    list_select_related = ["user", "partner"]
    autocomplete_fields = ["user", "partner"]


@admin.register(PartnerStatusChange)
class PartnerStatusChangeAdmin(ModelAdmin):
    list_display = ["partner", "from_status", "to_status", "by", "at"]
    list_select_related = ["partner", "by"]
    readonly_fields = ["partner", "from_status", "to_status", "by", "note", "at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EngagementEvent)
class EngagementEventAdmin(ModelAdmin):
    list_display = ["partner", "kind", "user", "at"]
    list_filter = ["kind"]
    list_select_related = ["partner", "user"]
    raw_id_fields = ["partner", "user"]
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EngagementDaily)
class EngagementDailyAdmin(ModelAdmin):
    list_display = ["partner", "day", "events", "points"]
    list_select_related = ["partner"]
    raw_id_fields = ["partner"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(SimpleHistoryAdmin, ModelAdmin):
    """Applications are decided in the console (approve/reject); here they are read-only records."""

    list_display = ["company_name", "company_domain", "region", "status", "created_at", "decided_by"]
    list_filter = ["status", "region"]
    search_fields = ["company_name", "company_domain", "email"]
    readonly_fields = [
        "status",
        "token_hash",
        "submitted_ip",
        "verified_at",
        "decided_at",
        "decided_by",
        "rejection_reason",
        "partner",
        "created_at",
        "phone_legacy",
    ]

    def has_add_permission(self, request):
        return False
