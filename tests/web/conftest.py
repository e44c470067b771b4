"""The portal over a real database and a real SMTP capture server, with Hải Phòng's 2021 cycle: its
self-assessment window open and each unit's opening mail delivered as an .eml file."""

from __future__ import annotations

import email
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from cli.orchestration import _free_port
from models.cycle_context import load_context
from models.db import session_scope
from models.definition.loader import load_cycle
from models.settings import Settings
from models.stages import Stage
from models.tables import Unit
from notifications.capture import CaptureServer
from tasks.engine.assignments import reconcile_stage
from tasks.engine.stage_steps import open_self_assessment
from tasks.mail.delivery import deliver_pending
from tasks.operations.accounts import add_staff_user
from tests.conftest import ROOT
from web.app import create_app

CYCLE = "haiphong-2021"
PASSWORD = "mật-khẩu-đủ-dài-2021"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/signin/[A-Za-z0-9_.\-]+")


@dataclass
class PortalWorld:
    engine: Engine
    settings: Settings
    mails: Path
    at: datetime  # the portal's clock: inside the self-assessment window
    smtp: CaptureServer
    cycle_id: str = CYCLE

    def unit(self, code: str) -> Unit:
        with session_scope(self.engine) as session:
            return session.scalar(select(Unit).where(Unit.cycle_id == self.cycle_id, Unit.code == code))

    def unit_task_number(self, code: str, stage: Stage = Stage.SELF_ASSESSMENT) -> int:
        with session_scope(self.engine) as session:
            return load_context(session, self.cycle_id).unit_task(stage).number

    def mail_to(self, address: str, kind: str = "opened") -> Message:
        """The newest captured mail of this kind to this address, parsed as a mail client would."""
        found = []
        for path in sorted(self.mails.glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes())
            if message["X-Parindex-Kind"] == kind and address in message["To"]:
                found.append(message)
        assert found, f"no {kind} mail to {address} among {len(list(self.mails.glob('*.eml')))}"
        return found[-1]

    def link_in(self, message: Message) -> str:
        text = next(part for part in message.walk() if part.get_content_type() == "text/plain")
        return LINK.search(text.get_payload(decode=True).decode("utf-8")).group(0)

    def deliver(self) -> None:
        deliver_pending(self.engine, self.settings, cycle_id=self.cycle_id, at=self.at)


@pytest.fixture
def world(db: Engine, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[PortalWorld]:
    """A cycle (haiphong-2021 unless the test names another) registered, its self-assessment window open, the
    opening mails delivered; staff accounts for each role (password PASSWORD)."""
    from models.cycle_store import insert_cycle

    cycle_id = getattr(request, "param", CYCLE)
    definition = load_cycle(ROOT / "calendar" / cycle_id)
    port = _free_port()
    with CaptureServer(tmp_path / "mails") as smtp:
        settings = Settings(public_url=f"http://127.0.0.1:{port}", web_secret_file=str(tmp_path / "web-secret"),
                            evidence_dir=str(tmp_path / "evidence"), smtp_host="127.0.0.1", smtp_port=smtp.port,
                            signing_key_file=str(tmp_path / "history.pem"))
        with session_scope(db) as session:
            insert_cycle(session, definition, at=datetime(2021, 10, 1, tzinfo=UTC), actor="test")
        with session_scope(db) as session:
            ctx = load_context(session, cycle_id)
            opens = ctx.opening(ctx.unit_task(Stage.SELF_ASSESSMENT).opens_at)  # office hours, the plan issued
            at = opens + timedelta(hours=2)
            reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=at, actor="t", flow_run_id=None)
            open_self_assessment(session, ctx, at=at, actor="t", flow_run_id=None, settings=settings)
            for role in ("coordinator", "operator", "auditor"):
                add_staff_user(session, username=f"{role}1", name=f"Cán bộ {role}", role=role, password=PASSWORD,
                               at=at)
        world = PortalWorld(db, settings, tmp_path / "mails", at + timedelta(days=1), smtp, cycle_id)
        world.deliver()
        world.port = port  # type: ignore[attr-defined]
        yield world


@pytest.fixture
def app(world: PortalWorld):  # type: ignore[no-untyped-def]
    return create_app(world.settings, world.engine, clock=lambda: world.at)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app, base_url=app.state.portal.settings.public_url, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def served(app, world: PortalWorld) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The portal served by uvicorn on its public address, for the browser."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=world.port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield world.settings.public_url
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def surveying(world: PortalWorld) -> PortalWorld:
    """The portal's clock a day into the survey's window (the plan's fieldwork task, tasks.survey.window)."""
    from tasks.survey.window import survey_window

    with session_scope(world.engine) as session:
        opens = survey_window(session, load_context(session, world.cycle_id)).opens
    assert opens is not None
    world.at = opens + timedelta(days=1)
    return world
