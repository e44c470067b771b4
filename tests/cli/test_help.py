"""`parindex --help` reads in Vietnamese (English with PARINDEX_LANGUAGE=en): every command's and option's text
comes from models/catalogues, and so do the words around them (Cách dùng, Tùy chọn, Lệnh, [mặc định])."""

from __future__ import annotations

import os
import subprocess

import pytest
import typer.main

import cli.main
from models.words import WORDS
from tests.cli.runner import PARINDEX
from tests.conftest import ROOT
from tests.english import english_lines


def commands(node, path=()):  # type: ignore[no-untyped-def]
    yield path, node
    for name, sub in sorted(getattr(node, "commands", {}).items()):
        yield from commands(sub, (*path, name))


def test_every_command_and_option_has_its_text_in_both_catalogues():
    root = typer.main.get_command(cli.main.app)
    missing = []
    for path, command in commands(root):
        key = "help" + "".join(f".{name.replace('-', '_')}" for name in path)
        wanted = ([key] if command.help else []) + [f"{key}.{p.name}" for p in command.params if getattr(p, "help", "")]
        missing += [(language, name) for language in ("vi", "en") for name in wanted if name not in WORDS[language]]
    assert missing == []


def helped(*args: str, language: str = "vi") -> str:
    done = subprocess.run([PARINDEX, *args, "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "COLUMNS": "80", "PARINDEX_LANGUAGE": language})
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("command", [(), ("cycle", "load"), ("extend",), ("history",), ("report",), ("user", "add")])
def test_help_is_vietnamese_by_default_and_english_on_request(command):
    shown = helped(*command)
    assert english_lines(shown) == [] and "Cách dùng: parindex" in shown and "Tùy chọn" in shown
    assert "COMMAND" not in shown and "OPTIONS" not in shown
    assert "Hiện trợ giúp này rồi thoát." in shown and all(len(line) <= 80 for line in shown.splitlines())
    english = helped(*command, language="en")
    assert "Usage: parindex" in english and "Options" in english and "Show this message and exit." in english
