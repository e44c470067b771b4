"""An iCalendar (RFC 5545) event for a deadline, so a reminder lands in Outlook or Google Calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event


def deadline_event(*, uid: str, title: str, last_day: date, due_at: datetime, description: str,
                   stamp: datetime) -> str:
    """A one-day event on the deadline's last day, ending when the deadline passes."""
    calendar = Calendar()
    calendar.add("prodid", "-//parindex//PAR Index deadlines//VI")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("summary", title)
    event.add("dtstart", last_day)
    event.add("dtend", last_day + timedelta(days=1))
    event.add("description", description)
    event.add("x-parindex-due", due_at.isoformat())
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
