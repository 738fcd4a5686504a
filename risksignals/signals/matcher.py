"""Find lexicon entries in text: evidence with meanings, on spans of the original text.

Forms are looked up token by token in the normalised key (hash lookups, no big alternation),
so word boundaries work with æ/ø/å and emoji are tokens of their own. Guarded regex patterns
run on the key with a timeout, behind one combined pre-filter, so a bad pattern cannot hang a
batch and texts without any pattern hit pay for a single search.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

import regex

from risksignals.signals.normalize import NormalisedText, matching_key, normalize, tokenize

if TYPE_CHECKING:
    from risksignals.lexicons import Entry, Lexicon

__all__ = ["Match", "Matches", "Matcher", "PATTERN_TIMEOUT_S"]

PATTERN_TIMEOUT_S = 0.05
_MIN_PREFIX = 3


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


def highlight_html(text: str, matches: "list[Match]") -> str:
    """HTML for ``text`` with each match in a ``<mark>`` whose title explains it."""
    spans = sorted(((m.start, m.end, m) for m in matches), key=lambda t: (t[0], -t[1]))
    out: list[str] = []
    pos = 0
    for start, end, m in spans:
        if start < pos:  # overlapping evidence: the first (longest) one is shown
            continue
        out.append(html.escape(text[pos:start]))
        title = f"{m.signal} / {m.cue} ({m.strength}): {m.meaning_nb} | {m.meaning_en}"
        if m.literal:
            title += f" | ofte uskyldig: {m.literal}"
        colour = _COLOURS.get(m.signal, "#e0e0e0")
        out.append(
            f'<mark class="rs-{html.escape(m.signal)}" style="background:{colour}" '
            f'title="{html.escape(title)}" data-entry="{html.escape(m.entry_id)}">'
            f"{html.escape(text[start:end])}</mark>"
        )
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
    """Compiled lookup tables for one :class:`~risksignals.lexicons.Lexicon`."""

    def __init__(self, lexicon: "Lexicon", *, pattern_timeout: float = PATTERN_TIMEOUT_S):
        self.lexicon = lexicon
        self.pattern_timeout = pattern_timeout
        self._phrases: dict[tuple[str, ...], list[tuple["Entry", str]]] = {}
        self._prefixes: dict[tuple[str, ...], list[tuple["Entry", str]]] = {}
        self._prefix_lengths: set[int] = set()
        self.max_len = 1
        self._patterns: list[tuple["Entry", str, "regex.Pattern[str]"]] = []
        for entry in lexicon.entries:
            for form in entry.forms:
                self._add_form(entry, form)
            for pattern in entry.patterns:
                self._patterns.append((entry, pattern, regex.compile(pattern)))
        self._prefilter = None
        if self._patterns:
            self._prefilter = regex.compile("|".join(f"(?:{p})" for _, p, _ in self._patterns))
        self.timeouts = 0

    def _add_form(self, entry: "Entry", form: str) -> None:
        prefix = form.endswith("*")
        toks = tuple(t for t, _, _ in tokenize(matching_key(form.rstrip("*"))))
        if not toks:
            return
        self.max_len = max(self.max_len, len(toks))
        if prefix and len(toks[-1]) >= _MIN_PREFIX:
            self._prefixes.setdefault(toks, []).append((entry, form))
            self._prefix_lengths.add(len(toks[-1]))
        else:
            self._phrases.setdefault(toks, []).append((entry, form))

    # -- key-level search (no offsets) -----------------------------------------------------
    def find_in_key(self, key: str) -> list[tuple["Entry", str, int, int]]:
        """``(entry, form, key_start, key_end)`` for every hit in a matching key."""
        tokens = tokenize(key)
        words = [t for t, _, _ in tokens]
        hits: list[tuple["Entry", str, int, int]] = []
        n = len(words)
        phrases, prefixes, lengths = self._phrases, self._prefixes, self._prefix_lengths
        for i in range(n):
            for size in range(1, min(self.max_len, n - i) + 1):
                window = tuple(words[i : i + size])
                found = phrases.get(window)
                if found:
                    for entry, form in found:
                        hits.append((entry, form, tokens[i][1], tokens[i + size - 1][2]))
                if prefixes:
                    last = window[-1]
                    head = window[:-1]
                    for k in lengths:
                        if k <= len(last):
                            found = prefixes.get(head + (last[:k],))
                            if found:
                                for entry, form in found:
                                    hits.append((entry, form, tokens[i][1], tokens[i + size - 1][2]))
        if self._prefilter is not None and self._search(self._prefilter, key):
            for entry, pattern, compiled in self._patterns:
                try:
                    for m in compiled.finditer(key, timeout=self.pattern_timeout):
                        if m.end() > m.start():
                            hits.append((entry, pattern, m.start(), m.end()))
                except TimeoutError:
                    self._timed_out(entry, pattern)
        return hits

    def _search(self, compiled: "regex.Pattern[str]", key: str) -> bool:
        try:
            return compiled.search(key, timeout=self.pattern_timeout) is not None
        except TimeoutError:
            return True  # the pre-filter is unsure; let each pattern decide under its own timeout

    def _timed_out(self, entry: "Entry", pattern: str) -> None:
        self.timeouts += 1
        if self.timeouts <= 3:
            warnings.warn(
                f"lexicon pattern {pattern!r} of [{entry.id}] timed out and was skipped for one text",
                RuntimeWarning,
                stacklevel=3,
            )

    # -- public -----------------------------------------------------------------------------
    def find_entries(self, text: str) -> list[tuple["Entry", str]]:
        """Entries (with the form that hit) found in ``text``; fast, no offsets."""
        return [(e, f) for e, f, _, _ in self.find_in_key(matching_key(text))]

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
