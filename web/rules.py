"""A sentence for each rule a form can break, shown beside the intake's own message: `rule.<code>` in
models/catalogues."""

from __future__ import annotations

from models.words import rule_sentence, words_in


def rule_words(rule: str, language: str) -> str:
    return rule_sentence(words_in(language), rule)
