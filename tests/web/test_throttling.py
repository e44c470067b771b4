"""Password guesses are counted under the account as sign-in finds it: the same normalisation for both (spaces,
tabs, case, Unicode composition), so no spelling of a username buys fresh guesses; a client's X-Forwarded-For is
believed only from a proxy the settings name (none by default)."""

from __future__ import annotations

import unicodedata

from tests.web.test_authorisation import csrf_of


def guess(client, username: str) -> int:  # type: ignore[no-untyped-def]
    page = client.get("/staff/login")
    return client.post("/staff/login", data={"csrf": csrf_of(page.text), "username": username,
                                              "password": "not the password"}, follow_redirects=False).status_code


def test_no_spelling_of_a_username_buys_fresh_guesses(app, world) -> None:
    from fastapi.testclient import TestClient

    def from_address(number: int) -> TestClient:  # each guess from its own address: only the account counts
        return TestClient(app, base_url=world.settings.public_url, client=(f"10.0.0.{number}", 50000))

    assert [guess(from_address(n), "operator1") for n in range(10)] == [401] * 10
    spellings = (" operator1", "\toperator1", "OPERATOR1 ", unicodedata.normalize("NFD", "Operator1"))
    assert [guess(from_address(20 + n), spelling) for n, spelling in enumerate(spellings)] == [429] * 4


def test_the_portal_believes_no_forwarded_address_unless_a_proxy_is_named(app) -> None:
    from cli.web import portal_config

    assert portal_config(app, "127.0.0.1", 8080, "").proxy_headers is False
    named = portal_config(app, "127.0.0.1", 8080, " 10.0.0.5 ")
    assert named.proxy_headers is True and named.forwarded_allow_ips == "10.0.0.5"
