"""`parindex web --workers 3`: three portal processes on one port and one database behave as one portal. A staff
session opened on one is held by the others, its CSRF token too; signing out on one ends it on all; wrong
passwords sent on fresh connections (any process) are counted together; SIGTERM stops them all."""

from __future__ import annotations

import http.cookiejar
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from cli.orchestration import _free_port
from tests.conftest import ROOT
from tests.web.conftest import PASSWORD, PortalWorld
from tests.web.test_authorisation import csrf_of

pytestmark = pytest.mark.slow


def _opener(jar: http.cookiejar.CookieJar) -> urllib.request.OpenerDirector:
    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None  # answers as they are: a 303 is an answer here

    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), Stay)


def _call(opener, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    from urllib.parse import urlencode

    request = urllib.request.Request(url, data=urlencode(data).encode() if data is not None else None,
                                     headers={"Connection": "close"})  # a fresh connection each time
    try:
        with opener.open(request, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_three_portal_processes_are_one_portal(world: PortalWorld, database_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARINDEX_")}
    env.update(PYTHONPATH=str(ROOT), PARINDEX_PUBLIC_URL=f"http://127.0.0.1:{port}",
               PARINDEX_WEB_SECRET_FILE=world.settings.web_secret_file)
    portal = subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "web", "--workers", "3",
                               "--port", str(port), "--db", database_url], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        staff = _opener(http.cookiejar.CookieJar())
        _, page = _call(staff, base + "/staff/login")
        assert _call(staff, base + "/staff/login", {"csrf": csrf_of(page), "username": "operator1",
                                                    "password": PASSWORD})[0] == 303
        pages = [_call(staff, f"{base}/staff/{world.cycle_id}") for _ in range(15)]
        assert [status for status, _ in pages] == [200] * 15
        csrf = csrf_of(pages[-1][1])
        assert _call(staff, f"{base}/staff/{world.cycle_id}/done", {"csrf": csrf, "task": "999", "reason": "x"}
                     )[0] == 303  # the CSRF token made on one process is taken by another
        assert _call(staff, base + "/signout", {"csrf": csrf})[0] == 303
        after = [_call(staff, f"{base}/staff/{world.cycle_id}")[0] for _ in range(6)]
        assert after == [303] * 6  # signed out on one, out on all
        guesser = _opener(http.cookiejar.CookieJar())
        tries = []
        for _ in range(7):
            _, page = _call(guesser, base + "/staff/login")
            tries.append(_call(guesser, base + "/staff/login", {"csrf": csrf_of(page), "username": "auditor1",
                                                                "password": "sai"})[0])
        assert tries == [401] * 5 + [429] * 2  # counted together, whichever process answered
    finally:
        portal.send_signal(signal.SIGTERM)
        out, _ = portal.communicate(timeout=60)
    assert portal.returncode is not None
    assert b"Traceback" not in out, out.decode(errors="replace")[-2000:]
