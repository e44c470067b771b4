"""Numbers, percentages, days and instants as a reader of the language writes them (Babel's CLDR rules).

Vietnamese writes 97,73 and 12.345,5, where English writes 97.73 and 12,345.5: "62.000" printed for a
Vietnamese reader says sixty-two thousand. Every user-facing number passes through here: mails, the report,
the workbook's title block, the CLI and the portal. Values are rounded half-up (the methodology's rule)
before Babel lays them out, so a number shows the same digits wherever it appears.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALES = {"vi": "vi_VN", "en": "en_GB"}
DAY = "dd/MM/yyyy"


def _locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["vi"])


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "" or value == "—":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


def number(value: object, language: str = "vi", places: int | None = None, most: int = 3) -> str:
    """Points: with `places`, exactly that many decimals, for columns (97,73); without, up to `most` and no
    trailing zero (62; 89,265). Anything not a number ("—") is returned as it is."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    return _laid_out(amount, _locale(language), places, most)


@lru_cache(maxsize=8192)
def _laid_out(amount: Decimal, locale: str, places: int | None, most: int) -> str:
    """Babel's layout of a rounded amount; a season's letters print the same few thousand values again and
    again (equal Decimals such as 1.0 and 1.00 round to the same digits, so they may share an entry)."""
    amount = amount.quantize(Decimal(1).scaleb(-(most if places is None else places)), rounding=ROUND_HALF_UP)
    decimals = "0" * places if places is not None else "#" * most
    pattern = f"#,##0.{decimals}" if decimals else "#,##0"
    return format_decimal(amount, format=pattern, locale=locale, decimal_quantization=False)


def file_size(size: int, language: str = "vi") -> str:
    """A file's size as people read it: 340 byte, 0,2 KB, 1,4 MB (Vietnamese), 1.4 MB (English)."""
    if size < 1024:
        return f"{size} byte" if language == "vi" else f"{size} bytes"
    unit, amount = ("KB", Decimal(size) / 1024) if size < 1024 * 1024 else ("MB", Decimal(size) / (1024 * 1024))
    return f"{number(amount.quantize(Decimal('0.1')), language, most=1)} {unit}"


def percent(value: object, language: str = "vi", places: int | None = None) -> str:
    """A value already in percent, at the index's published two decimals: 89,3% and 89,27% in Vietnamese,
    89.3% in English (Babel's CLDR patterns: no space before the sign in either)."""
    text = number(value, language, places, most=2)
    return f"{text}%" if _decimal(value) is not None else text


def signed(value: object, language: str = "vi", places: int = 2) -> str:
    """A change: +2,78 / −1,05 / 0,00."""
    amount = _decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    text = number(abs(amount), language, places)
    rounded = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return f"+{text}" if rounded > 0 else f"−{text}" if rounded < 0 else text


def day(value: date | datetime | None, language: str = "vi", zone: str | None = None) -> str:
    """dd/mm/yyyy (of the instant in `zone`, for an instant)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(zone)) if zone else value
        value = value.date()
    return format_date(value, DAY, locale=_locale(language))


def weekday_day(value: date, language: str = "vi") -> str:
    """A day with its weekday: Thứ Ba 31/10/2023; Tuesday 31/10/2023."""
    return format_date(value, f"EEEE {DAY}", locale=_locale(language))


def instant(value: datetime | None, zone: str, language: str = "vi") -> str:
    """An instant in the cycle's zone with its offset: 01/10/2023 00:00 +07:00."""
    if value is None:
        return ""
    return format_datetime(value, f"{DAY} HH:mm xxx", tzinfo=ZoneInfo(zone), locale=_locale(language))
