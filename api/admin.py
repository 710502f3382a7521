from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins see and revoke (delete) tokens; tokens are made by their users (POST /api/v1/auth/token/)."""

    list_display = ["user", "name", "prefix", "read_only", "created", "last_used"]
    list_filter = ["read_only"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = ["user", "prefix", "created", "last_used"]
    fields = ["user", "name", "prefix", "read_only", "created", "last_used"]

    def has_add_permission(self, request):
        return False
