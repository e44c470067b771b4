"""Typer's private part parindex relies on: the click it vendors from 0.2x on (`typer._click`), whose exceptions
its commands raise (a bad option, --help with no command); tests/pinned/test_private_apis.py fails loudly when a
new Typer moves it."""

from __future__ import annotations

from typing import Any

try:
    from typer._click import exceptions as click_errors
    from typer._click.core import Context
    from typer._click.formatting import HelpFormatter
except ImportError:  # pragma: no cover  # a Typer that uses click itself
    from click import Context, HelpFormatter  # type: ignore[assignment]  # the same names, another module
    from click import exceptions as click_errors  # type: ignore[no-redef]

__all__ = ["click_context", "click_errors", "set_usage_prefix"]


def click_context(command: Any) -> Any:
    """A bare context for a command, as click makes one to build its help option."""
    return Context(command)


def set_usage_prefix(prefix: str) -> None:
    """The word before a usage line ("Usage: " in click, which takes no translation for it)."""
    write_usage = getattr(HelpFormatter.write_usage, "__wrapped__", HelpFormatter.write_usage)

    def localised(self: Any, prog: str, args: str = "", prefix_: str | None = None) -> None:
        write_usage(self, prog, args, prefix if prefix_ is None else prefix_)

    localised.__wrapped__ = write_usage
    setattr(HelpFormatter, "write_usage", localised)  # noqa: B010  # a method replaced, as a plain attribute
