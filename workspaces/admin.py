from django.contrib import admin

from .models import AuditEvent, Membership, Workspace, WorkspaceInvitation


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


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor_label",
        "action",
        "workspace",
        "target_type",
        "ip_address",
    )
    list_filter = ("action", "target_type")
    search_fields = ("actor_label", "action", "target_id", "workspace__slug")
    list_select_related = ("workspace",)
    date_hierarchy = "created_at"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
