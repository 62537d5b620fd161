from django.contrib import admin

from core.models import Refusal


@admin.register(Refusal)
class RefusalAdmin(admin.ModelAdmin):
    """Read-only: the trail of refused steps is evidence, not a thing to edit."""

    list_display = ["at", "actor", "action", "subject", "message"]
    list_filter = ["action"]
    search_fields = ["actor", "subject", "message"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
