"""Normalisation: a matching key that survives obfuscation, with a map back to the original.

Youth who want to slip past filters write ``g0d1s``, ``h.a.s.j``, ``s e l g e r``, ``godiiiis``,
put a zero-width space inside a word or swap a Latin ``o`` for a Cyrillic ``о``. The matcher and
the models read a *key* in which all of these collapse to the same string; evidence is shown on
the *original* text, so every key character remembers the span of original characters it came
from.

Two paths compute the same key:

* :func:`normalize` keeps the offset map (used by ``scan`` and for evidence spans);
* :func:`matching_key` skips the bookkeeping (used for batch classification and features).

Both run the same steps with the same compiled patterns and replacement functions, so they
cannot drift apart; a property-based test checks that they agree on arbitrary Unicode. Steps
5-8 also exist in C (``_keysteps.c``, built by ``pip install``), which :func:`matching_key` and
:func:`matching_keys` use: these regex passes were the largest cost of batch classification.
A property-based test checks that the C steps equal the regex steps.

Steps, in order:

1. NFKC per grapheme cluster (full-width letters, ligatures, mathematical bold letters);
   repeated after casefolding, which can leave decomposed letters.
2. Remove invisible format characters (zero-width space/joiner/non-joiner, word joiner, BOM,
   soft hyphen, bidi marks), except the zero-width joiner *inside* emoji sequences; remove emoji
   variation selectors (FE0E/FE0F) and skin-tone modifiers.
3. Casefold (æ, ø, å stay themselves: nothing is ASCII-folded).
4. Homoglyphs: Cyrillic and Greek look-alike letters become Latin.
5. Separators inside words: ``s e l g e r``, ``h.a.s.j``, ``h-a-s-j`` become ``selger``, ``hasj``.
6. Leetspeak inside words: ``g0d1s`` -> ``godis``, ``h4sj`` -> ``hasj``, ``ha$j`` -> ``hasj``;
   prices, times and ``1v1`` are left alone.
7. Repeats collapse: runs of the same letter, emoji or punctuation become one (``godiiiis`` ->
   ``godis``; ``takk`` -> ``tak`` too, which is why lexicon forms pass through the same steps).
8. Whitespace runs become one space; leading/trailing space is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Sequence

import regex

__all__ = ["NormalisedText", "normalize", "matching_key", "matching_keys", "tokenize", "TOKEN_PATTERN"]

Repl = Callable[["re.Match[str]"], str]

# --- step 1: NFKC -------------------------------------------------------------------------
_GRAPHEME = regex.compile(r"\X")

# --- step 2: invisible characters and emoji modifiers ------------------------------------
_PICT = r"\p{Extended_Pictographic}"
_INVISIBLE_SIMPLE = (
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b\u200c\u200e\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0"
    "\U0001F3FB-\U0001F3FF\U000E0000-\U000E007F]"
)
_INVISIBLE = regex.compile(
    _INVISIBLE_SIMPLE
    # a zero-width joiner survives only between two pictographs (emoji ZWJ sequences)
    + rf"|(?<!{_PICT}[\ufe0f\U0001F3FB-\U0001F3FF]?)\u200d"
    + rf"|\u200d(?![\ufe0f]?{_PICT})"
)
_INVISIBLE_FAST = re.compile(_INVISIBLE_SIMPLE)


def _drop_invisible(s: str) -> str:
    """The fast path of step 2 (same result as ``_INVISIBLE.sub('', s)``)."""
    if s.isascii():  # every invisible character is outside ASCII (str.isascii is a flag check)
        return s
    if "\u200d" in s:
        return _INVISIBLE.sub("", s)
    return _INVISIBLE_FAST.sub("", s)


# --- step 4: homoglyphs -------------------------------------------------------------------
_HOMOGLYPHS = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ς": "s",
        # Latin look-alikes outside the basic block
        "ı": "i", "ȷ": "j", "ℓ": "l",
    }
)
_HAS_HOMOGLYPH = re.compile("[" + "".join(chr(c) for c in _HOMOGLYPHS) + "]")


def _unhomoglyph(s: str) -> str:
    # a scan plus one call per look-alike is much faster than str.translate on long batches
    return _HAS_HOMOGLYPH.sub(lambda m: _HOMOGLYPHS[ord(m.group())], s)

# --- step 5: separators inside words -------------------------------------------------------
# Steps 5-8 use the standard library's ``re`` (several times faster here than ``regex``);
# a "unit" is a letter or digit ([^\W_]) or one of $ @ €.
_SEP_CHARS = r"[.\-_*|/·•+~,]"
_UNIT = r"(?:[^\W_]|[$@€])"
# h.a.s.j / h-a-s-j / h . a . s . j : three or more single characters joined by a separator
_SEPARATED = re.compile(rf"(?<![^\W_]){_UNIT}(?:\s?{_SEP_CHARS}\s?{_UNIT}){{2,}}(?![^\W_])")
# s e l g e r : four or more single characters separated by single spaces
_SPACED = re.compile(rf"(?<!\S){_UNIT}(?: {_UNIT}){{3,}}(?!\S)")
_NOT_UNIT = re.compile(r"[\W_](?<![$@€])")


def _join_units(m: "regex.Match[str]") -> str:
    text = m.group()
    joined = _NOT_UNIT.sub("", text)
    letters = sum(ch.isalpha() for ch in joined)
    return joined if letters >= 2 else text


# --- step 6: leetspeak ---------------------------------------------------------------------
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a", "€": "e"}
_INTERIOR_ONLY = {"$", "@", "€"}
# words that mix letters with leet characters (pure-letter words need no work)
_WORDISH = re.compile(rf"(?<![^\W_])(?<![$@€]){_UNIT}*[0-9$@€]{_UNIT}*")
_UNITLIKE = re.compile(r"\d+[^\W\d_]{1,3}|[^\W\d_]{1,3}\d+|\d{2,}.*|.*\d{2,}")


def _unleet_word(word: str) -> str:
    if word.isalpha() or _UNITLIKE.fullmatch(word):
        return word
    if sum(ch.isalpha() for ch in word) < 2:
        return word
    out = []
    last = len(word) - 1
    for i, ch in enumerate(word):
        rep = _LEET.get(ch)
        if rep is None:
            out.append(ch)
            continue
        if ch in _INTERIOR_ONLY and not (0 < i < last and word[i - 1].isalpha() and word[i + 1].isalpha()):
            out.append(ch)
            continue
        out.append(rep)
    return "".join(out)


def _unleet(m) -> str:
    return _unleet_word(m.group())


# --- step 7: repeats ------------------------------------------------------------------------
_REPEAT_LETTERS = re.compile(r"([^\W\d_])\1+")
_REPEAT_PICTS = regex.compile(rf"({_PICT})\1+")
_REPEAT_PUNCT = re.compile(r"([^\w\s])\1+")


def _first(m: "regex.Match[str]") -> str:
    return m.group(1)


# --- step 8: whitespace ---------------------------------------------------------------------
# whitespace that is not already a single space (same result as \s+ -> " ", fewer matches)
_SPACE = re.compile(r"\s\s+|[^\S ]")


def _one_space(m: "regex.Match[str]") -> str:
    return " "


# Tokens of the key: flags, emoji (ZWJ sequences stay one token), and words.
TOKEN_PATTERN = regex.compile(
    rf"\p{{RI}}\p{{RI}}|{_PICT}(?:\u200d{_PICT})*|[\p{{L}}\p{{N}}_]+"
)


@dataclass(frozen=True)
class NormalisedText:
    """The matching key of a text and, for every key character, its original span.

    ``starts[i]``/``ends[i]`` give the half-open span ``original[starts[i]:ends[i]]`` that key
    character ``i`` came from. :meth:`original_span` maps a key span back to the original.
    """

    original: str
    key: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map the key span ``[start, end)`` to a span of the original text."""
        if not self.key or end <= start:
            at = self.starts[start] if start < len(self.starts) else len(self.original)
            return at, at
        return self.starts[start], self.ends[end - 1]

    def original_text(self, start: int, end: int) -> str:
        a, b = self.original_span(start, end)
        return self.original[a:b]


# ------------------------------------------------------------------------------------------
# The steps. Each is (pattern, replacement function, fast replacement); every path applies them
# in this order. The fast replacement is a template where one exists (no Python call per match).
_SUB_STEPS: list[tuple["regex.Pattern[str]", Repl, "Repl | str"]] = [
    (_SEPARATED, _join_units, _join_units),
    (_SPACED, _join_units, _join_units),
    (_WORDISH, _unleet, _unleet),
    (_REPEAT_LETTERS, _first, r"\1"),
    (_REPEAT_PICTS, _first, r"\1"),
    (_REPEAT_PUNCT, _first, r"\1"),
    (_SPACE, _one_space, " "),
]


def _key_steps_py(s: str) -> str:
    """Steps 5-8 with the patterns above (the reference implementation)."""
    for pattern, _repl, fast in _SUB_STEPS:
        s = pattern.sub(fast, s)
    return s


try:  # the same steps compiled (setup.py builds it; a test checks it equals the reference)
    from risksignals.signals._keysteps import key_steps as _key_steps
except ImportError:  # pragma: no cover - no C compiler at install time
    _key_steps = _key_steps_py


def _nfkc_clusters(s: str) -> list[str]:
    return [unicodedata.normalize("NFKC", c) for c in _GRAPHEME.findall(s)]


def matching_key(text: str) -> str:
    """The normalised matching key of ``text``, without the offset map (fast path)."""
    s = text
    if not unicodedata.is_normalized("NFKC", s):
        s = "".join(_nfkc_clusters(s))
    s = _drop_invisible(s)
    s = s.casefold()
    if not unicodedata.is_normalized("NFKC", s):  # casefolding can leave decomposed letters
        s = "".join(_nfkc_clusters(s))
    s = _unhomoglyph(s)
    return _key_steps(s).strip(" ")


_SEP = "\ue000"  # a private-use character: never changed by any step, never part of a word
_JOIN = f" {_SEP} "


def matching_keys(texts: Sequence[str]) -> list[str]:
    """``[matching_key(t) for t in texts]``, computed over the whole batch at once.

    The texts are joined with a private-use separator (spaced, so no step can reach across it),
    every step runs once over the joined string, and the result is split again. A test checks
    that this equals the per-text keys on arbitrary input.
    """
    texts = list(texts)
    if not texts:
        return []
    out: list[str | None] = [None] * len(texts)
    batch_idx = []
    pieces = []
    for i, t in enumerate(texts):
        if _SEP in t or not t:
            out[i] = matching_key(t)
            continue
        batch_idx.append(i)
        if not unicodedata.is_normalized("NFKC", t):
            t = "".join(_nfkc_clusters(t))
        if "\u200d" in t:  # emoji ZWJ sequences need the slow, exact rule: only here
            t = _INVISIBLE.sub("", t)
        pieces.append(t)
    if pieces:
        s = _INVISIBLE_FAST.sub("", _JOIN.join(pieces))
        s = s.casefold()
        if not unicodedata.is_normalized("NFKC", s):
            s = _SEP.join(p if unicodedata.is_normalized("NFKC", p) else "".join(_nfkc_clusters(p))
                          for p in s.split(_SEP))
        s = _key_steps(_unhomoglyph(s))
        parts = s.split(_SEP)
        if len(parts) != len(batch_idx):  # pragma: no cover - defensive: fall back per text
            parts = [matching_key(texts[i]) for i in batch_idx]
        for i, part in zip(batch_idx, parts):
            out[i] = part.strip(" ")
    return out  # type: ignore[return-value]


def _apply_with_offsets(
    pattern: "regex.Pattern[str]", repl: Repl, s: str, starts: list[int], ends: list[int]
) -> tuple[str, list[int], list[int]]:
    out: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []
    pos = 0
    for m in pattern.finditer(s):
        a, b = m.span()
        if a > pos:
            out.append(s[pos:a])
            new_starts.extend(starts[pos:a])
            new_ends.extend(ends[pos:a])
        rep = repl(m)
        if rep == m.group():
            out.append(rep)
            new_starts.extend(starts[a:b])
            new_ends.extend(ends[a:b])
        elif rep:
            out.append(rep)
            span_start = starts[a]
            span_end = ends[b - 1]
            new_starts.extend([span_start] * len(rep))
            new_ends.extend([span_end] * len(rep))
        pos = b
    if pos == 0:
        return s, starts, ends
    out.append(s[pos:])
    new_starts.extend(starts[pos:])
    new_ends.extend(ends[pos:])
    return "".join(out), new_starts, new_ends


def _remove_invisible(s: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Drop invisible characters; the character before one absorbs its span.

    So a highlighted emoji still covers its variation selector and skin tone.
    """
    keep = [True] * len(s)
    for m in _INVISIBLE.finditer(s):
        a, b = m.span()
        for i in range(a, b):
            keep[i] = False
    if all(keep):
        return s, starts, ends
    out, new_starts, new_ends = [], [], []
    for ch, k, a, b in zip(s, keep, starts, ends):
        if k:
            out.append(ch)
            new_starts.append(a)
            new_ends.append(b)
        elif new_ends:
            new_ends[-1] = max(new_ends[-1], b)
    return "".join(out), new_starts, new_ends


def _expand(pieces: list[str], starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    """Each piece replaces one unit; all its characters map to that unit's span."""
    new_starts: list[int] = []
    new_ends: list[int] = []
    for piece, a, b in zip(pieces, starts, ends):
        new_starts.extend([a] * len(piece))
        new_ends.extend([b] * len(piece))
    return "".join(pieces), new_starts, new_ends


def _nfkc_with_offsets(s: str, starts: list[int], ends: list[int]) -> tuple[str, list[int], list[int]]:
    if unicodedata.is_normalized("NFKC", s):
        return s, starts, ends
    pieces, c_starts, c_ends, at = [], [], [], 0
    for c in _GRAPHEME.findall(s):
        pieces.append(unicodedata.normalize("NFKC", c))
        c_starts.append(starts[at])
        c_ends.append(ends[at + len(c) - 1])
        at += len(c)
    return _expand(pieces, c_starts, c_ends)


def normalize(text: str) -> NormalisedText:
    """Normalise ``text`` into a matching key that keeps a map to original offsets."""
    if not isinstance(text, str):
        raise TypeError(f"normalize() needs a str, not {type(text).__name__}")
    s = text
    starts = list(range(len(s)))
    ends = list(range(1, len(s) + 1))
    s, starts, ends = _nfkc_with_offsets(s, starts, ends)
    s, starts, ends = _remove_invisible(s, starts, ends)
    folded = s.casefold()
    if len(folded) != len(s):
        s, starts, ends = _expand([c.casefold() for c in s], starts, ends)
    else:
        s = folded
    s, starts, ends = _nfkc_with_offsets(s, starts, ends)
    s = _unhomoglyph(s)
    for pattern, repl, _fast in _SUB_STEPS:
        s, starts, ends = _apply_with_offsets(pattern, repl, s, starts, ends)
    # strip leading/trailing spaces, keeping offsets aligned
    lead = len(s) - len(s.lstrip(" "))
    s2 = s.strip(" ")
    starts = starts[lead : lead + len(s2)]
    ends = ends[lead : lead + len(s2)]
    return NormalisedText(original=text, key=s2, starts=tuple(starts), ends=tuple(ends))


def tokenize(key: str) -> list[tuple[str, int, int]]:
    """Tokens of a matching key as ``(token, start, end)`` in key offsets."""
    return [(m.group(), m.start(), m.end()) for m in TOKEN_PATTERN.finditer(key)]
