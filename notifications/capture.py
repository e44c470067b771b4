"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts as an .eml file."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class EmlWriter:
    """aiosmtpd handler: one .eml file per accepted message, numbered in arrival order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = self.first_count = len(list(self.folder.glob("*.eml")))
        self.lock = threading.Lock()
        self.refuse = False  # set to simulate an outage that still answers (421)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "421 Service not available, try again later"
        content: bytes = envelope.original_content or envelope.content
        kind = re.search(rb"^X-Parindex-Kind: *(\S+)", content, re.MULTILINE)
        rcpt = re.sub(r"[^A-Za-z0-9.@_-]", "_", envelope.rcpt_tos[0])[:60]
        with self.lock:
            self.count += 1
            name = f"{self.count:05d}-{(kind.group(1).decode() if kind else 'mail')}-{rcpt}.eml"
        (self.folder / name).write_bytes(content)
        return "250 Message accepted for delivery"


class CaptureServer:
    """Start and stop an aiosmtpd server on 127.0.0.1 writing into `folder`."""

    def __init__(self, folder: Path, port: int = 0) -> None:
        self.handler = EmlWriter(folder)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=port or _free_port())

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def __enter__(self) -> CaptureServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def messages(self) -> list[Path]:
        return sorted(self.handler.folder.glob("*.eml"))

    @property
    def received(self) -> int:
        """Messages this server accepted (the folder may hold an earlier run's too)."""
        return self.handler.count - self.handler.first_count


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
