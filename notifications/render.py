"""Rendering messages from jinja2 templates: subject, plain text and HTML, Vietnamese by default."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    ChoiceLoader,
    DictLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from markupsafe import escape

from models import formatting
from models.workdays import WEEKDAYS_VI

TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("vi", "en")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str
    ics: str = ""


def environment(letters: Mapping[str, str] | None = None) -> Environment:
    """The templates: the province's own letters (cycle folder letters/, by file name) before the defaults."""
    return _environment(tuple(sorted((letters or {}).items())))


@lru_cache(maxsize=32)
def _environment(letters: tuple[tuple[str, str], ...]) -> Environment:
    loader = ChoiceLoader([DictLoader(dict(letters)), FileSystemLoader(TEMPLATES)]) if letters \
        else FileSystemLoader(TEMPLATES)
    env = Environment(loader=loader, autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["day"] = lambda instant, zone="Asia/Ho_Chi_Minh": _local(instant, zone).strftime("%d/%m/%Y")
    env.filters["weekday_vi"] = lambda instant, zone="Asia/Ho_Chi_Minh": WEEKDAYS_VI[_local(instant, zone).weekday()]
    env.filters["weekday_en"] = lambda instant, zone="Asia/Ho_Chi_Minh": WEEKDAYS_EN[_local(instant, zone).weekday()]
    # numbers as the reader's language writes them (the template's `lang`): 89,265 and 89,27% in Vietnamese
    for name in ("number", "percent", "signed"):
        env.filters[name] = in_language(getattr(formatting, name))
    return env


def in_language(format_value: Any) -> Any:
    """A jinja2 filter formatting a value in the template's language (its `lang`)."""
    @pass_context
    def in_language(context: Any, value: Any, places: int | None = None) -> str:
        language = context.get("lang", "vi")
        return format_value(value, language, places) if places is not None else format_value(value, language)
    return in_language


def _local(instant: Any, zone: str) -> Any:
    return instant.astimezone(ZoneInfo(zone)) if isinstance(instant, datetime) else instant


def render(kind: str, context: dict[str, Any], *, language: str = "vi", ics: str = "",
           letters: Mapping[str, str] | None = None) -> RenderedMessage:
    """Render `<kind>.<language>.{subject,txt,html}` (the province's own where `letters` has them); an undefined
    variable is an error, not a blank."""
    subject, text, html = _render_parts(kind, context, language, letters)
    return RenderedMessage(subject=one_line(subject), text=text, html=html, ics=ics)


def render_each(kind: str, context: dict[str, Any], personal: Sequence[dict[str, str]], *, language: str = "vi",
                ics: Sequence[str] = (), letters: Mapping[str, str] | None = None) -> list[RenderedMessage]:
    """One message per entry of `personal` (the variables that differ between recipients: names, links),
    the rest of `context` shared. The templates are rendered once, with a marker where each personal variable
    goes; each recipient's values are then put in, escaped in HTML as autoescape would. The result is the
    same as `render` for each recipient (tested), for templates that print personal variables as they are
    (`{{ name }}`, no filter, no test)."""
    if not personal:
        return []
    names = sorted(personal[0])
    marked = _render_parts(kind, {**context, **{name: f"{_MARK}{name}{_MARK}" for name in names}}, language, letters)
    pattern = re.compile(f"{_MARK}({'|'.join(map(re.escape, names))}){_MARK}")
    rendered = []
    for index, values in enumerate(personal):
        escaped = {name: str(escape(value)) for name, value in values.items()}
        subject, text, html = (_filled(pattern, part, table)
                               for part, table in zip(marked, (values, values, escaped), strict=True))
        rendered.append(RenderedMessage(subject=one_line(subject), text=text, html=html,
                                        ics=ics[index] if ics else ""))
    return rendered


_MARK = f"\ue000{secrets.token_hex(8)}"  # unguessable: no template, no shared value and no name holds it



def _filled(pattern: re.Pattern[str], part: str, table: Mapping[str, str]) -> str:
    return pattern.sub(lambda found: table[found.group(1)], part)

def _render_parts(kind: str, context: dict[str, Any], language: str,
                  letters: Mapping[str, str] | None = None) -> tuple[str, str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    env = environment(letters)
    return (env.get_template(f"{kind}.{language}.subject").render(context),
            env.get_template(f"{kind}.{language}.txt").render(context),
            env.get_template(f"{kind}.{language}.html").render(context))


def one_line(text: str) -> str:
    """Collapse every kind of line break and control character: nothing can reach a header unfolded."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]+", " ", text).strip()
