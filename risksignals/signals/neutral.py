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

import re
import tomllib
from bisect import bisect_right
from functools import lru_cache
from importlib import resources

import regex

from risksignals.signals.automaton import Automaton
from risksignals.signals.normalize import _drop_invisible, matching_key

__all__ = ["neutralise", "neutralise_many", "model_key", "model_keys", "mask_capitalised_names", "NAME_TOKEN"]

NAME_TOKEN = "navn"
# a capitalised word (Ola, Åse, Ayşe) not at the start of a text, line or sentence



@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    """(words, phrases): ``{key_form: replacement}``; replacement '' drops the form."""
    raw = tomllib.loads((resources.files("risksignals.lexicons") / "neutral.toml").read_text("utf-8"))
    table: dict[str, str] = {}
    phrases: dict[str, str] = {}
    for name in raw["names"]["names"]:
        table[matching_key(name)] = NAME_TOKEN
    for word in raw["drop"]["words"]:
        key = matching_key(word)
        (phrases if " " in key else table)[key] = ""
    for word, repl in raw["map"].items():
        table[matching_key(word)] = matching_key(repl)
    return table, phrases


@lru_cache(maxsize=2)
def _automaton(which: int) -> Automaton:
    return Automaton([(key, (key, repl)) for key, repl in _table()[which].items()])


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_TRAILING = ",.!?:;"


def _replace_words_py(s: str, automaton: Automaton) -> str:
    """Replace whole-word occurrences; a dropped form takes the punctuation right after it."""
    out: list[str] = []
    pos = 0
    n = len(s)
    for end, (form, repl) in automaton.pyahocorasick().iter(s):
        start = end - len(form) + 1
        if start < pos or (start > 0 and _is_word(s[start - 1])) or (end + 1 < n and _is_word(s[end + 1])):
            continue
        b = end + 1
        if not repl:
            while b < n and s[b] in _TRAILING:
                b += 1
        out.append(s[pos:start])
        out.append(repl)
        pos = b
    if not out:
        return s
    out.append(s[pos:])
    return "".join(out)


try:  # the same loop in C (a test checks that they agree)
    from risksignals.signals._hits import replace_words as _replace_words_c

    def _replace_words(s: str, automaton: Automaton) -> str:
        return _replace_words_c(automaton.hits(s), s, _TRAILING) if automaton else s
except ImportError:  # pragma: no cover - no C compiler at install time
    _replace_words = _replace_words_py


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


_CANDIDATE = re.compile(r"(?<=[\s,(«\"'])[^\W\d_]+(?:-[^\W\d_]+)?")
_WORDS = re.compile(r"[^\W\d_]{2,}")
_SENTENCE_END = set(".!?…\n")
# a capitalised word where a name could stand; consumes the rest of the text (one hit per text)
_MAYBE_NAME = regex.compile(r"(?<=[\s,(«\"'])\p{Lu}\p{Ll}[^\ue000]*")


@lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    return matching_key(word)


def _name_candidates_py(text: str) -> tuple[int, int, list[tuple[int, int]]]:
    """(words, capitalised words, spans of the capitalised words that may be names)."""
    words = _WORDS.findall(text)
    spans = []
    for m in _CANDIDATE.finditer(text):
        word = m.group()
        if word[0].isupper() and len(word.split("-", 1)[0]) >= 2:
            spans.append(m.span())
    return len(words), sum(w[0].isupper() for w in words), spans


try:  # the same scan in C (a test checks that they agree)
    from risksignals.signals._keysteps import name_candidates as _name_candidates
except ImportError:  # pragma: no cover - no C compiler at install time
    _name_candidates = _name_candidates_py


def mask_capitalised_names(text: str) -> str:
    """Replace capitalised words inside sentences by «navn» (skipped for Title Or CAPS text)."""
    if text == text.lower():
        return text
    text = _drop_invisible(text)  # «O\u200bla» is still the name Ola
    words, capitalised, spans = _name_candidates(text)
    if not words or (words >= 3 and capitalised > 0.6 * words):
        return text  # title-cased or shouted text: capitals carry no information here
    protected = _protected()
    out: list[str] = []
    pos = 0
    for start, end in spans:
        word = text[start:end]
        head = word.split("-", 1)[0]
        if head[1:] != head[1:].lower():
            continue
        j = start - 1
        while j >= 0 and text[j] in " \t":
            j -= 1
        if j < 0 or text[j] in _SENTENCE_END:
            continue  # sentence-initial: a capital there says nothing
        if _word_key(word) in protected:
            continue
        out.append(text[pos:start])
        out.append(NAME_TOKEN)
        pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _neutralise_joined(s: str) -> str:
    table, phrases = _table()
    out = _replace_words(s, _automaton(1)) if phrases else s
    out = _replace_words(out, _automaton(0))
    if out == s:
        return s
    while "  " in out:  # runs of spaces -> one (str.replace is much faster than a regex here)
        out = out.replace("  ", " ")
    return out


def neutralise(key: str) -> str:
    """Apply the neutral-word table to a matching key."""
    out = _neutralise_joined(key)
    return out.strip(" ") if out != key else key


_JOIN = "\n\ue000\n"


def neutralise_many(keys: list[str]) -> list[str]:
    """``[neutralise(k) for k in keys]`` in one pass over the joined keys."""
    if not keys:
        return []
    if any("\ue000" in k or "\n" in k for k in keys):
        return [neutralise(k) for k in keys]
    joined = _JOIN.join(keys)
    out = _neutralise_joined(joined)
    if out == joined:
        return list(keys)
    parts = out.split("\ue000")
    return [p.strip("\n").strip(" ") if p.strip("\n") != k else k for p, k in zip(parts, keys)]


def model_key(text: str) -> str:
    """What the models read: names masked, normalised, then neutralised."""
    return neutralise(matching_key(mask_capitalised_names(text)))


def model_keys(texts) -> list[str]:
    """``[model_key(t) for t in texts]`` for a whole batch (much faster)."""
    from risksignals.signals.normalize import matching_keys

    texts = list(texts)
    # only texts with a capitalised word after a space or punctuation can hold a name to mask
    joined = "\n\ue000\n".join(texts)
    starts, at = [], 0
    for t in texts:
        starts.append(at)
        at += len(t) + 3
    masked = list(texts)
    for m in _MAYBE_NAME.finditer(joined):
        i = bisect_right(starts, m.start()) - 1
        masked[i] = mask_capitalised_names(texts[i])
    return neutralise_many(matching_keys(masked))
