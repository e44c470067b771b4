"""Read a plan's due text as written ("30/11/2023", "trước ngày 10/02/2024", "Tháng 10 - 12/2023")."""

from __future__ import annotations

import calendar as stdlib_calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from models.workdays import format_day


class DueKind(StrEnum):
    BY_DATE = "by_date"  # "30/11/2023": ends 24:00 on that day
    BEFORE_DATE = "before_date"  # "trước ngày 10/02/2024": ends 24:00 on the day before
    MONTH = "month"  # "Tháng 10/2023": ends with the month
    WINDOW = "window"  # "Tháng 10 - 12/2023", "từ 01/10/2023 đến 31/12/2023"
    RELATIVE = "relative"  # "Ngay sau khi ...": relative to an event, usually the plan's issue
    NONE = "none"  # the plan gives no date


@dataclass(frozen=True)
class DueSpec:
    """What a due text means: when the work may start and its last day as written."""

    kind: DueKind
    text: str
    opens_on: date | None = None
    last_day: date | None = None
    reading: str | None = None  # how the text was read, when it is not a plain date


class DueTextError(ValueError):
    """A due text that does not match any form a plan uses."""


_DATE = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_PATTERNS: list[tuple[DueKind, re.Pattern[str]]] = [
    (DueKind.BY_DATE, re.compile(rf"^(?:ngày |hạn |chậm nhất (?:là )?(?:ngày )?)?{_DATE}$")),
    (DueKind.BEFORE_DATE, re.compile(rf"^trước (?:ngày )?{_DATE}$")),
    (DueKind.MONTH, re.compile(r"^(?:trong )?tháng (\d{1,2})/(\d{4})$")),
    (DueKind.WINDOW, re.compile(r"^(?:trong )?(?:các )?tháng (\d{1,2}) ?- ?(\d{1,2})/(\d{4})$")),
    (DueKind.WINDOW, re.compile(rf"^từ (?:ngày )?{_DATE} đến (?:ngày )?{_DATE}$")),
    (DueKind.RELATIVE, re.compile(r"^(?:ngay )?sau khi .+$")),
]


def normalise(text: str) -> str:
    """NFC, lower case, one space between words, plain hyphens."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


def parse_due_text(text: str) -> DueSpec:
    """Read a due text; raise DueTextError naming the forms it accepts when none matches."""
    plain = normalise(text)
    if not plain:
        return DueSpec(DueKind.NONE, text)
    for kind, pattern in _PATTERNS:
        match = pattern.match(plain)
        if match:
            return _build(kind, text, match.groups())
    raise DueTextError(
        f"cannot read due text {text!r}: expected 'dd/mm/yyyy', 'trước ngày dd/mm/yyyy', "
        "'Tháng m/yyyy', 'Tháng m - m/yyyy', 'từ dd/mm/yyyy đến dd/mm/yyyy', 'Ngay sau khi ...' or empty"
    )


def _build(kind: DueKind, text: str, groups: tuple[str, ...]) -> DueSpec:
    numbers = [int(g) for g in groups]
    try:
        if kind is DueKind.BY_DATE:
            return DueSpec(kind, text, last_day=_day(*numbers))
        if kind is DueKind.BEFORE_DATE:
            written = _day(*numbers)
            last_day = written - timedelta(days=1)
            reading = f"due before {format_day(written)}, so the last day is {format_day(last_day)}"
            return DueSpec(kind, text, last_day=last_day, reading=reading)
        if kind is DueKind.MONTH:
            month, year = numbers
            return DueSpec(kind, text, opens_on=date(year, month, 1), last_day=_month_end(year, month),
                           reading=f"during {month:02d}/{year}, so the last day is the month's last")
        if kind is DueKind.WINDOW and len(numbers) == 3:
            first_month, last_month, year = numbers
            if last_month < first_month:
                raise DueTextError(f"month window {text!r} ends before it starts")
            return DueSpec(kind, text, opens_on=date(year, first_month, 1),
                           last_day=_month_end(year, last_month),
                           reading=f"a window from 01/{first_month:02d}/{year} to the end of {last_month:02d}/{year}")
        if kind is DueKind.WINDOW:
            opens_on, last_day = _day(*numbers[:3]), _day(*numbers[3:])
            if last_day < opens_on:
                raise DueTextError(f"window {text!r} ends before it starts")
            return DueSpec(kind, text, opens_on=opens_on, last_day=last_day,
                           reading=f"a window from {format_day(opens_on)} to {format_day(last_day)}")
    except ValueError as error:
        if isinstance(error, DueTextError):
            raise
        raise DueTextError(f"due text {text!r} names an impossible date: {error}") from error
    return DueSpec(DueKind.RELATIVE, text, reading="relative to the plan's issue date")


def _day(day: int, month: int, year: int) -> date:
    return date(year, month, day)


def _month_end(year: int, month: int) -> date:
    return date(year, month, stdlib_calendar.monthrange(year, month)[1])
