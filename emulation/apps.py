from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmulationConfig(AppConfig):
    name = "emulation"
    verbose_name = _("Emulation and commendation")

    def ready(self):
        from core import page_cache
        from emulation import selectors, services
        from emulation.exports import register_exports
        from emulation.models import Period, Title
        from inspections import hooks
        from personnel import hooks as personnel_hooks

        register_exports()

        # A record that starts or stops counting changes its person's verdicts, in the same
        # transaction; the council reads the records its lists cite.
        hooks.on_person_records_changed(services.evaluate_person)
        hooks.on_records_imported(services.evaluate_periods_holding)
        hooks.on_cited_records(selectors.cited_record_ids)
        # A recruitment date or a unit changed: tenure and the collectives' members.
        personnel_hooks.on_staff_changed(services.evaluate_after_staff_changes)

        # What the period page keeps in the shared cache (core.page_cache): the rule service
        # bumps a period's version when it writes verdicts, reasons and counts; every step of
        # a period (its history) saves the period.
        page_cache.changed_on_write(Title, "titles")
        page_cache.changed_on_write(Period, lambda period: page_cache.period_version(period.pk))
