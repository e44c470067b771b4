"""Production topology: a real Prefect server, the deployments of prefect.yaml, a process worker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cli.orchestration import PrefectServer
from tests.conftest import ROOT

SECRET = "S3cret-Pw-4711"  # in the database URL (PostgreSQL) and the SMTP password: found nowhere in the UI


@dataclass
class Production:
    api_url: str
    ui_url: str
    database_url: str
    env: dict[str, str]


def with_password(url: str) -> str:
    """The test database's URL with a password (trust authentication ignores it): what the UI must not show."""
    if url.startswith("postgresql") and "@" in url:
        scheme, rest = url.split("://", 1)
        user, host = rest.split("@", 1)
        return f"{scheme}://{user.split(':')[0]}:{SECRET}@{host}"
    return url


@pytest.fixture(scope="module")
def production(tmp_path_factory, database_url) -> Iterator[Production]:
    home = tmp_path_factory.mktemp("prefect-production")
    saved = os.environ.pop("PREFECT_API_URL", None)
    server = PrefectServer(home)
    with server, server.in_use() as api_url:
        env = {**os.environ, "PREFECT_API_URL": api_url, "PARINDEX_DATABASE_URL": with_password(database_url),
               "PARINDEX_SMTP_PASSWORD": SECRET, "PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "INFO"}
        prefect = [sys.executable, "-m", "prefect"]
        subprocess.run([*prefect, "work-pool", "create", "parindex-process", "--type", "process"], env=env,
                       cwd=ROOT, check=True, capture_output=True)
        deployed = subprocess.run([*prefect, "--no-prompt", "deploy", "--all"], env=env, cwd=ROOT,
                                  capture_output=True, text=True)
        assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
        worker_log = (Path(home) / "worker.log").open("w")
        worker = subprocess.Popen([*prefect, "worker", "start", "--pool", "parindex-process"], env=env, cwd=ROOT,
                                  stdout=worker_log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield Production(api_url, server.ui_url, database_url, env)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
            time.sleep(0.5)
    if saved is not None:
        os.environ["PREFECT_API_URL"] = saved
