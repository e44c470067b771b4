"""The working-day calendar: weekends, Tết, swapped days, and the deadline arithmetic."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from models.workdays import DeadlineRule, WorkingCalendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar()
SWAPPED = WorkingCalendar(
    extra_days_off={date(2024, 4, 29): "Ngày nghỉ hoán đổi"},
    extra_working_days={date(2024, 5, 4): "Làm bù cho ngày 29/04/2024", date(2024, 2, 14): "Làm bù"},
)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


def test_weekends_are_days_off_with_their_weekday_named():
    assert CAL.day_off_reason(date(2024, 1, 6)) == "Thứ Bảy, nghỉ cuối tuần"
    assert CAL.day_off_reason(date(2024, 1, 7)) == "Chủ Nhật, nghỉ cuối tuần"
    assert CAL.is_working_day(date(2024, 1, 8))


@pytest.mark.parametrize("day", [date(2024, 2, d) for d in range(8, 15)])
def test_tet_2024_is_a_week_of_holidays(day):
    assert not CAL.is_working_day(day)


def test_tet_holidays_are_named_in_vietnamese():
    assert "Tết Nguyên Đán" in CAL.day_off_reason(date(2024, 2, 10))
    assert "Tết Nguyên Đán" in CAL.day_off_reason(date(2023, 1, 24))
    assert CAL.day_off_reason(date(2024, 1, 1)) == "Tết Dương lịch"


def test_overrides_swap_a_saturday_and_a_monday():
    assert not CAL.is_working_day(date(2024, 5, 4)) or date(2024, 5, 4) in CAL._public.weekend_workdays
    assert SWAPPED.is_working_day(date(2024, 5, 4))
    assert SWAPPED.day_off_reason(date(2024, 4, 29)) == "Ngày nghỉ hoán đổi"


def test_an_override_can_make_a_holiday_a_working_day():
    assert not CAL.is_working_day(date(2024, 2, 14))
    assert SWAPPED.is_working_day(date(2024, 2, 14))


def test_a_saturday_deadline_moves_to_monday_with_the_reason():
    deadline = CAL.effective_deadline(date(2024, 1, 6))
    assert deadline.last_day == date(2024, 1, 8)
    assert deadline.due_at == datetime(2024, 1, 9, 0, 0, tzinfo=HCM)
    assert "06/01/2024 Thứ Bảy" in deadline.moved_because and "Điều 148 Bộ luật Dân sự" in deadline.moved_because


def test_a_deadline_in_tet_moves_past_the_whole_holiday():
    deadline = CAL.effective_deadline(date(2024, 2, 9))
    assert deadline.last_day == date(2024, 2, 15)
    assert "Giao thừa Tết Nguyên Đán" in deadline.moved_because
    assert "14/02/2024 Mùng năm Tết Nguyên Đán" in deadline.moved_because


def test_the_previous_working_day_rule_moves_back_before_tet():
    deadline = CAL.effective_deadline(date(2024, 2, 9), DeadlineRule.PREVIOUS_WORKING_DAY)
    assert deadline.last_day == date(2024, 2, 7)
    assert "ngày làm việc liền trước" in deadline.moved_because


def test_as_written_never_moves():
    deadline = CAL.effective_deadline(date(2024, 1, 6), DeadlineRule.AS_WRITTEN)
    assert deadline.last_day == date(2024, 1, 6) and deadline.moved_because is None


def test_a_working_day_deadline_does_not_move():
    deadline = CAL.effective_deadline(date(2023, 11, 30))
    assert deadline.last_day == date(2023, 11, 30) and deadline.moved_because is None
    assert deadline.due_at == datetime(2023, 12, 1, tzinfo=HCM)


def test_working_days_between_skips_weekends_and_holidays():
    assert CAL.working_days_between(date(2024, 2, 7), date(2024, 2, 15)) == 1
    assert CAL.working_days_between(date(2023, 11, 24), date(2023, 11, 30)) == 4
    assert CAL.working_days_between(date(2023, 11, 30), date(2023, 11, 24)) == -4


def test_reminder_instants_fall_on_working_days_at_office_hours():
    instants = CAL.reminder_instants(date(2024, 2, 15), working_days_before=[7, 3, 1, 0], office_time=time(8))
    assert [i.date() for i in instants] == [date(2024, 1, 30), date(2024, 2, 5), date(2024, 2, 7),
                                            date(2024, 2, 15)]
    assert all(i.time() == time(8) and i.tzinfo == HCM for i in instants)


def test_reminder_instants_before_the_opening_are_dropped():
    opened = datetime(2024, 2, 6, 12, tzinfo=HCM)
    instants = CAL.reminder_instants(date(2024, 2, 15), working_days_before=[7, 3, 1, 0], office_time=time(8),
                                     not_before=opened)
    assert [i.date() for i in instants] == [date(2024, 2, 7), date(2024, 2, 15)]


@given(days, st.sampled_from(list(DeadlineRule)))
def test_an_effective_deadline_is_a_working_day_with_no_working_day_skipped(day, rule):
    deadline = CAL.effective_deadline(day, rule)
    assert deadline.due_at == datetime.combine(deadline.last_day + timedelta(days=1), time(0), HCM)
    if rule is DeadlineRule.AS_WRITTEN:
        assert deadline.last_day == day
        return
    assert CAL.is_working_day(deadline.last_day)
    low, high = sorted((day, deadline.last_day))
    skipped = [low + timedelta(n) for n in range((high - low).days)]
    skipped = skipped if rule is DeadlineRule.NEXT_WORKING_DAY else [d + timedelta(1) for d in skipped]
    assert not any(CAL.is_working_day(d) for d in skipped)
    assert (deadline.moved_because is None) == (deadline.last_day == day)
    if rule is DeadlineRule.NEXT_WORKING_DAY:
        assert deadline.last_day >= day
    else:
        assert deadline.last_day <= day


@given(days, st.integers(min_value=-40, max_value=40))
def test_adding_working_days_and_counting_them_agree(day, count):
    later = CAL.add_working_days(day, count)
    assert CAL.working_days_between(day, later) == count
    if count:
        assert CAL.is_working_day(later)


@given(days, st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=5))
def test_reminders_never_fall_on_a_day_off_nor_after_the_deadline(day, offsets):
    last_day = CAL.effective_deadline(day).last_day
    for instant in CAL.reminder_instants(last_day, working_days_before=offsets, office_time=time(8, 30)):
        assert CAL.is_working_day(instant.date())
        assert instant.date() <= last_day
        assert instant.time() == time(8, 30)
