"""Limits on guessing and asking, counted in the database so that every portal process counts the same attempts.

A staff password is never locked: after a few free failures under a key (an account, an address) the next try
waits, twice as long after each further failure, up to that key's cap. An attacker spread over many addresses
gets one guess per account a minute; the account's owner waits a minute at most. Requests for a new sign-in link
are counted per window instead (a number of requests per quarter hour, per address and per e-mail address)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlmodel import Session

from models.tables import ThrottleMark

KEPT = timedelta(hours=1)  # failures older than this no longer count


@dataclass(frozen=True)
class Delay:
    """After `free` failures within KEPT, each try waits 2^(failures - free) seconds after the last failure, at
    most `cap_seconds`."""

    free: int
    cap_seconds: int


ACCOUNT = Delay(free=5, cap_seconds=60)  # the owner is never kept out longer than a minute
ADDRESS = Delay(free=10, cap_seconds=900)  # one address guessing at many accounts slows to one try a quarter hour


def wait_before_try(session: Session, delays: dict[str, Delay], *, at: datetime) -> int:
    """Seconds to wait before the next password try under these keys (0: try now)."""
    longest = 0.0
    for key, delay in delays.items():
        count, last = session.execute(select(func.count(), func.max(ThrottleMark.at)).where(
            ThrottleMark.key == key, ThrottleMark.at > at - KEPT)).one()
        if count >= delay.free and last is not None:
            wait = min(2 ** (count - delay.free), delay.cap_seconds)
            longest = max(longest, wait - (at - _aware(last, at)).total_seconds())
    return max(0, int(longest + 0.999))


def mark(session: Session, keys: list[str], *, at: datetime) -> None:
    """A counted attempt under each key (a failed password, a request for a link); older marks of these keys
    are dropped."""
    session.execute(delete(ThrottleMark).where(ThrottleMark.key.in_(keys), ThrottleMark.at < at - KEPT))
    if secrets.randbelow(100) == 0:  # now and then, the marks of keys never seen again (one address, one try)
        session.execute(delete(ThrottleMark).where(ThrottleMark.at < at - KEPT))
    session.add_all([ThrottleMark(key=key[:300], at=at) for key in keys])


def forget(session: Session, keys: list[str]) -> None:
    session.execute(delete(ThrottleMark).where(ThrottleMark.key.in_(keys)))


def within_limit(session: Session, keys: list[str], *, limit: int, window: timedelta, at: datetime) -> bool:
    """Whether one more request fits: fewer than `limit` under each key within `window`; counted when it does."""
    for key in keys:
        count = session.scalar(select(func.count()).where(ThrottleMark.key == key, ThrottleMark.at > at - window))
        if (count or 0) >= limit:
            return False
    mark(session, keys, at=at)
    return True


def _aware(instant: datetime, like: datetime) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=like.tzinfo)
