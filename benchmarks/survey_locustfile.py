"""The survey online under load, for Locust (run by benchmarks/survey_day.py, headless, on loopback).

Respondents, each once: open their link, start (an official with the code on their invitation), answer every page,
send. The links and codes come from the folder SURVEY_DAY_WORK names; each response the portal thanked is written
to thanked.jsonl there, for the check after the run (nothing lost, quotas exact)."""

from __future__ import annotations

import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, constant_throughput, events, task

WORK = Path(os.environ.get("SURVEY_DAY_WORK", "."))
# Respondents arriving per second over all users (the hour's rate, or a multiple of it); 0: as fast as they can.
RATE = float(os.environ.get("SURVEY_DAY_RATE", "0"))
USERS = max(1, int(os.environ.get("SURVEY_DAY_USERS", "1")))
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PAGE = re.compile(r'name="page" value="(\d+)"')
QUESTION = re.compile(r'name="a_([\d.]+)"')
ANSWERS = ("A", "B", "B", "C", "D")
_respondents: list[dict] = []
_thanked = None


@events.test_start.add_listener
def _load(environment, **_) -> None:  # type: ignore[no-untyped-def]
    global _thanked
    _respondents.extend(json.loads(line) for line in (WORK / "respondents.jsonl").read_text().splitlines())
    _respondents.reverse()  # popped from the end: in the file's order
    _thanked = (WORK / "thanked.jsonl").open("a", encoding="utf-8")


@events.test_stop.add_listener
def _close(environment, **_) -> None:  # type: ignore[no-untyped-def]
    if _thanked is not None:
        _thanked.close()


def _csrf(text: str) -> str:
    found = CSRF.search(text)
    return found.group(1) if found else ""


class Respondent(HttpUser):
    """A respondent on a phone, from a link (a QR code, a unit's notice, an invitation with a code)."""

    wait_time = constant_throughput(RATE / USERS) if RATE else between(0.1, 0.5)

    @task
    def answer_the_questionnaire(self) -> None:
        if not _respondents:
            self.wait()
            return
        who = _respondents.pop()
        self.client.cookies.clear()  # a respondent on a device of their own: no cookie, a connection of its own
        self.client.close()  # (reusing one the portal closes as idle, after 5 s, would race its close)
        link = f"/khao-sat/{who['token']}"
        intro = self.client.get(link, name="/khao-sat/[link]")
        if "Bắt đầu trả lời" not in intro.text:
            return  # the quota is met: the page says so, nothing to answer
        page = self.client.post(link, data={"csrf": _csrf(intro.text), "action": "start", "code": who.get("code", "")},
                                name="/khao-sat/[link] start")
        for _ in range(20):
            number = PAGE.search(page.text)
            if number is None:
                return
            last = 'value="send"' in page.text
            answers = {f"a_{code}": random.choice(ANSWERS) for code in set(QUESTION.findall(page.text))}
            page = self.client.post(link, data={"csrf": _csrf(page.text), "page": number.group(1),
                                                "move": "send" if last else "next", **answers},
                                    name="/khao-sat/[link] send" if last else "/khao-sat/[link] page")
            if last:
                if 'id="thanks"' in page.text and _thanked is not None:
                    _thanked.write(json.dumps({"token": who["token"]}) + "\n")
                    _thanked.flush()
                return
