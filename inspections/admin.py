from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from inspections.models import (
    AuditEntry,
    ChecklistItem,
    ChecklistTemplate,
    InspectionRound,
    ViolationRecord,
)
from personnel.models import Role


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    fields = ["position", "text"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active"]
    inlines = [ChecklistItemInline]


@admin.register(InspectionRound)
class InspectionRoundAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "starts_on", "ends_on", "lead"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    filter_horizontal = ["members", "units"]
    fieldsets = [
        (None, {"fields": ["code", "name", "kind", "starts_on", "ends_on", "lead", "members"]}),
        (
            _("Legal basis"),
            {
                "fields": [
                    "team_decision_number",
                    "team_decision_date",
                    "team_decision_signer",
                    "team_decision_signer_title",
                    "plan_number",
                    "plan_date",
                ]
            },
        ),
        (_("Units to visit"), {"fields": ["units"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "lead":
            kwargs["queryset"] = db_field.related_model.objects.filter(groups__name=Role.INSPECTOR)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "members":
            kwargs["queryset"] = db_field.related_model.objects.filter(groups__name=Role.INSPECTOR)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(ViolationRecord)
class ViolationRecordAdmin(ReadOnlyAdmin):
    list_display = ["number", "staff", "unit", "occurred_at", "type", "status"]
    list_filter = ["status", "type", "source"]
    list_select_related = ["staff", "unit"]
    search_fields = ["number", "staff__code", "staff__full_name"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "record", "action", "actor", "at"]
    list_select_related = ["record", "actor"]
