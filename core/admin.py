from django.contrib import admin

from .models import AuditEvent, RateLimitBucket


@admin.register(RateLimitBucket)
class RateLimitBucketAdmin(admin.ModelAdmin):
    list_display = ("key", "count", "window_ends_at")
    readonly_fields = ("key", "count", "window_ends_at")
    search_fields = ("key",)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "actor_type",
        "actor_label",
        "action",
        "workspace_id",
        "target_type",
        "ip_address",
    )
    list_filter = ("actor_type", "action", "target_type")
    search_fields = ("actor_label", "actor_id", "action", "target_id", "=workspace_id")
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
