"""Sign-in links for units: a signed token for one unit of one cycle, expiring, opened once.

The secret lives in a file outside the database (settings.web_secret_file, created readable by its owner
only); the same secret signs the web portal's session cookies under another salt. A token carries a random
nonce that the portal records when the token opens a session, so a link forwarded or replayed opens nothing.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from models.refusals import Refused
from models.settings import Settings
from models.words import word

SIGN_IN_SALT = "parindex.sign-in"
SECRET_BYTES = 32


_known: dict[Path, str] = {}  # read once per process: a tick signs a link in every mail it writes


def web_secret(settings: Settings) -> str:
    """The portal's secret, created the first time (0600)."""
    path = Path(os.getcwd(), settings.web_secret_file)  # the key; resolved (system calls) only when first read
    if path not in _known:
        _known[path] = _read_or_create(path.resolve())
    return _known[path]


def _read_or_create(path: Path) -> str:
    """The secret in `path`; a new one the first time, said in the log: every process that writes mail (tick,
    serve, a worker) and the portal must read the same file, or the links one writes the other refuses. A new
    secret is written whole to a file of its own and then linked into place, so that another thread or process
    finds either no file or the whole secret (the delivery's SMTP sessions sign links side by side)."""
    if path.exists():
        value = path.read_text(encoding="ascii").strip()
        if len(value) < 32:
            raise ValueError(f"{path}: the web secret is too short (at least 32 characters)")
        return value
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(SECRET_BYTES)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:  # another thread or process published its secret first: use theirs
            return _read_or_create(path)
    finally:
        draft.unlink(missing_ok=True)
    logging.getLogger("parindex").warning(word("log.web_secret", path=path))
    return value


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return _serializer_for(web_secret(settings))


@lru_cache(maxsize=8)
def _serializer_for(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SIGN_IN_SALT)


@dataclass(frozen=True)
class SignInClaim:
    cycle_id: str
    unit_code: str
    next_path: str
    nonce: str


class SignInRefused(Refused):
    """A link that opens nothing: `reason` is expired, invalid or used."""

    code = "sign_in"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def make_sign_in_token(settings: Settings, *, cycle_id: str, unit_code: str, next_path: str = "/unit") -> str:
    return _serializer(settings).dumps({"c": cycle_id, "u": unit_code, "n": next_path,
                                        "j": secrets.token_urlsafe(12)})


def read_sign_in_token(settings: Settings, token: str) -> SignInClaim:
    """The claim of a genuine, unexpired token; SignInRefused otherwise (whether it was used is the portal's
    to check, against its record of nonces)."""
    if len(token) > 1_000:
        raise SignInRefused("invalid")
    try:
        data = _serializer(settings).loads(token, max_age=settings.sign_in_link_days * 86_400)
    except SignatureExpired:
        raise SignInRefused("expired") from None
    except BadSignature:
        raise SignInRefused("invalid") from None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "cunj"):
        raise SignInRefused("invalid")
    next_path = data["n"] if data["n"].startswith("/") and not data["n"].startswith("//") else "/unit"
    return SignInClaim(data["c"], data["u"], next_path, data["j"])


# Where a stored mail's sign-in link goes: the outbox keeps this, and the delivery signs a fresh link in its place
# as the mail leaves (sign_links), so that no one who reads the database (a backup, a coordinator's outbox page)
# finds a link that opens a unit's session. Cycle ids and unit codes are letters, digits, ".", "_", "-".
_PENDING = re.compile(r"/signin/~([A-Za-z0-9._-]{1,64})~([A-Za-z0-9._-]{1,64})~(/[A-Za-z0-9/._-]{0,200})~")


def pending_sign_in_link(settings: Settings, *, cycle_id: str, unit_code: str, next_path: str = "/unit") -> str:
    """The place of a sign-in link in a mail as the outbox stores it; signed only when the mail is sent."""
    return f"{settings.public_url.rstrip('/')}/signin/~{cycle_id}~{unit_code}~{next_path}~"


def sign_links(texts: list[str], settings: Settings) -> list[str]:
    """The texts of one mail (subject, text, HTML) with each pending link signed: the same link wherever one
    place recurs in the mail (the text and the HTML part)."""
    minted: dict[tuple[str, str, str], str] = {}

    def signed(found: re.Match[str]) -> str:
        place = (found.group(1), found.group(2), found.group(3))
        if place not in minted:
            minted[place] = make_sign_in_token(settings, cycle_id=place[0], unit_code=place[1], next_path=place[2])
        return f"/signin/{minted[place]}"

    return [_PENDING.sub(signed, text) if "/signin/~" in text else text for text in texts]
