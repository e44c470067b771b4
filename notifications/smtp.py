"""Delivery over SMTP: yagmail holds the connection (TLS, login, reconnects); MIME is composed here."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email._policybase import Compat32
from email.generator import BytesGenerator
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate
from io import BytesIO
from typing import Any

import yagmail

from models.settings import Settings
from models.tables import OutboxMessage
from notifications.render import one_line


class _Policy(Compat32):
    """compat32 with CRLF line ends, writing plain ASCII header values as they are (they are one line:
    `one_line` saw to it); only encoded words (the subject, a non-ASCII name) go through Header folding."""

    def _fold(self, name: str, value: Any, sanitize: bool) -> str:
        if isinstance(value, str) and value.isascii():
            return f"{name}: {value}{self.linesep}"
        return super()._fold(name, value, sanitize)


SMTP_COMPAT = _Policy(linesep="\r\n")


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: list[str]
    message: Message


def compose(message: OutboxMessage, settings: Settings) -> Envelope:
    """A multipart/alternative (text + HTML) message, with its calendar attachment when it has one.

    Built with the compat32 classes, several times faster than the modern header registry at the scale of
    a national season. Every header value passes `one_line` first, so no CR or LF from a name, an address
    or a subject can start a header of its own. Subjects are encoded words unfolded up to RFC 5322's 998
    columns: folding at 78 dropped the space between adjacent encoded words of a Vietnamese subject.
    """
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(message.body_text, "plain", "utf-8"))
    if message.body_html:
        alternative.attach(MIMEText(message.body_html, "html", "utf-8"))
    mail: Message = alternative
    if message.ics:
        mail = MIMEMultipart("mixed")
        mail.attach(alternative)
        calendar = MIMEText(message.ics, "calendar", "utf-8")
        calendar.set_param("method", "PUBLISH")
        calendar.add_header("Content-Disposition", "attachment", filename="han-chot.ics")
        mail.attach(calendar)
    to_address = one_line(message.to_address)
    cc = [one_line(address) for address in message.cc_addresses.split(",") if address]
    mail["From"] = formataddr((one_line(settings.mail_from_name), one_line(settings.mail_from)), charset="utf-8")
    mail["To"] = to_address
    if cc:
        mail["Cc"] = ", ".join(cc)
    mail["Subject"] = encoded_words(one_line(message.subject))
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id(message, settings)
    mail["X-Parindex-Key"] = one_line(message.idempotency_key)
    mail["X-Parindex-Kind"] = one_line(message.kind)
    return Envelope(one_line(settings.mail_from), [to_address, *cc], mail)


def encoded_words(text: str) -> str:
    """RFC 2047 base64 encoded words of at most 75 characters (45 bytes of UTF-8 each, never splitting a
    character), separated by spaces on one line: readers join adjacent encoded words, so every space of
    the text, carried inside them, survives. ASCII text is left as it is."""
    if text.isascii():
        return text
    words, chunk = [], b""
    for char in text:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > 45:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return " ".join(f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words)


def message_id(message: OutboxMessage, settings: Settings) -> str:
    """The same for every attempt at one outbox message: a copy resent after a crash is one mail to the
    recipient's client, which de-duplicates by Message-ID."""
    digest = hashlib.sha256(message.idempotency_key.encode()).hexdigest()[:32]
    return f"<parindex.{digest}@{settings.mail_from.split('@')[-1]}>"


@contextmanager
def smtp_connection(settings: Settings) -> Iterator[yagmail.SMTP]:
    """One SMTP session for a batch of messages, closed at the end whatever happens."""
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    # The login identity is the SMTP account; the envelope sender (compose) is the From address.
    client = yagmail.SMTP(
        user=settings.smtp_user, password=password, host=settings.smtp_host, port=settings.smtp_port,
        smtp_starttls=settings.smtp_starttls, smtp_ssl=settings.smtp_ssl, smtp_skip_login=password is None,
        soft_email_validation=False,
    )
    try:
        client.login()
        yield client
    finally:
        client.close()


def send(client: yagmail.SMTP, envelope: Envelope) -> None:
    """Hand one message to the server; raises on refusal so the outbox records the failure."""
    refused = client.smtp.sendmail(envelope.sender, envelope.recipients, as_bytes(envelope.message))
    if refused:
        raise RuntimeError(f"recipients refused: {', '.join(sorted(refused))}")


def as_bytes(mail: Message) -> bytes:
    """The message as sent: CRLF line ends, long lines kept (encoded words are never split mid-subject)."""
    buffer = BytesIO()
    BytesGenerator(buffer, mangle_from_=False, maxheaderlen=0, policy=SMTP_COMPAT).flatten(mail)
    return buffer.getvalue()
