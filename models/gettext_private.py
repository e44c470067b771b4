"""The one private part of gettext (Babel's Translations derive from it) parindex reads: the compiled catalogue's
messages, which no public call lists. tests/pinned/test_private_apis.py fails loudly if a new Python or Babel
moves it."""

from __future__ import annotations

from gettext import GNUTranslations


def catalogue_texts(translations: GNUTranslations) -> dict[str, str]:
    """Every message of a compiled catalogue, by its id (the header entry and plural forms left out)."""
    messages: dict[object, str] = translations._catalog  # type: ignore[attr-defined]  # private: see the module
    return {key: text for key, text in messages.items() if isinstance(key, str) and key}
