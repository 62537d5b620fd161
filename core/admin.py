from django.contrib import admin

from core.models import Refusal


class ReadOnlyAdmin(admin.ModelAdmin):
    """A trail is evidence, not a thing to edit: listed and read, never added, changed or
    deleted."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Refusal)
class RefusalAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action", "subject", "message"]
    list_filter = ["action"]
    search_fields = ["actor", "subject", "message"]
    date_hierarchy = "at"
