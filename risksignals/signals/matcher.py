"""Find lexicon entries in text: evidence with meanings, on spans of the original text.

Forms are found with one Aho-Corasick pass over the normalised key and kept when they stand on
word boundaries (which work with æ/ø/å; emoji need none). Guarded regex patterns run on the
key with a timeout, so a bad pattern cannot hang a batch. Batches are matched in one go.
"""

from __future__ import annotations

import html
import re
import warnings
from bisect import bisect_right
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator, Sequence

import regex

from risksignals.signals.automaton import Automaton
from risksignals.signals.normalize import NormalisedText, matching_key, normalize

if TYPE_CHECKING:
    from risksignals.lexicons import Entry, Lexicon

__all__ = ["Match", "Matches", "Matcher", "PATTERN_TIMEOUT_S"]

PATTERN_TIMEOUT_S = 0.05
_MIN_PREFIX = 3
_BATCH_SEP = "\ue000"
_BATCH_JOIN = "\n\ue000\n"  # '.' does not match a line break, and nothing matches the separator
_HAS_DIGIT = regex.compile(r"\d")
_WORD_FORM = regex.compile(r"[\p{L}\p{N}_]+(?: [\p{L}\p{N}_]+)*")
_NON_WORD = re.compile(r"\W")  # the complement of _is_word


def _words_only_py(s: str) -> str:
    return _NON_WORD.sub(" ", s)


try:  # the same in C (a test checks that they agree)
    from risksignals.signals._keysteps import words_only as _words_only
except ImportError:  # pragma: no cover - no C compiler at install time
    _words_only = _words_only_py


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _parse(pattern: str):
    """The parse tree of the standard library's regex parser; None where it cannot parse (the
    pattern may use syntax only the ``regex`` module knows), so callers stay conservative."""
    try:
        from re import _parser as sre_parse  # Python >= 3.11
    except ImportError:  # pragma: no cover
        import sre_parse  # type: ignore[no-redef]
    try:
        return sre_parse.parse(pattern)
    except Exception:
        return None


def needs_digit(pattern: str) -> bool:
    """True when every match of ``pattern`` must contain an ASCII digit (so the pattern can skip
    texts without one). Conservative: False whenever the pattern cannot be analysed."""
    tree = _parse(pattern)
    if tree is None:
        return False
    digits = set(range(ord("0"), ord("9") + 1))

    def item_needs(op, av) -> bool:
        name = str(op)
        if name == "LITERAL":
            return av in digits
        if name == "IN":
            allowed: set[int] = set()
            for sub_op, sub_av in av:
                sub = str(sub_op)
                if sub == "LITERAL":
                    allowed.add(sub_av)
                elif sub == "RANGE":
                    allowed.update(range(sub_av[0], sub_av[1] + 1))
                elif sub == "CATEGORY" and str(sub_av) == "CATEGORY_DIGIT":
                    allowed.update(digits)
                else:
                    return False
            return bool(allowed) and allowed <= digits
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, _hi, sub = av
            return lo >= 1 and seq_needs(sub)
        if name == "SUBPATTERN":
            return seq_needs(av[-1])
        if name == "ATOMIC_GROUP":
            return seq_needs(av)
        if name == "BRANCH":
            return all(seq_needs(b) for b in av[1])
        return False

    def seq_needs(seq) -> bool:
        return any(item_needs(op, av) for op, av in seq)

    return seq_needs(tree)


_COMMON_CHARS = frozenset(" ,.-!?:'")


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` contains at least one, chosen to be rare
    enough to skip texts by (so a pattern runs only on texts holding one); None when the
    pattern cannot be analysed or has no such set. Used like :func:`needs_digit`."""
    tree = _parse(pattern)
    if tree is None or tree.state.flags & re.IGNORECASE:  # literals would not be literal
        return None

    def quality(lits: frozenset[str]) -> int:
        """Higher is rarer; 0: not worth gating by."""
        worst = 99
        for lit in lits:
            if len(lit) >= 3:
                worst = min(worst, len(lit))
            elif len(lit) == 1 and not lit.isalnum() and lit not in _COMMON_CHARS:
                worst = min(worst, 3)
            else:
                return 0
        return worst if lits else 0

    def item(op, av) -> frozenset[str] | None:
        name = str(op)
        if name == "LITERAL":
            return frozenset([chr(av)])
        if name == "IN":
            if all(str(sub_op) == "LITERAL" for sub_op, _ in av):
                return frozenset(chr(sub_av) for _, sub_av in av)
            return None
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, _hi, sub = av
            return seq(sub) if lo >= 1 else None
        if name == "SUBPATTERN":
            if av[1]:  # inline flags inside the group
                raise ValueError(pattern)
            return seq(av[-1])
        if name == "ATOMIC_GROUP":
            return seq(av)
        if name == "BRANCH":
            out: set[str] = set()
            for branch in av[1]:
                lits = seq(branch)
                if lits is None:
                    return None
                out |= lits
            return frozenset(out)
        return None

    def seq(items) -> frozenset[str] | None:
        candidates: list[frozenset[str]] = []
        run = ""
        for op, av in items:
            if str(op) == "LITERAL":
                run += chr(av)
                continue
            if run:
                candidates.append(frozenset([run]))
                run = ""
            lits = item(op, av)
            if lits is not None:
                candidates.append(lits)
        if run:
            candidates.append(frozenset([run]))
        if not candidates:
            return None
        return max(candidates, key=quality)

    try:
        best = seq(tree)
    except ValueError:
        return None
    return best if best and quality(best) else None


# -- per-hit loops: the Python reference, and the same in C (_hits.c; a test compares them) ------
def _word_hits_py(found, joined: str, starts: list[int], hits: list[list]) -> None:
    """Hits ``(end, (length, prefix, items))`` of the whole-word automaton over the padded
    words-only copy of ``joined`` -> ``(entry, form, ks, ke)`` in ``hits[doc]``."""
    n = len(joined)
    for end, (length, prefix, items) in found:
        start = end - length + 1  # the leading space, in spaced = the start in joined
        doc = bisect_right(starts, start) - 1
        ks = start - starts[doc]
        if prefix:
            ke = end  # end of the prefix in joined
            while ke < n and _is_word(joined[ke]):
                ke += 1
        else:
            ke = end - 1  # the trailing space, in spaced = the end in joined
        ke -= starts[doc]
        for entry, form in items:
            hits[doc].append((entry, form, ks, ke))


def _other_hits_py(found, joined: str, starts: list[int], hits: list[list]) -> None:
    """Hits ``(end, (form_key, word_start, word_end, variants))`` of the automaton over
    ``joined`` itself, kept where they stand on the word boundaries they need."""
    n = len(joined)
    for end, (form_key, word_start, word_end, variants) in found:
        start = end - len(form_key) + 1
        if word_start and start > 0 and _is_word(joined[start - 1]):
            continue
        exact_ok = not (word_end and end + 1 < n and _is_word(joined[end + 1]))
        doc = bisect_right(starts, start) - 1
        ks = start - starts[doc]
        for prefix, items in variants:
            if prefix:
                ke = end + 1
                while ke < n and _is_word(joined[ke]):
                    ke += 1
                ke -= starts[doc]
            elif exact_ok:
                ke = end + 1 - starts[doc]
            else:
                continue
            for entry, form in items:
                hits[doc].append((entry, form, ks, ke))


def _anchor_docs_py(found, starts: list[int], anchored: dict[int, set[int]]) -> None:
    """Hits ``(end, pattern_ids)`` of the anchor automaton -> the texts of each pattern."""
    for end, ids in found:
        doc = bisect_right(starts, end) - 1
        for i in ids:
            anchored[i].add(doc)


try:
    from risksignals.signals._hits import anchor_docs as _anchor_docs
    from risksignals.signals._hits import other_hits as _other_hits
    from risksignals.signals._hits import word_hits as _word_hits
except ImportError:  # pragma: no cover - no C compiler at install time
    _word_hits, _other_hits, _anchor_docs = _word_hits_py, _other_hits_py, _anchor_docs_py


@dataclass(frozen=True)
class Match:
    """One piece of evidence: a lexicon entry found at ``text[start:end]`` of the original."""

    signal: str
    cue: str
    entry_id: str
    start: int
    end: int
    text: str
    form: str
    strength: str
    meaning_nb: str
    meaning_en: str
    literal: str = ""

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def __str__(self) -> str:
        lit = f" (også: {self.literal})" if self.literal else ""
        return f"«{self.text}» [{self.signal}/{self.cue}, {self.strength}] {self.meaning_nb}{lit}"


_COLOURS = {
    "drug_sale": "#ffe08a",
    "planned_fight": "#ffb3a7",
    "violent_humiliation": "#d7b8ff",
    "context": "#c8e6c9",
}


def _default_mark(m: "Match", inner: str) -> str:
    title = f"{m.signal} / {m.cue} ({m.strength}): {m.meaning_nb} | {m.meaning_en}"
    if m.literal:
        title += f" | ofte uskyldig: {m.literal}"
    colour = _COLOURS.get(m.signal, "#e0e0e0")
    return (f'<mark class="rs-{html.escape(m.signal)}" style="background:{colour}" '
            f'title="{html.escape(title)}" data-entry="{html.escape(m.entry_id)}">{inner}</mark>')


def highlight_html(text: str, matches: "list[Match]", *, mark=_default_mark, keep=None) -> str:
    """HTML for ``text`` with each match in a ``<mark>`` that explains it.

    ``mark(match, escaped_inner_html)`` renders one mark; ``keep(match)`` filters matches.
    Overlapping evidence: the first (longest) match is shown.
    """
    chosen = [m for m in matches if keep is None or keep(m)]
    spans = sorted(((m.start, m.end, m) for m in chosen), key=lambda t: (t[0], -t[1]))
    out: list[str] = []
    pos = 0
    for start, end, m in spans:
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(mark(m, html.escape(text[start:end])))
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


class Matches(list):
    """A list of :class:`Match` that shows itself highlighted in a notebook."""

    def __init__(self, matches=(), text: str = ""):
        super().__init__(matches)
        self.text = text

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(m.text)}</td><td>{html.escape(m.signal)}</td>"
            f"<td>{html.escape(m.cue)}</td><td>{html.escape(m.strength)}</td>"
            f"<td>{html.escape(m.meaning_nb)}</td><td>{html.escape(m.literal)}</td></tr>"
            for m in self
        )
        table = (
            "<table><tr><th>tekst</th><th>signal</th><th>rolle</th><th>styrke</th>"
            f"<th>betydning</th><th>uskyldig betydning</th></tr>{rows}</table>" if self else
            "<p><i>Ingen treff i leksikonet.</i></p>"
        )
        return f'<div class="risksignals-scan"><p>{highlight_html(self.text, list(self))}</p>{table}</div>'

    def __str__(self) -> str:
        if not self:
            return "(no lexicon matches)"
        return "\n".join(str(m) for m in self)


class Matcher:
    """Compiled lookup tables for one :class:`~risksignals.lexicons.Lexicon`.

    Forms are found with an Aho-Corasick automaton (pyahocorasick) over the matching key: one
    pass finds every form, and a hit counts when it stands on word boundaries (a ``*`` form
    only needs the left one). The same code runs for one key or for a whole batch of keys
    joined by a line break and a private-use separator, which no form and no pattern can
    cross; so batch and single-text results are identical.
    """

    def __init__(self, lexicon: "Lexicon", *, pattern_timeout: float = PATTERN_TIMEOUT_S):
        self.lexicon = lexicon
        self.pattern_timeout = pattern_timeout
        table: dict[tuple[str, bool], list[tuple["Entry", str]]] = {}
        for entry in lexicon.entries:
            for form in entry.forms:
                prefix = form.endswith("*")
                key = matching_key(form.rstrip("*"))
                if not key or (prefix and len(key.split(" ")[-1]) < _MIN_PREFIX):
                    continue
                table.setdefault((key, prefix), []).append((entry, form))
        # Forms made of whole words go into an automaton over a copy of the text in which every
        # non-word character is a space, padded with spaces (" selger ", " selg" for selg*):
        # it only fires on whole words, so no boundary checks are needed. Other forms (emoji,
        # "1-mot-1") use a second automaton over the key itself, with boundary checks.
        words: list[tuple[str, tuple]] = []
        merged: dict[str, list] = {}
        for (key, prefix), items in table.items():
            if _WORD_FORM.fullmatch(key):
                padded = f" {key}" if prefix else f" {key} "
                words.append((padded, (len(padded), prefix, items)))
            else:
                merged.setdefault(key, []).append((prefix, items))
        others = [(key, (key, _is_word(key[0]), _is_word(key[-1]), variants)) for key, variants in merged.items()]
        self._patterns: list[tuple["Entry", str, "regex.Pattern[str]", bool]] = []
        # patterns run only on texts holding a digit (needs_digit) and one of their required
        # literals (required_literals), found for all patterns in one automaton pass
        anchored: dict[str, list[int]] = {}
        for entry in lexicon.entries:
            for pattern in entry.patterns:
                for lit in required_literals(pattern) or ():
                    anchored.setdefault(lit, []).append(len(self._patterns))
                self._patterns.append((entry, pattern, regex.compile(pattern), needs_digit(pattern)))
        self._anchored = frozenset(i for ids in anchored.values() for i in ids)
        self._automata = {"words": Automaton(words), "others": Automaton(others),
                          "anchors": Automaton(list(anchored.items()))}
        self.timeouts = 0

    # -- key-level search (no offsets) -----------------------------------------------------
    def find_in_key(self, key: str) -> list[tuple["Entry", str, int, int]]:
        """``(entry, form, key_start, key_end)`` for every hit in one matching key."""
        return self.find_in_keys([key])[0]

    def find_in_keys(self, keys: Sequence[str]) -> list[list[tuple["Entry", str, int, int]]]:
        """Hits for many keys at once (one automaton pass and one scan per pattern)."""
        keys = list(keys)
        hits: list[list[tuple["Entry", str, int, int]]] = [[] for _ in keys]
        if not keys:
            return hits
        bad = [i for i, k in enumerate(keys) if _BATCH_SEP in k or "\n" in k]
        if bad:  # keys never hold these characters; anything else is matched on its own
            for i in bad:
                hits[i] = self.find_in_keys([keys[i].replace("\n", " ").replace(_BATCH_SEP, " ")])[0]
            skip = set(bad)
            keep = [i for i in range(len(keys)) if i not in skip]
            sub = self.find_in_keys([keys[i] for i in keep])
            for i, h in zip(keep, sub):
                hits[i] = h
            return hits
        joined = _BATCH_JOIN.join(keys)
        starts = [0] * len(keys)
        at = 0
        for i, k in enumerate(keys):
            starts[i] = at
            at += len(k) + len(_BATCH_JOIN)
        if self._automata["words"]:
            spaced = " " + _words_only(joined) + " "  # same offsets, shifted by one
            _word_hits(self._automata["words"].hits(spaced), joined, starts, hits)
        if self._automata["others"]:
            _other_hits(self._automata["others"].hits(joined), joined, starts, hits)
        if not self._patterns:
            return hits
        # gates: a pattern scans only the texts that can hold a match
        has_digit = [i for i, k in enumerate(keys) if _HAS_DIGIT.search(k)]
        anchored: dict[int, set[int]] = {i: set() for i in self._anchored}
        if anchored:
            _anchor_docs(self._automata["anchors"].hits(joined), starts, anchored)
        all_docs = (joined, starts, None)
        digit_docs = self._sub_batch(keys, has_digit)
        for pid, (entry, pattern, compiled, digit_only) in enumerate(self._patterns):
            if pid in anchored:
                docs = anchored[pid].intersection(has_digit) if digit_only else anchored[pid]
                text, offsets, docs = self._sub_batch(keys, sorted(docs))
            else:
                text, offsets, docs = digit_docs if digit_only else all_docs
            if not text:
                continue
            try:
                budget = min(self.pattern_timeout * len(keys), 2.0)
                found = [m.span() for m in compiled.finditer(text, timeout=budget)]
            except TimeoutError:
                for doc, a, b in self._patterns_one_by_one(compiled, entry, pattern, keys):
                    hits[doc].append((entry, pattern, a, b))
                continue
            for a, b in found:
                if b > a:
                    k = bisect_right(offsets, a) - 1
                    doc = docs[k] if docs is not None else k
                    hits[doc].append((entry, pattern, a - offsets[k], b - offsets[k]))
        return hits

    @staticmethod
    def _sub_batch(keys: Sequence[str], docs: list[int]) -> tuple[str, list[int], list[int]]:
        """The keys ``docs`` joined, with each one's offset in the joined text."""
        offsets, at = [], 0
        for i in docs:
            offsets.append(at)
            at += len(keys[i]) + len(_BATCH_JOIN)
        return _BATCH_JOIN.join(keys[i] for i in docs), offsets, docs

    def _patterns_one_by_one(self, compiled, entry, pattern, keys):
        out = []
        for doc, key in enumerate(keys):
            try:
                out.extend((doc, m.start(), m.end()) for m in compiled.finditer(key, timeout=self.pattern_timeout)
                           if m.end() > m.start())
            except TimeoutError:
                self._timed_out(entry, pattern)
        return out

    def _timed_out(self, entry: "Entry", pattern: str) -> None:
        self.timeouts += 1
        if self.timeouts <= 3:
            warnings.warn(
                f"lexicon pattern {pattern!r} of [{entry.id}] timed out and was skipped for one text",
                RuntimeWarning,
                stacklevel=3,
            )

    # -- public -----------------------------------------------------------------------------
    def scan(self, text: str | NormalisedText) -> Matches:
        """All lexicon matches in ``text``, as :class:`Match` objects on original offsets."""
        norm = text if isinstance(text, NormalisedText) else normalize(text)
        out: list[Match] = []
        seen: set[tuple[str, int, int]] = set()
        for entry, form, ks, ke in self.find_in_key(norm.key):
            start, end = norm.original_span(ks, ke)
            ident = (entry.id, start, end)
            if ident in seen:
                continue
            seen.add(ident)
            out.append(
                Match(
                    signal=entry.signal,
                    cue=entry.cue,
                    entry_id=entry.id,
                    start=start,
                    end=end,
                    text=norm.original[start:end],
                    form=form,
                    strength=entry.strength,
                    meaning_nb=entry.meaning_nb,
                    meaning_en=entry.meaning_en,
                    literal=entry.literal,
                )
            )
        out.sort(key=lambda m: (m.start, -m.end, m.entry_id))
        return Matches(out, text=norm.original)

    def __iter__(self) -> Iterator["Entry"]:
        return iter(self.lexicon.entries)


_DEFAULT: Matcher | None = None


def default_matcher() -> Matcher:
    """The matcher of the shipped lexicon, built once per process."""
    global _DEFAULT
    if _DEFAULT is None:
        from risksignals.lexicons import Lexicon

        _DEFAULT = Lexicon.load().matcher
    return _DEFAULT
