"""How documents write what Decree 30/2020/NĐ-CP (annex I) prescribes."""

import datetime


def date_in_words(day: datetime.date) -> str:
    """ "ngày 07 tháng 12 năm 2026": a leading zero for days below 10, and for January and
    February only."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"
