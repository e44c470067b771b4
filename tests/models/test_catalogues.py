"""The catalogues: every key in both languages, the same placeholders, and every key the code asks for there."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from models.words import LANGUAGES, WORDS

pytestmark = pytest.mark.one_pass  # files only

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [path for folder in ("cli", "flows", "tasks", "models", "notifications", "web")
           for path in (ROOT / folder).rglob("*") if path.suffix in (".py", ".html")]
# t("key"), say(request, "key"), word("key"), t('key') in templates
ASKED = re.compile(r"""\b(?:t|word|say\(request,)\s*\(?\s*["']([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*)["']""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_every_key_with_its_placeholders_and_no_blank():
    vi, en = WORDS["vi"], WORDS["en"]
    assert set(vi) == set(en), f"only in one: {sorted(set(vi) ^ set(en))}"
    assert all(text.strip() for language in LANGUAGES for text in WORDS[language].values())
    different = {key for key in vi if placeholders(vi[key]) != placeholders(en[key])}
    assert not different, f"placeholders differ: {sorted(different)}"


def test_every_key_the_code_asks_for_is_in_the_catalogue():
    asked = {(path.relative_to(ROOT), key) for path in SOURCES for key in ASKED.findall(path.read_text("utf-8"))}
    assert len(asked) > 150  # the scan finds the code's keys
    missing = sorted((str(path), key) for path, key in asked if key not in WORDS["vi"])
    assert not missing, f"keys not in models/catalogues: {missing}"


RULE = re.compile(r'add\(problems, [a-z_.]+, [A-Za-z_.]+, "([a-z-]+)"|problems\.add\("([a-z-]+)"|rule="([a-z-]+)"')


def test_every_rule_a_form_can_break_has_its_sentence():
    rules = {code for path in SOURCES for found in RULE.findall(path.read_text("utf-8")) for code in found if code}
    assert len(rules) > 40  # the scan finds the intake's rules
    assert sorted(rule for rule in rules if f"rule.{rule}" not in WORDS["vi"]) == []


def test_no_vietnamese_entry_reads_as_english():
    from tests.english import english_lines

    english = {key: text for key, text in WORDS["vi"].items()
               if english_lines(re.sub(r"\{[^}]*\}", " ", text))}  # placeholders are names, not words
    assert not english, f"English in vi.po: {english}"
