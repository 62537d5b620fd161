from django.contrib import admin

from emulation.models import Period, Title


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    """Read-only: periods are created by `create_period` and moved on by the council."""

    list_display = ["code", "name", "starts_on", "ends_on", "status"]
    list_filter = ["status"]
    search_fields = ["code", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
