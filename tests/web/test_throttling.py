"""Password guesses are counted under the account as sign-in finds it: the same normalisation for both (spaces,
tabs, case, Unicode composition), so no spelling of a username buys fresh guesses. No lock an attacker can set:
after five wrong passwords each try waits, twice as long each time, a minute at most for the account's owner.
The counts live in the database, so a second portal process counts the same tries. A client's X-Forwarded-For is
believed only from a proxy the settings name (none by default)."""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from sqlalchemy import select

from models.db import session_scope
from models.tables import AccessEvent
from tests.web.conftest import PASSWORD
from tests.web.test_authorisation import csrf_of
from web.app import create_app


def guess(client, username: str, password: str = "not the password") -> int:  # type: ignore[no-untyped-def]
    return try_password(client, username, password).status_code


def try_password(client, username: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get("/staff/login")
    return client.post("/staff/login", data={"csrf": csrf_of(page.text), "username": username,
                                              "password": password}, follow_redirects=False)


def from_address(app, world, number: int):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    return TestClient(app, base_url=world.settings.public_url, client=(f"10.0.0.{number}", 50000))


def test_no_spelling_of_a_username_buys_fresh_guesses(app, world) -> None:
    # each guess from its own address: only the account counts
    assert [guess(from_address(app, world, n), "operator1") for n in range(5)] == [401] * 5
    spellings = (" operator1", "\toperator1", "OPERATOR1 ", unicodedata.normalize("NFD", "Operator1"))
    assert [guess(from_address(app, world, 20 + n), spelling) for n, spelling in enumerate(spellings)] == [429] * 4


def test_tries_wait_longer_after_each_failure_but_the_owner_waits_a_minute_at_most(app, world) -> None:
    attacker = from_address(app, world, 7)
    assert [guess(attacker, "operator1") for _ in range(5)] == [401] * 5
    waits = []
    for _ in range(9):  # each failure doubles the wait: 1, 2, 4 … seconds, up to the account's minute
        answer = try_password(attacker, "operator1", "still not it")
        assert answer.status_code == 429
        waits.append(int(re.search(r"chờ (\d+) giây", answer.text).group(1)))
        world.at += timedelta(seconds=waits[-1])
        assert guess(attacker, "operator1") == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    owner = from_address(app, world, 99)  # the owner, from elsewhere, while the attacker keeps trying
    assert try_password(owner, "operator1", PASSWORD).status_code == 429
    world.at += timedelta(seconds=60)
    assert try_password(owner, "operator1", PASSWORD).status_code == 303
    with session_scope(world.engine) as session:
        failed = session.scalars(select(AccessEvent).where(AccessEvent.event == "sign_in_failed")).all()
        signed = session.scalars(select(AccessEvent).where(AccessEvent.event == "signed_in")).all()
    assert len(failed) == 14 and {e.address for e in failed} == {"10.0.0.7"} and failed[0].actor == "operator1"
    assert [(e.actor, e.address) for e in signed] == [("operator:operator1", "10.0.0.99")]


def test_one_address_guessing_many_accounts_slows_past_the_accounts_minute(app, world) -> None:
    attacker = from_address(app, world, 8)
    names = [f"nobody{n}" for n in range(10)] + ["operator1"]
    assert [guess(attacker, name) for name in names] == [401] * 10 + [429]
    waits = []
    for n in range(8):  # a fresh account each time: only the address's count grows
        answer = try_password(attacker, f"someone{n}", "guess")
        waits.append(int(re.search(r"chờ (\d+) giây", answer.text).group(1)))
        world.at += timedelta(seconds=waits[-1])
        assert guess(attacker, f"someone{n}") == 401
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128]
    assert guess(from_address(app, world, 9), "coordinator1", PASSWORD) == 303  # other addresses are not slowed


def test_a_second_portal_process_counts_the_same_tries(app, world) -> None:
    second = create_app(world.settings, world.engine, clock=lambda: world.at)  # another process, one database
    assert [guess(from_address(app, world, n), "auditor1") for n in range(5)] == [401] * 5
    assert guess(from_address(second, world, 50), "auditor1") == 429


def test_the_portal_believes_no_forwarded_address_unless_a_proxy_is_named(app) -> None:
    from cli.web import portal_config

    assert portal_config(app, "127.0.0.1", 8080, "").proxy_headers is False
    named = portal_config(app, "127.0.0.1", 8080, " 10.0.0.5 ")
    assert named.proxy_headers is True and named.forwarded_allow_ips == "10.0.0.5"
