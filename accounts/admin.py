from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.utils.translation import gettext_lazy as _

from .models import Code, Operator


class OperatorChangeForm(UserChangeForm):
    class Meta:
        model = Operator
        fields = "__all__"


class OperatorCreationForm(AdminUserCreationForm):
    class Meta:
        model = Operator
        fields = ("email",)


@admin.register(Operator)
class OperatorAdmin(UserAdmin):
    form = OperatorChangeForm
    add_form = OperatorCreationForm
    list_display = (
        "email",
        "full_name",
        "is_active",
        "is_staff",
        "is_superuser",
        "last_login",
    )
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email", "full_name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name",)}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),
    )


@admin.register(Code)
class CodeAdmin(admin.ModelAdmin):
    list_display = (
        "purpose",
        "user",
        "created_at",
        "expires_at",
        "used_at",
        "attempts",
    )
    list_filter = ("purpose",)
    exclude = ("code_hash",)
    list_select_related = ("user",)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "code_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
