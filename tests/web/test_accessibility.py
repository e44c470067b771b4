"""Every portal page, in Debian's chromium at 1366 px and on a 375 px phone, checked by axe-core (bundled in
axe-playwright-python: nothing downloads): zero violations of any impact, no page scrolls sideways, and no line
of English on a Vietnamese page (tests/english.py). Walked
in a season's real states: a unit explaining its draft (with an error summary), evidence attached, and the
staff's matrix, outbox, a message, a unit, its evidence and a re-run's confirmation, as an operator."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.english import english_lines
from tests.web.conftest import PortalWorld
from tests.web.test_phone import overflow
from tests.web.test_unit_in_browser import PDF, send_a_draft, sign_in_from_mail, staff_page

pytestmark = [pytest.mark.browser]
SCREENS = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 375, "height": 812}}
AXE = Axe()


def problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's violations on the page, one line each (rule, impact, the first element), and sideways scroll."""
    found = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']} — {v['help']}"
             for v in AXE.run(page).response["violations"]]
    if overflow(page) > 0:
        found.append(f"scrolls sideways by {overflow(page)} px")
    found += [f"English: {line}" for line in english_lines(page.inner_text("body"))]
    return found


@pytest.mark.parametrize("world", ["hcmc-2021"], indirect=True)
@pytest.mark.parametrize("screen", SCREENS)
def test_every_page_passes_axe_core(world: PortalWorld, served: str, browser, screen: str) -> None:  # type: ignore[no-untyped-def]
    lowered = send_a_draft(world, "SNV")
    world.deliver()
    page = browser.new_context(viewport=SCREENS[screen]).new_page()
    found: dict[str, list[str]] = {}
    for path in ("/", "/staff/login"):
        page.goto(served + path)
        found[path] = problems(page)
    sign_in_from_mail(page, world, "SNV", kind="draft")
    page.goto(f"{served}/unit/evidence")
    page.set_input_files("#evidence-form input[type=file]", files=[
        {"name": "ke-hoach.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#evidence-form button")
    page.goto(f"{served}/unit")
    task = re.search(r'href="(/unit/tasks/\d+)"', page.content()).group(1)
    for path in ("/unit", task, "/unit/evidence", "/unit/draft", "/unit/result"):
        page.goto(served + path)
        found[path] = problems(page)
    assert page.url.endswith("/unit/result"), page.url
    page.goto(f"{served}/unit/draft")
    page.goto(f"{served}/unit")  # a broken explanations file: refused, every problem in Vietnamese
    broken = (f"Chu kỳ,Mã đơn vị,Mã tiêu chí,Giải trình,Điểm\n{world.cycle_id},SNV,9.9.9,Lý do,1\n"
              f"{world.cycle_id},SNV,{lowered},Lý do,abc\n{world.cycle_id},SNV,{lowered},,99\n")
    page.set_input_files("#upload-explanation input[type=file]", files=[
        {"name": "giai-trinh.csv", "mimeType": "text/csv", "buffer": broken.encode("utf-8")}])
    page.click("#upload-explanation button")
    assert page.locator("#refused").is_visible() and page.locator("#problems tbody tr").count() >= 2
    found["refused upload"] = problems(page)
    page.goto(f"{served}/unit/draft")
    page.locator("#draft input").first.fill("99")  # out of range: the page answers with its error summary
    page.click("#send-explanations")
    assert page.locator("#error-summary").is_visible()
    found["/unit/draft (refused)"] = problems(page)

    staff = staff_page(browser, served, "operator1")
    staff.set_viewport_size(SCREENS[screen])
    cycle = world.cycle_id
    staff.goto(f"{served}/staff/{cycle}/outbox")
    message = staff.locator("#outbox a").first.get_attribute("href")
    for path in ("/staff", f"/staff/{cycle}", f"/staff/{cycle}/outbox", message, f"/staff/{cycle}/units/SNV",
                 f"/staff/{cycle}/units/SNV/evidence"):
        staff.goto(served + path)
        found[path] = problems(staff)
    staff.goto(f"{served}/staff/{cycle}/units/SNV")
    staff.fill("#rerun-form input[name=reason]", "Đơn vị gửi nhầm biểu mẫu")
    staff.click("#rerun-form button")
    assert staff.locator("#rerun-confirm").is_visible()
    found["rerun confirmation"] = problems(staff)
    assert {path: lines for path, lines in found.items() if lines} == {}


@pytest.mark.parametrize("world", ["hcmc-2021"], indirect=True)
def test_a_unit_explains_with_the_keyboard_alone(world: PortalWorld, served: str, page) -> None:  # type: ignore[no-untyped-def]
    """The skip link comes first; the link to the send button skips the lines; a box is typed into and the form
    sent from the keyboard."""
    lowered = send_a_draft(world, "SNV")
    world.deliver()
    sign_in_from_mail(page, world, "SNV", kind="draft")
    page.goto(f"{served}/unit/draft")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.focus(".skip-inline")
    page.keyboard.press("Enter")  # to the send button, past every line
    assert page.url.endswith("#send-explanations")
    page.focus(f"textarea[name='explain:{lowered}']")
    page.keyboard.type("Đã ban hành kế hoạch 12/KH-SNV.")
    page.keyboard.press("Tab")  # the box's points, next
    assert page.evaluate("document.activeElement.name") == f"points:{lowered}"
    page.keyboard.type("1")
    page.keyboard.press("Enter")  # sends the form
    page.wait_for_selector("#accepted")
