"""The survey online in Debian's chromium on a 375 px phone: a resident answers a commune's questionnaire page by
page by tapping the answers, and the survey's page, watched by the coordinator, counts the response; axe-core
finds nothing on any of these pages, none scrolls sideways, none holds a line of English."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.web.conftest import PortalWorld
from tests.web.test_accessibility import problems
from tests.web.test_survey_online import token_of
from tests.web.test_unit_in_browser import staff_page

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("world", ["haiphong-2025"], indirect=True),
              pytest.mark.usefixtures("surveying")]
PHONE = {"width": 375, "height": 812}


def counted(page, unit: str, group: int) -> int:  # type: ignore[no-untyped-def]
    cell = page.locator(f'tr[data-unit="{unit}"][data-group="{group}"] td').nth(2)
    return int(cell.inner_text().split()[0])


def test_a_resident_answers_on_a_phone_and_the_survey_page_counts_it(world: PortalWorld, served: str,
                                                                     browser) -> None:  # type: ignore[no-untyped-def]
    found: dict[str, list[str]] = {}
    staff = staff_page(browser, served, "coordinator1")
    staff.set_viewport_size(PHONE)
    staff.goto(f"{served}/staff/{world.cycle_id}/survey")
    found["survey page"] = problems(staff)
    before = counted(staff, "X-ANLAO", 4)

    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(f"{served}/khao-sat/{token_of(world, 'X-ANLAO', 4)}")
    found["opening page"] = problems(phone)
    assert "UBND xã An Lão" in phone.inner_text("main") and "Người dân" in phone.inner_text("main")
    phone.click("#start")
    started = world.at
    pages = 0
    while True:
        pages += 1
        assert re.search(rf"Trang {pages}/\d+", phone.inner_text("main"))
        if pages == 1:
            found["a page of questions"] = problems(phone)
        for question in phone.locator("fieldset.question").all():
            question.locator("label").nth(1).click()  # "Tốt / Hài lòng", tapped on its words
        if phone.locator("#send").count():
            world.at = started + timedelta(minutes=4)  # a resident takes minutes, not seconds
            phone.click("#send")
            break
        phone.click("button[value=next]")
    assert "Ông/Bà đã gửi phiếu" in phone.inner_text("#thanks")
    found["thanks"] = problems(phone)

    staff.reload()
    assert counted(staff, "X-ANLAO", 4) == before + 1  # the quota moves
    # the notice the unit prints from its survey mail: the invitation, the QR code drawn, the link
    phone.goto(f"{served}/khao-sat/{token_of(world, 'X-ANLAO', 4)}/thong-bao")
    found["notice"] = problems(phone)
    assert phone.locator("#notice img").evaluate("image => image.naturalWidth") > 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert {name: issues for name, issues in found.items() if issues} == {}
