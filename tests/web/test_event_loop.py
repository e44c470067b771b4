"""A request stuck in blocking work (argon2, SMTP, SQL, parsing) holds up no other request: the handlers run that
work in the thread pool, never on the event loop. A staff sign-in is held inside password checking until the
test lets it go; meanwhile the home page and a unit's sign-in request answer."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request

import tasks.operations.accounts as accounts
from tests.web.test_authorisation import csrf_of


def test_a_sign_in_held_in_its_password_check_stops_no_one_else(served, world, monkeypatch) -> None:
    entered, release = threading.Event(), threading.Event()
    real = accounts.authenticate

    def held(*args, **kwargs):  # type: ignore[no-untyped-def]
        entered.set()
        assert release.wait(timeout=60)
        return real(*args, **kwargs)

    import web.staff_pages

    monkeypatch.setattr(web.staff_pages, "authenticate", held)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    page = opener.open(f"{served}/staff/login", timeout=10).read().decode()
    body = f"csrf={csrf_of(page)}&username=operator1&password=x".encode()
    answers: list[int] = []
    stuck = threading.Thread(target=_post_quietly, args=(opener, f"{served}/staff/login", body, answers), daemon=True)
    stuck.start()
    try:
        assert entered.wait(timeout=30), "the sign-in never reached its password check"
        # the loop is free: another reader's page answers while the sign-in is held
        with urllib.request.urlopen(f"{served}/", timeout=10) as answer:
            assert answer.status == 200
        with urllib.request.urlopen(f"{served}/staff/login", timeout=10) as answer:
            assert answer.status == 200
    finally:
        release.set()
        stuck.join(timeout=30)
    assert answers == [401]  # the held sign-in finished too, refused for its wrong password


def _post_quietly(opener, url: str, body: bytes, answers: list[int]) -> None:  # type: ignore[no-untyped-def]
    try:
        answers.append(opener.open(url, data=body, timeout=90).status)
    except urllib.error.HTTPError as refused:  # the password is wrong: 401, once let go
        answers.append(refused.code)


def test_asking_for_a_new_link_answers_before_any_mail_is_looked_up_or_sent(served, world, monkeypatch) -> None:
    """Its answer says nothing, by its content or its timing, of whether the address is registered: the lookup,
    the outbox and SMTP happen after it is sent (here, the mailer is held until the answer has arrived)."""
    import web.app

    entered, release, sent = threading.Event(), threading.Event(), []

    def held_mailer(engine, settings, address, *, at):  # type: ignore[no-untyped-def]
        entered.set()
        assert release.wait(timeout=60)
        sent.append(address)

    monkeypatch.setattr(web.app, "mail_sign_in_links", held_mailer)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    home = opener.open(f"{served}/", timeout=10).read().decode()
    address = world.unit("SNV").email
    body = f"csrf={csrf_of(home)}&email={address}".encode()
    try:
        with opener.open(f"{served}/signin/request", data=body, timeout=10) as answer:
            assert answer.status == 200 and not sent  # answered while the mailer had not finished
        assert entered.wait(timeout=30)
    finally:
        release.set()
    for _ in range(300):
        if sent:
            break
        threading.Event().wait(0.1)
    assert sent == [address]


def test_a_client_that_leaves_mid_upload_is_one_line_in_the_log(served, caplog) -> None:
    import logging
    import socket
    from urllib.parse import urlsplit

    caplog.set_level(logging.INFO)
    where = urlsplit(served)
    with socket.create_connection((where.hostname, where.port), timeout=10) as raw:
        raw.sendall(b"POST /signin/request HTTP/1.1\r\nHost: portal\r\nContent-Type: application/x-www-form-urlencoded"
                    b"\r\nContent-Length: 100000\r\n\r\nemail=a")  # then gone, 99,993 bytes short
    for _ in range(100):
        if any("client left" in record.getMessage() for record in caplog.records):
            break
        threading.Event().wait(0.1)
    left = [record for record in caplog.records if "client left" in record.getMessage()]
    assert len(left) == 1 and left[0].getMessage() == "client left during POST /signin/request"
    assert not [record for record in caplog.records if record.exc_info], "a traceback reached the log"
