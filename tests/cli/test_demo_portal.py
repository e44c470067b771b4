"""`parindex demo --dashboard` from a fresh folder: the season replayed, then the Prefect UI and the portal left
running; a link in a demo mail, followed in a headless browser, shows that unit's page; `parindex dashboard
stop` stops both."""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from cli.orchestration import _free_port

pytestmark = [pytest.mark.slow, pytest.mark.one_pass, pytest.mark.browser]
ROOT = Path(__file__).resolve().parents[2]


def parindex(*args: str, cwd: Path, env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from cli.main import main; main()", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_demo_serves_the_portal_behind_its_mails(tmp_path: Path, page) -> None:  # type: ignore[no-untyped-def]
    shutil.copytree(ROOT / "calendar", tmp_path / "calendar")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARINDEX_", "PREFECT_API_URL"))}
    env.update(PYTHONPATH=str(ROOT), COLUMNS="200", PARINDEX_PUBLIC_URL=f"http://127.0.0.1:{port}")
    demo = parindex("demo", "--dashboard", cwd=tmp_path, env=env)
    try:
        assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
        assert f"Portal for units and staff: http://127.0.0.1:{port}" in demo.stdout
        assert "Prefect UI: http://127.0.0.1:" in demo.stdout
        opened = sorted((tmp_path / "var" / "outbox").glob("*-opened-*.eml"))
        assert opened, "no opening mail"
        message = email.message_from_bytes(opened[0].read_bytes())
        text = next(p for p in message.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
        link = re.search(rf"http://127\.0\.0\.1:{port}/signin/\S+", text.decode()).group(0)
        page.goto(link)
        page.click("#open-session")
        assert "/unit/tasks/" in page.url
        page.goto(f"http://127.0.0.1:{port}/unit")
        unit_name = re.search(r"Kính gửi (.+),", text.decode()).group(1)
        assert page.inner_text("h1") == unit_name
        # its link spent, the unit asks the home page for a new one: the demo's portal catches that mail too
        page.context.clear_cookies()
        page.goto(f"http://127.0.0.1:{port}/")
        page.fill("input[name=email]", message["To"])
        page.click("main form button")
        assert "liên kết đăng nhập được gửi" in page.inner_text("main")
        fresh = sorted((tmp_path / "var" / "outbox").glob("*-signin-*.eml"))
        assert len(fresh) == 1 and message["To"] in fresh[0].name
    finally:
        stopped = parindex("dashboard", "stop", cwd=tmp_path, env=env, timeout=120)
    assert stopped.returncode == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3)
