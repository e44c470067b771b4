"""A province's own letters: jinja2 templates in the cycle folder's `letters/` that take the place of the
default ones (notifications/templates), part by part: `reminder.vi.txt` alone changes the text of a Vietnamese
reminder and keeps its subject and HTML.

Each file is checked as the folder is: its name must be a letter and part parindex sends, it must parse, and it
may use only the variables parindex gives that letter (those its default uses, and those every letter gets) and
the filters it has. A template that names a variable parindex does not give would fail at the first send; it is
refused at `cycle check` instead, with its line.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import Environment, TemplateSyntaxError, meta

from models.definition.problems import Problems
from models.words import word

FOLDER = "letters"
DEFAULTS = Path(__file__).resolve().parents[2] / "notifications" / "templates"  # data: the default letters
MAX_BYTES = 64 * 1024
FILTERS = ("day", "weekday_vi", "weekday_en", "number", "percent", "signed")  # notifications.render's
# What every letter's template is given (tasks.mail.messages.message_context)
SHARED = frozenset({"lang", "title", "cycle_title", "recipient_name", "coordinator_name", "department",
                    "signature_lines", "plan_document", "plan_issued", "plan_issuer", "coordinator_email",
                    "portal_link"})


def _parser() -> Environment:
    env = Environment(trim_blocks=True, lstrip_blocks=True)
    env.filters.update({name: (lambda value, *args: value) for name in FILTERS})
    return env


def letter_names() -> list[str]:
    """Every part of every letter a province may write: `reminder.vi.txt`, `result.en.subject`, …"""
    return sorted(path.name for path in DEFAULTS.iterdir()
                  if path.is_file() and not path.name.startswith("_") and path.name.count(".") == 2)


def variables(env: Environment, source: str) -> set[str]:
    return set(meta.find_undeclared_variables(env.parse(source)))


def given(env: Environment, name: str) -> set[str]:
    """The variables parindex gives a letter: those of its default parts, in both languages, and the shared."""
    return set(SHARED) | set(env.globals) | _defaults_use(name.split(".")[0])


@cache  # the default letters are files of parindex itself: read once per process, per letter
def _defaults_use(kind: str) -> frozenset[str]:
    env = _parser()
    return frozenset(name for path in DEFAULTS.glob(f"{kind}.*.*")
                     for name in variables(env, path.read_text(encoding="utf-8")))


def read_letters(folder: Path, problems: Problems) -> dict[str, str]:
    """The folder's letters by file name, each checked; {} when it has none."""
    where = folder / FOLDER
    if not where.is_dir():
        return {}
    env, known, letters = _parser(), set(letter_names()), {}
    for path in sorted(where.iterdir()):
        file = f"{FOLDER}/{path.name}"
        if path.name not in known:
            problems.add(file, "", word("letters.unknown_name", names=", ".join(sorted({n.split(".")[0]
                                                                                         for n in known}))))
            continue
        if path.stat().st_size > MAX_BYTES:
            problems.add(file, "", word("letters.too_large", kb=MAX_BYTES // 1024))
            continue
        try:
            source = path.read_text(encoding="utf-8")
            used = variables(env, source)
        except UnicodeDecodeError:
            problems.add(file, "", word("letters.not_utf8"))
            continue
        except TemplateSyntaxError as error:
            problems.add(file, word("letters.line", line=error.lineno), word("letters.syntax", why=error.message))
            continue
        unknown = sorted(used - given(env, path.name))
        if unknown:
            problems.add(file, word("letters.line", line=_first_line(source, unknown[0])),
                         word("letters.unknown_variable", names=", ".join(unknown)))
            continue
        letters[path.name] = source
    return letters


def _first_line(source: str, name: str) -> int:
    return next((number for number, line in enumerate(source.splitlines(), start=1) if name in line), 1)
