"""Vietnam's public holidays from the `holidays` package without loading its 250 other countries: the package's
`countries` folder imports every country as soon as one is asked for (0.2 s at each start of a command, a tick
or the portal). Its vietnam.py is loaded on its own, from the file the installed package ships; this relies on
that file's place, so tests/pinned/test_private_apis.py fails loudly when a new `holidays` moves it."""

from __future__ import annotations

import importlib.util
import sys
import threading
from datetime import date
from pathlib import Path
from typing import Any

import holidays

MODULE = "parindex_holidays_vietnam"


_loading = threading.Lock()


def vietnam_holidays(language: str) -> Any:
    """holidays.Vietnam(language=…), its class read from countries/vietnam.py alone, once per process. The module
    is published only once it has run: the portal's threads ask at once on deadline day, and one that found a
    half-run module in sys.modules failed (`no attribute 'Vietnam'`, a 500)."""
    module = sys.modules.get(MODULE)
    if module is None:
        with _loading:
            module = sys.modules.get(MODULE)
            if module is None:
                path = Path(holidays.__file__).parent / "countries" / "vietnam.py"
                spec = importlib.util.spec_from_file_location(MODULE, path)
                if spec is None or spec.loader is None:  # pragma: no cover  # a holidays without the file
                    return holidays.Vietnam(language=language)  # type: ignore[no-untyped-call]  # untyped package
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                sys.modules[MODULE] = module
    return module.Vietnam(language=language)


def tet_day(year: int) -> date:
    """The first day of the Vietnamese lunar year that begins in `year` (Tết Nguyên đán: 10/02/2024, 29/01/2025,
    17/02/2026), from the package's lunisolar tables for Vietnam (UTC+7), which its Vietnam calendar uses."""
    from holidays.calendars.chinese import VIETNAMESE_CALENDAR, _ChineseLunisolar

    day, _ = _ChineseLunisolar(VIETNAMESE_CALENDAR).lunar_new_year_date(year)
    if day is None:  # pragma: no cover  # outside the package's tables (1901-2099)
        raise ValueError(f"no lunar calendar for {year}")
    return day
