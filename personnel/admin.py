from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from personnel.models import Unit, UnitName, User


class UnitNameInline(admin.TabularInline):
    model = UnitName
    extra = 1
    fields = ["valid_from", "official_name", "issuing_body"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    inlines = [UnitNameInline]


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "unit", "is_active", "is_superuser"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (_("Unit"), {"fields": ["unit"]}),
    ]
