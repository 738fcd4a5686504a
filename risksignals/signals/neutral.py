"""Fairness by construction: the models never see names or neutral multiethnolect words.

``lexicons/neutral.toml`` lists fillers and address terms (wolla, bror, habibi, assa, «på
ekte» ...), content words with a neutral standard equivalent (flus -> penger) and first names
from many backgrounds. :func:`model_key` is the text the models read: the matching key with
those words removed, mapped, or replaced by the token ``navn``. Names outside the list are
caught when written with a capital letter inside a sentence (Norwegian capitalises only proper
nouns there), unless the word is a lexicon form such as «Charlie» or «Molly». So adding "wolla
bror" to a message or swapping Ola for Mohammed cannot change a prediction.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

import regex

from risksignals.signals.normalize import matching_key

__all__ = ["neutralise", "model_key", "neutral_words", "mask_capitalised_names", "NAME_TOKEN"]

NAME_TOKEN = "navn"
_WORD = regex.compile(r"([\p{L}\p{N}_]+)([,.!?:;]*)")
_SPACES = regex.compile(r" {2,}")
# a capitalised word (Ola, Åse, Ayşe) not at the start of a text, line or sentence
_CAPITALISED = regex.compile(r"(?<![.!?…]\s{0,3})(?<!^\s{0,3})(?<!\n\s{0,3})(?<=\s|[,(«\"'])\p{Lu}\p{Ll}+(?:-\p{Lu}?\p{Ll}+)?\b")
_LETTER_WORD = regex.compile(r"\p{L}{2,}")
_UPPER = regex.compile(r"\p{Lu}")


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], "regex.Pattern[str] | None"]:
    raw = tomllib.loads((resources.files("risksignals.lexicons") / "neutral.toml").read_text("utf-8"))
    table: dict[str, str] = {}
    phrases: list[str] = []
    for name in raw["names"]["names"]:
        table[matching_key(name)] = NAME_TOKEN
    for word in raw["drop"]["words"]:
        key = matching_key(word)
        if " " in key:
            phrases.append(key)
        else:
            table[key] = ""
    for word, repl in raw["map"].items():
        table[matching_key(word)] = matching_key(repl)
    pattern = None
    if phrases:
        alternatives = "|".join(regex.escape(p) for p in sorted(phrases, key=len, reverse=True))
        pattern = regex.compile(rf"(?<![\p{{L}}\p{{N}}])(?:{alternatives})(?![\p{{L}}\p{{N}}])[,.!?:;]*")
    return table, pattern


def neutral_words() -> dict[str, str]:
    """``{key_form: replacement}`` for single words; replacement '' drops the word (and the
    punctuation right after it, so «wolla, har du» reads like «har du»)."""
    return _table()[0]


@lru_cache(maxsize=1)
def _protected() -> frozenset[str]:
    """Single-word lexicon forms: a capitalised «Charlie» or «Molly» is evidence, not a name."""
    from risksignals.lexicons import Lexicon

    words = set()
    for e in Lexicon.load():
        for form in e.forms:
            key = matching_key(form.rstrip("*"))
            if key and " " not in key:
                words.add(key)
    return frozenset(words)


def mask_capitalised_names(text: str) -> str:
    """Replace capitalised words inside sentences by «navn» (skipped for Title Or CAPS text)."""
    if not _UPPER.search(text):
        return text
    words = _LETTER_WORD.findall(text)
    capitalised = sum(w[0].isupper() for w in words)
    if not words or capitalised > max(2, len(words) // 3):
        return text  # title-cased or shouted text: capitals carry no information here
    protected = _protected()

    def repl(m: "regex.Match[str]") -> str:
        word = m.group()
        return word if matching_key(word) in protected else NAME_TOKEN

    return _CAPITALISED.sub(repl, text)


def neutralise(key: str) -> str:
    """Apply the neutral-word table to a matching key."""
    table, phrases = _table()
    out = phrases.sub("", key) if phrases is not None else key

    def repl(m: "regex.Match[str]") -> str:
        new = table.get(m.group(1))
        if new is None:
            return m.group()
        return new + m.group(2) if new else ""  # a dropped word takes its punctuation along

    out = _WORD.sub(repl, out)
    if out != key:
        out = _SPACES.sub(" ", out).strip(" ")
    return out


def model_key(text: str) -> str:
    """What the models read: names masked, normalised, then neutralised."""
    return neutralise(matching_key(mask_capitalised_names(text)))
