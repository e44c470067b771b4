"""Simulated respondents answering through the portal's own pages, in this process (no browser, no socket):
`parindex demo` hands this to the season's replay, so the survey online is answered as people answer it — the
opening page, the official's code, one page of questions after another, the send — on the replay's clock."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import quote

from sqlalchemy import Engine

from models.settings import Settings
from tasks.simulation.respondents import Respondent
from web.app import create_app

with warnings.catch_warnings():  # starlette's note to its own tests about httpx: not a reader's business
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class PageAnswering:
    """Each respondent on a device of their own (a fresh cookie jar), the portal's clock at their own instants."""

    def __init__(self, settings: Settings, engine: Engine) -> None:
        self.now = datetime.now(UTC)
        self.app = create_app(settings, engine, clock=lambda: self.now)
        self.base_url = settings.public_url.rstrip("/")

    def __call__(self, respondents: list[Respondent]) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        with TestClient(self.app, base_url=self.base_url, follow_redirects=False) as device:
            for person in respondents:
                device.cookies.clear()
                outcomes[self._answer(device, person)] += 1
        return outcomes

    def _answer(self, device: TestClient, person: Respondent) -> str:
        here = f"/khao-sat/{quote(person.token)}"
        self.now = person.started
        opening = device.get(here)
        found = CSRF.search(opening.text)
        if opening.status_code != 200 or found is None:
            return "not_offered"  # closed, full, or not open
        csrf = found.group(1)
        started = device.post(here, data={"csrf": csrf, "action": "start", "code": person.code})
        if started.status_code != 303:
            return "refused"
        pages = len(person.pages)
        for number, answers in enumerate(person.pages, start=1):
            last = number == pages
            self.now = person.sent if last else person.started + (person.sent - person.started) * number / pages
            sent = device.post(here, data={"csrf": csrf, "page": str(number), "move": "send" if last else "next",
                                           **{f"a_{code}": answer for code, answer in answers.items()}})
            if sent.status_code != 303:
                return "refused"
        return "sent"
