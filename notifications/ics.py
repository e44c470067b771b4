"""An iCalendar (RFC 5545) event for a deadline, so a reminder lands in Outlook or Google Calendar.

Written directly (escaping and 75-octet folding as RFC 5545 §3.1 and §3.3.11 say): a national season
attaches tens of thousands of these, and building each through a generic library cost more than sending it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

PRODID = "-//parindex//PAR Index deadlines//VI"


def deadline_event(*, uid: str, sequence: int, title: str, last_day: date, due_at: datetime, description: str,
                   url: str, stamp: datetime) -> str:
    """A one-day event on the deadline's last day, with an alarm a day before the deadline passes.

    One UID per assignment deadline: every reminder of it, and the notice of an extension, carries the same
    entry, so a calendar updates it instead of adding another; SEQUENCE counts the extensions, so the
    moved entry replaces the old one (RFC 5546 §2.1.4)."""
    lines = [
        "BEGIN:VCALENDAR", f"PRODID:{PRODID}", "VERSION:2.0", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:{escape_text(uid)}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"SUMMARY:{escape_text(title)}",
        f"DTSTART;VALUE=DATE:{last_day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{last_day + timedelta(days=1):%Y%m%d}",
        "TRANSP:TRANSPARENT",
        f"DESCRIPTION:{escape_text(description)}",
        *([f"URL:{escape_text(url)}"] if url else []),
        f"X-PARINDEX-DUE:{escape_text(due_at.isoformat())}",
        # the day before the last day, at 08:00 in the reader's own time (an all-day entry is floating)
        "BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{escape_text(title)}", "TRIGGER:-PT16H", "END:VALARM",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)


def escape_text(value: str) -> str:
    """TEXT values: backslash, semicolon and comma escaped, line breaks as \\n."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str, limit: int = 75) -> str:
    """Lines longer than 75 octets continue on the next line after CRLF and a space, never inside a
    UTF-8 character."""
    data = line.encode("utf-8")
    if len(data) <= limit:
        return line
    parts, start = [], 0
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character instead
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # continuation lines start with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8")
