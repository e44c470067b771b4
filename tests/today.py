"""A season running now: hanoi-2023 moved by whole weeks so that its self-assessment deadline falls a week or two
after today (the real date, read when the test runs). Weekdays stay as the plan had them; holidays fall where
the real calendar puts them, so every date a test expects is computed by parindex, never written here."""

from __future__ import annotations

import calendar
import re
import shutil
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HANOI = ROOT / "calendar" / "hanoi-2023"
SELF_ASSESSMENT_DUE = date(2023, 11, 30)  # task 5 of KH 243
DAYS_LEFT = 8  # the self-assessment deadline this many days after today, or up to a week more
# A day (dd/mm/yyyy), or a month or months ("Tháng 10/2023", "Tháng 10 - 12/2023"), as the plan writes them.
DATES = re.compile(r"\b(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>\d{4})\b"
                   r"|Tháng (?P<first>\d{1,2})(?: - (?P<last>\d{1,2}))?/(?P<year>\d{4})")


def shift_for(today: date, days_left: int = DAYS_LEFT) -> timedelta:
    """Whole weeks that move 30/11/2023 to between today + days_left and a week later (negative: passed)."""
    weeks = -(-(today + timedelta(days=days_left) - SELF_ASSESSMENT_DUE).days // 7)
    return timedelta(weeks=weeks)


def season_around(today: date, target: Path, *, cycle_id: str = "hanoi-now", days_left: int = DAYS_LEFT) -> Path:
    """Write calendar/hanoi-2023 moved to `today`'s season into target/<cycle_id>; returns the folder."""
    shift = shift_for(today, days_left)
    folder = target / cycle_id
    shutil.copytree(HANOI, folder)

    def moved(day: date) -> str:
        return f"{day + shift:%d/%m/%Y}"

    def dates(match: re.Match[str]) -> str:
        if match["d"]:
            return moved(date(int(match["y"]), int(match["m"]), int(match["d"])))
        month, year = int(match["last"] or match["first"]), int(match["year"])  # by the end of its last month
        return moved(date(year, month, calendar.monthrange(year, month)[1]))

    for name in ("cycle.toml", "plan.toml"):
        path = folder / name
        text = DATES.sub(dates, path.read_text(encoding="utf-8"))
        path.write_text(text.replace('id = "hanoi-2023"', f'id = "{cycle_id}"'), encoding="utf-8")
    (folder / "overrides.toml").write_text("# no swapped days in a generated season\n", encoding="utf-8")
    return folder


def self_assessment_due(today: date, days_left: int = DAYS_LEFT) -> date:
    return SELF_ASSESSMENT_DUE + shift_for(today, days_left)
