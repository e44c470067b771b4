"""Rendering many recipients at once gives each the message `render` would; iCalendar lines fold on octets."""

import random
from datetime import UTC, datetime

import pytest

from notifications.ics import fold
from notifications.render import render, render_each

HOSTILE_NAMES = ["Sở Tư pháp", "<b>A & B</b> \"quoted\" 'single'", "Line\r\nBcc: evil@example.com",
                 "{{ recipient_name }}", "\ue000 marker-like \ue000recipient_name\ue000", "UBND huyện Ba Vì — 100%"]

pytestmark = pytest.mark.one_pass  # rendering and SMTP: no database


@pytest.mark.parametrize("kind", ["reminder", "overdue", "escalation"])
@pytest.mark.parametrize("language", ["vi", "en"])
def test_each_recipient_gets_what_render_gives_them(kind, language):
    shared = {"lang": language, "title": "Tự đánh giá", "cycle_title": "Chỉ số CCHC 2023", "coordinator_name": "Sở Nội vụ",
              "plan_document": "KH 123/KH-UBND", "task_number": 5, "task_title": "Tự đánh giá, chấm điểm <ngay>",
              "task_product": "Báo cáo & biểu mẫu", "deadline_end": datetime(2023, 11, 30, 10, tzinfo=UTC),
              "moved_because": "Nghỉ lễ", "missing": ["Báo cáo"], "days_overdue": 3, "portal_link": True,
              "department": "Sở Nội vụ", "coordinator_email": "cchc@x.example"}
    personal = [{"recipient_name": name, "unit_name": name[::-1], "status_url": f"https://x.example/s?u={i}&v=<1>"}
                for i, name in enumerate(HOSTILE_NAMES)]
    each = render_each(kind, shared, personal, language=language, ics=[f"ics{i}" for i in range(len(personal))])
    for index, values in enumerate(personal):
        alone = render(kind, {**shared, **values}, language=language, ics=f"ics{index}")
        assert each[index] == alone
    if kind in ("reminder", "overdue", "escalation"):  # a body with no page is told where to send instead
        without = render_each(kind, {**shared, "portal_link": False}, personal[:1], language=language, ics=["x"])[0]
        assert "x.example/s?u=0" not in without.text and "cchc@x.example" in without.text
        assert "x.example/s?u=0" not in without.html and "cchc@x.example" in without.html
    assert "&lt;b&gt;A &amp; B&lt;/b&gt;" in each[1].html and "<b>A & B</b>" in each[1].text
    assert "\n" not in each[2].subject and "\r" not in each[2].subject


def reference_fold(line: str, limit: int = 75) -> str:
    """RFC 5545 folding one character at a time: the obvious version, to check the fast one against."""
    if len(line.encode("utf-8")) <= limit:
        return line
    parts, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def test_folding_cuts_on_octets_between_characters():
    rng = random.Random(7)
    alphabet = "aZ09 ;,\\Hạn chót nộp báo cáo tự đánh giá—Ở€😀"
    for length in [0, 1, 74, 75, 76, 150, 400] + [rng.randrange(1, 600) for _ in range(300)]:
        line = "".join(rng.choice(alphabet) for _ in range(length))
        folded = fold(line)
        assert folded == reference_fold(line)
        physical = folded.split("\r\n")
        assert all(len(part.encode("utf-8")) <= 75 for part in physical)
        assert "".join([physical[0], *(part[1:] for part in physical[1:])]) == line
