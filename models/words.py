"""Every word a reader sees, Vietnamese first (English with PARINDEX_LANGUAGE=en), from gettext catalogues
(models/catalogues/<language>.po) that Babel reads: stages, states, events, the dashboard's artifacts, the
portal's pages, the CLI, calendar entries, the report and the workbook. Letters are whole templates per
language (notifications/templates)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from models.gettext_private import catalogue_texts
from models.refusals import Words
from models.settings import get_settings

CATALOGUES = Path(__file__).parent / "catalogues"
LANGUAGES = ("vi", "en")


@lru_cache
def translations(language: str) -> Translations:
    """The language's gettext catalogue (catalogues/<language>.po, read and compiled by Babel)."""
    with (CATALOGUES / f"{language}.po").open("rb") as source:
        catalogue = read_po(source, locale=language, domain="parindex")
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain="parindex")


class _Words(Mapping[str, dict[str, str]]):
    """WORDS[language][key]: every key of a language's catalogue and its text."""

    def __getitem__(self, language: str) -> dict[str, str]:
        return _table(language)

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


@lru_cache
def _table(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        raise KeyError(language)
    return catalogue_texts(translations(language))


WORDS = _Words()


_READER_LANGUAGE: ContextVar[str | None] = ContextVar("parindex_reader_language", default=None)


def speak_to_reader(language: str) -> None:
    """From now on in this context (a web request's own task), `word` answers in `language`: the portal's
    reader chose it, whatever the province's."""
    _READER_LANGUAGE.set(language)


def word(key: str, /, **values: object) -> str:
    """The word or sentence `key` in the reader's language (see `speak_to_reader`), else the configured one, its
    {placeholders} filled."""
    return words_in(_READER_LANGUAGE.get() or get_settings().language)(key, **values)


def words_in(language: str) -> Words:
    """`t(key, **values)` in the language (Vietnamese unless English is asked for): the catalogue's text for the
    key, its {placeholders} filled; an unknown key is returned as it is."""
    gettext = translations(language if language in LANGUAGES else "vi").gettext

    def t(key: str, /, **values: object) -> str:  # positional: a placeholder may be called "key"
        text = gettext(key)
        return text.format(**values) if values else text

    return t


def history_event(t: Words, event: str) -> str:
    """A history row's event in words: a unit's transition, a task's, a score version, a mail."""
    for key in (f"event.{event}", f"history.{event}"):
        if t(key) != key:
            return t(key)
    if event.startswith("score_"):
        return f"{t('history.score')}: {t('kind.' + event.removeprefix('score_'))}"
    if event.endswith("_queued"):
        return f"{t('history.mail')}: {t('mail.' + event.removesuffix('_queued'))}"
    return event


def rule_sentence(t: Words, rule: str) -> str:
    """The sentence for a rule a form can break (`rule.<code>`), or "" for a rule without one."""
    key = f"rule.{rule}"
    return "" if t(key) == key else t(key)


SYSTEM_ACTORS = {"parindex-tick": "actor.tick", "parindex-demo": "actor.demo", "parindex": "actor.mail"}


def actor_words(t: Words, actor: str, names: Mapping[str, str]) -> str:
    """Who did it, as a reader knows them: a unit's or a body's name (`names`: "unit:SXD" → "Sở Xây dựng"), the
    season's own clock or mail in words, a person as written."""
    if actor in names:
        return names[actor]
    if actor in SYSTEM_ACTORS or actor.startswith("parindex"):
        return t(SYSTEM_ACTORS.get(actor, "actor.system"))
    return actor


def state_words(t: Words, state: str | None) -> str:
    if not state:
        return ""
    for key in (f"state.{state}", state, f"mail.{state}"):
        if t(key) != key:
            return t(key)
    return state


def edge_sentences(notes: list[dict[str, Any]], language: str, names: Mapping[str, str]) -> list[str]:
    """One sentence per edge rule that decided a unit's outcome (models.scoring's `decided_by`): a tie, a band's
    threshold, the reward cap; units named by `names` (code → name)."""
    from decimal import Decimal

    from models.formatting import number

    t = words_in(language)

    def pct(value: str, places: int | None = None) -> str:
        return number(value, language, places, most=4) + "%"

    def exact(value: str, places: int) -> str:
        """An exact index: at least the published decimals, more (up to four) where it has them."""
        digits = -min(0, Decimal(value).normalize().as_tuple().exponent)  # type: ignore[operator]  # finite: an int
        return pct(value, max(places, min(digits, 4)))

    sentences = []
    for note in notes:
        rule = note["rule"]
        values = {key: value for key, value in note.items() if key not in ("rule", "more")}
        if "others" in note:
            values["others"] = ", ".join(names.get(code, code) for code in note["others"])
            if note.get("more"):
                values["others"] += t("edge.more", count=note["more"])
        for key in ("index", "threshold"):
            if key in note:
                values[key] = pct(note[key], note.get("places") if key == "index" else None)
        if "exact" in note:
            values["exact"] = exact(note["exact"], note.get("places", 2))
        if "by" in note:
            values["by"] = ", ".join(t(f"edge.by.{key}") for key in note["by"])
        if rule == "tie" and note.get("rounded"):
            rule = "tie_rounded"
        if rule == "cap_tie_break":
            rule = "cap_tie_break_won" if note["won"] else "cap_tie_break_lost"
        sentences.append(t(f"edge.{rule}", **values))
    return sentences
