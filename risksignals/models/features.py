"""Features for the linear model: hashed character and word n-grams, plus lexicon evidence.

N-grams are hashed with numpy over a whole batch at once (polynomial hashes on the UTF-32 code
points of all texts joined together), so featurising costs a few array passes instead of a
Python loop per n-gram. Hashes are stable across processes and machines (no ``hash()``), so a
saved model reads the same buckets everywhere.

Lexicon features tell the model which cue *roles* were present: a drug emoji it never saw in
training still lights up ``drug_sale:substance``.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import regex
from scipy import sparse

from risksignals.lexicons import Entry, Lexicon
from risksignals.models.lexicon import cue_evidence

__all__ = ["HashedNgrams", "LexiconFeatures", "Featurizer"]

_P = np.uint64(1_000_003)
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_TOKEN = regex.compile(r"[\p{L}\p{N}_]+|\p{Extended_Pictographic}")


def _codes(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray, str]:
    """Code points of ' key ' for every key joined by NUL, and the doc id of every position."""
    joined = "\x00".join(f" {k} " for k in keys)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(k) + 3 for k in keys), dtype=np.int64, count=len(keys))
    if len(keys):
        lengths[-1] -= 1  # no separator after the last doc
    doc = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
    return codes, doc, joined


def _bucket(h: np.ndarray, salt: int, bits: int) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = (h ^ (np.uint64(salt) * _GOLD)) * _MIX
    return (h >> np.uint64(64 - bits)).astype(np.int64)


class HashedNgrams:
    """Counts of hashed character n-grams and word n-grams, as a sparse matrix."""

    def __init__(self, *, char_range: tuple[int, int] = (2, 5), word_range: tuple[int, int] = (1, 2),
                 bits: int = 20):
        self.char_range = tuple(char_range)
        self.word_range = tuple(word_range)
        self.bits = bits

    @property
    def n_features(self) -> int:
        return 1 << self.bits

    def counts(self, keys: Sequence[str]) -> sparse.csr_matrix:
        n_docs = len(keys)
        if n_docs == 0:
            return sparse.csr_matrix((0, self.n_features), dtype=np.float32)
        codes, doc, joined = _codes(keys)
        total = len(codes)
        is_sep = (codes == 0).astype(np.int64)
        sep_cum = np.concatenate([[0], np.cumsum(is_sep)])
        rows, cols = [], []
        lo, hi = self.char_range
        for n in range(lo, hi + 1):
            m = total - n + 1
            if m <= 0:
                continue
            starts = np.arange(m)
            ok = (sep_cum[starts + n] - sep_cum[starts]) == 0
            h = np.zeros(m, dtype=np.uint64)
            with np.errstate(over="ignore"):
                for k in range(n):
                    h = h * _P + codes[k : k + m]
            rows.append(doc[:m][ok])
            cols.append(_bucket(h[ok], n, self.bits))
        # word n-grams: token hashes from prefix sums of code points
        if self.word_range[1] >= 1:
            spans = np.array([m.span() for m in _TOKEN.finditer(joined)], dtype=np.int64).reshape(-1, 2)
            if len(spans):
                tok_hash = self._token_hashes(codes, spans)
                tok_doc = doc[spans[:, 0]]
                wlo, whi = self.word_range
                for n in range(max(1, wlo), whi + 1):
                    t = len(tok_hash) - n + 1
                    if t <= 0:
                        continue
                    same = np.ones(t, dtype=bool)
                    h = np.zeros(t, dtype=np.uint64)
                    with np.errstate(over="ignore"):
                        for k in range(n):
                            h = h * np.uint64(0x100000001B3) + tok_hash[k : k + t]
                            if k:
                                same &= tok_doc[k : k + t] == tok_doc[:t]
                    rows.append(tok_doc[:t][same])
                    cols.append(_bucket(h[same], 100 + n, self.bits))
        r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        data = np.ones(len(r), dtype=np.float32)
        mat = sparse.csr_matrix((data, (r, c)), shape=(n_docs, self.n_features), dtype=np.float32)
        mat.sum_duplicates()
        return mat

    @staticmethod
    def _token_hashes(codes: np.ndarray, spans: np.ndarray) -> np.ndarray:
        # FNV-style fold over each token's code points, vectorised by token length
        starts, ends = spans[:, 0], spans[:, 1]
        lengths = ends - starts
        h = np.full(len(spans), np.uint64(0xCBF29CE484222325), dtype=np.uint64)
        max_len = int(lengths.max())
        with np.errstate(over="ignore"):
            for k in range(max_len):
                active = lengths > k
                idx = starts[active] + k
                h[active] = (h[active] ^ codes[idx]) * np.uint64(0x100000001B3)
        return h


class LexiconFeatures:
    """Dense features from lexicon hits: which cue roles were present, and how many cues.

    The rules' own verdicts are left out on purpose: measured on dev, feeding them in made the
    model inherit the rules' false positives on hard negatives.
    """

    def __init__(self, lexicon: Lexicon, labels: Sequence[str]):
        self.lexicon = lexicon
        self.labels = tuple(labels)
        self.roles = sorted({f"{e.signal}:{e.cue}" for e in lexicon.entries})
        self._index = {r: i for i, r in enumerate(self.roles)}

    @property
    def names(self) -> list[str]:
        return [f"role={r}" for r in self.roles] + ["n_strong", "n_weak"]

    def transform(self, hits: Sequence[Iterable]) -> np.ndarray:
        n_roles = len(self.roles)
        out = np.zeros((len(hits), n_roles + 2), dtype=np.float32)
        for i, h in enumerate(hits):
            entries: list[Entry] = [hit[0] for hit in h]
            if not entries:
                continue
            for signal, roles in cue_evidence(entries).items():
                for cue, w in roles.items():
                    if cue.endswith("#"):
                        continue
                    j = self._index.get(f"{signal}:{cue}")
                    if j is not None:
                        out[i, j] = w
            strong = sum(e.strong for e in entries)
            out[i, -2] = min(strong, 3) / 3
            out[i, -1] = min(len(entries) - strong, 5) / 5
        return out


class Featurizer:
    """TF-IDF over hashed n-grams, stacked with weighted lexicon features."""

    def __init__(self, lexicon: Lexicon, labels: Sequence[str], *, char_range=(1, 4),
                 word_range=(1, 2), bits: int = 20, lexicon_weight: float = 1.0):
        self.ngrams = HashedNgrams(char_range=char_range, word_range=word_range, bits=bits)
        self.lex = LexiconFeatures(lexicon, labels)
        self.lexicon_weight = lexicon_weight
        self.idf_: np.ndarray | None = None

    def fit(self, keys: Sequence[str]) -> "Featurizer":
        counts = self.ngrams.counts(keys)
        df = np.bincount(counts.indices, minlength=self.ngrams.n_features)
        n = counts.shape[0]
        self.idf_ = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
        return self

    def transform(self, keys: Sequence[str], hits: Sequence[Iterable]) -> sparse.csr_matrix:
        counts = self.ngrams.counts(keys)
        counts.data = 1 + np.log(counts.data)  # sublinear tf
        tfidf = counts.multiply(self.idf_[None, :]).tocsr()
        norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(axis=1)).ravel())
        norms[norms == 0] = 1
        tfidf = sparse.diags(1 / norms).dot(tfidf)
        dense = self.lex.transform(hits) * self.lexicon_weight
        return sparse.hstack([tfidf, sparse.csr_matrix(dense)], format="csr", dtype=np.float32)

    @property
    def n_features(self) -> int:
        return self.ngrams.n_features + len(self.lex.names)

