"""Delivery over SMTP: yagmail holds the connection (TLS, login, reconnects); MIME is written by notifications.mime."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from zoneinfo import ZoneInfo

import yagmail

from models.settings import Settings
from models.sign_in import sign_links
from models.tables import OutboxMessage
from notifications.mime import FilePart, Part, mailbox, message_bytes
from notifications.render import one_line


@dataclass(frozen=True)
class CycleHeading:
    """What a cycle puts in its mails' headers: answers go to its coordinator, dates are in its zone."""

    reply_to: str
    zone: str


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: list[str]
    payload: bytes  # the message as sent: CRLF line ends


def compose(message: OutboxMessage, settings: Settings, files: Sequence[FilePart] = (), *,
            heading: CycleHeading | None = None, at: datetime | None = None) -> Envelope:
    """A multipart/alternative (text + HTML) message, with its calendar attachment when it has one.

    Every header value passes `one_line` first, so no CR or LF from a name, an address or a subject can
    start a header of its own; notifications.mime folds them. A unit that answers writes to the cycle's
    coordinator (Reply-To), not to the robot's address; Date is the sending instant in the cycle's zone.
    """
    to_address = one_line(message.to_address)
    cc = [one_line(address) for address in message.cc_addresses.split(",") if address]
    headers = [("From", mailbox(one_line(settings.mail_from_name), one_line(settings.mail_from))), ("To", to_address)]
    if cc:
        headers.append(("Cc", ", ".join(cc)))
    if heading and heading.reply_to and heading.reply_to != settings.mail_from:
        headers.append(("Reply-To", one_line(heading.reply_to)))
    sent = (at or datetime.now(ZoneInfo("UTC"))).astimezone(ZoneInfo(heading.zone if heading else "Asia/Ho_Chi_Minh"))
    subject, text, html = sign_links([message.subject, message.body_text, message.body_html], settings)
    headers += [("Subject", one_line(subject)), ("Date", format_datetime(sent)),
                ("Message-ID", message_id(message, settings)),
                ("X-Parindex-Key", one_line(message.idempotency_key)), ("X-Parindex-Kind", one_line(message.kind))]
    alternatives = [Part("plain", text)] + ([Part("html", html)] if html else [])
    attachments = [Part("calendar", message.ics, params='; method="PUBLISH"', extra_headers=(
        'Content-Disposition: attachment; filename="han-chot.ics"',))] if message.ics else []
    attachments += list(files)
    payload = message_bytes(headers, alternatives, attachments, boundary=f"=_parindex_{_key_digest(message)}")
    return Envelope(one_line(settings.mail_from), [to_address, *cc], payload)


def message_id(message: OutboxMessage, settings: Settings) -> str:
    """The same for every attempt at one outbox message: a copy resent after a crash is one mail to the
    recipient's client, which de-duplicates by Message-ID."""
    return f"<parindex.{_key_digest(message)}@{settings.mail_from.split('@')[-1]}>"


def _key_digest(message: OutboxMessage) -> str:
    return hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]


@contextmanager
def smtp_connection(settings: Settings) -> Iterator[yagmail.SMTP]:
    """One SMTP session for a batch of messages, closed at the end whatever happens."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    # The login identity is the SMTP account; the envelope sender (compose) is the From address.
    client = yagmail.SMTP(
        user=settings.smtp_user, password=password, host=settings.smtp_host, port=settings.smtp_port,
        smtp_starttls=settings.smtp_starttls, smtp_ssl=settings.smtp_ssl, smtp_skip_login=password is None,
        soft_email_validation=False, timeout=settings.smtp_timeout,  # a server that accepts and stays silent
    )
    try:
        client.login()
        yield client
    finally:
        client.close()


class Undeliverable(Exception):
    """A message that can never go as it is (its recipients refused, its unit's form gone): it fails for good,
    where an outage leaves it waiting."""


def send(client: yagmail.SMTP, envelope: Envelope) -> None:
    """Hand one message to the server; raises on refusal so the outbox records the failure."""
    refused = client.smtp.sendmail(envelope.sender, envelope.recipients, envelope.payload)
    if refused:
        raise Undeliverable(f"recipients refused: {', '.join(sorted(refused))}")
