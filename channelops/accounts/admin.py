from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from channelops.core.admin import ReadOnlyAdmin

from .models import AccessEvent, AccessRequest, ApiToken, Invitation, StaffTeam, User
from .services import api_token_revoke

admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ModelAdmin):
    search_fields = ["name"]
    filter_horizontal = ["permissions"]


class _UserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class _UserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin, ModelAdmin):
    form = _UserChangeForm
    add_form = _UserCreationForm
    change_password_form = AdminPasswordChangeForm
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active", "groups"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name",)}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    filter_horizontal = ["groups", "user_permissions"]


@admin.register(StaffTeam)
class StaffTeamAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["name", "kind", "lead"]
    filter_horizontal = ["members"]
    autocomplete_fields = ["lead"]


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["user", "invited_by", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["user", "token_hash", "invited_by", "created_at", "expires_at", "accepted_at"]
    search_fields = ["user__email"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "token_hash", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__email", "prefix"]
    actions = ["revoke"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):  # type: ignore[no-untyped-def]
        for token in queryset:
            api_token_revoke(token=token, by=request.user)


@admin.register(AccessRequest)
class AccessRequestAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["user", "perm", "status", "requested_at", "decided_by", "granted_until", "revoked_at"]
    list_filter = ["status", "perm"]
    list_select_related = ["user", "decided_by"]
    search_fields = ["user__email", "perm"]


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "user", "perm", "by", "request"]
    list_filter = ["kind", "perm"]
    list_select_related = ["user", "by"]
    search_fields = ["user__email", "perm", "detail"]
