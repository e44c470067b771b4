"""Sessions live on the server: a session ends eight hours after its sign-in, whatever it does meanwhile (choosing
a language re-signs the cookie, and so renewed the cookie's own lifetime without end); signing out ends it for
every copy of its cookie; a change to a staff account ends its sessions at once. Sign-ins and sign-outs are in the
access log with their address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.web.test_authorisation import sign_in_staff, sign_in_unit


def test_a_units_session_ends_eight_hours_after_its_sign_in_whatever_it_does(client, world) -> None:
    sign_in_unit(client, world, "SNV")
    started = world.at
    for hours in (2, 4, 6, 7.9):  # busy all day: pages read, the language chosen again and again
        world.at = started + timedelta(hours=hours)
        assert client.get("/language/en", follow_redirects=False).status_code == 303
        assert client.get("/unit", follow_redirects=False).status_code == 200
    world.at = started + timedelta(hours=8, minutes=1)
    ended = client.get("/unit", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"] == "/"
    assert '<html lang="en">' in client.get("/").text  # the language chosen is kept; the session is not


def test_a_staff_session_ends_too(client, world) -> None:
    sign_in_staff(client, "coordinator")
    started = world.at
    world.at = started + timedelta(hours=7)
    assert client.get(f"/staff/{world.cycle_id}", follow_redirects=False).status_code == 200
    world.at = started + timedelta(hours=9)
    assert client.get(f"/staff/{world.cycle_id}", follow_redirects=False).status_code in (303, 401)


@pytest.mark.parametrize("change", ["passwd", "role", "disable", "remove"])
def test_a_change_to_a_staff_account_ends_its_sessions_at_once(client, world, change) -> None:
    from models.db import session_scope
    from tasks.operations import accounts

    sign_in_staff(client, "operator")
    assert client.get(f"/staff/{world.cycle_id}", follow_redirects=False).status_code == 200
    with session_scope(world.engine) as session:
        {"passwd": lambda: accounts.set_password(session, "operator1", "một câu mật khẩu mới khác hẳn 2021"),
         "role": lambda: accounts.set_role(session, "operator1", "auditor"),
         "disable": lambda: accounts.set_disabled(session, "operator1", True),
         "remove": lambda: accounts.remove_account(session, "operator1")}[change]()
    ended = client.get(f"/staff/{world.cycle_id}", follow_redirects=False)
    assert ended.status_code in (303, 401), change
    assert client.get("/staff", follow_redirects=False).status_code in (303, 401)  # ended, not merely refused once


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(client, world) -> None:
    from models.db import session_scope
    from models.tables import AccessEvent, PortalSession

    csrf = sign_in_unit(client, world, "SNV")
    kept = dict(client.cookies)  # a copy of the cookie, taken before signing out (another tab, a thief)
    assert client.post("/signout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    client.cookies.update(kept)
    assert client.get("/unit", follow_redirects=False).headers["location"] == "/"
    assert client.post("/unit/upload/self-assessment", data={"csrf": csrf},
                       files={"file": ("a.csv", b"x")}).status_code == 401
    with session_scope(world.engine) as session:
        events = [(e.event, e.actor, e.cycle_id, e.address)
                  for e in session.scalars(select(AccessEvent).order_by(AccessEvent.id))]
        rows = session.scalars(select(PortalSession)).all()
    assert events == [("signed_in", "unit:SNV", world.cycle_id, "testclient"),
                      ("signed_out", "unit:SNV", world.cycle_id, "testclient")]
    # the database keeps the token's hash, never the token the cookie carries
    assert len(rows) == 1 and rows[0].ended_why == "sign_out" and len(rows[0].id) == 64


def test_a_change_of_provinces_ends_the_accounts_sessions_on_the_server(client, world) -> None:
    from models.db import session_scope
    from models.tables import PortalSession
    from tasks.operations import accounts
    from tasks.operations.portal_sessions import end_sessions_of

    sign_in_staff(client, "coordinator")
    with session_scope(world.engine) as session:
        accounts.set_provinces(session, "coordinator1", [world.cycle_id])
        assert end_sessions_of(session, "coordinator1", actor="coordinator:coordinator1", at=world.at) == 1
    assert client.get("/staff", follow_redirects=False).status_code in (303, 401)
    with session_scope(world.engine) as session:
        assert [row.ended_why for row in session.scalars(select(PortalSession))] == ["account_changed"]
