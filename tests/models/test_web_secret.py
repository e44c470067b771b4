"""The portal's secret is made once, whoever asks first: threads (the delivery's SMTP sessions sign links side
by side) and processes (a tick and the portal) asking at once all get the same whole secret, never an empty or
half-written file (it failed a test setup as "the web secret is too short")."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

from models.settings import Settings
from models.sign_in import _known, web_secret
from tests.conftest import ROOT

ASKERS = 16


def _ask_at_once(settings: Settings) -> tuple[list[str], list[str]]:
    """ASKERS threads asking for the secret at the same moment: what each got, and what failed."""
    start, answers, failures = threading.Barrier(ASKERS), [], []

    def ask() -> None:
        start.wait()
        try:
            answers.append(web_secret(settings))
        except Exception as error:
            failures.append(repr(error))

    threads = [threading.Thread(target=ask) for _ in range(ASKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _known.clear()
    return answers, failures


def test_threads_asking_at_once_get_one_whole_secret(tmp_path: Path) -> None:
    for attempt in range(10):
        answers, failures = _ask_at_once(Settings(web_secret_file=str(tmp_path / f"secret-{attempt}")))
        assert not failures and len(set(answers)) == 1 and len(answers[0]) >= 32
        written = tmp_path / f"secret-{attempt}"
        assert written.read_text() == answers[0] and stat.S_IMODE(written.stat().st_mode) == 0o600
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"secret-{n}" for n in range(10)]  # no drafts left


def test_processes_asking_at_once_get_one_secret(tmp_path: Path) -> None:
    code = ("import sys; from models.settings import Settings; from models.sign_in import web_secret; "
            "print(web_secret(Settings(web_secret_file=sys.argv[1])))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    askers = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "secret")], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=env) for _ in range(6)]
    answers = [asker.communicate(timeout=120) for asker in askers]
    assert all(asker.returncode == 0 for asker in askers), [error for _, error in answers]
    assert len({out.strip() for out, _ in answers}) == 1
