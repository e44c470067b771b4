"""A session ends eight hours after its sign-in, whatever it does meanwhile: choosing a language re-signs the
cookie (and so renewed the cookie's own lifetime without end); it never extends the session."""

from __future__ import annotations

from datetime import timedelta

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
