"""Delivery over SMTP: yagmail holds the connection (TLS, login, reconnects); MIME is composed here."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr

import yagmail

from models.settings import Settings
from models.tables import OutboxMessage
from notifications.render import one_line

# RFC 5322's hard limit: Python's folding at 78 drops the space between adjacent encoded words of a
# Vietnamese subject ("cải cách" came back as "cảicách"); unfolded up to 998 it round-trips exactly.
MAIL_POLICY = SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Envelope:
    sender: str
    recipients: list[str]
    message: EmailMessage


def compose(message: OutboxMessage, settings: Settings) -> Envelope:
    """A multipart/alternative (text + HTML) message, with its calendar attachment when it has one.

    The SMTP policy refuses CR or LF in any header value, so no name or address can inject a header.
    """
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = formataddr((one_line(settings.mail_from_name), settings.mail_from))
    mail["To"] = message.to_address
    cc = [address for address in message.cc_addresses.split(",") if address]
    if cc:
        mail["Cc"] = ", ".join(cc)
    mail["Subject"] = one_line(message.subject)
    mail["Message-ID"] = message_id(message, settings)
    mail["X-Parindex-Key"] = one_line(message.idempotency_key)
    mail["X-Parindex-Kind"] = message.kind
    mail.set_content(message.body_text, charset="utf-8")
    if message.body_html:
        mail.add_alternative(message.body_html, subtype="html", charset="utf-8")
    if message.ics:
        mail.add_attachment(message.ics, subtype="calendar", charset="utf-8", filename="han-chot.ics",
                            params={"method": "PUBLISH"})
    return Envelope(settings.mail_from, [message.to_address, *cc], mail)


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
    refused = client.smtp.sendmail(envelope.sender, envelope.recipients, envelope.message.as_bytes())
    if refused:
        raise RuntimeError(f"recipients refused: {', '.join(sorted(refused))}")
