"""The first draft of the yearly report's text, in the manner of the source article:

"Năm 2019, đoàn kiểm tra đã kiểm tra đột xuất 6 đợt với 49 cơ quan, đơn vị, phường, xã.
Trong số đó, 26 cơ quan, đơn vị được kiểm tra từ 2 đến 3 lần, phát hiện và lập biên bản
20 trường hợp. …"

Written in the active language (Vietnamese by default); every sentence has its zero case.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.reports.figures import YearFigures


def _inspection_sentences(figures: YearFigures) -> list[str]:
    year = figures.year
    if figures.rounds == 0 and figures.units_inspected == 0:
        opening = _("In %(year)s, the inspection team carried out no inspection round.") % {
            "year": year
        }
        if figures.violation_records:
            return [
                opening,
                ngettext(
                    "%(records)s case was written up in minutes.",
                    "%(records)s cases were written up in minutes.",
                    figures.violation_records,
                )
                % {"records": figures.violation_records},
            ]
        return [opening, _("No violation was found.")]
    params = {
        "year": year,
        "rounds": figures.rounds,
        "units": figures.units_inspected,
        "count": figures.units_inspected_more_than_once,
        "high": figures.max_inspections_per_unit,
        "records": figures.violation_records,
    }
    if figures.rounds and figures.surprise_rounds == figures.rounds:
        opening = ngettext(
            "In %(year)s, the inspection team carried out %(rounds)s round of surprise "
            "inspections covering %(units)s agencies, units, wards and communes.",
            "In %(year)s, the inspection team carried out %(rounds)s rounds of surprise "
            "inspections covering %(units)s agencies, units, wards and communes.",
            figures.rounds,
        )
    else:
        params["surprise"] = figures.surprise_rounds
        opening = ngettext(
            "In %(year)s, the inspection team carried out %(rounds)s inspection round "
            "(%(surprise)s by surprise) covering %(units)s agencies, units, wards and communes.",
            "In %(year)s, the inspection team carried out %(rounds)s inspection rounds "
            "(%(surprise)s by surprise) covering %(units)s agencies, units, wards and communes.",
            figures.rounds,
        )
    found = bool(figures.violation_records)
    if figures.units_inspected_more_than_once == 0:
        second = (
            ngettext(
                "Each was inspected once; %(records)s case was found and written up in minutes.",
                "Each was inspected once; %(records)s cases were found and written up in minutes.",
                figures.violation_records,
            )
            if found
            else _("Each was inspected once, and no violation was found.")
        )
    elif figures.max_inspections_per_unit == 2:
        second = (
            _(
                "Of these, %(count)s agencies and units were inspected twice; %(records)s "
                "cases were found and written up in minutes."
            )
            if found
            else _(
                "Of these, %(count)s agencies and units were inspected twice, and no violation "
                "was found."
            )
        )
    else:
        second = (
            _(
                "Of these, %(count)s agencies and units were inspected 2 to %(high)s times; "
                "%(records)s cases were found and written up in minutes."
            )
            if found
            else _(
                "Of these, %(count)s agencies and units were inspected 2 to %(high)s times, "
                "and no violation was found."
            )
        )
    return [opening % params, second % params]


def _other_sentences(figures: YearFigures) -> list[str]:
    year = figures.year
    sentences = []
    if figures.people_with_more_than_one_record:
        sentences.append(
            _("%(people)s people were found in violation more than once.")
            % {"people": figures.people_with_more_than_one_record}
        )
    if figures.citizen_reports_received:
        sentences.append(
            _(
                "%(received)s reports were received from organisations and individuals, of "
                "which %(confirmed)s were confirmed after verification."
            )
            % {
                "received": figures.citizen_reports_received,
                "confirmed": figures.citizen_reports_confirmed,
            }
        )
    else:
        sentences.append(_("No report was received from organisations or individuals."))
    if figures.has_nominations:
        if figures.nominees_excluded:
            sentences.append(
                _(
                    "After cross-checking the list of award nominations, %(excluded)s cases of "
                    "violation were not considered for emulation titles in %(year)s."
                )
                % {"excluded": figures.nominees_excluded, "year": year}
            )
        else:
            sentences.append(
                _(
                    "After cross-checking the list of award nominations, no nominee had to be "
                    "removed from the emulation list of %(year)s."
                )
                % {"year": year}
            )
        if figures.nominees_pending:
            sentences.append(
                _("%(pending)s nominees await the review of a violation record.")
                % {"pending": figures.nominees_pending}
            )
    if figures.regulation_units:
        sentences.append(
            _(
                "%(percent)s%% of agencies and units (%(covered)s of %(total)s) issued, amended "
                "or supplemented their regulations in %(year)s."
            )
            % {
                "percent": figures.regulation_percent,
                "covered": figures.regulation_units_covered,
                "total": figures.regulation_units,
                "year": year,
            }
        )
    return sentences


def draft_text(figures: YearFigures) -> str:
    """The draft as paragraphs: the inspections, then the other findings."""
    return "\n\n".join(
        [" ".join(_inspection_sentences(figures)), " ".join(_other_sentences(figures))]
    )
