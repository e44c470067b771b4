"""Every route walked as no one, as another unit and as each staff role: a unit sees and changes only its own
unit; CSRF on every form; cookies, headers, body limits, rate limits; no secret or server path in a page."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import func, select

from models.db import session_scope
from models.tables import Assignment, EvidenceFile, HistoryEntry, OutboxMessage, ScoreVersion, Unit
from tests.web.conftest import PASSWORD, PortalWorld

PDF = b"%PDF-1.4\n%%EOF\n"


def csrf_of(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)


def sign_in_unit(client, world: PortalWorld, code: str) -> str:  # type: ignore[no-untyped-def]
    link = world.link_in(world.mail_to(world.unit(code).email))
    page = client.get(link.removeprefix(world.settings.public_url))
    assert page.status_code == 200
    opened = client.post("/signin", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert opened.status_code == 303
    return csrf_of(client.get("/unit").text)


def sign_in_staff(client, role: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/staff/login")
    answer = client.post("/staff/login", data={"csrf": csrf_of(page.text), "username": f"{role}1",
                                               "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/staff").text)


def snv_things(world: PortalWorld) -> dict[str, str]:
    """Path parameters that name SNV's own things (its task, its evidence)."""
    with session_scope(world.engine) as session:
        unit_id = session.scalar(select(Unit.id).where(Unit.cycle_id == world.cycle_id, Unit.code == "SNV"))
        assignment = session.scalar(select(Assignment.id).where(Assignment.unit_id == unit_id))
        digest = session.scalar(select(EvidenceFile.sha256)) or "0" * 64
        evidence = session.scalar(select(EvidenceFile.id)) or 1
        message = session.scalar(select(OutboxMessage.id)) or 1
    return {"assignment_id": str(assignment), "digest": digest, "cycle_id": world.cycle_id, "code": "SNV",
            "kind": "self-assessment", "token": "x", "evidence_id": str(evidence), "message_id": str(message)}


def routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Every (method, path) the portal answers: its own routes and its routers' (paths with their prefix)."""
    from web import staff_pages, unit_pages

    found = [*app.routes, *unit_pages.router.routes, *staff_pages.router.routes]
    return sorted({(method, route.path) for route in found if isinstance(route, APIRoute)
                   for method in route.methods})


def filled(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda found: values[found.group(1)], path)


def test_every_route_is_refused_to_no_one(app, client, world: PortalWorld) -> None:
    values = snv_things(world)
    public = {("GET", "/"), ("GET", "/staff/login"), ("POST", "/staff/login"), ("GET", "/signin/{token}"),
              ("POST", "/signin"), ("POST", "/signin/request"), ("POST", "/signout"), ("GET", "/language/{code}")}
    walked = 0
    for method, path in routes(app):
        if (method, path) in public:
            continue
        answer = client.request(method, filled(path, values), follow_redirects=False)
        walked += 1
        assert answer.status_code in (303, 401, 415), (method, path, answer.status_code)  # 415: not even a form
        if answer.status_code == 303:
            assert answer.headers["location"] == "/"
        assert "Sở Nội vụ Hải Phòng" not in answer.text and "SNV" not in answer.text
    assert walked >= 15


def test_a_unit_reaches_only_its_own_unit(app, client, world: PortalWorld, tmp_path: Path) -> None:
    csrf = sign_in_unit(client, world, "SNV")
    assert client.post("/unit/evidence", data={"csrf": csrf, "criterion": _criterion(world)},
                       files=[("files", ("qd.pdf", PDF, "application/pdf"))]).status_code == 200
    values = snv_things(world)
    client.cookies.clear()
    csrf = sign_in_unit(client, world, "VPUB")
    home = client.get("/unit").text
    assert "Văn phòng UBND thành phố" in home and f"/unit/tasks/{values['assignment_id']}" not in home
    for method, path in routes(app):
        url = filled(path, values)
        if path.startswith("/unit/tasks/") or path.startswith("/unit/evidence/"):
            posted = {"data": {"csrf": csrf}, "files": {"file": ("", b"")}} if method == "POST" else {}
            answer = client.request(method, url, **posted)
            assert answer.status_code == 404, url  # SNV's task and evidence: not VPUB's to see, nor to remove
        elif path.startswith("/staff") and path != "/staff/login":
            answer = client.request(method, url, data={"csrf": csrf}, follow_redirects=False)
            assert answer.status_code in (303, 401), (method, url, answer.status_code)
    assert "qd.pdf" not in client.get("/unit/evidence").text
    with session_scope(world.engine) as session:
        assert session.scalar(select(func.count()).select_from(EvidenceFile)) == 1  # SNV's file is still there
    before = _counts(world)
    snv_form = client.get("/unit/form/self-assessment")  # VPUB's own form ...
    assert "VPUB.xlsx" in snv_form.headers["content-disposition"]
    forged = _snv_form(world, tmp_path)  # ... and SNV's, sent by VPUB
    answer = client.post("/unit/upload/self-assessment", data={"csrf": csrf},
                         files={"file": ("snv.xlsx", forged.read_bytes())})
    assert answer.status_code == 422 and "Biểu mẫu của đơn vị khác" in answer.text
    assert "wrong-sender" not in answer.text and 'id="upload-again"' in answer.text  # words, and a form to retry
    assert _counts(world) == before


def test_a_unit_never_writes_the_unit_of_the_same_code_in_another_province(app, client, world: PortalWorld,
                                                                          tmp_path: Path) -> None:
    """Unit codes repeat from province to province (SNV, STP …): Hải Phòng's SNV, signed in, sends Hồ Chí Minh
    City's SNV form (its "Chu kỳ" column says hcmc-2021). Refused whole, in words; HCMC's SNV untouched."""
    from datetime import UTC, datetime

    from models.cycle_context import load_context
    from models.cycle_store import insert_cycle
    from models.definition.loader import load_cycle
    from models.stages import Stage
    from tasks.engine.assignments import reconcile_stage
    from tasks.engine.stage_steps import open_self_assessment
    from tasks.inputs.form_templates import write_template
    from tests.conftest import ROOT
    from tests.forms.conftest import fill

    with session_scope(world.engine) as session:
        insert_cycle(session, load_cycle(ROOT / "calendar" / "hcmc-2021"), at=datetime(2021, 10, 1, tzinfo=UTC),
                     actor="test")
    with session_scope(world.engine) as session:
        ctx = load_context(session, "hcmc-2021")
        at = max(world.at, ctx.opening(ctx.unit_task(Stage.SELF_ASSESSMENT).opens_at))  # HCMC's plan issued
        reconcile_stage(session, ctx, stage=Stage.SELF_ASSESSMENT.value, at=at, actor="t", flow_run_id=None)
        open_self_assessment(session, ctx, at=at, actor="t", flow_run_id=None)
        write_template(session, kind="self-assessment", cycle_id="hcmc-2021", out=tmp_path / "hcmc-snv.xlsx",
                       unit="SNV")
    csrf = sign_in_unit(client, world, "SNV")
    before = _counts(world)
    answer = client.post("/unit/upload/self-assessment", data={"csrf": csrf},
                         files={"file": ("snv.xlsx", fill(tmp_path / "hcmc-snv.xlsx").read_bytes())})
    assert answer.status_code == 422 and "chu kỳ hcmc-2021, không phải chu kỳ haiphong-2021" in answer.text
    assert _counts(world) == before
    with session_scope(world.engine) as session:
        states = dict(session.execute(select(Unit.cycle_id, Unit.state).where(Unit.code == "SNV")).all())
    assert states == {"haiphong-2021": "self_assessing", "hcmc-2021": "self_assessing"}


def test_staff_roles(app, client, world: PortalWorld) -> None:
    csrf = sign_in_staff(client, "auditor")
    assert client.get(f"/staff/{world.cycle_id}/units/SNV").status_code == 200
    for action in ("extend", "rerun", "done"):
        answer = client.post(f"/staff/{world.cycle_id}/{action}", data={"csrf": csrf, "unit": "SNV", "task": "3",
                                                                       "until": "31/12/2021", "reason": "x"})
        assert answer.status_code == 403, action
    assert client.get("/unit", follow_redirects=False).status_code == 303  # a unit's pages are the unit's
    client.cookies.clear()
    csrf = sign_in_staff(client, "operator")
    answer = client.post(f"/staff/{world.cycle_id}/extend", data={
        "csrf": csrf, "unit": "SNV", "task": "3", "until": "31/12/2021", "reason": "Sở đề nghị gia hạn"})
    assert answer.status_code == 200 and "31/12/2021" in answer.text
    with session_scope(world.engine) as session:
        entry = session.scalar(select(HistoryEntry).where(HistoryEntry.entity == "deadline")
                               .order_by(HistoryEntry.seq.desc()))
    assert entry.actor == "operator:operator1" and "gia hạn" in entry.reason


def test_every_form_needs_its_csrf_token(app, client, world: PortalWorld) -> None:
    csrf = sign_in_unit(client, world, "SNV")
    for path in ("/unit/upload/self-assessment", "/unit/evidence", "/unit/draft", "/signout"):
        for token in (None, "forged", csrf[:-1]):
            data = {"csrf": token} if token else {}
            files = {"unused": ("a.txt", b"x")} if path.startswith(("/unit/upload", "/unit/evidence")) else None
            assert client.post(path, data=data, files=files).status_code == 403, (path, token)
    client.cookies.clear()
    assert client.post("/staff/login", data={"username": "operator1", "password": PASSWORD}).status_code == 403
    assert client.post("/signin/request", data={"email": "x@y.z"}).status_code == 403


def test_sign_in_links_open_one_session_and_expire(app, client, world: PortalWorld, monkeypatch) -> None:
    link = world.link_in(world.mail_to(world.unit("SNV").email)).removeprefix(world.settings.public_url)
    page = client.get(link)
    assert link.split("/")[-1] not in page.text  # the token is kept in the session, never written in the page
    assert client.post("/signin", data={"csrf": csrf_of(page.text)}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    again = client.get(link)
    assert again.status_code == 400 and "đã được dùng" in again.text
    tampered = client.get(link[:-2] + ("AA" if not link.endswith("AA") else "BB"))
    assert tampered.status_code == 400 and "không hợp lệ" in tampered.text

    from itsdangerous import timed

    from models.sign_in import make_sign_in_token

    month_ago = int(time.time()) - 31 * 86_400
    monkeypatch.setattr(timed.TimestampSigner, "get_timestamp", lambda self: month_ago)
    old = make_sign_in_token(world.settings, cycle_id=world.cycle_id, unit_code="SNV")
    monkeypatch.undo()
    expired = client.get(f"/signin/{old}")
    assert expired.status_code == 400 and "hết hạn" in expired.text


def test_cookies_headers_and_pages_keep_secrets(app, client, world: PortalWorld) -> None:
    page = client.get("/")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "script-src 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY" and page.headers["referrer-policy"] == "no-referrer"
    assert "server" not in page.headers
    sign_in_unit(client, world, "SNV")
    secret = Path(world.settings.web_secret_file).read_text().strip()
    for path in ("/unit", "/unit/evidence", "/unit/draft", "/unit/result", "/nowhere", "/unit/tasks/999999"):
        text = client.get(path).text
        assert secret not in text and world.settings.evidence_dir not in text and "Traceback" not in text


def test_secure_cookie_behind_https(world: PortalWorld) -> None:
    from fastapi.testclient import TestClient

    from web.app import create_app

    settings = world.settings.model_copy(update={"public_url": "https://cchc.haiphong.example"})
    with TestClient(create_app(settings, world.engine, clock=lambda: world.at),
                    base_url="https://cchc.haiphong.example") as client:
        link = world.link_in(world.mail_to(world.unit("SNV").email))
        page = client.get("/signin/" + link.rsplit("/", 1)[-1])
        cookie = page.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert "strict-transport-security" in page.headers


def test_bodies_over_their_limit_are_refused_before_they_are_read(app, client, world: PortalWorld) -> None:
    csrf = sign_in_unit(client, world, "SNV")
    before = _counts(world)
    declared = client.post("/unit/upload/self-assessment", content=b"x" * 10,
                           headers={"content-length": str(200 * 1024 * 1024), "content-type": "multipart/form-data"})
    assert declared.status_code == 413
    not_a_form = client.post("/unit/upload/self-assessment", content=b"{}", headers={"content-type": "application/json"})
    assert not_a_form.status_code == 415

    def chunks():  # no Content-Length: cut off once 27 MB have come in
        for _ in range(40):
            yield b"0" * (1024 * 1024)

    streamed = client.post("/unit/upload/self-assessment", content=chunks(),
                           headers={"content-type": "multipart/form-data; boundary=x"})
    assert streamed.status_code == 413
    six = [("files", (f"e{i}.pdf", PDF, "application/pdf")) for i in range(6)]
    assert client.post("/unit/evidence", data={"csrf": csrf, "criterion": _criterion(world)},
                       files=six).status_code == 400
    assert _counts(world) == before


def test_sign_in_requests_are_rate_limited(app, client, world: PortalWorld) -> None:
    csrf = csrf_of(client.get("/").text)
    address = world.unit("SNV").email
    answers = [client.post("/signin/request", data={"csrf": csrf, "email": address}).status_code for _ in range(6)]
    assert answers == [200] * 5 + [429]
    unknown = client.post("/signin/request", data={"csrf": csrf, "email": "ai-do@khong.example"})
    assert unknown.status_code == 429  # the same client: still limited
    mails = [path for path in world.mails.glob("*.eml") if "-signin-" in path.name]
    assert len(mails) == 5
    passwords = [client.post("/staff/login", data={"csrf": csrf, "username": "operator1", "password": "sai"}
                             ).status_code for _ in range(11)]
    assert passwords == [401] * 5 + [429] * 6  # after five wrong passwords, the next waits (test_throttling)


def _criterion(world: PortalWorld) -> str:
    from models.tables import Criterion

    with session_scope(world.engine) as session:
        return session.scalar(select(Criterion.code).where(Criterion.cycle_id == world.cycle_id,
                                                           Criterion.method == "appraisal").order_by(Criterion.id))


def _counts(world: PortalWorld) -> tuple[int, ...]:
    with session_scope(world.engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(table))
                     for table in (ScoreVersion, HistoryEntry, EvidenceFile))


def _snv_form(world: PortalWorld, tmp_path: Path) -> Path:
    from tasks.inputs.form_templates import write_template
    from tests.forms.conftest import fill

    path = tmp_path / "snv.xlsx"
    with session_scope(world.engine) as session:
        write_template(session, kind="self-assessment", cycle_id=world.cycle_id, out=path, unit="SNV")
    return fill(path)


@pytest.fixture(autouse=True)
def _fresh_limits(app) -> None:  # type: ignore[no-untyped-def]
    """Each test's own rate limits (one app per test)."""
