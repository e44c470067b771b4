"""Deadline day on the portal, for Locust (run by benchmarks/deadline_day.py, headless, on loopback).

Units, each once: open the sign-in link of its mail, confirm, read its page, download its prefilled form, upload a
valid self-assessment, attach two evidence files, look at its page again. Coordinators meanwhile refresh the
matrix and the outbox. The units' links, forms and evidence come from the folder DEADLINE_DAY_WORK names; each
accepted upload is written to accepted.jsonl there, for the check after the run."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from locust import HttpUser, between, events, task

WORK = Path(os.environ.get("DEADLINE_DAY_WORK", "."))
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_units: list[dict] = []
_accepted = None


@events.test_start.add_listener
def _load(environment, **_) -> None:  # type: ignore[no-untyped-def]
    global _accepted
    _units.extend(json.loads(line) for line in (WORK / "units.jsonl").read_text(encoding="utf-8").splitlines())
    _units.reverse()  # popped from the end: in the file's order
    _accepted = (WORK / "accepted.jsonl").open("a", encoding="utf-8")


@events.test_stop.add_listener
def _close(environment, **_) -> None:  # type: ignore[no-untyped-def]
    if _accepted is not None:
        _accepted.close()


def _csrf(text: str) -> str:
    found = CSRF.search(text)
    return found.group(1) if found else ""


class Unit(HttpUser):
    """A unit on deadline day, coming from its mail's link."""

    weight = 20
    wait_time = between(0.2, 1.0)

    @task
    def submit_the_self_assessment(self) -> None:
        if not _units:
            self.wait()
            return
        unit = _units.pop()
        self.client.cookies.clear()
        confirm = self.client.get(f"/signin/{unit['token']}", name="/signin/[token]")
        opened = self.client.post("/signin", data={"csrf": _csrf(confirm.text)}, name="/signin",
                                  allow_redirects=False)
        if opened.status_code != 303:
            return
        home = self.client.get("/unit", name="/unit")
        csrf = _csrf(home.text)
        self.client.get("/unit/form/self-assessment", name="/unit/form/[kind]")
        form = (WORK / "forms" / f"{unit['code']}.csv").read_bytes()
        with self.client.post("/unit/upload/self-assessment", data={"csrf": csrf},
                              files={"file": (f"{unit['code']}.csv", form, "text/csv")},
                              name="/unit/upload/[kind]", catch_response=True) as upload:
            if upload.status_code == 200 and 'id="accepted"' in upload.text:
                upload.success()
                _accepted.write(json.dumps({"code": unit["code"]}) + "\n")  # type: ignore[union-attr]
                _accepted.flush()  # type: ignore[union-attr]
            else:
                upload.failure(f"not accepted: {upload.status_code}")
        evidence = [("files", (f"{unit['code']}-{n}.pdf", (WORK / "evidence.pdf").read_bytes() + bytes([n]),
                               "application/pdf")) for n in range(2)]
        self.client.post("/unit/evidence", data={"csrf": csrf, "criterion": unit["criterion"]}, files=evidence,
                         name="/unit/evidence")
        self.client.get("/unit", name="/unit")


class Coordinator(HttpUser):
    """Sở Nội vụ's coordinator, watching the matrix and the outbox fill."""

    weight = 1
    fixed_count = 2
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        settings = json.loads((WORK / "run.json").read_text(encoding="utf-8"))
        self.cycle = settings["cycle"]
        page = self.client.get("/staff/login", name="/staff/login")
        self.client.post("/staff/login", data={"csrf": _csrf(page.text), "username": settings["username"],
                                               "password": settings["password"]}, name="/staff/login",
                         allow_redirects=False)

    @task(3)
    def matrix(self) -> None:
        self.client.get(f"/staff/{self.cycle}", name="/staff/[cycle]")

    @task(1)
    def outbox(self) -> None:
        self.client.get(f"/staff/{self.cycle}/outbox", name="/staff/[cycle]/outbox")
