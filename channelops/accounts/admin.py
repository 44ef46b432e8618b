from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from channelops.core.admin import ReadOnlyAdmin

from .models import AccessEvent, AccessRequest, ApiToken, Invitation, StaffTeam, User
from .roles import PRIVILEGED
from .services import (
    ACCESS_FIELDS,
    api_token_revoke,
    may_change_access,
    role_permissions_change,
    user_access_change,
    user_access_refused,
)

admin.site.unregister(Group)


def _assignable_permissions() -> Any:
    """Every permission except the privileged ones, which only approved access requests grant."""
    privileged = Q(pk__in=[])
    for perm in PRIVILEGED:
        app_label, _sep, codename = perm.partition(".")
        privileged |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.exclude(privileged).select_related("content_type")


@admin.register(Group)
class GroupAdmin(ModelAdmin):
    """Roles are groups: only a superuser changes them (administrators see them read-only), and a
    privileged permission is never part of one."""

    search_fields = ["name"]
    filter_horizontal = ["permissions"]

    def has_add_permission(self, request):
        return bool(request.user.is_superuser) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return bool(request.user.is_superuser) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return bool(request.user.is_superuser) and super().has_delete_permission(request, obj)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "permissions":
            kwargs["queryset"] = _assignable_permissions()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        permissions = form.cleaned_data.pop("permissions", None)
        super().save_related(request, form, formsets, change)
        if permissions is not None:
            role_permissions_change(group=form.instance, by=request.user, permissions=permissions)


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

    # The staff flag, superuser flag, roles and direct permissions: only a superuser changes them,
    # never on their own account, through ``user_access_change`` (one access event per change).
    # Anyone else sees them read-only, and a crafted POST naming them is refused and recorded.

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # nor a superuser's address or password
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not may_change_access(user=obj, by=request.user):
            readonly += [f for f in ACCESS_FIELDS if f not in readonly]
        return readonly

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            kwargs["queryset"] = _assignable_permissions()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            crafted = [f for f in ACCESS_FIELDS if f in request.POST]
            if obj is not None and crafted and not may_change_access(user=obj, by=request.user):
                user_access_refused(user=obj, by=request.user, fields=crafted)
                raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        flags = {f: form.cleaned_data[f] for f in ("is_staff", "is_superuser") if f in form.cleaned_data}
        if change and flags:
            stored = User.objects.filter(pk=obj.pk).values(*flags).get()
            for field in flags:
                setattr(obj, field, stored[field])  # changed by the service in save_related
        obj._access_flags = flags
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        m2m = {f: form.cleaned_data.pop(f) for f in ("groups", "user_permissions") if f in form.cleaned_data}
        super().save_related(request, form, formsets, change)
        flags = getattr(form.instance, "_access_flags", {})
        if flags or m2m:
            user_access_change(
                user=form.instance,
                by=request.user,
                is_staff=flags.get("is_staff"),
                is_superuser=flags.get("is_superuser"),
                groups=m2m.get("groups"),
                permissions=m2m.get("user_permissions"),
            )


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

    def has_add_permission(self, request):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin, ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["user", "prefix", "token_hash", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["user__email", "prefix"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
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
