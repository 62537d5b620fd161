"""The eligibility rule service. Filled by the emulation issue."""

from personnel.models import Staff


def evaluate_person(*, staff: Staff) -> None:
    """Re-evaluate the verdicts of `staff`'s nominations after a record changed.

    The inspections workflow calls this after every transition that changes whether a
    record counts (confirmed, dismissed, overturned). Nominations arrive with the emulation
    issue; until then there is nothing to re-evaluate.
    """
