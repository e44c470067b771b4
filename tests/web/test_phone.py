"""The portal on a 375 px phone (Debian's chromium): no page scrolls sideways; a wide table scrolls inside its
own box instead. Walked as a unit (home, task, evidence, draft, result) and as staff (cycles, matrix, outbox, a
unit's history), and the public pages."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import PortalWorld
from tests.web.test_unit_in_browser import sign_in_from_mail

pytestmark = [pytest.mark.browser]
PHONE = {"width": 375, "height": 812}


def overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How many pixels the page is wider than the screen (0: no sideways scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_no_page_scrolls_sideways_on_a_phone(browser, served: str, world: PortalWorld) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_unit_in_browser import staff_page

    page = browser.new_context(viewport=PHONE).new_page()
    wide = {}
    for path in ("/", "/staff/login"):
        page.goto(served + path)
        wide[path] = overflow(page)
    sign_in_from_mail(page, world, "SNV")
    page.goto(f"{served}/unit")
    task = re.search(r'href="(/unit/tasks/\d+)"', page.content()).group(1)
    for path in ("/unit", task, "/unit/evidence", "/unit/draft", "/unit/result"):
        page.goto(served + path)
        wide[path] = overflow(page)
    staff = staff_page(browser, served, "coordinator1")
    staff.set_viewport_size(PHONE)
    for path in ("/staff", f"/staff/{world.cycle_id}", f"/staff/{world.cycle_id}/outbox",
                 f"/staff/{world.cycle_id}/units/SNV"):
        staff.goto(served + path)
        wide[path] = overflow(staff)
    assert {path: px for path, px in wide.items() if px > 0} == {}
