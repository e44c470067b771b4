"""Working days, days off and deadline arithmetic for one cycle's time zone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.holidays_private import vietnam_holidays

WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
CIVIL_CODE_148 = "khoản 5 Điều 148 Bộ luật Dân sự 2015"


class DeadlineRule(StrEnum):
    """What happens when a deadline's last day is not a working day."""

    NEXT_WORKING_DAY = "next_working_day"  # Civil Code 2015, Art. 148(5): the default for a date
    PREVIOUS_WORKING_DAY = "previous_working_day"  # "trước ngày X": the default for work due before a date
    AS_WRITTEN = "as_written"


@dataclass(frozen=True)
class EffectiveDeadline:
    """A deadline after the roll rule: its last day and the instant it passes (24:00 local)."""

    written_last_day: date
    last_day: date
    due_at: datetime
    moved_because: str | None


def format_day(day: date) -> str:
    """dd/mm/yyyy, as Vietnamese documents write dates."""
    return day.strftime("%d/%m/%Y")


def format_day_with_weekday(day: date) -> str:
    """'Thứ Hai 08/01/2024'."""
    return f"{WEEKDAYS_VI[day.weekday()]} {format_day(day)}"


class WorkingCalendar:
    """Vietnamese public holidays (holidays.Vietnam), weekends and a cycle's own overrides."""

    def __init__(
        self,
        *,
        timezone: str = "Asia/Ho_Chi_Minh",
        extra_days_off: Mapping[date, str] | None = None,
        extra_working_days: Mapping[date, str] | None = None,
        weekend: Iterable[int] = (5, 6),
    ) -> None:
        self.zone = ZoneInfo(timezone)
        self.weekend = frozenset(weekend)
        self._public = vietnam_holidays("vi")
        self.extra_days_off = dict(extra_days_off or {})
        self.extra_working_days = dict(extra_working_days or {})

    def day_off_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, or None when it is one."""
        if day in self.extra_working_days:
            return None
        if day in self.extra_days_off:
            return self.extra_days_off[day]
        public_holiday = self._public.get(day)
        if public_holiday:
            return str(public_holiday)
        if day.weekday() in self.weekend and day not in self._public.weekend_workdays:
            return f"{WEEKDAYS_VI[day.weekday()]}, nghỉ cuối tuần"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.day_off_reason(day) is None

    def add_working_days(self, day: date, count: int) -> date:
        """The working day `count` working days after `day` (before it when negative)."""
        step = timedelta(days=1 if count >= 0 else -1)
        remaining = abs(count)
        current = day
        while remaining:
            current += step
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end; when end is before start, minus those with end <= d < start."""
        if end < start:
            return -sum(1 for offset in range((start - end).days) if self.is_working_day(end + timedelta(offset)))
        return sum(
            1 for offset in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(offset))
        )

    def end_of_day(self, day: date) -> datetime:
        """24:00 local on `day`, the instant a deadline on that day passes."""
        return datetime.combine(day + timedelta(days=1), time(0), self.zone)

    def at_local(self, day: date, clock_time: time) -> datetime:
        return datetime.combine(day, clock_time, self.zone)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def effective_deadline(
        self, written_last_day: date, rule: DeadlineRule = DeadlineRule.NEXT_WORKING_DAY
    ) -> EffectiveDeadline:
        """Apply the roll rule to a last day as written, saying why it moved if it did."""
        last_day = written_last_day
        skipped: list[tuple[date, str]] = []
        if rule is not DeadlineRule.AS_WRITTEN:
            step = timedelta(days=1 if rule is DeadlineRule.NEXT_WORKING_DAY else -1)
            while (reason := self.day_off_reason(last_day)) is not None:
                skipped.append((last_day, reason))
                last_day += step
        moved_because = _describe_move(skipped, last_day, rule) if skipped else None
        return EffectiveDeadline(written_last_day, last_day, self.end_of_day(last_day), moved_because)

    def reminder_instants(
        self,
        last_day: date,
        *,
        working_days_before: Iterable[int],
        office_time: time,
        not_before: datetime | None = None,
    ) -> list[datetime]:
        """Reminder instants before a deadline: on working days, at office hours, after `not_before`."""
        instants = {
            self.at_local(self._working_day_on_or_before(self.add_working_days(last_day, -offset)), office_time)
            for offset in working_days_before
        }
        return sorted(i for i in instants if not_before is None or i >= not_before)

    def in_office_hours(self, instant: datetime, opens: time, closes: time) -> bool:
        """Whether people are at work at `instant`: a working day, between opening and closing time."""
        local = instant.astimezone(self.zone)
        return self.is_working_day(local.date()) and opens <= local.time() < closes

    def office_instant(self, instant: datetime, opens: time, closes: time) -> datetime:
        """`instant` when people are at work then; else the next working day's opening time (a mail that would
        leave at night, on a weekend or on a holiday leaves when the office opens)."""
        if self.in_office_hours(instant, opens, closes):
            return instant
        local = instant.astimezone(self.zone)
        day = local.date() if local.time() < opens else local.date() + timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return self.at_local(day, opens)

    def working_days_after_at(self, last_day: date, count: int, office_time: time) -> datetime:
        """The instant `count` working days after a deadline's last day, at office hours."""
        return self.at_local(self.add_working_days(last_day, count), office_time)

    def _working_day_on_or_before(self, day: date) -> date:
        while not self.is_working_day(day):
            day -= timedelta(days=1)
        return day


def _describe_move(skipped: list[tuple[date, str]], last_day: date, rule: DeadlineRule) -> str:
    days_off = "; ".join(f"{format_day(day)} {reason}" for day, reason in skipped)
    first = format_day(skipped[0][0])
    if rule is DeadlineRule.NEXT_WORKING_DAY:
        return (
            f"{first} không phải ngày làm việc ({days_off}); hạn kéo dài đến hết ngày làm việc tiếp theo, "
            f"{format_day_with_weekday(last_day)} ({CIVIL_CODE_148})"
        )
    return (
        f"{first} không phải ngày làm việc ({days_off}); việc phải xong trước đó, nên hạn là hết ngày làm việc "
        f"liền trước, {format_day_with_weekday(last_day)}"
    )
