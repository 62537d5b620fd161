"""Search as it is done on site: without diacritics, by fragments, initials or badge number.

Names are folded in Python (the same on SQLite and PostgreSQL) and stored in
Staff.search_text, so a query is a plain LIKE on one column.
"""

from core.text import fold


def initials(folded_name: str) -> str:
    return "".join(word[0] for word in folded_name.split())


def staff_search_text(full_name: str, badge_number: str = "") -> str:
    folded = fold(full_name)
    # Separated by a character no query contains, so a term never matches across parts.
    return "|".join(part for part in (folded, initials(folded), fold(badge_number)) if part)
