"""The CLI's words, Vietnamese first (English with PARINDEX_LANGUAGE=en): models/catalogues, as for the
dashboard and the portal."""

from __future__ import annotations


def cli_words():
    """`t(key, **values)` in the configured language."""
    from models.settings import get_settings
    from models.words import words_in

    return words_in(get_settings().language)
