"""Two provinces on one database (Hải Phòng 2021, Hồ Chí Minh City 2021): a staff account given one province sees
nothing of the other on any route (its cycles are not found, its actions not done), and a unit's session is its
own cycle's (test_authorisation: a form of another province is refused)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from models.db import session_scope
from models.tables import Deadline, HistoryEntry, OutboxMessage
from tests.web.conftest import PASSWORD, PortalWorld
from tests.web.test_authorisation import csrf_of, filled, routes

OTHER = "hcmc-2021"


def _load_other(world: PortalWorld) -> None:
    from models.cycle_store import insert_cycle
    from models.definition.loader import load_cycle
    from tests.conftest import ROOT

    with session_scope(world.engine) as session:
        insert_cycle(session, load_cycle(ROOT / "calendar" / OTHER), at=datetime(2021, 10, 1, tzinfo=UTC),
                     actor="test")


def _account(world: PortalWorld, username: str, role: str, province: str) -> None:
    from tasks.operations.accounts import add_staff_user

    with session_scope(world.engine) as session:
        add_staff_user(session, username=username, name=username, role=role, password=PASSWORD, at=world.at,
                       provinces=[province])


def _signed(app, world: PortalWorld, username: str) -> tuple[TestClient, str]:  # type: ignore[no-untyped-def]
    client = TestClient(app, base_url=world.settings.public_url)
    page = client.get("/staff/login")
    answer = client.post("/staff/login", data={"csrf": csrf_of(page.text), "username": username,
                                               "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303
    return client, csrf_of(client.get("/staff").text)


def _counts(world: PortalWorld) -> tuple[int, ...]:
    with session_scope(world.engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(table))
                     for table in (HistoryEntry, Deadline, OutboxMessage))


def test_a_staff_account_of_one_province_sees_and_changes_nothing_of_another(app, world: PortalWorld) -> None:
    _load_other(world)
    # given by a cycle's id or by the province's name, in any case and spacing
    _account(world, "hp.coord", "coordinator", world.cycle_id)
    _account(world, "hp.op", "operator", "thành phố  hải phòng")
    _account(world, "hcm.op", "operator", OTHER)
    _account(world, "hcm.audit", "auditor", "Thành phố Hồ Chí Minh")
    own = {"hp.coord": world.cycle_id, "hp.op": world.cycle_id, "hcm.op": OTHER, "hcm.audit": OTHER}
    staff_routes = [(method, path) for method, path in routes(app) if "{cycle_id}" in path]
    assert len(staff_routes) >= 6
    for username, cycle in own.items():
        client, csrf = _signed(app, world, username)
        other = OTHER if cycle == world.cycle_id else world.cycle_id
        listing = client.get("/staff").text
        assert f"/staff/{cycle}" in listing and f"/staff/{other}" not in listing, username
        assert client.get(f"/staff/{cycle}").status_code == 200, username
        before = _counts(world)
        for method, path in staff_routes:
            url = filled(path, {"cycle_id": other, "code": "SNV", "evidence_id": "1", "message_id": "1"})
            if method == "GET":
                answer = client.get(url)
            else:
                answer = client.post(url, data={"csrf": csrf, "unit": "SNV", "task": "3", "until": "31/12/2021",
                                                "reason": "thử", "stage": "self_assessment"})
            expected = {404} if method == "GET" or "op" in username.split(".")[1] else {403}
            assert answer.status_code in expected, (username, method, url, answer.status_code)
            assert not re.search(r"Hồ Chí Minh|Hải Phòng", answer.text.split("<main", 1)[-1]) or cycle in url
        assert _counts(world) == before, username


def test_an_account_given_every_province_sees_both(app, world: PortalWorld) -> None:
    _load_other(world)
    client, _ = _signed(app, world, "coordinator1")  # made with no province: every province
    listing = client.get("/staff").text
    assert f"/staff/{world.cycle_id}" in listing and f"/staff/{OTHER}" in listing
    assert client.get(f"/staff/{OTHER}").status_code == 200
