"""Rendering messages from jinja2 templates: subject, plain text and HTML, Vietnamese by default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

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


@lru_cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["day"] = lambda instant, zone="Asia/Ho_Chi_Minh": _local(instant, zone).strftime("%d/%m/%Y")
    env.filters["weekday_vi"] = lambda instant, zone="Asia/Ho_Chi_Minh": WEEKDAYS_VI[_local(instant, zone).weekday()]
    env.filters["weekday_en"] = lambda instant, zone="Asia/Ho_Chi_Minh": WEEKDAYS_EN[_local(instant, zone).weekday()]
    return env


def _local(instant: Any, zone: str) -> Any:
    return instant.astimezone(ZoneInfo(zone)) if isinstance(instant, datetime) else instant


def render(kind: str, context: dict[str, Any], *, language: str = "vi", ics: str = "") -> RenderedMessage:
    """Render `<kind>.<language>.{subject,txt,html}`; an undefined variable is an error, not a blank."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {', '.join(LANGUAGES)}")
    env = environment()
    subject = env.get_template(f"{kind}.{language}.subject").render(context)
    return RenderedMessage(
        subject=one_line(subject),
        text=env.get_template(f"{kind}.{language}.txt").render(context),
        html=env.get_template(f"{kind}.{language}.html").render(context),
        ics=ics,
    )


def one_line(text: str) -> str:
    """Collapse every kind of line break and control character: nothing can reach a header unfolded."""
    return re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]+", " ", text).strip()
