"""Staff accounts of Sở Nội vụ (coordinator, operator, auditor): created by `parindex user add`, passwords kept
as argon2id hashes, checked in the same time whether the account exists or not."""

from __future__ import annotations

import hashlib
import hmac
import json
import unicodedata
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlmodel import Session

from models.refusals import Refused
from models.tables import Cycle, StaffRole, StaffUser
from models.words import word

HASHER = PasswordHasher()  # argon2id with the library's current parameters (RFC 9106's second recommendation)
MIN_PASSWORD = 12
MIN_SCORE = 3  # zxcvbn: 3 is "safely unguessable" (about 10^8 guesses and more)
_ABSENT = HASHER.hash("an account that does not exist")  # verified against, so a wrong name costs as much


class AccountRefused(Refused):
    """An account that cannot be created: a taken name, a short password, a role that does not exist."""


def account_name(username: str) -> str:
    """A username as accounts are stored, looked up and throttled: one normalisation for all three (NFC, no
    surrounding spaces or tabs, lower case), so that " Victim.Op" is the same account and the same limit."""
    return unicodedata.normalize("NFC", username.strip()).lower()


def add_staff_user(session: Session, *, username: str, name: str, role: str, password: str,
                   at: datetime, provinces: list[str] | None = None) -> StaffUser:
    username = account_name(username)
    if not username or len(username) > 64 or not all(ch.isalnum() or ch in "._-" for ch in username):
        raise AccountRefused(word("err.username"))
    if role not in {r.value for r in StaffRole}:
        raise AccountRefused(word("err.role", role=role, roles=", ".join(r.value for r in StaffRole)))
    _check_password(password, username, name)
    if _account(session, username) is not None:
        raise AccountRefused(word("err.user_exists", username=username))
    user = StaffUser(username=username, name=name.strip() or username, role=StaffRole(role),
                     password_hash=HASHER.hash(password), created_at=at,
                     provinces=json.dumps(_provinces(session, provinces or []), ensure_ascii=False))
    session.add(user)
    session.flush()
    return user


def _check_password(password: str, *names: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountRefused(word("err.password_short", count=MIN_PASSWORD))
    if _guessable(password, *names):
        raise AccountRefused(word("err.password_guessable"))


def _guessable(password: str, *names: str) -> bool:
    """Whether the password falls to an attacker's first hundred million guesses (zxcvbn's score under 3): common
    passwords, dictionary words, dates, keyboard runs, the user's own names."""
    from zxcvbn import zxcvbn

    return int(zxcvbn(password, user_inputs=[n for n in names if n])["score"]) < MIN_SCORE


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The account when the password is right; None otherwise (unknown, disabled or wrong: one answer)."""
    user = _account(session, username)
    try:
        HASHER.verify(user.password_hash if user else _ABSENT, password)
    except (VerificationError, InvalidHashError):
        return None
    return user if user is not None and not user.disabled else None


def session_key(user: StaffUser) -> str:
    """What a staff session carries of its account: it changes with the password, the role and the provinces, so
    that any of these changed, or the account disabled or removed, ends every session signed in before
    (session_holds)."""
    return hashlib.sha256(f"{user.id}|{user.role}|{user.password_hash}|{user.provinces}".encode()).hexdigest()[:24]


def province_key(province: str) -> str:
    """A province's name as scopes compare it: "thành phố hà nội" is "Thành phố Hà Nội"."""
    return unicodedata.normalize("NFC", " ".join(province.split())).casefold()


def _provinces(session: Session, named: list[str]) -> list[str]:
    """The provinces an account is given, each named by the province or by one of its cycles (hanoi-2023 stands
    for Thành phố Hà Nội); one entry each."""
    cycles = {cycle_id: province for cycle_id, province in session.execute(select(Cycle.id, Cycle.province))}
    chosen: dict[str, str] = {}
    for name in (n.strip() for n in named):
        if not name:
            continue
        province = cycles.get(name, name)
        chosen.setdefault(province_key(province), " ".join(province.split()))
    return list(chosen.values())


def account_provinces(user: StaffUser) -> list[str]:
    """The provinces whose cycles the account sees and acts on; [] for every province."""
    return list(json.loads(user.provinces or "[]"))


def may_see(user: StaffUser, province: str) -> bool:
    """Whether the account sees and acts on a cycle of this province."""
    scope = account_provinces(user)
    return not scope or province_key(province) in {province_key(p) for p in scope}


def set_provinces(session: Session, username: str, provinces: list[str]) -> StaffUser:
    user = staff_account(session, username)
    user.provinces = json.dumps(_provinces(session, provinces), ensure_ascii=False)
    return user


def session_holds(session: Session, username: str, key: str) -> StaffUser | None:
    """The account a staff session was opened for, while it still holds: the account there, enabled, with the
    password and role it had at sign-in."""
    user = _account(session, username)
    if user is None or user.disabled or not hmac.compare_digest(session_key(user), key):
        return None
    return user


def _account(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == account_name(username)))


def staff_account(session: Session, username: str) -> StaffUser:
    user = _account(session, username)
    if user is None:
        raise AccountRefused(word("err.no_user", username=account_name(username)))
    return user


def set_password(session: Session, username: str, password: str) -> StaffUser:
    user = staff_account(session, username)
    _check_password(password, user.username, user.name)
    user.password_hash = HASHER.hash(password)
    return user


def set_role(session: Session, username: str, role: str) -> StaffUser:
    user = staff_account(session, username)
    if role not in {r.value for r in StaffRole}:
        raise AccountRefused(word("err.role", role=role, roles=", ".join(r.value for r in StaffRole)))
    user.role = StaffRole(role)
    return user


def set_disabled(session: Session, username: str, disabled: bool) -> StaffUser:
    user = staff_account(session, username)
    user.disabled = disabled
    return user


def remove_account(session: Session, username: str) -> StaffUser:
    user = staff_account(session, username)
    session.delete(user)
    return user


def staff_accounts(session: Session) -> list[StaffUser]:
    return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))
