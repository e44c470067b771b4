"""uvicorn's HTTP/1.1 protocol with a deadline for a request's headers: uvicorn itself waits for them without end,
so a client that sends one header line a minute (slowloris) held a connection for ever. The only place parindex
reaches past uvicorn's documented settings (Config(http=...)), pinned by tests/pinned/test_uvicorn_private.py."""

from __future__ import annotations

import asyncio

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0  # from the connection's start, or the end of its last answer, to a request's last header line


class HeadersInTime(H11Protocol):
    """Closes a connection whose next request has not sent all its headers within HEADER_SECONDS."""

    header_seconds = HEADER_SECONDS
    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
        self._header_timer = self.loop.call_later(self.header_seconds, self._headers_late)

    def _headers_late(self) -> None:
        """No request under way (h11 still waits for one, or for the rest of its headers): the connection ends."""
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()
