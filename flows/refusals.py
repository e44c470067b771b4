"""A refused action ends its flow run Failed with the same one-line message the CLI prints: no traceback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prefect import get_run_logger
from prefect.states import Failed, State

from models.refusals import Refused


def refusal_as_failed(action: Callable[[], Any]) -> Any | State:
    """Run `action`; a refusal becomes a Failed state carrying its message (logged once, as an error)."""
    try:
        return action()
    except Refused as refused:
        get_run_logger().error("%s", refused)
        return Failed(message=str(refused))


def outcome(state: State) -> Any | State:
    """A task's result, or its refusal as the flow's own Failed state with the same message."""
    return Failed(message=state.message) if state.is_failed() else state.result()
