"""The hand-written MIME reads back, with the email package's strictest policy, as what was written."""

import base64
import email
import random
from email import policy

import pytest

from notifications.mime import Part, encoded_words, header_line, message_bytes

SUBJECT = "[Chỉ số CCHC] Nhắc hạn: Tự đánh giá, chấm điểm — hạn 30/11/2023 " * 3
HEADERS = [("From", "parindex <cchc@example.vn>"), ("To", "snv@example.vn"), ("Cc", "a@example.vn, b@example.vn"),
           ("Subject", SUBJECT), ("Message-ID", "<parindex.1@example.vn>")]

pytestmark = pytest.mark.one_pass  # rendering and SMTP: no database


def parse(payload: bytes):
    return email.message_from_bytes(payload, policy=policy.default)


def test_text_html_and_a_calendar_read_back_without_defects():
    boundary = "=_parindex_abc"
    text = "Kính gửi Sở Nội vụ,\n\n--=_parindex_abc_a\nmột dòng giống ranh giới\n" + "dài " * 400
    mail = parse(message_bytes(HEADERS, [Part("plain", text), Part("html", "<p>Kính gửi</p>")],
                               [Part("calendar", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", params='; method="PUBLISH"',
                                     extra_headers=('Content-Disposition: attachment; filename="han-chot.ics"',))],
                               boundary))
    assert mail.get_content_type() == "multipart/mixed"
    assert [part.get_content_type() for part in mail.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar"]
    assert all(not part.defects for part in mail.walk())
    assert mail["Subject"] == SUBJECT and mail["Cc"] == "a@example.vn, b@example.vn"
    assert mail.get_body(("plain",)).get_content() == text
    assert mail.get_body(("html",)).get_content() == "<p>Kính gửi</p>"
    calendar = next(part for part in mail.walk() if part.get_content_type() == "text/calendar")
    assert calendar.get_filename() == "han-chot.ics" and calendar.get_param("method") == "PUBLISH"
    assert all(len(line) <= 998 for line in message_bytes(HEADERS, [Part("plain", text)], [], boundary).split(b"\r\n"))


def test_without_attachments_the_message_is_the_alternative_itself():
    mail = parse(message_bytes(HEADERS[:2], [Part("plain", "")], [], "=_parindex_x"))
    assert mail.get_content_type() == "multipart/alternative"
    assert mail.get_body(("plain",)).get_content() == "" and not mail.defects


def test_headers_are_folded_within_78_columns_and_keep_every_space_of_a_vietnamese_subject():
    line = header_line("Subject", SUBJECT)
    assert line.endswith(b"\r\n") and len(line.split(b"\r\n")) > 3  # folded, over several lines
    assert all(len(physical) <= 78 for physical in line.split(b"\r\n"))
    assert str(parse(line + b"\r\n")["Subject"]) == SUBJECT
    for text in ("Khối Sở  —  hai  dấu cách ", " đầu", "cuối ", "ờ" * 100):
        assert str(parse(header_line("Subject", text) + b"\r\n")["Subject"]) == text
    cc = ", ".join(f"unit{n}@so-noi-vu.hanoi.gov.vn" for n in range(12))
    folded = header_line("Cc", cc)
    assert all(len(physical) <= 78 for physical in folded.split(b"\r\n")) and parse(folded + b"\r\n")["Cc"] == cc
    assert encoded_words("plain ascii") == ["plain ascii"]


def test_encoded_words_round_trip_any_text():
    rng = random.Random(11)
    alphabet = "a Z;:=?_\u1edd\u1eadđ—€😀\t"
    for length in [1, 44, 45, 46, 90, 200] + [rng.randrange(1, 300) for _ in range(200)]:
        text = "".join(rng.choice(alphabet) for _ in range(length)) + "ờ"
        words = encoded_words(text)
        assert all(len(word) <= 75 for word in words)
        assert str(parse(header_line("Subject", text) + b"\r\n")["Subject"]) == text
        assert b"".join(base64.b64decode(word[10:-2]) for word in words).decode("utf-8") == text
