"""Due texts as plans write them."""

from datetime import date

import pytest

from models.due_text import DueKind, DueTextError, parse_due_text


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
    ("", DueKind.NONE, None, None),
])
def test_each_form_is_read(text, kind, opens_on, last_day):
    spec = parse_due_text(text)
    assert (spec.kind, spec.opens_on, spec.last_day) == (kind, opens_on, last_day)
    assert spec.text == text


def test_decomposed_vietnamese_is_read_like_composed():
    decomposed = "Tru\u031bo\u031b\u0301c nga\u0300y 10/02/2024"
    assert parse_due_text(decomposed).last_day == date(2024, 2, 9)


def test_before_says_how_it_was_read():
    assert parse_due_text("Trước ngày 10/02/2024").reading == "due before 10/02/2024, so the last day is 09/02/2024"


@pytest.mark.parametrize("text", ["sometime soon", "31/02/2024", "Tháng 13/2023", "Tháng 12 - 10/2023",
                                  "30-11-2023", "Từ 15/11/2023 đến 01/10/2023"])
def test_unreadable_due_texts_are_refused_with_the_text(text):
    with pytest.raises(DueTextError) as refused:
        parse_due_text(text)
    assert repr(text) in str(refused.value)
