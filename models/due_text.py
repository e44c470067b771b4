"""Read a plan's due text as written ("30/11/2023", "Hoàn thành trước ngày 22/12/2021", "Quý IV/2023",
"Trước Tết Nguyên đán Bính Ngọ", "Trước 17h00 ngày 05/12/2025", "Cuối tháng 12/2025").

One table, FORMS, lists every form Vietnamese plans use: its name, an example, its pattern and what it
means. Case, spacing, dashes and Unicode normalisation (NFC or NFD) do not matter. "Đầu/giữa/cuối tháng" and
"đầu/giữa/cuối năm" are read as khoản 2 and 3 Điều 146 Bộ luật Dân sự 2015 define them; Tết Nguyên đán is the
first day of the Vietnamese lunar year (models.holidays_private), a year named by its can chi ("Bính Ngọ")
being the one nearest the plan's."""

from __future__ import annotations

import calendar as stdlib_calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

from models.workdays import format_day


class DueKind(StrEnum):
    BY_DATE = "by_date"  # "30/11/2023": ends 24:00 on that day
    BEFORE_DATE = "before_date"  # "trước ngày 10/02/2024": ends 24:00 on the day before
    MONTH = "month"  # "Tháng 10/2023": ends with the month
    WINDOW = "window"  # "Tháng 10 - 12/2023", "từ 01/10/2023 đến 31/12/2023", "Quý IV/2023", "Năm 2023"
    WEEK = "week"  # "Tuần đầu tháng 01/2026": work within a week, due its last working day
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
    due_time: time | None = None  # "trước 17h00 ngày …": the hour the deadline passes that day (else 24:00)

    @property
    def rolls_back(self) -> bool:
        """Whether a last day off moves the deadline earlier: work due before a date or within a week."""
        return self.kind in (DueKind.BEFORE_DATE, DueKind.WEEK)


class DueTextError(ValueError):
    needs_year = False  # refused only for want of the plan's year (cycle.toml did not load)

    """A due text that does not match any form a plan uses."""


Groups = tuple[str, ...]  # what the pattern captured


@dataclass(frozen=True)
class DueForm:
    """One way plans write a due date: an example of it, its pattern, and what a match means."""

    name: str
    example: str
    pattern: re.Pattern[str]
    read: Callable[[str, Groups, int | None], DueSpec]  # (text, its groups, the plan's year: a Tết's can chi)


_DATE = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_DONE = r"(?:hoàn thành |xong )?"  # "Hoàn thành trước ngày …": the verb adds nothing
_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}


def _ints(groups: Groups) -> tuple[int, ...]:
    return tuple(int(group) for group in groups)


def _by_date(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    return DueSpec(DueKind.BY_DATE, text, last_day=_day(*_ints(groups)))


def _before(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    written = _day(*_ints(groups))
    last_day = written - timedelta(days=1)
    return DueSpec(DueKind.BEFORE_DATE, text, last_day=last_day,
                   reading=f"hạn trước ngày {format_day(written)}, nên ngày cuối cùng là {format_day(last_day)}")


def _month(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    month, year = _ints(groups)
    return DueSpec(DueKind.MONTH, text, opens_on=date(year, month, 1), last_day=_month_end(year, month),
                   reading=f"trong tháng {month:02d}/{year}, nên ngày cuối cùng là ngày cuối tháng")


def _months(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    first, last, year = _ints(groups)
    return _window(text, date(year, first, 1), _month_end(year, last))


def _from_month_to_day(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    month, year, *last = _ints(groups)
    return _window(text, date(year, month, 1), _day(*last))


def _from_day_to_day_of_year(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    """'từ ngày 01/10 đến ngày 30/12/2021': the first date takes the second's year (the year before when
    its month comes later)."""
    day, month, *last = _ints(groups)
    last_day = _day(*last)
    return _window(text, date(last_day.year - (month > last_day.month), month, day), last_day)


def _from_day_to_day(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    n = _ints(groups)
    return _window(text, _day(*n[:3]), _day(*n[3:]))


def _quarter(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    quarter, year = _QUARTERS[groups[0]], int(groups[1])
    return _window(text, date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))


def _year(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    (year,) = _ints(groups)
    return _window(text, date(year, 1, 1), date(year, 12, 31))


CIVIL_CODE_146 = "Điều 146 Bộ luật Dân sự 2015"
_PARTS_OF_MONTH = {"đầu": "ngày đầu tiên của tháng", "giữa": "ngày thứ mười lăm của tháng",
                   "cuối": "ngày cuối cùng của tháng"}
_PARTS_OF_YEAR = {"đầu": "ngày đầu tiên của tháng một", "giữa": "ngày cuối cùng của tháng sáu",
                  "cuối": "ngày cuối cùng của tháng mười hai"}
WEEKDAYS = ("thứ hai", "thứ ba", "thứ tư", "thứ năm", "thứ sáu", "thứ bảy", "chủ nhật")
_WEEKDAY_NUMBERS = {"thứ 2": 0, "thứ 3": 1, "thứ 4": 2, "thứ 5": 3, "thứ 6": 4, "thứ 7": 5, "cn": 6}
STEMS = ("giáp", "ất", "bính", "đinh", "mậu", "kỷ", "canh", "tân", "nhâm", "quý")
BRANCHES = ("tý", "sửu", "dần", "mão", "thìn", "tỵ", "ngọ", "mùi", "thân", "dậu", "tuất", "hợi")


def _at_hour(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    hour, minute, *written = groups
    due_time = time(int(hour), int(minute or 0))
    last_day = _day(*_ints(tuple(written)))
    return DueSpec(DueKind.BY_DATE, text, last_day=last_day, due_time=due_time,
                   reading=f"hạn {due_time:%H:%M} ngày {format_day(last_day)}")


def _part_of_month(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    part, month, year = groups[0], int(groups[1]), int(groups[2])
    day = {"đầu": 1, "giữa": 15, "cuối": stdlib_calendar.monthrange(year, month)[1]}[part]
    last_day = date(year, month, day)
    return DueSpec(DueKind.BY_DATE, text, last_day=last_day,
                   reading=f"{part} tháng là {_PARTS_OF_MONTH[part]} (khoản 2 {CIVIL_CODE_146}): "
                           f"{format_day(last_day)}")


def _part_of_year(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    part, year = groups[0], int(groups[1])
    last_day = {"đầu": date(year, 1, 1), "giữa": date(year, 6, 30), "cuối": date(year, 12, 31)}[part]
    return DueSpec(DueKind.BY_DATE, text, last_day=last_day,
                   reading=f"{part} năm là {_PARTS_OF_YEAR[part]} (khoản 3 {CIVIL_CODE_146}): "
                           f"{format_day(last_day)}")


def _first_week(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    month, year = _ints(groups)
    opens_on, last_day = date(year, month, 1), date(year, month, 7)
    return DueSpec(DueKind.WEEK, text, opens_on=opens_on, last_day=last_day,
                   reading=f"tuần đầu tháng {month:02d}/{year} là bảy ngày đầu tháng, từ {format_day(opens_on)} "
                           f"đến {format_day(last_day)}; hạn là ngày làm việc cuối cùng của tuần đó")


def _with_weekday(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    *written, weekday = groups
    last_day = _day(*_ints(tuple(written)))
    named = WEEKDAYS.index(weekday) if weekday in WEEKDAYS else _WEEKDAY_NUMBERS[weekday]
    if last_day.weekday() != named:
        raise DueTextError(f"due text {text!r}: {format_day(last_day)} là {WEEKDAYS[last_day.weekday()]}, "
                           f"không phải {WEEKDAYS[named]}")
    return DueSpec(DueKind.BY_DATE, text, last_day=last_day)


def _before_tet(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    from models.holidays_private import tet_day

    named = (groups[0] or "").strip()
    if named.isdigit():
        year = int(named)
    elif named:
        stem, _, branch = named.partition(" ")
        if stem not in STEMS or branch not in BRANCHES or STEMS.index(stem) % 2 != BRANCHES.index(branch) % 2:
            raise DueTextError(f"due text {text!r}: {named!r} is not the can chi of a year (Giáp Thìn, Bính Ngọ …)")
        if year_hint is None:  # a can chi names a year in every sixty: the plan's year says which
            unknown = DueTextError(f"due text {text!r}: which {named!r}? the plan's year is not known; write the "
                                   "year (Trước Tết Nguyên đán 2026)")
            unknown.needs_year = True
            raise unknown
        found = [y for y in range(year_hint - 29, year_hint + 31)
                 if STEMS[(y - 4) % 10] == stem and BRANCHES[(y - 4) % 12] == branch]
        if not found:  # a stem and a branch of different parity never name a year (Bính Sửu)
            raise DueTextError(f"due text {text!r}: {named!r} is not the can chi of a year (Giáp Thìn, Bính Ngọ …)")
        year = found[0]
    elif year_hint is not None:
        year = year_hint + 1  # the Tết after the evaluated year: the one a season runs up to
    else:
        raise DueTextError(f"due text {text!r}: which Tết? write its year (Trước Tết Nguyên đán 2026) or its "
                           "can chi (Bính Ngọ)")
    tet = tet_day(year)
    last_day = tet - timedelta(days=1)
    can_chi = f"{STEMS[(year - 4) % 10].capitalize()} {BRANCHES[(year - 4) % 12].capitalize()}"
    return DueSpec(DueKind.BEFORE_DATE, text, last_day=last_day,
                   reading=f"trước Tết Nguyên đán {can_chi} (mùng 1 Tết là {format_day(tet)}), nên ngày cuối "
                           f"cùng là {format_day(last_day)}")


def _relative(text: str, groups: Groups, year_hint: int | None = None) -> DueSpec:
    return DueSpec(DueKind.RELATIVE, text, reading="tính từ ngày ban hành kế hoạch")


_YEAR_NAMED = r"(\d{4}|[^\d\s]+ [^\d\s]+)"  # 2026, or its can chi: bính ngọ
_HOUR = r"(\d{1,2}) ?(?:h|giờ|:) ?(\d{2})?(?: ?phút)?"
_WEEKDAY = r"(thứ hai|thứ ba|thứ tư|thứ năm|thứ sáu|thứ bảy|chủ nhật|thứ [2-7]|cn)"

FORMS: tuple[DueForm, ...] = (
    DueForm("ngày", "30/11/2023", re.compile(rf"^(?:vào )?(?:ngày |hạn )?{_DATE}$"), _by_date),
    DueForm("ngày (thứ)", "05/12/2025 (thứ Sáu)",
            re.compile(rf"^{_DONE}(?:vào |chậm nhất )?(?:ngày )?{_DATE},? \(?{_WEEKDAY}\)?$"), _with_weekday),
    DueForm("giờ ngày", "Trước 17h00 ngày 05/12/2025",
            re.compile(rf"^{_DONE}(?:trước|chậm nhất|vào lúc|lúc)? ?{_HOUR},? (?:ngày )?{_DATE}$"),
            _at_hour),
    DueForm("đầu, giữa, cuối tháng", "Cuối tháng 12/2025",
            re.compile(rf"^{_DONE}(?:vào |chậm nhất )?(đầu|giữa|cuối) tháng (\d{{1,2}})/(\d{{4}})$"),
            _part_of_month),
    DueForm("đầu, giữa, cuối năm", "Cuối năm 2025",
            re.compile(rf"^{_DONE}(?:vào |chậm nhất )?(đầu|giữa|cuối) năm (\d{{4}})$"),
            _part_of_year),
    DueForm("tuần đầu tháng", "Tuần đầu tháng 01/2026",
            re.compile(rf"^{_DONE}(?:trong )?tuần (?:đầu|đầu tiên|thứ nhất) (?:của )?tháng (\d{{1,2}})/(\d{{4}})$"),
            _first_week),
    DueForm("trước Tết", "Trước Tết Nguyên đán Bính Ngọ",
            re.compile(rf"^{_DONE}trước tết(?: nguyên đán)?(?: (?:năm |xuân )?{_YEAR_NAMED})?$"),
            _before_tet),
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
    DueForm("ngày - ngày", "05/12/2025 - 10/12/2025",
            re.compile(rf"^(?:ngày )?{_DATE} ?(?:-|đến) ?(?:hết )?(?:ngày )?{_DATE}$"), _from_day_to_day),
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


def parse_due_text(text: str, year_hint: int | None = None) -> DueSpec:
    """Read a due text; raise DueTextError naming the forms it accepts when none matches. `year_hint` (the
    year the plan evaluates) says which year "Tết Bính Ngọ" or a bare "Trước Tết" is."""
    plain = normalise(text)
    if not plain:
        return DueSpec(DueKind.NONE, text)
    for form in FORMS:
        match = form.pattern.match(plain)
        if match:
            try:
                return form.read(text, match.groups(), year_hint)
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
