"""Slow clients are given up: a request whose headers are not all in within the deadline (slowloris) loses its
connection; a body that stalls is answered 408 and nothing is recorded. The portal served as `parindex web`
serves it (cli.web.portal_config), deadlines shortened for the test."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from tests.web.conftest import PortalWorld


@pytest.fixture
def portal(app, world: PortalWorld, monkeypatch) -> Iterator[tuple[str, int]]:  # type: ignore[no-untyped-def]
    import uvicorn

    import web.security
    from cli.web import portal_config
    from web.uvicorn_private import HeadersInTime

    monkeypatch.setattr(HeadersInTime, "header_seconds", 1.0)
    monkeypatch.setattr(web.security, "BODY_IDLE_SECONDS", 1.0)
    server = uvicorn.Server(portal_config(app, "127.0.0.1", world.port, ""))  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    where = urlsplit(world.settings.public_url)
    yield where.hostname or "127.0.0.1", where.port or 80
    server.should_exit = True
    thread.join(timeout=10)


def _answer(raw: socket.socket) -> bytes:
    """What the server sends until it closes the connection (b"" when it closes without a word)."""
    raw.settimeout(60)  # far beyond the deadlines: the server, not this, ends the wait
    chunks = []
    while chunk := raw.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_request_whose_headers_trickle_in_loses_its_connection(portal) -> None:  # type: ignore[no-untyped-def]
    with socket.create_connection(portal) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: portal\r\n")  # and then one header line, slowly, never the last
        assert _answer(raw) == b""
    with socket.create_connection(portal) as raw:  # a whole request on time is answered as ever
        raw.sendall(b"GET / HTTP/1.1\r\nHost: portal\r\nConnection: close\r\n\r\n")
        assert _answer(raw).startswith(b"HTTP/1.1 200")


def test_a_body_that_stalls_is_answered_408_and_nothing_is_recorded(portal, world: PortalWorld) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import func, select

    from models.db import session_scope
    from models.tables import ThrottleMark

    with socket.create_connection(portal) as raw:
        raw.sendall(b"POST /signin/request HTTP/1.1\r\nHost: portal\r\nContent-Type: application/x-www-form-urlencoded"
                    b"\r\nContent-Length: 1000\r\n\r\nemail=a")  # 993 bytes short, and the client still there
        answer = _answer(raw)
    assert answer.startswith(b"HTTP/1.1 408") and "ngắt quãng quá lâu".encode() in answer
    with session_scope(world.engine) as session:
        assert session.scalar(select(func.count()).select_from(ThrottleMark)) == 0
