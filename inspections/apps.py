from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self):
        from core import page_cache
        from inspections.minutes import register_exports
        from inspections.models import InspectionRound, Visit

        register_exports()
        # A visit with its round, as the visit's pages keep them (core.page_cache).
        page_cache.changed_on_write(Visit, "visits")
        page_cache.changed_on_write(InspectionRound, "visits")
