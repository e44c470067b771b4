"""`parindex web`: the portal for units and staff; `parindex user add`: a staff account."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer

from cli.common import DbOption, UserError, checked_url, console, database, said, user_errors
from cli.orchestration import stop_process_group

NOTE = Path("var") / "web.json"
users_app = typer.Typer(help="Staff accounts of Sở Nội vụ for the portal.", no_args_is_help=True)


def default_port() -> int:
    from models.settings import get_settings

    return urlsplit(get_settings().public_url).port or 8080


def web_command(
    host: Annotated[str, typer.Option(help="Address to listen on (behind a reverse proxy: 127.0.0.1)")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default: PARINDEX_PUBLIC_URL's)")] = None,
    capture_mail: Annotated[Path | None, typer.Option(
        help="Demos and trials: catch the portal's mail (sign-in links asked for) as .eml files in this folder, "
             "on an SMTP server of its own")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Portal processes sharing the port (sessions, limits "
                                                             "and CSRF live in the database and the cookie)")] = 1,
    db: DbOption = "",
) -> None:
    """Serve the portal: units act on their tasks from their mails' links; staff sign in with their account."""

    import contextlib

    import uvicorn

    from models.settings import get_settings
    from models.sign_in import web_secret
    from models.words import word
    from notifications.capture import CaptureServer
    from tasks.engine.runtime import engine_for
    from web.app import create_app

    settings = get_settings()
    with user_errors(), contextlib.ExitStack() as stack:
        url = checked_url(db)
        if capture_mail is not None:
            capture_mail.mkdir(parents=True, exist_ok=True)
            smtp = stack.enter_context(CaptureServer(capture_mail))
            settings = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port})
        web_secret(settings)
        chosen = port or default_port()
        console.print(said(word("cli.portal"), "green") + word(
            "cli.portal_line", host=host, port=chosen, public=settings.public_url,
            secret=Path(settings.web_secret_file).resolve()), markup=False)
        if capture_mail is not None:
            console.print(word("cli.portal_mail", folder=capture_mail), markup=False)
        if workers == 1:
            serve(uvicorn.Server(portal_config(create_app(settings, engine_for(url)), host, chosen,
                                               settings.trusted_proxies)))
        else:  # each process builds its own portal from the environment: the database and mail chosen here
            os.environ.update(PARINDEX_DATABASE_URL=url, PARINDEX_SMTP_HOST=settings.smtp_host,
                              PARINDEX_SMTP_PORT=str(settings.smtp_port))
            serve_processes(portal_config("web.app:portal_from_environment", host, chosen, settings.trusted_proxies,
                                          workers=workers))


def portal_config(app, host: str, port: int, trusted_proxies: str, *, workers: int = 1):
    """uvicorn's settings for the portal: X-Forwarded-For believed only from the proxies named (none by default:
    a client would otherwise choose the address its sign-in attempts are counted under); a request's headers
    within 10 seconds (web.uvicorn_private), its body never stalled for 30 (web.security), an idle connection
    closed after 5."""
    import uvicorn

    from web.uvicorn_private import HeadersInTime

    proxies = trusted_proxies.strip()
    return uvicorn.Config(app, host=host, port=port, log_level="warning", proxy_headers=bool(proxies),
                          forwarded_allow_ips=proxies or None, server_header=False, http=HeadersInTime,
                          timeout_keep_alive=5, workers=workers, factory=isinstance(app, str))


def serve_processes(config) -> None:
    """Several portal processes on one socket: uvicorn's supervisor starts them, restarts one that dies, and
    stops them all on SIGTERM or Ctrl-C."""
    from uvicorn.supervisors import Multiprocess

    Multiprocess(config, sockets=[config.bind_socket()]).run()


def serve(server) -> None:
    """Run until SIGTERM (systemd, `parindex dashboard stop`) or Ctrl-C, then finish the requests in flight and
    exit 0: uvicorn's own handlers would raise the signal again after shutting down."""
    import contextlib
    import signal

    def stop(*_: object) -> None:
        server.should_exit = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.capture_signals = contextlib.nullcontext
    server.run()


def start_background(database_url: str, port: int | None = None, timeout: float = 30) -> str:
    """Start `parindex web` in its own process group, recorded in var/web.json; its URL once it answers."""
    from models.words import word

    stop_background()
    chosen = port or default_port()
    NOTE.parent.mkdir(parents=True, exist_ok=True)
    log = open(NOTE.parent / "web.log", "ab")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen([sys.executable, "-c", "from cli.main import main; main()", "web", "--port",
                                str(chosen), "--db", database_url, "--capture-mail", "var/outbox"],
                               stdout=log, stderr=log, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    url = f"http://127.0.0.1:{chosen}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise UserError(word("err.portal_start", log=NOTE.parent / "web.log", port=chosen))
        try:
            urllib.request.urlopen(url + "/", timeout=2).close()
            break
        except OSError:
            time.sleep(0.3)
    NOTE.write_text(json.dumps({"pid": process.pid, "url": url}))
    return url


def stop_background() -> dict | None:
    if not NOTE.exists():
        return None
    try:
        note = json.loads(NOTE.read_text())
        stop_process_group(int(note["pid"]))
    except (ValueError, KeyError, TypeError, PermissionError):
        note = None
    NOTE.unlink(missing_ok=True)
    return note


ProvinceOption = Annotated[list[str] | None, typer.Option(
    "--province", help="A province whose cycles the account sees and acts on, by its name or one of its cycles "
                       "(repeat for several; none: every province)")]


@users_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The name to sign in with")],
    role: Annotated[str, typer.Option(help="coordinator | operator | auditor | survey")],
    name: Annotated[str, typer.Option(help="Full name, as the history shows it")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input")]
    = False,
    province: ProvinceOption = None,
    db: DbOption = "",
) -> None:
    """Create a staff account; the password is asked twice (or read from standard input), stored as argon2id."""
    from models.words import word
    from tasks.engine.events import unit_of_work
    from tasks.operations.accounts import AccountRefused, account_provinces, add_staff_user

    with user_errors():
        password = _read_password(password_stdin)
        try:
            with unit_of_work(database(db)) as session:
                user = add_staff_user(session, username=username, name=name, role=role, password=password,
                                      at=datetime.now(UTC), provinces=province or [])
                created = (user.username, str(user.role), _scope_words(account_provinces(user)))
        except AccountRefused as refused:
            raise UserError(str(refused)) from None
    console.print(said(word("cli.ok"), "green") + " " + word(
        "user.created", username=created[0], role=created[1], provinces=created[2]), markup=False)


def _scope_words(provinces: list[str]) -> str:
    from models.words import word

    return "; ".join(provinces) if provinces else word("user.all_provinces")


UsernameArgument = Annotated[str, typer.Argument(help="The account's username")]


def _read_password(password_stdin: bool) -> str:
    from models.words import word

    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise UserError(word("err.no_terminal"))
    password = getpass.getpass("Mật khẩu / password: ")
    if getpass.getpass("Nhập lại / again: ") != password:
        raise UserError(word("err.passwords_differ"))
    return password


def _account_change(db: str, change, done_key: str) -> None:
    """One change to one account, in one transaction with the end of its sessions on the server."""
    from models.words import word
    from tasks.engine.events import committed
    from tasks.operations.portal_sessions import end_sessions_of

    def changed(session) -> str:
        user = change(session)
        end_sessions_of(session, user.username, actor=f"{user.role}:{user.username}", at=datetime.now(UTC))
        return user.username

    with user_errors():
        username = committed(database(db), changed)
    console.print(said(word("cli.ok"), "green") + " " + word(done_key, username=username), markup=False)


@users_app.command("list")
def user_list(db: DbOption = "") -> None:
    """Every staff account: its role, whether it is disabled, when it was made."""
    from models.db import session_scope
    from models.words import word
    from tasks.operations.accounts import account_provinces, staff_accounts

    with user_errors(), session_scope(database(db)) as session:
        rows = [(u.username, u.name, str(u.role), u.disabled, u.created_at, account_provinces(u))
                for u in staff_accounts(session)]
    for username, name, role, disabled, created, provinces in rows:
        state = word("user.disabled") if disabled else word("user.enabled")
        console.print(f"{username}\t{name}\t{role}\t{state}\t{created:%d/%m/%Y}\t{_scope_words(provinces)}",
                      markup=False)
    if not rows:
        console.print(word("user.none"), markup=False)


@users_app.command("passwd")
def user_passwd(username: UsernameArgument, password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from standard input")] = False, db: DbOption = "") -> None:
    """A new password; every session signed in with the old one ends."""
    from tasks.operations.accounts import set_password

    with user_errors():
        password = _read_password(password_stdin)
    _account_change(db, lambda session: set_password(session, username, password), "user.password_set")


@users_app.command("role")
def user_role(username: UsernameArgument,
              role: Annotated[str, typer.Argument(help="coordinator | operator | auditor | survey")],
              db: DbOption = "") -> None:
    """Another role; the account's sessions end (it signs in again with its new role)."""
    from tasks.operations.accounts import set_role

    _account_change(db, lambda session: set_role(session, username, role), "user.role_set")


@users_app.command("disable")
def user_disable(username: UsernameArgument, db: DbOption = "") -> None:
    """The account can no longer sign in; its sessions end at once."""
    from tasks.operations.accounts import set_disabled

    _account_change(db, lambda session: set_disabled(session, username, True), "user.disabled_now")


@users_app.command("enable")
def user_enable(username: UsernameArgument, db: DbOption = "") -> None:
    """A disabled account may sign in again."""
    from tasks.operations.accounts import set_disabled

    _account_change(db, lambda session: set_disabled(session, username, False), "user.enabled_now")


@users_app.command("remove")
def user_remove(username: UsernameArgument, db: DbOption = "") -> None:
    """The account is removed; its sessions end at once (the history keeps its name as the actor it was)."""
    from tasks.operations.accounts import remove_account

    _account_change(db, lambda session: remove_account(session, username), "user.removed")


@users_app.command("scope")
def user_scope(username: UsernameArgument, province: ProvinceOption = None, db: DbOption = "") -> None:
    """The provinces whose cycles the account sees and acts on (none named: every province); its sessions end."""
    from tasks.operations.accounts import set_provinces

    _account_change(db, lambda session: set_provinces(session, username, province or []), "user.scope_set")
