"""Search as it is done on site: without diacritics, by fragments, initials or badge number.

Names are folded in Python (the same on SQLite and PostgreSQL) and stored in
Staff.search_text, so a query is a plain LIKE on one column.
"""

import functools

from core.text import fold


def initials(folded_name: str) -> str:
    return "".join(word[0] for word in folded_name.split())


# Names repeat (a province has a few thousand different ones among 50,000 people): an import
# of 100,000 staff folds each once.
@functools.lru_cache(maxsize=65_536)
def _folded_name(full_name: str) -> tuple[str, str]:
    folded = fold(full_name)
    return folded, initials(folded)


def staff_search_text(full_name: str, badge_number: str = "") -> str:
    folded, name_initials = _folded_name(full_name)
    # Separated by a character no query contains, so a term never matches across parts.
    return "|".join(part for part in (folded, name_initials, fold(badge_number)) if part)
