"""Due texts as plans write them."""

from datetime import date

import pytest

from models.due_text import FORMS, DueKind, DueTextError, parse_due_text


@pytest.mark.parametrize(("text", "kind", "opens_on", "last_day"), [
    ("30/11/2023", DueKind.BY_DATE, None, date(2023, 11, 30)),
    ("Trước ngày 10/02/2024", DueKind.BEFORE_DATE, None, date(2024, 2, 9)),
    ("trước ngày 31/12/2023", DueKind.BEFORE_DATE, None, date(2023, 12, 30)),
    ("Tháng 10/2023", DueKind.MONTH, date(2023, 10, 1), date(2023, 10, 31)),
    ("Tháng 2/2024", DueKind.MONTH, date(2024, 2, 1), date(2024, 2, 29)),
    ("Tháng 10 - 12/2023", DueKind.WINDOW, date(2023, 10, 1), date(2023, 12, 31)),
    ("Tháng 10 – 12/2023", DueKind.WINDOW, date(2023, 10, 1), date(2023, 12, 31)),
    ("Từ ngày 01/10/2023 đến ngày 15/11/2023", DueKind.WINDOW, date(2023, 10, 1), date(2023, 11, 15)),
    ("Ngay sau khi UBND Thành phố ban hành Kế hoạch triển khai", DueKind.RELATIVE, None, None),
    # the forms of Hải Phòng's and Hồ Chí Minh City's plans
    ("Hoàn thành trước ngày 22/12/2021", DueKind.BEFORE_DATE, None, date(2021, 12, 21)),
    ("Từ tháng 10/2021 đến ngày 30/12/2021", DueKind.WINDOW, date(2021, 10, 1), date(2021, 12, 30)),
    ("Vào tháng 1/2022", DueKind.MONTH, date(2022, 1, 1), date(2022, 1, 31)),
    ("Hoàn thành vào tháng 2/2022", DueKind.MONTH, date(2022, 2, 1), date(2022, 2, 28)),
    ("Chậm nhất là ngày 15/01/2022", DueKind.BY_DATE, None, date(2022, 1, 15)),
    ("chậm nhất ngày 15/01/2022.", DueKind.BY_DATE, None, date(2022, 1, 15)),
    ("Ngày 5/1/2022", DueKind.BY_DATE, None, date(2022, 1, 5)),
    ("Trong tháng 12/2021", DueKind.MONTH, date(2021, 12, 1), date(2021, 12, 31)),
    ("Tháng 11 đến tháng 12/2021", DueKind.WINDOW, date(2021, 11, 1), date(2021, 12, 31)),
    ("Quý IV/2021", DueKind.WINDOW, date(2021, 10, 1), date(2021, 12, 31)),
    ("quý i/2022", DueKind.WINDOW, date(2022, 1, 1), date(2022, 3, 31)),
    ("Quý 2/2022", DueKind.WINDOW, date(2022, 4, 1), date(2022, 6, 30)),
    ("Năm 2022", DueKind.WINDOW, date(2022, 1, 1), date(2022, 12, 31)),
    ("  TỪ   NGÀY 01/10/2023 ĐẾN HẾT NGÀY 15/11/2023 ", DueKind.WINDOW, date(2023, 10, 1), date(2023, 11, 15)),
    ("Từ ngày 01/10 đến ngày 30/12/2021", DueKind.WINDOW, date(2021, 10, 1), date(2021, 12, 30)),
    ("Từ ngày 15/12 đến ngày 15/01/2022", DueKind.WINDOW, date(2021, 12, 15), date(2022, 1, 15)),
    ("Trước ngày 15 tháng 12 năm 2021", DueKind.BEFORE_DATE, None, date(2021, 12, 14)),
    ("Hoàn thành trong tháng 12 năm 2021", DueKind.MONTH, date(2021, 12, 1), date(2021, 12, 31)),
    ("Quý IV năm 2021", DueKind.WINDOW, date(2021, 10, 1), date(2021, 12, 31)),
    ("", DueKind.NONE, None, None),
    # the forms of the plans of 2025 (issue 34): Tết, an hour, a week, the start or end of a month, a weekday
    ("Trước Tết Nguyên đán Bính Ngọ", DueKind.BEFORE_DATE, None, date(2026, 2, 16)),  # mùng 1 Tết: 17/02/2026
    ("Trước Tết Nguyên đán 2025", DueKind.BEFORE_DATE, None, date(2025, 1, 28)),  # Ất Tỵ: 29/01/2025
    ("Trước Tết Giáp Thìn", DueKind.BEFORE_DATE, None, date(2024, 2, 9)),  # 10/02/2024
    ("Trước 17h00 ngày 05/12/2025", DueKind.BY_DATE, None, date(2025, 12, 5)),
    ("trước 8 giờ 30 ngày 05/12/2025", DueKind.BY_DATE, None, date(2025, 12, 5)),
    ("Tuần đầu tháng 01/2026", DueKind.WEEK, date(2026, 1, 1), date(2026, 1, 7)),
    ("Cuối tháng 12/2025", DueKind.BY_DATE, None, date(2025, 12, 31)),
    ("Cuối tháng 2/2028", DueKind.BY_DATE, None, date(2028, 2, 29)),
    ("Đầu tháng 3/2026", DueKind.BY_DATE, None, date(2026, 3, 1)),
    ("Giữa tháng 3/2026", DueKind.BY_DATE, None, date(2026, 3, 15)),
    ("Cuối năm 2025", DueKind.BY_DATE, None, date(2025, 12, 31)),
    ("Giữa năm 2026", DueKind.BY_DATE, None, date(2026, 6, 30)),
    ("05/12/2025 (thứ Sáu)", DueKind.BY_DATE, None, date(2025, 12, 5)),
    ("05/12/2025 (thứ 6)", DueKind.BY_DATE, None, date(2025, 12, 5)),
    ("05/12/2025 - 10/12/2025", DueKind.WINDOW, date(2025, 12, 5), date(2025, 12, 10)),
])
def test_each_form_is_read(text, kind, opens_on, last_day):
    spec = parse_due_text(text, 2025)  # the plan's year (a Tết named by its can chi needs it)
    assert (spec.kind, spec.opens_on, spec.last_day) == (kind, opens_on, last_day)
    assert spec.text == text


def test_an_hour_is_when_the_deadline_passes_and_the_readings_cite_what_they_rest_on():
    from datetime import time

    at_five = parse_due_text("Trước 17h00 ngày 05/12/2025")
    assert at_five.due_time == time(17, 0) and at_five.reading == "hạn 17:00 ngày 05/12/2025"
    assert parse_due_text("trước 8 giờ 30 ngày 05/12/2025").due_time == time(8, 30)
    assert "khoản 2 Điều 146 Bộ luật Dân sự 2015" in parse_due_text("Cuối tháng 12/2025").reading
    assert "khoản 3 Điều 146 Bộ luật Dân sự 2015" in parse_due_text("Cuối năm 2025").reading
    assert parse_due_text("Trước Tết Nguyên đán Bính Ngọ", 2025).reading == \
        "trước Tết Nguyên đán Bính Ngọ (mùng 1 Tết là 17/02/2026), nên ngày cuối cùng là 16/02/2026"
    assert parse_due_text("Trước Tết", 2025).last_day == date(2026, 2, 16)  # the Tết after the evaluated year
    assert parse_due_text("Tuần đầu tháng 01/2026").rolls_back  # due the week's last working day


@pytest.mark.parametrize(("text", "said"), [
    ("05/12/2025 (thứ Năm)", "05/12/2025 là thứ sáu, không phải thứ năm"),
    ("Trước Tết", "which Tết?"),
    ("Trước Tết Nguyên đán Bính Sửu", "is not the can chi of a year"),  # Bính never goes with Sửu
    ("Trước 25h00 ngày 05/12/2025", "impossible"),
])
def test_a_wrong_weekday_or_an_unknown_tet_is_refused_saying_why(text, said):
    with pytest.raises(DueTextError) as refused:
        parse_due_text(text)
    assert said in str(refused.value)


def test_decomposed_vietnamese_is_read_like_composed():
    decomposed = "Tru\u031bo\u031b\u0301c nga\u0300y 10/02/2024"
    assert parse_due_text(decomposed).last_day == date(2024, 2, 9)


def test_before_says_how_it_was_read():
    assert parse_due_text("Trước ngày 10/02/2024").reading == \
        "hạn trước ngày 10/02/2024, nên ngày cuối cùng là 09/02/2024"


@pytest.mark.parametrize("text", ["sometime soon", "31/02/2024", "Tháng 13/2023", "Tháng 12 - 10/2023",
                                  "30-11-2023", "Từ 15/11/2023 đến 01/10/2023"])
def test_unreadable_due_texts_are_refused_with_the_text(text):
    with pytest.raises(DueTextError) as refused:
        parse_due_text(text)
    assert repr(text) in str(refused.value)


@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_every_form_of_the_table_reads_its_own_example_and_no_other_form_does(form):
    spec = parse_due_text(form.example, 2025)  # the plan's year: which Bính Ngọ the Tết form names
    matching = [other.name for other in FORMS if other.pattern.match(spec.text.lower().strip())]
    assert matching[0] == form.name and spec.kind is not DueKind.NONE


def test_an_unknown_text_is_refused_listing_every_form_plans_use():
    with pytest.raises(DueTextError) as refused:
        parse_due_text("Cuối năm")
    assert all(form.example in str(refused.value) for form in FORMS)


def test_a_can_chi_without_the_plans_year_is_refused_never_read_against_todays_date():
    with pytest.raises(DueTextError) as refused:
        parse_due_text("Trước Tết Nguyên đán Bính Ngọ")
    assert "the plan's year is not known" in str(refused.value)
    assert parse_due_text("Trước Tết Nguyên đán 2026").last_day == date(2026, 2, 16)
