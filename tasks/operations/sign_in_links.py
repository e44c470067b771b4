"""Sign-in links: checked, spent once, and mailed again to a unit that lost its link (by its registered address,
queued and sent at once)."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from models.cycle_context import load_context
from models.db import session_scope
from models.settings import Settings
from models.sign_in import SignInClaim, SignInRefused, read_sign_in_token
from models.tables import OutboxMessage, SignInUse, assignee_for_unit
from notifications.outbox import NewMessage, enqueue
from notifications.render import render
from tasks.mail.delivery import deliver_now
from tasks.mail.messages import message_context, status_url
from tasks.reads.portal import unit_of, units_of_address

MAX_UNITS = 3  # an address registered for several cycles: the newest three


def mail_sign_in_links(engine: Engine, settings: Settings, address: str, *, at: datetime) -> int:
    """A fresh link to each unit registered with `address` (none when it is not registered); how many went."""
    with session_scope(engine) as session:
        messages = []
        for unit in units_of_address(session, address)[:MAX_UNITS]:
            ctx = load_context(session, unit.cycle_id)
            context = message_context(ctx, settings, title="signin", recipient_name=unit.name, unit_name=unit.name,
                                      link_days=settings.sign_in_link_days,
                                      status_url=status_url(settings, unit.cycle_id, assignee_for_unit(unit.code)))
            assignee = assignee_for_unit(unit.code)
            messages.append(NewMessage(unit.cycle_id, f"{unit.cycle_id}|{assignee}|signin|{secrets.token_hex(8)}",
                                       "signin", assignee, None, unit.email, (),
                                       render("signin", context, language=settings.language,
                                              letters=ctx.spec.letters), None))
        enqueue(session, messages, at=at)
        queued = session.execute(select(OutboxMessage.cycle_id, OutboxMessage.id).where(
            OutboxMessage.idempotency_key.in_([m.idempotency_key for m in messages]))).all()
    # sent now: the unit is waiting (left to the delivery under way, or the next tick, if it cannot go now)
    return sum(deliver_now(engine, settings, cycle_id, [message_id], at=at).sent for cycle_id, message_id in queued)


def check_link(engine: Engine, settings: Settings, token: str) -> tuple[SignInClaim, str]:
    """The claim of a link that can still open a session, and its unit's name; SignInRefused (expired, invalid,
    used) otherwise."""
    claim = read_sign_in_token(settings, token)
    with session_scope(engine) as session:
        unit = unit_of(session, claim.cycle_id, claim.unit_code)
        if unit is None:
            raise SignInRefused("invalid")
        if session.get(SignInUse, claim.nonce) is not None:
            raise SignInRefused("used")
        return claim, unit.name


def spend_link(engine: Engine, settings: Settings, token: str, *, at: datetime) -> SignInClaim:
    """Open a session with a link: its nonce is recorded in the same transaction, so the link opens one only
    (two at once: the second is refused by the nonce's key)."""
    claim, _ = check_link(engine, settings, token)
    try:
        with session_scope(engine) as session:
            session.add(SignInUse(nonce=claim.nonce[:32], cycle_id=claim.cycle_id, unit_code=claim.unit_code,
                                  used_at=at))
    except IntegrityError:
        raise SignInRefused("used") from None
    return claim
