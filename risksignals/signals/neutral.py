"""Fairness by construction: the models never see names or neutral multiethnolect words.

``lexicons/neutral.toml`` lists fillers and address terms (wolla, bror, habibi, assa ...),
content words with a neutral standard equivalent (flus -> penger) and first names from many
backgrounds. :func:`model_key` is the text the models read: the matching key with those words
removed, mapped, or replaced by the token ``navn``. So adding "wolla bror" to a message or
swapping Ola for Mohammed cannot change a prediction, whatever the training data taught.
Names outside the list are handled by counterfactual augmentation in training.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

import regex

from risksignals.signals.normalize import matching_key

__all__ = ["neutralise", "model_key", "neutral_words", "NAME_TOKEN"]

NAME_TOKEN = "navn"
_WORD = regex.compile(r"[\p{L}\p{N}_]+")
_SPACES = regex.compile(r" {2,}")


@lru_cache(maxsize=1)
def neutral_words() -> dict[str, str]:
    """``{key_form: replacement}``; replacement '' drops the word."""
    raw = tomllib.loads((resources.files("risksignals.lexicons") / "neutral.toml").read_text("utf-8"))
    table: dict[str, str] = {}
    for name in raw["names"]["names"]:
        table[matching_key(name)] = NAME_TOKEN
    for word in raw["drop"]["words"]:
        table[matching_key(word)] = ""
    for word, repl in raw["map"].items():
        table[matching_key(word)] = matching_key(repl)
    return table


def neutralise(key: str) -> str:
    """Apply the neutral-word table to a matching key."""
    table = neutral_words()

    def repl(m: "regex.Match[str]") -> str:
        return table.get(m.group(), m.group())

    out = _WORD.sub(repl, key)
    if len(out) != len(key) or out != key:
        out = _SPACES.sub(" ", out).strip(" ")
    return out


def model_key(text: str) -> str:
    """What the models read: normalised, then neutralised."""
    return neutralise(matching_key(text))
