"""Typer's private part parindex relies on: the click it vendors from 0.2x on (`typer._click`), whose exceptions
its commands raise (a bad option, --help with no command); tests/pinned/test_private_apis.py fails loudly when a
new Typer moves it."""

from __future__ import annotations

try:
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover  # a Typer that uses click itself
    from click import exceptions as click_errors  # type: ignore[no-redef]  # the same names, another module

__all__ = ["click_errors"]
