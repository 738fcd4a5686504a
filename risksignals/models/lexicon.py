"""The rule detector: lexicon cues combined by the rules written in the lexicon files.

A single ambiguous cue (🍫, «godis», «fight») is never enough: a label fires when the cues of
one of its *combinations* are all present (a code word *and* a sale cue; a conflict word *and* a
time or place), or when a strong cue alone decides. Context cues (negation, prevention, news,
past tense, sport ...) dampen the score. The rules are data (``[rule]`` tables in the lexicon
files), so a new signal needs no code here.

Scores are not calibrated probabilities; they order texts and cross 0.5 when a rule fires.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from risksignals.labels import LABELS
from risksignals.lexicons import CONTEXT, Lexicon

__all__ = ["LexiconModel", "RuleEngine", "negated_labels", "parse_role"]

STRONG, WEAK = 1.0, 0.6


def parse_role(role: str, label: str) -> tuple[str, str, bool, int]:
    """A combination role: ``cue``, ``cue!`` (strong), ``cue*2`` (two different entries),
    ``signal:cue`` (a cue of another signal) -> (signal, cue, strong_only, entries_needed)."""
    strong = role.endswith("!")
    name = role.rstrip("!")
    need = 1
    if "*" in name:
        name, k = name.split("*", 1)
        need = int(k)
    signal, cue = name.split(":", 1) if ":" in name else (label, name)
    return signal, cue, strong, need


NEGATION = "negation"
_NEG_BEFORE = 12  # a negation covers cues up to this many key characters after it
_NEG_AFTER = 1  # ... and a cue it directly follows ("selger ikke")


# cues a negation can cancel: acts (selling, fighting, filming), not things. «ikke ekte
# godteri», «ikke tobakk 😉», «ikke ring» clarify a code word rather than deny the act.
NEGATABLE_CUES = frozenset({"sale", "dealer", "fight_call", "conflict", "media", "violence", "humiliation"})


def negated_labels(hits: Iterable[tuple]) -> set[str]:
    """Labels with an act cue that a negation stands next to (negation covers what it stands by)."""
    hits = list(hits)
    negs = [(a, b) for e, _f, a, b in hits if e.signal == CONTEXT and e.cue == NEGATION]
    if not negs:
        return set()
    out = set()
    for e, _f, a, b in hits:
        if e.signal == CONTEXT or e.signal in out or e.cue not in NEGATABLE_CUES:
            continue
        for na, nb in negs:
            if 0 <= a - nb <= _NEG_BEFORE or 0 <= na - b <= _NEG_AFTER:
                out.add(e.signal)
                break
    return out


def _hit_entries_py(hits: list, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """(text of each hit, index[entry.id] of each hit or -1), over all texts' hits."""
    docs = [i for i, h in enumerate(hits) for _ in h]
    ents = [index.get(hit[0].id, -1) for h in hits for hit in h]
    return np.array(docs, dtype=np.int64), np.array(ents, dtype=np.int64)


try:  # the same loop in C (a test checks that they agree)
    from risksignals.signals._hits import hit_entries as _hit_entries_c

    def _hit_entries(hits: list, index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        try:
            docs, ents = _hit_entries_c(hits, index)
        except TypeError:  # hits given as other sequences than lists
            return _hit_entries_py(hits, index)
        return np.frombuffer(docs, dtype=np.int64), np.frombuffer(ents, dtype=np.int64)
except ImportError:  # pragma: no cover - no C compiler at install time
    _hit_entries = _hit_entries_py


class RuleEngine:
    """The lexicon's rules, evaluated with numpy over a whole batch of texts.

    Per text and label: the best fired combination scores 0.5 + 0.5 * mean role weight (strong
    cues 1.0, weak 0.6); with no combination fired, 0.4 * the strongest own cue (below 0.5);
    then the smallest dampening factor of the context cues present (negation only where it
    stands next to a cue of that label).
    """

    def __init__(self, lexicon: Lexicon, labels: Sequence[str]):
        self.labels = tuple(labels)
        self.rules = lexicon.rules
        self.roles = sorted({(e.signal, e.cue) for e in lexicon.entries})
        self.role_index = {r: i for i, r in enumerate(self.roles)}
        self.entry_index = {e.id: i for i, e in enumerate(lexicon.entries)}
        self.entry_role = np.array([self.role_index[(e.signal, e.cue)] for e in lexicon.entries], dtype=np.int64)
        self.entry_weight = np.array([STRONG if e.strong else WEAK for e in lexicon.entries])
        self.combos: dict[str, list[list[tuple[int, bool, int]]]] = {}
        for label in self.labels:
            rule = self.rules.get(label)
            parsed = []
            for combo in (rule.combinations if rule else ()):
                roles = []
                for role in combo:
                    signal, cue, strong, need = parse_role(role, label)
                    idx = self.role_index.get((signal, cue))
                    roles.append((-1 if idx is None else idx, strong, need))
                parsed.append(roles)
            self.combos[label] = parsed
        self.own_roles = {label: [i for (sig, _c), i in self.role_index.items() if sig == label]
                          for label in self.labels}
        dampen = self.rules[CONTEXT].dampen if CONTEXT in self.rules else {}
        self.context = [(self.role_index[(CONTEXT, cue)], cue, factors) for cue, factors in dampen.items()
                        if (CONTEXT, cue) in self.role_index]

    def evidence(self, hits: Sequence[Sequence[tuple]]) -> tuple[np.ndarray, np.ndarray]:
        """Role weights (n, roles) and counts of distinct entries per role (n, roles)."""
        n, r = len(hits), len(self.roles)
        d, e = _hit_entries(hits if isinstance(hits, list) else list(hits), self.entry_index)
        W = np.zeros((n, r))
        C = np.zeros((n, r))
        if len(d):
            keep = e >= 0
            d, e = d[keep], e[keep]
            pairs = np.unique(d * len(self.entry_role) + e)
            ud, ue = pairs // len(self.entry_role), pairs % len(self.entry_role)
            np.maximum.at(W, (ud, self.entry_role[ue]), self.entry_weight[ue])
            np.add.at(C, (ud, self.entry_role[ue]), 1)
        return W, C

    def scores(self, hits: Sequence[Sequence[tuple]], W: np.ndarray | None = None,
               C: np.ndarray | None = None) -> np.ndarray:
        if W is None or C is None:
            W, C = self.evidence(hits)
        n = len(hits)
        out = np.zeros((n, len(self.labels)))
        negated = [None] * n
        neg_idx = self.role_index.get((CONTEXT, NEGATION))
        if neg_idx is not None:
            for i in np.flatnonzero(W[:, neg_idx] > 0):
                negated[i] = negated_labels(hits[i])
        for j, label in enumerate(self.labels):
            best = np.zeros(n)
            for combo in self.combos[label]:
                ok = np.ones(n, dtype=bool)
                total = np.zeros(n)
                for idx, strong, need in combo:
                    if idx < 0:
                        ok[:] = False
                        break
                    w = W[:, idx]
                    ok &= (w >= STRONG) if strong else (w > 0)
                    if need > 1:
                        ok &= C[:, idx] >= need
                    total += w
                if ok.any():
                    best = np.maximum(best, np.where(ok, 0.5 + 0.5 * total / len(combo), 0.0))
            own = self.own_roles[label]
            if own:
                partial = 0.4 * W[:, own].max(axis=1)
                best = np.where(best == 0.0, partial, best)
            factor = np.ones(n)
            for idx, cue, factors in self.context:
                f = factors.get(label)
                if f is None:
                    continue
                present = W[:, idx] > 0
                if cue == NEGATION:
                    present &= np.array([neg is not None and label in neg for neg in negated], dtype=bool)
                factor = np.where(present, np.minimum(factor, f), factor)
            out[:, j] = np.round(best * factor, 4)
        return out


class LexiconModel:
    """Rule detector over lexicon evidence, with a scikit-learn-like interface.

    Nothing is learned: ``fit`` only records the labels. ``predict_proba`` returns rule scores.
    """

    name = "lexicon"

    def __init__(self, lexicon: Lexicon | None = None, *, threshold: float = 0.5,
                 labels: Sequence[str] = LABELS):
        self.lexicon = lexicon
        self.threshold = threshold
        self.labels = tuple(labels)

    @property
    def lexicon_(self) -> Lexicon:
        if self.lexicon is None:
            self.lexicon = Lexicon.load()
        return self.lexicon

    def fit(self, texts=None, y=None) -> "LexiconModel":
        self.classes_ = np.array(self.labels)
        return self

    def scores_from_hits(self, hits: Sequence[tuple]) -> list[float]:
        """Rule scores for one text from matcher hits ``(entry, form, key_start, key_end)``."""
        return self.engine_.scores([list(hits)])[0].tolist()

    @property
    def engine_(self) -> RuleEngine:
        if getattr(self, "_engine", None) is None or self._engine_lexicon is not self.lexicon_:
            self._engine = RuleEngine(self.lexicon_, self.labels)
            self._engine_lexicon = self.lexicon_
        return self._engine

    def predict_proba_prepared(self, keys: Sequence[str], hits: Sequence[Sequence[tuple]]) -> np.ndarray:
        return self.engine_.scores(hits).reshape(len(keys), len(self.labels))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        from risksignals.signals.neutral import model_keys

        keys = model_keys(texts)
        return self.predict_proba_prepared(keys, self.lexicon_.matcher.find_in_keys(keys))

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.predict_proba(texts) >= self.threshold).astype(int)

    @property
    def thresholds_(self) -> dict[str, float]:
        return {label: self.threshold for label in self.labels}
