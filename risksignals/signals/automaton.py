"""Aho-Corasick automata for the matcher and the neutral words.

:class:`Automaton` holds ``(key, value)`` pairs; ``hits(text)`` is a source of every
``(end, value)`` of the keys in ``text``, by end and longest first at the same end. Where the C
module ``_hits`` was built, its automaton scans and the C loops consume the hits with no Python
object per hit; else pyahocorasick does (tests check that both give the same results).
"""

from __future__ import annotations

try:
    from risksignals.signals import _hits
except ImportError:  # pragma: no cover - no C compiler at install time
    _hits = None

__all__ = ["Automaton"]

COMPILED = _hits is not None  # tests turn this off to run the pure-Python reference


class Automaton:
    def __init__(self, items: list[tuple[str, object]]):
        self.keys = [k for k, _ in items]
        self.values = [v for _, v in items]
        self._c = None
        if _hits is not None and self.keys:
            try:
                self._c = _hits.ac_new(self.keys)
            except ValueError:  # too large for a transition table: pyahocorasick does it
                self._c = None
        self._py = None

    def __bool__(self) -> bool:
        return bool(self.keys)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def compiled(self) -> bool:
        """True when the C automaton does the scanning."""
        return COMPILED and self._c is not None

    def hits(self, text: str):
        """The hits of the keys in ``text``: ``(automaton, values, text)`` for the C loops, or an
        iterator of ``(end, value)`` (which the C and the Python loops both take)."""
        if self.compiled:
            return (self._c, self.values, text)
        return self.pyahocorasick().iter(text)

    def pyahocorasick(self):
        """The same automaton in pyahocorasick (built on first use)."""
        if self._py is None:
            import ahocorasick

            self._py = ahocorasick.Automaton()
            for key, value in zip(self.keys, self.values):
                self._py.add_word(key, value)
            if self.keys:
                self._py.make_automaton()
        return self._py
