"""The one type of every refusal a user can act on, and the one table that says it at each door.

A refusal is an action refused by a rule (an unknown cycle or unit, a closed stage, a missing reason, a file with
mistakes, a change that came between reading and writing): not a bug. Each kind has a stable `code`; DOORS maps
the code to the CLI's exit code and the web's HTTP status, and a flow ends Failed with the refusal's one line
(flows/refusals.py). No door catches LookupError, ValueError or RuntimeError: a bug stays a bug, shown as one
line with its kind, never as a user's mistake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

Words = Callable[..., str]  # t(key, **values) in some language


class Refused(Exception):
    """An action refused by a rule: its message is the sentence every door shows."""

    code: ClassVar[str] = "refused"

    def said(self, t: Words) -> tuple[str, list[str]]:
        """The refusal in `t`'s language: its one line, then the problems it lists (none for most)."""
        return str(self), []


class NotFound(Refused):
    """A cycle, unit, task, form or file that is not there."""

    code = "not_found"


class ConcurrentChange(Refused):
    """Another writer changed these rows between reading and writing them: nothing was written. Where the whole
    action can run again from a fresh read (a tick's step, a flow's action, a command), it is retried
    (models.db.retrying); only a change that keeps coming reaches a person, as this refusal."""

    code = "concurrent_change"


@dataclass(frozen=True)
class Door:
    exit_code: int  # the CLI's
    http_status: int  # the web's
    heading: str  # the catalogue key of the word a refusal starts with


DOORS: dict[str, Door] = {
    "refused": Door(1, 400, "cli.error"),
    "not_found": Door(1, 404, "cli.error"),
    "form_rejected": Door(1, 422, "cli.refused"),
    "definition": Door(1, 422, "cli.refused"),
    "definition_conflict": Door(1, 409, "cli.refused"),
    "sign_in": Door(1, 400, "cli.refused"),
    "database": Door(1, 503, "cli.error"),
    "concurrent_change": Door(75, 409, "cli.error"),  # 75: EX_TEMPFAIL, the same command may succeed later
}


def door_of(refused: Refused) -> Door:
    return DOORS.get(refused.code, DOORS["refused"])
