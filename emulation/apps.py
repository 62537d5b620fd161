from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmulationConfig(AppConfig):
    name = "emulation"
    verbose_name = _("Emulation and commendation")

    def ready(self):
        from emulation import selectors, services
        from emulation.exports import register_exports
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
