"""An iCalendar (RFC 5545) event for a deadline, so a reminder lands in Outlook or Google Calendar.

Written directly (escaping and 75-octet folding as RFC 5545 §3.1 and §3.3.11 say): a national season
attaches tens of thousands of these, and building each through a generic library cost more than sending it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

PRODID = "-//parindex//PAR Index deadlines//VI"


def deadline_event(*, uid: str, title: str, last_day: date, due_at: datetime, description: str,
                   stamp: datetime) -> str:
    """A one-day event on the deadline's last day, ending when the deadline passes."""
    lines = [
        "BEGIN:VCALENDAR", f"PRODID:{PRODID}", "VERSION:2.0", "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"SUMMARY:{escape_text(title)}",
        f"DTSTART;VALUE=DATE:{last_day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{last_day + timedelta(days=1):%Y%m%d}",
        f"DTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        f"UID:{escape_text(uid)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"X-PARINDEX-DUE:{escape_text(due_at.isoformat())}",
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
    if len(line.encode("utf-8")) <= limit:
        return line
    parts, current, size = [], [], 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # continuation lines start with a space
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)
