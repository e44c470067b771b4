"""A refusal said at each door by one table (models.refusals.DOORS), and a concurrent change retried where the
whole action can run again: in the portal, at the command line, in models.db.retrying itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from models.db import retrying, session_scope
from models.refusals import DOORS, ConcurrentChange, NotFound, Refused, door_of
from models.tables import Assignment, HistoryEntry
from tests.cli.runner import run
from tests.web.conftest import PortalWorld
from tests.web.test_authorisation import sign_in_staff


def test_a_concurrent_change_is_run_again_and_the_third_time_is_said():
    calls: list[int] = []

    def interrupted_twice() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConcurrentChange("another writer came between")
        return "done"

    assert retrying(interrupted_twice) == "done" and len(calls) == 3
    calls.clear()
    with pytest.raises(ConcurrentChange):
        retrying(lambda: calls.append(1) or (_ for _ in ()).throw(ConcurrentChange("again")))
    assert len(calls) == 3


def every_refusal() -> set[type[Refused]]:
    import importlib
    import pkgutil

    for package in ("models", "tasks", "flows", "cli", "web"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if "migrations" not in info.name:
                importlib.import_module(info.name)
    found, todo = set(), [Refused]
    while todo:
        kind = todo.pop()
        found.add(kind)
        todo.extend(kind.__subclasses__())
    return found


def test_every_refusal_has_a_door_and_none_is_a_builtin_lookup_value_or_runtime_error():
    for kind in every_refusal():
        assert kind.code in DOORS, kind
        assert not issubclass(kind, LookupError | ValueError | RuntimeError), kind
    assert door_of(ConcurrentChange("x")).exit_code == 75 and door_of(NotFound("x")).http_status == 404


def body_task(world: PortalWorld) -> int:
    from models.cycle_context import load_context

    with session_scope(world.engine) as session:
        ctx = load_context(session, world.cycle_id)
        manual = {t.id: t.number for t in ctx.tasks.values() if t.owner != "units" and t.completes_when == "manual"}
        task_id = session.scalar(select(Assignment.plan_task_id).where(
            Assignment.plan_task_id.in_(list(manual)), Assignment.status.in_(("waiting", "open", "overdue"))))
    return manual[task_id]


def test_an_operators_action_that_meets_a_concurrent_change_lands_on_its_second_try(client, world, monkeypatch):
    import web.staff_pages as pages

    real, calls = pages.report_task_done, []

    def interrupted_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise ConcurrentChange("another writer came between")
        return real(*args, **kwargs)

    monkeypatch.setattr(pages, "report_task_done", interrupted_once)
    csrf = sign_in_staff(client, "operator")
    number = body_task(world)
    page = client.post(f"/staff/{world.cycle_id}/done", data={"csrf": csrf, "task": str(number), "reason": "QĐ 1"})
    assert page.status_code == 200 and f"Đã ghi nhận nhiệm vụ {number} hoàn thành." in page.text
    assert len(calls) == 2
    with session_scope(world.engine) as session:
        assert session.scalar(select(HistoryEntry.reason).where(HistoryEntry.actor == "operator:operator1",
                                                                HistoryEntry.reason == "QĐ 1")) == "QĐ 1"


def test_a_refusal_no_page_says_itself_is_its_doors_status_and_sentence(app, client):
    def busy() -> None:
        raise ConcurrentChange("x")

    def gone() -> None:
        raise NotFound("chu kỳ 'nope' chưa được đăng ký")

    app.add_api_route("/test-busy", busy)
    app.add_api_route("/test-gone", gone)
    busy_page, gone_page = client.get("/test-busy"), client.get("/test-gone")
    assert busy_page.status_code == 409 and "Một thao tác khác vừa thay đổi cùng dữ liệu này" in busy_page.text
    assert gone_page.status_code == 404 and "chu kỳ &#39;nope&#39; chưa được đăng ký" in gone_page.text


def test_at_the_command_line_a_change_that_keeps_coming_is_one_line_and_exit_75(world, monkeypatch):
    import tasks.operations.extensions as extensions

    calls: list[int] = []

    def always_interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        raise ConcurrentChange("chu kỳ haiphong-2021: 1 đơn vị vừa được một thao tác khác chuyển trạng thái")

    monkeypatch.setattr(extensions, "extend_deadline", always_interrupted)
    url = str(world.engine.url.render_as_string(hide_password=False))
    result = run("extend", "5", "--cycle", world.cycle_id, "--all", "--until", "31/12/2021", "--reason", "r",
                 "--by", "A", "--db", url)
    assert result.returncode == 75 and len(calls) == 3, result.stderr
    assert result.stderr.strip().count("\n") == 0 and "thao tác khác" in result.stderr


def test_a_server_error_page_carries_the_security_headers(app, client):
    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/test-broken", broken)
    page = client.get("/test-broken")
    assert page.status_code == 500 and "Traceback" not in page.text
    assert page.headers["x-frame-options"] == "DENY" and "default-src" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_evidence_is_handed_back_under_its_contents_name_and_kept_for_parindex_alone(client, world) -> None:
    import stat

    from tests.web.test_authorisation import PDF, _criterion, sign_in_unit

    csrf = sign_in_unit(client, world, "SNV")
    answer = client.post("/unit/evidence", data={"csrf": csrf, "criterion": _criterion(world)},
                         files=[("files", ("poly.pdf.html", PDF, "text/html"))])
    assert answer.status_code == 200
    from models.tables import EvidenceFile

    with session_scope(world.engine) as session:
        stored = session.scalars(select(EvidenceFile)).one()
    assert (stored.filename, stored.content_type) == ("poly.pdf.pdf", "application/pdf")
    download = client.get(f"/unit/evidence/{stored.sha256}")
    assert 'filename="poly.pdf.pdf"' in download.headers["content-disposition"]
    kept = next(Path(world.settings.evidence_dir).rglob(stored.sha256))
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_a_new_sqlite_database_is_its_owners_alone(tmp_path) -> None:
    import stat

    from models.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with engine.connect() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x)")
    engine.dispose()
    assert stat.S_IMODE((tmp_path / "new.db").stat().st_mode) == 0o600
