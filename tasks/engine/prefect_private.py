"""The private parts of Prefect 3.8 parindex relies on, in one place; tests/pinned/test_private_apis.py fails
loudly when a new Prefect changes them (the pin is prefect>=3.8,<3.9). Prefect is imported when a function here
is called, never at import."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any


def run_context_variables() -> tuple[ContextVar[Any], ContextVar[Any]]:
    """The context variables behind FlowRunContext and TaskRunContext (`__var__`): set to None around an event
    emitted outside a run, so that Prefect's events thread does not link it to a run that has ended."""
    from prefect.context import FlowRunContext, TaskRunContext

    return FlowRunContext.__var__, TaskRunContext.__var__


def describe_run_input(model: type[Any], description: str) -> None:
    """The sentence the Prefect UI shows above a RunInput's form: its private `_description`, which the public
    `with_initial_data` sets too but by rebuilding the fields, losing their Vietnamese titles."""
    model._description = description
