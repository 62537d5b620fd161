"""Text folded as people type it on site: lower case, without diacritics, single spaces.

Folded in Python, so that SQLite and PostgreSQL compare the same strings.
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
    if text.isascii():  # a badge number, a code: no mark to take off
        return " ".join(text.lower().split())
    folded = unicodedata.normalize("NFC", text).translate(_FOLDS)
    if not folded.isascii():  # marks outside the table, or decomposed input
        folded = _strip_marks(folded)
    return " ".join(folded.lower().split())
