"""One Prefect test server for the whole run (a harness per test would restart it each time)."""

import os
from collections.abc import Iterator

import pytest

from cli.orchestration import SERVER_SETTINGS
from models.settings import get_settings
from notifications.capture import CaptureServer


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    os.environ.update(SERVER_SETTINGS)
    from prefect.settings import temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90), temporary_settings(
            updates={"flows.heartbeat_frequency": None, "logging.level": "WARNING"}):
        yield


@pytest.fixture
def smtp(tmp_path, monkeypatch) -> Iterator[CaptureServer]:
    """A real SMTP server on loopback, and the settings the tick's tasks read pointing at it."""
    with CaptureServer(tmp_path / "outbox") as server:
        monkeypatch.setenv("PARINDEX_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PARINDEX_SMTP_PORT", str(server.port))
        get_settings.cache_clear()
        yield server
    get_settings.cache_clear()
