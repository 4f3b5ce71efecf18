from django.contrib import admin

from .models import Membership, Workspace, WorkspaceInvitation


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("operator",)


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]
    readonly_fields = ("created_at", "updated_at")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("operator", "workspace", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("operator__email", "workspace__name", "workspace__slug")
    list_select_related = ("operator", "workspace")
    autocomplete_fields = ("operator", "workspace")


@admin.register(WorkspaceInvitation)
class WorkspaceInvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "workspace", "role", "expires_at", "accepted_at")
    list_filter = ("role",)
    search_fields = ("email", "workspace__name", "workspace__slug")
    list_select_related = ("workspace",)
    # The token hash is a secret: never shown, never editable.
    exclude = ("token_hash",)
    readonly_fields = ("accepted_at", "invited_by", "created_at")

    def has_add_permission(self, request) -> bool:
        return False  # invitations are sent from the console, which emails the link
