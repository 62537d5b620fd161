"""The main menu: each entry is shown to whoever its view lets in, nobody else."""

from dataclasses import dataclass
from functools import cache

from django.urls import resolve, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuEntry:
    url_name: str
    label: Promise
    description: Promise


MENU = (
    MenuEntry(
        "inspections:rounds",
        _("Inspection rounds"),
        _("Surprise and planned rounds, visits and minutes."),
    ),
    MenuEntry(
        "inspections:review_queue",
        _("Minutes to review"),
        _("Confirm or dismiss submitted violation minutes."),
    ),
    MenuEntry(
        "citizen_reports:list",
        _("Citizen reports"),
        _("Verify reports sent in by citizens and businesses."),
    ),
    MenuEntry(
        "inspections:discipline_list",
        _("Discipline decisions"),
        _("Decisions and procedures under way that the award rule reads, with their history."),
    ),
    MenuEntry(
        "emulation:periods",
        _("Emulation periods"),
        _("Nomination lists with the rule's verdict for each person."),
    ),
    MenuEntry(
        "inspections:signature_verify",
        _("Check a signed PDF"),
        _("Whether each digital signature of a document holds, or what is wrong with it."),
    ),
    MenuEntry(
        "reports:dashboard",
        _("Dashboard"),
        _("The year's discipline figures beside last year's, charts and a draft report."),
    ),
    MenuEntry(
        "personnel:staff_list",
        _("Staff"),
        _("Find a person by name without diacritics, initials or badge number."),
    ),
    MenuEntry(
        "personnel:units",
        _("Units"),
        _("Agencies, units, wards and communes of the city, with their regulations."),
    ),
    MenuEntry(
        "personnel:import",
        _("Import data"),
        _("Units and staff from CSV or Excel spreadsheets, previewed before they are written."),
    ),
    MenuEntry(
        "personnel:my_unit",
        _("My unit"),
        _("Your unit's staff, minutes and nominations."),
    ),
    MenuEntry(
        "inspections:unit_records",
        _("My unit's minutes"),
        _("Violation minutes of your unit, once submitted."),
    ),
    MenuEntry(
        "emulation:nominations",
        _("Nominations"),
        _("Your unit's nominations for emulation titles, with the rule's verdicts."),
    ),
)


@cache
def allowed_roles(url_name: str) -> frozenset[str]:
    return resolve(reverse(url_name)).func.allowed_roles


def menu_for(user, *, current_url_name: str | None = None) -> list[dict]:
    if not user.is_authenticated:
        return []
    return [
        {
            "url": reverse(entry.url_name),
            "label": entry.label,
            "description": entry.description,
            "current": entry.url_name == current_url_name,
        }
        for entry in MENU
        if user.has_role(*allowed_roles(entry.url_name))
    ]
