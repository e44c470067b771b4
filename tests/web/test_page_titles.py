"""Every page says what it is: one <h1>, and a <title> of its own that begins with it (a screen reader's user,
or a clerk with ten tabs open, tells them apart)."""

from __future__ import annotations

import re
from html import unescape

from tests.web.conftest import PortalWorld
from tests.web.test_authorisation import sign_in_staff, sign_in_unit


def _heading_and_title(html: str) -> tuple[str, str]:
    headings = re.findall(r"<h1[^>]*>(.*?)</h1>", html, flags=re.S)
    assert len(headings) == 1, headings
    title = re.search(r"<title>(.*?)</title>", html, flags=re.S).group(1)
    return unescape(re.sub(r"<[^>]+>", "", headings[0])).strip(), unescape(title).strip()


def test_each_page_has_one_heading_and_its_own_title(client, world: PortalWorld) -> None:
    titles = {path: _heading_and_title(client.get(path).text) for path in ("/", "/staff/login", "/nowhere")}
    sign_in_unit(client, world, "SNV")
    for path in ("/unit", "/unit/evidence", "/unit/draft", "/unit/result"):
        titles[path] = _heading_and_title(client.get(path).text)
    home = client.get("/unit").text
    task_page = re.search(r'href="(/unit/tasks/\d+)"', home).group(1)
    titles[task_page] = _heading_and_title(client.get(task_page).text)
    client.cookies.clear()
    sign_in_staff(client, "auditor")
    for path in ("/staff", f"/staff/{world.cycle_id}", f"/staff/{world.cycle_id}/outbox",
                 f"/staff/{world.cycle_id}/units/SNV"):
        titles[path] = _heading_and_title(client.get(path).text)
    for path, (heading, title) in titles.items():
        assert heading and title.startswith(heading), (path, heading, title)
    assert len({title for _, title in titles.values()}) == len(titles), titles
