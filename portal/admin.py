from django.contrib import admin

from portal.models import PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence of who saw whose data, not a thing to edit."""

    list_display = ["at", "user", "staff", "view", "record", "evidence", "citizen_report", "ip"]
    list_filter = ["view", ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "staff", "record", "evidence", "citizen_report"]
    search_fields = ["staff__code", "staff__full_name", "user__username", "record__number"]
    date_hierarchy = "at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
