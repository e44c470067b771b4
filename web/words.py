"""The portal's words: Vietnamese, English with PARINDEX_LANGUAGE=en or the page's language link; in
models/catalogues with every other word parindex shows."""

from __future__ import annotations

from models.words import actor_words, history_event, state_words, words_in

__all__ = ["actor_words", "history_event", "state_words", "words_for"]


def words_for(language: str):
    """`t(key, **values)` in the language (Vietnamese unless English is asked for)."""
    return words_in(language)
