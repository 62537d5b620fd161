from django.contrib import admin

from core.admin import ReadOnlyAdmin
from portal.models import PersonalDataAccess


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """The log of who saw whose data."""

    list_display = ["at", "user", "staff", "view", "record", "evidence", "citizen_report", "ip"]
    list_filter = ["view", ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "staff", "record", "evidence", "citizen_report"]
    search_fields = ["staff__code", "staff__full_name", "user__username", "record__number"]
    date_hierarchy = "at"
