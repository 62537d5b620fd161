"""Search as it is done on site: without diacritics, by fragments, initials or badge number.

Names are folded in Python (the same on SQLite and PostgreSQL) and stored in
Staff.search_text, so a query is a plain LIKE on one column.
"""

import unicodedata

# đ/Đ are letters of their own, not d with a mark: NFD leaves them alone.
_LETTER_FOLDS = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower case, without diacritics, single spaces: 'Nguyễn Văn Đức' → 'nguyen van duc'."""
    decomposed = unicodedata.normalize("NFD", text.translate(_LETTER_FOLDS))
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.lower().split())


def initials(folded_name: str) -> str:
    return "".join(word[0] for word in folded_name.split())


def staff_search_text(full_name: str, badge_number: str = "") -> str:
    folded = fold(full_name)
    # Separated by a character no query contains, so a term never matches across parts.
    return "|".join(part for part in (folded, initials(folded), fold(badge_number)) if part)
