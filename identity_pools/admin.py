"""Django admin for installation operators.

Pools and schemas can be edited here. Users, identifiers, groups and memberships are
read-only: the console's services keep counters and the audit trail consistent, so
changes go through the console (or, later, the API).
"""

from django.contrib import admin

from .models import (
    Group,
    GroupMembership,
    Identifier,
    IdentityPool,
    PasswordCredential,
    PoolUser,
    UserSchema,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(UserSchema)
class UserSchemaAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "workspace", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name", "workspace__slug", "workspace__name")
    list_select_related = ("workspace",)
    autocomplete_fields = ("workspace",)


@admin.register(IdentityPool)
class IdentityPoolAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "user_count", "created_at")
    search_fields = ("name", "workspace__slug", "workspace__name")
    list_select_related = ("workspace",)
    readonly_fields = (
        "workspace",
        "user_count",
        "user_schema",
        "metadata_schema",
        "created_at",
    )
    fields = (
        "workspace",
        "name",
        "description",
        "user_schema",
        "metadata_schema",
        "user_count",
        "created_at",
    )

    def has_add_permission(self, request) -> bool:
        return False  # pools are created in the console


class IdentifierInline(admin.TabularInline):
    model = Identifier
    fields = ("type", "value", "is_verified", "verified_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PoolUser)
class PoolUserAdmin(ReadOnlyAdmin):
    list_display = ("display_name", "pool", "status", "created_at", "last_sign_in_at")
    list_filter = ("status",)
    search_fields = ("=id", "display_name")
    list_select_related = ("pool", "pool__workspace")
    inlines = [IdentifierInline]


@admin.register(Identifier)
class IdentifierAdmin(ReadOnlyAdmin):
    list_display = ("value", "type", "is_verified", "pool", "user")
    list_filter = ("type", "is_verified")
    search_fields = ("^value",)
    list_select_related = ("pool", "user")


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    list_display = ("name", "pool", "member_count", "created_at")
    search_fields = ("name", "pool__name")
    list_select_related = ("pool", "pool__workspace")


@admin.register(GroupMembership)
class GroupMembershipAdmin(ReadOnlyAdmin):
    list_display = ("group", "user", "created_at")
    search_fields = ("group__name", "=user__id")
    list_select_related = ("group", "user")


@admin.register(PasswordCredential)
class PasswordCredentialAdmin(admin.ModelAdmin):
    """The hash is never shown; operators see the state only."""

    list_display = ("user", "state", "changed_at")
    list_filter = ("state",)
    exclude = ("password",)
    readonly_fields = ("user", "changed_at")
    list_select_related = ("user",)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False
