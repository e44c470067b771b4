"""`parindex --help` in the reader's language: every command's and option's text from models/catalogues
(`help.<command path>[.<option>]`), and Typer's own words around them (Usage, Options, Commands, [default]).

Read without Babel or the settings (a `--help` loads neither, tests/pinned/test_layers.py): the catalogue's
help entries are single lines a plain reader takes, and the language is PARINDEX_LANGUAGE (Vietnamese unless
"en"). The code keeps the English text; an entry the catalogue lacks leaves it as written
(tests/cli/test_help.py finds none missing).
"""

from __future__ import annotations

import ast
import os
from pathlib import Path
from typing import Any

CATALOGUES = Path(__file__).resolve().parents[1] / "models" / "catalogues"


def help_language() -> str:
    return "en" if os.environ.get("PARINDEX_LANGUAGE", "vi").strip().lower() == "en" else "vi"


def help_entries(language: str) -> dict[str, str]:
    """The catalogue's `help` and `help.*` entries."""
    entries: dict[str, str] = {}
    key = ""
    for line in (CATALOGUES / f"{language}.po").read_text(encoding="utf-8").splitlines():
        if line.startswith("msgid "):
            key = line[7:-1]
        elif line.startswith("msgstr ") and (key == "help" or key.startswith("help.")):
            entries[key] = ast.literal_eval(line[7:])
    return entries


def localise_help(command: Any, language: str | None = None) -> Any:
    """The click command tree of the CLI with every help text in the language; returns the command."""
    from typer import rich_utils

    from cli.typer_private import click_context, set_usage_prefix

    words = help_entries(language or help_language())
    for name, key in (("ARGUMENTS_PANEL_TITLE", "help.panel.arguments"), ("OPTIONS_PANEL_TITLE", "help.panel.options"),
                      ("COMMANDS_PANEL_TITLE", "help.panel.commands"), ("DEFAULT_STRING", "help.default"),
                      ("REQUIRED_LONG_STRING", "help.required"), ("ENVVAR_STRING", "help.envvar")):
        if key in words:
            setattr(rich_utils, name, words[key])
    set_usage_prefix(words.get("help.usage", "Usage: "))

    def walk(node: Any, key: str) -> None:
        node.help = words.get(key, node.help)
        node.options_metavar = words.get("help.options_metavar", node.options_metavar)
        if getattr(node, "commands", None):
            node.subcommand_metavar = words.get("help.subcommand_metavar", node.subcommand_metavar)
        for param in node.params:
            if getattr(param, "help", None):
                param.help = words.get(f"{key}.{param.name}", param.help)
        option = node.get_help_option(click_context(node))
        if option is not None:
            option.help = words.get("help.help_option", option.help)
        for name, sub in getattr(node, "commands", {}).items():
            walk(sub, f"{key}.{name.replace('-', '_')}")

    walk(command, "help")
    return command
