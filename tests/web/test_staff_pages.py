"""Staff pages as Sở Nội vụ uses them: the matrix filtered by block, group and state, bodies' tasks with it;
the outbox searched; a unit's history with the chain's verdict; an operator's re-run and a body's task marked
done, each recorded with the signed-in actor and its reason."""

from __future__ import annotations

from sqlalchemy import select

from models.db import session_scope
from models.tables import Assignment, HistoryEntry, Unit
from tests.web.conftest import PortalWorld
from tests.web.test_authorisation import sign_in_staff, sign_in_unit


def test_the_matrix_filters_and_shows_bodies(client, world: PortalWorld) -> None:
    sign_in_staff(client, "coordinator")
    page = client.get(f"/staff/{world.cycle_id}")
    assert page.status_code == 200 and 'data-unit="SNV"' in page.text and 'id="bodies"' in page.text
    with session_scope(world.engine) as session:
        blocks = dict(session.execute(select(Unit.code, Unit.block).where(Unit.cycle_id == world.cycle_id)).all())
    block = blocks["SNV"]
    filtered = client.get(f"/staff/{world.cycle_id}", params={"block": block}).text
    assert all(f'data-unit="{code}"' not in filtered for code, b in blocks.items() if b != block)
    assert client.get(f"/staff/{world.cycle_id}", params={"state": "done"}).text.count("data-unit=") == 0
    client.cookies.clear()
    unit_csrf = sign_in_unit(client, world, "SNV")
    assert unit_csrf
    client.cookies.clear()
    sign_in_staff(client, "coordinator")
    assert client.get(f"/staff/{world.cycle_id}", params={"state": "open"}).text.count("data-unit=") == len(blocks)


def test_the_outbox_is_searched_and_a_units_history_verified(client, world: PortalWorld) -> None:
    sign_in_staff(client, "auditor")
    address = world.unit("VPUB").email
    found = client.get(f"/staff/{world.cycle_id}/outbox", params={"q": address})
    assert found.status_code == 200 and address in found.text and world.unit("SNV").email not in found.text
    history = client.get(f"/staff/{world.cycle_id}/units/VPUB")
    assert "Chuỗi băm của lịch sử toàn vẹn" in history.text and "mở tự đánh giá" in history.text


def test_an_operator_reruns_and_marks_a_body_task_done(client, world: PortalWorld) -> None:
    csrf = sign_in_staff(client, "operator")
    with session_scope(world.engine) as session:
        from models.cycle_context import load_context

        ctx = load_context(session, world.cycle_id)
        manual = {t.id: t.number for t in ctx.tasks.values() if t.owner != "units" and t.completes_when == "manual"}
        body_task = session.scalar(select(Assignment.plan_task_id).where(
            Assignment.plan_task_id.in_(list(manual)), Assignment.status.in_(("waiting", "open", "overdue"))))
        number = manual[body_task]
    done = client.post(f"/staff/{world.cycle_id}/done", data={"csrf": csrf, "task": str(number),
                                                                "reason": "Quyết định số 903/QĐ-UBND"})
    assert done.status_code == 200
    refused = client.post(f"/staff/{world.cycle_id}/rerun", data={"csrf": csrf, "unit": "SNV",
                                                                    "stage": "self_assessment", "reason": ""})
    assert refused.status_code == 200 and "chạy lại phải có lý do" in refused.text  # said, nothing recorded
    client.get("/language/en")  # the reader's language, not the province's, words the refusal
    in_english = client.post(f"/staff/{world.cycle_id}/rerun", data={"csrf": csrf, "unit": "SNV",
                                                                       "stage": "self_assessment", "reason": ""})
    assert "a re-run needs a reason" in in_english.text and "chạy lại phải có lý do" not in in_english.text
    with session_scope(world.engine) as session:
        rows = session.execute(select(HistoryEntry.actor, HistoryEntry.reason)
                               .where(HistoryEntry.actor == "operator:operator1")).all()
    assert rows and any("903/QĐ-UBND" in reason for _, reason in rows)


def test_a_reader_chooses_english_and_keeps_it_after_signing_out(client, world: PortalWorld) -> None:
    assert "Đơn vị đăng nhập" in client.get("/").text
    assert "Units sign in" in client.get("/language/en").text
    csrf = sign_in_unit(client, world, "SNV")
    page = client.get("/unit").text
    assert "Your unit&#39;s tasks" in page and "self-assessment open" in page and "Sign out" in page
    client.post("/signout", data={"csrf": csrf})
    assert "Units sign in" in client.get("/").text
    assert client.get("/language/fr").status_code == 404
