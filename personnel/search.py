"""Search as it is done on site: without diacritics, by fragments, initials or badge number.

Names are folded in Python (the same on SQLite and PostgreSQL) and stored in
Staff.search_text, so a query is a plain LIKE on one column.
"""

import unicodedata


def _strip_marks(char: str) -> str:
    decomposed = unicodedata.normalize("NFD", char)
    return "".join(part for part in decomposed if not unicodedata.combining(part))


# One table for every accented Latin letter (Vietnamese's live in U+00C0-U+024F and
# U+1E00-U+1EFF): translate() folds a name in one pass, which the imports of 100,000 staff
# feel. đ/Đ are letters of their own, not d with a mark, so NFD would leave them alone.
_FOLDS = str.maketrans(
    {
        chr(code): _strip_marks(chr(code)).lower()
        for code in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]
        if _strip_marks(chr(code)) != chr(code)
    }
    | {"đ": "d", "Đ": "d"}
)


def fold(text: str) -> str:
    """Lower case, without diacritics, single spaces: 'Nguyễn Văn Đức' → 'nguyen van duc'."""
    folded = unicodedata.normalize("NFC", text).translate(_FOLDS)
    if not folded.isascii():  # marks outside the table, or decomposed input
        folded = _strip_marks(folded)
    return " ".join(folded.lower().split())


def initials(folded_name: str) -> str:
    return "".join(word[0] for word in folded_name.split())


def staff_search_text(full_name: str, badge_number: str = "") -> str:
    folded = fold(full_name)
    # Separated by a character no query contains, so a term never matches across parts.
    return "|".join(part for part in (folded, initials(folded), fold(badge_number)) if part)
