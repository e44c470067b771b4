"""The portal's guards: security headers, body limits before a body is read, CSRF tokens (the limits on
guessing and asking live in the database: tasks.operations.throttle)."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections.abc import Callable

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MB = 1024 * 1024
FORM_BYTES = 26 * MB  # an uploaded form: the intake's own limit is 25 MB
EVIDENCE_BYTES = 20 * MB  # per evidence file
EVIDENCE_FILES = 5  # evidence files per upload
EVIDENCE_REQUEST_BYTES = EVIDENCE_FILES * EVIDENCE_BYTES + MB
DRAFT_BYTES = 4 * MB  # the draft page's boxes: up to 4,000 characters a line, percent-encoded
PLAIN_BYTES = 256 * 1024  # every other POST: a sign-in, an operator's action
CSP = ("default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


def body_limit(path: str) -> int:
    if path.startswith("/unit/evidence/"):  # one file: the one that replaces another
        return EVIDENCE_BYTES + MB
    if path.startswith("/unit/evidence"):
        return EVIDENCE_REQUEST_BYTES
    if path.startswith("/unit/upload"):
        return FORM_BYTES
    if path == "/unit/draft":
        return DRAFT_BYTES
    return PLAIN_BYTES


def security_headers(path: str, *, https: bool) -> list[tuple[bytes, bytes]]:
    """CSP without inline script, no framing, no sniffing, no referrer (a sign-in link is in a URL), no caching
    of pages that show a unit's data."""
    headers = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
               (b"cross-origin-opener-policy", b"same-origin"),
               (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
    if not path.startswith("/static/"):
        headers.append((b"cache-control", b"no-store"))
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


class SecurityHeaders:
    """security_headers on every response that goes through the application (the 500 page, which Starlette
    renders outside every middleware, adds them itself)."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app, self.https = app, https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                message["headers"] = headers + security_headers(scope["path"], https=self.https)
            await send(message)

        await self.app(scope, receive, with_headers)


class TooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413)


class TooSlow(HTTPException):
    def __init__(self) -> None:
        super().__init__(408)


BODY_IDLE_SECONDS = 30.0  # a body that stops arriving for this long is given up (a slow or stalled client)


class BodyLimit:
    """Refuses a request body over its route's limit: by its Content-Length before reading a byte, or, sent in
    chunks, as soon as the bytes read pass the limit; and a body that stalls for BODY_IDLE_SECONDS (408)."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int] = body_limit) -> None:
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _refuse(send, 413)
        if limit > DRAFT_BYTES and not headers.get(b"content-type", b"").startswith(b"multipart/form-data"):
            return await _refuse(send, 415)  # a file comes as a form's part, or not at all
        received, complete = 0, False

        async def counted() -> Message:
            nonlocal received, complete
            if complete:  # the body is in: what follows is a wait for the client to leave, with no deadline
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), BODY_IDLE_SECONDS)
            except TimeoutError:
                raise TooSlow() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > limit:
                    raise TooLarge()
            return message

        await self.app(scope, counted, send)


REFUSALS = {413: "Tệp hoặc yêu cầu quá lớn: không có gì được ghi. Hãy gửi tệp nhỏ hơn.",
            415: "Tệp phải được gửi bằng biểu mẫu tải lên của trang: không có gì được ghi."}


async def _refuse(send: Send, status: int) -> None:
    body = ("<!DOCTYPE html><html lang=\"vi\"><meta charset=\"utf-8\"><title>parindex</title>"
            f"<p>{REFUSALS[status]}</p></html>").encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use; every form carries it."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def posted_form(*, max_files: int = 0, max_fields: int = 400):
    """A dependency: the CSRF-checked form, read on the event loop, so that the endpoint itself can be a plain
    `def` that FastAPI runs in its thread pool (argon2, SQL, SMTP and parsing never hold up other requests)."""

    async def form(request: Request) -> FormData:
        return await checked_form(request, max_files=max_files, max_fields=max_fields)

    return form


async def checked_form(request: Request, *, max_files: int = 0, max_fields: int = 400) -> FormData:
    """The posted form when its CSRF token is the session's; 403 otherwise."""
    form = await request.form(max_files=max_files, max_fields=max_fields)
    sent, expected = form.get("csrf"), request.session.get("csrf")
    if not isinstance(sent, str) or not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "csrf")
    return form
