"""A refused action ends its flow run Failed with the same one-line message the CLI prints: no traceback.

The task that meets the refusal completes (it did its job: it checked, and said no) and hands back a
`Refusal`; the flow turns it into its own Failed state. Prefect's engine then raises FailedRun to end the
process and logs "exited with unexpected exception" with a traceback: a filter drops those records for a
run that failed by returning a Failed state (its state message is the whole story; a flow that raises
keeps its traceback)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prefect import get_run_logger
from prefect.exceptions import FailedRun
from prefect.states import Failed, State
from sqlmodel import Session

from models.cycle_context import CycleContext, load_context
from models.refusals import Refused
from tasks.engine.events import committed
from tasks.engine.runtime import database_url, engine_for


@dataclass(frozen=True)
class Refusal:
    message: str


def act_on_cycle(cycle_id: str, action: Callable[[Session, CycleContext], Any]) -> Any:
    """`action` on the cycle in one transaction (its unit events sent once it commits), run again from a fresh
    read when another writer came between (models.db.retrying); a refusal is logged once, as an error, and comes
    back as a Refusal, nothing written."""
    try:
        return committed(engine_for(database_url()), lambda session: action(session, load_context(session, cycle_id)))
    except Refused as refused:
        get_run_logger().error("%s", refused)
        return Refusal(str(refused))


def outcome(result: Any) -> Any | State:
    """A task's result, or its refusal as the flow's own Failed state with the same message."""
    return Failed(message=result.message) if isinstance(result, Refusal) else result


class _NoTracebackForRefusals(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], FailedRun))


for _logger in ("prefect.engine", "prefect.flow_runs"):
    logging.getLogger(_logger).addFilter(_NoTracebackForRefusals())
