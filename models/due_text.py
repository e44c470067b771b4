"""Read a plan's due text as written ("30/11/2023", "Hoàn thành trước ngày 22/12/2021", "Quý IV/2023").

One table, FORMS, lists every form Vietnamese plans use: its name, an example, its pattern and what it
means. Case, spacing, dashes and Unicode normalisation (NFC or NFD) do not matter."""

from __future__ import annotations

import calendar as stdlib_calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from models.workdays import format_day


class DueKind(StrEnum):
    BY_DATE = "by_date"  # "30/11/2023": ends 24:00 on that day
    BEFORE_DATE = "before_date"  # "trước ngày 10/02/2024": ends 24:00 on the day before
    MONTH = "month"  # "Tháng 10/2023": ends with the month
    WINDOW = "window"  # "Tháng 10 - 12/2023", "từ 01/10/2023 đến 31/12/2023", "Quý IV/2023", "Năm 2023"
    RELATIVE = "relative"  # "Ngay sau khi ...": relative to an event, usually the plan's issue
    NONE = "none"  # the plan gives no date


@dataclass(frozen=True)
class DueSpec:
    """What a due text means: when the work may start and its last day as written."""

    kind: DueKind
    text: str
    opens_on: date | None = None
    last_day: date | None = None
    reading: str | None = None  # how the text was read (in Vietnamese), when it is not a plain date


class DueTextError(ValueError):
    """A due text that does not match any form a plan uses."""


Groups = tuple[str, ...]  # what the pattern captured


@dataclass(frozen=True)
class DueForm:
    """One way plans write a due date: an example of it, its pattern, and what a match means."""

    name: str
    example: str
    pattern: re.Pattern[str]
    read: Callable[[str, Groups], DueSpec]


_DATE = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_DONE = r"(?:hoàn thành |xong )?"  # "Hoàn thành trước ngày …": the verb adds nothing
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _ints(groups: Groups) -> tuple[int, ...]:
    return tuple(int(group) for group in groups)


def _by_date(text: str, groups: Groups) -> DueSpec:
    return DueSpec(DueKind.BY_DATE, text, last_day=_day(*_ints(groups)))


def _before(text: str, groups: Groups) -> DueSpec:
    written = _day(*_ints(groups))
    last_day = written - timedelta(days=1)
    return DueSpec(DueKind.BEFORE_DATE, text, last_day=last_day,
                   reading=f"hạn trước ngày {format_day(written)}, nên ngày cuối cùng là {format_day(last_day)}")


def _month(text: str, groups: Groups) -> DueSpec:
    month, year = _ints(groups)
    return DueSpec(DueKind.MONTH, text, opens_on=date(year, month, 1), last_day=_month_end(year, month),
                   reading=f"trong tháng {month:02d}/{year}, nên ngày cuối cùng là ngày cuối tháng")


def _months(text: str, groups: Groups) -> DueSpec:
    first, last, year = _ints(groups)
    return _window(text, date(year, first, 1), _month_end(year, last))


def _from_month_to_day(text: str, groups: Groups) -> DueSpec:
    month, year, *last = _ints(groups)
    return _window(text, date(year, month, 1), _day(*last))


def _from_day_to_day_of_year(text: str, groups: Groups) -> DueSpec:
    """'từ ngày 01/10 đến ngày 30/12/2021': the first date takes the second's year (the year before when
    its month comes later)."""
    day, month, *last = _ints(groups)
    last_day = _day(*last)
    return _window(text, date(last_day.year - (month > last_day.month), month, day), last_day)


def _from_day_to_day(text: str, groups: Groups) -> DueSpec:
    n = _ints(groups)
    return _window(text, _day(*n[:3]), _day(*n[3:]))


def _quarter(text: str, groups: Groups) -> DueSpec:
    quarter, year = _QUARTERS[groups[0]], int(groups[1])
    return _window(text, date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))


def _year(text: str, groups: Groups) -> DueSpec:
    (year,) = _ints(groups)
    return _window(text, date(year, 1, 1), date(year, 12, 31))


def _relative(text: str, groups: Groups) -> DueSpec:
    return DueSpec(DueKind.RELATIVE, text, reading="tính từ ngày ban hành kế hoạch")


FORMS: tuple[DueForm, ...] = (
    DueForm("ngày", "30/11/2023", re.compile(rf"^(?:vào )?(?:ngày |hạn )?{_DATE}$"), _by_date),
    DueForm("chậm nhất ngày", "Chậm nhất là ngày 30/11/2023",
            re.compile(rf"^{_DONE}chậm nhất (?:là )?(?:vào )?(?:ngày )?{_DATE}$"), _by_date),
    DueForm("trước ngày", "Hoàn thành trước ngày 22/12/2021", re.compile(rf"^{_DONE}trước (?:ngày )?{_DATE}$"),
            _before),
    DueForm("tháng", "Hoàn thành vào tháng 2/2022",
            re.compile(rf"^{_DONE}(?:vào |trong )?tháng (\d{{1,2}})/(\d{{4}})$"), _month),
    DueForm("tháng m - n", "Tháng 10 - 12/2023",
            re.compile(r"^(?:trong |từ )?(?:các )?tháng (\d{1,2}) ?(?:-|đến) ?(?:tháng )?(\d{1,2})/(\d{4})$"),
            _months),
    DueForm("từ tháng đến ngày", "Từ tháng 10/2021 đến ngày 30/12/2021",
            re.compile(rf"^từ tháng (\d{{1,2}})/(\d{{4}}) (?:đến|-) (?:hết )?(?:ngày )?{_DATE}$"), _from_month_to_day),
    DueForm("từ ngày đến ngày", "Từ ngày 01/10/2023 đến ngày 15/11/2023",
            re.compile(rf"^từ (?:ngày )?{_DATE} (?:đến|-) (?:hết )?(?:ngày )?{_DATE}$"), _from_day_to_day),
    DueForm("từ ngày đến ngày (một năm)", "Từ ngày 01/10 đến ngày 30/12/2021",
            re.compile(rf"^từ (?:ngày )?(\d{{1,2}})/(\d{{1,2}}) (?:đến|-) (?:hết )?(?:ngày )?{_DATE}$"),
            _from_day_to_day_of_year),
    DueForm("quý", "Quý IV/2023", re.compile(rf"^{_DONE}(?:trong )?quý (iv|iii|ii|i|[1-4]) ?/ ?(\d{{4}})$"),
            _quarter),
    DueForm("năm", "Năm 2023", re.compile(r"^(?:trong )?năm (\d{4})$"), _year),
    DueForm("sau khi", "Ngay sau khi UBND Thành phố ban hành Kế hoạch", re.compile(r"^(?:ngay )?sau khi .+$"),
            _relative),
)


def normalise(text: str) -> str:
    """NFC, lower case, one space between words, plain hyphens, no trailing full stop; dates written out in
    words ("ngày 15 tháng 12 năm 2021", "tháng 12 năm 2021", "quý IV năm 2021") in their numeric form."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"\s+", " ", text).strip().rstrip(".;").strip()
    text = re.sub(r"\b(\d{1,2}) tháng (\d{1,2}) năm (\d{4})\b", r"\1/\2/\3", text)
    return re.sub(r"\b(tháng|quý) (\d{1,2}|iv|iii|ii|i) năm (\d{4})\b", r"\1 \2/\3", text)


def accepted_forms() -> str:
    return "; ".join(f"'{form.example}'" for form in FORMS) + "; or empty"


def parse_due_text(text: str) -> DueSpec:
    """Read a due text; raise DueTextError naming the forms it accepts when none matches."""
    plain = normalise(text)
    if not plain:
        return DueSpec(DueKind.NONE, text)
    for form in FORMS:
        match = form.pattern.match(plain)
        if match:
            try:
                return form.read(text, match.groups())
            except DueTextError:
                raise
            except ValueError as error:
                raise DueTextError(f"due text {text!r} names an impossible date: {error}") from error
    raise DueTextError(f"cannot read due text {text!r}: the forms plans use are {accepted_forms()}")


def _window(text: str, opens_on: date, last_day: date) -> DueSpec:
    if last_day < opens_on:
        raise DueTextError(f"window {text!r} ends before it starts")
    return DueSpec(DueKind.WINDOW, text, opens_on=opens_on, last_day=last_day,
                   reading=f"từ {format_day(opens_on)} đến hết {format_day(last_day)}")


def _day(day: int, month: int, year: int) -> date:
    return date(year, month, day)


def _month_end(year: int, month: int) -> date:
    return date(year, month, stdlib_calendar.monthrange(year, month)[1])
