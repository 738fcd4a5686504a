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

from risksignals.lexicons import Lexicon

__all__ = ["HashedNgrams", "LexiconFeatures", "Featurizer"]

_P = np.uint64(1_000_003)
_MIX = np.uint64(0xFF51AFD7ED558CCD)
_GOLD = np.uint64(0x9E3779B97F4A7C15)


def _codes(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of ' key ' for every key joined by NUL, and the doc id of every position."""
    joined = "\x00".join(f" {k} " for k in keys)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter((len(k) + 3 for k in keys), dtype=np.int64, count=len(keys))
    if len(keys):
        lengths[-1] -= 1  # no separator after the last doc
    doc = np.repeat(np.arange(len(keys), dtype=np.int64), lengths)
    return codes, doc


_WORD_LUT: np.ndarray | None = None


def _word_lut() -> np.ndarray:
    """Which BMP code points are word characters (letters, digits, underscore); built once."""
    global _WORD_LUT
    if _WORD_LUT is None:
        plane = "".join(" " if 0xD800 <= c < 0xE000 else chr(c) for c in range(0x10000))
        lut = np.zeros(0x10000, dtype=bool)
        for m in regex.finditer(r"[\p{L}\p{N}_]+", plane):
            lut[m.start() : m.end()] = True
        _WORD_LUT = lut
    return _WORD_LUT


def _word_spans(codes: np.ndarray) -> np.ndarray:
    """(start, end) of maximal runs of word characters (letters, digits, _) and of each
    pictograph, computed with array operations over the joined batch."""
    lut = _word_lut()
    c = codes
    bmp = c < 0x10000
    is_word = np.zeros(len(c), dtype=bool)
    is_word[bmp] = lut[c[bmp].astype(np.int64)]
    # pictographs (mostly outside the BMP) are tokens of their own
    is_pict = (c >= 0x1F000) & (c < 0x1FB00)
    edges = np.diff(np.concatenate([[0], is_word.view(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    pict = np.flatnonzero(is_pict)
    spans = np.concatenate([np.stack([starts, ends], axis=1), np.stack([pict, pict + 1], axis=1)])
    return spans[np.argsort(spans[:, 0], kind="stable")]


def _bucket(h: np.ndarray, salt: int, bits: int) -> np.ndarray:
    """Bucket of each hash (works in place on ``h``, which must be a temporary)."""
    with np.errstate(over="ignore"):
        np.bitwise_xor(h, np.uint64(salt) * _GOLD, out=h)
        np.multiply(h, _MIX, out=h)
    np.right_shift(h, np.uint64(64 - bits), out=h)
    return h.view(np.int64)  # below 2**bits: the same numbers


def _csr_from_row_sorted(rows: list[np.ndarray], cols: list[np.ndarray], n_docs: int,
                         n_features: int) -> sparse.csr_matrix:
    """Counts matrix from blocks of (row, col) pairs whose rows are each sorted.

    Each n-gram order gives one such block; placing the blocks straight into CSR order costs a
    few linear array passes (no COO conversion), then duplicates within a row are summed.
    """
    per_block = [np.bincount(r, minlength=n_docs) for r in rows]
    row_len = np.sum(per_block, axis=0) if per_block else np.zeros(n_docs, dtype=np.int64)
    indptr = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(row_len, out=indptr[1:])
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    offset = indptr[:-1].copy()  # where the next block's entries of each row go
    for r, c, counts in zip(rows, cols, per_block):
        first = np.cumsum(counts) - counts  # index of each row's first entry in this block
        dest = (offset - first)[r]
        dest += np.arange(len(r))
        indices[dest] = c
        offset += counts
    small = indptr[-1] < np.iinfo(np.int32).max
    mat = sparse.csr_matrix((np.ones(len(indices), dtype=np.float32), indices,
                             indptr.astype(np.int32) if small else indptr),
                            shape=(n_docs, n_features), copy=False)
    mat.sum_duplicates()
    return mat


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
        codes, doc = _codes(keys)
        total = len(codes)
        sep_cum = np.zeros(total + 1, dtype=np.int32)
        np.cumsum(codes == 0, out=sep_cum[1:])
        rows, cols = [], []
        lo, hi = self.char_range
        h = codes.copy()  # the hash of the n-gram starting at each position, for n = 1, 2, ...
        for n in range(1, hi + 1):
            m = total - n + 1
            if m <= 0:
                break
            if n > 1:
                with np.errstate(over="ignore"):
                    h = h[:m] * _P + codes[n - 1 :]
            if n < lo:
                continue
            ok = sep_cum[n:] == sep_cum[:m]  # no separator inside the n-gram
            rows.append(doc[:m][ok])
            cols.append(_bucket(h[ok], n, self.bits))
        # word n-grams: token hashes from prefix sums of code points
        if self.word_range[1] >= 1:
            spans = _word_spans(codes)
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
        return _csr_from_row_sorted(rows, cols, n_docs, self.n_features)

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
        self._engine = None

    @property
    def names(self) -> list[str]:
        return [f"role={r}" for r in self.roles] + ["n_strong", "n_weak"]

    def transform(self, hits: Sequence[Iterable]) -> np.ndarray:
        from risksignals.models.lexicon import RuleEngine

        if self._engine is None:
            self._engine = RuleEngine(self.lexicon, self.labels)
        engine = self._engine
        hits = [list(h) for h in hits]
        W, C = engine.evidence(hits)
        cols = [engine.role_index.get(tuple(r.split(":", 1)), -1) for r in self.roles]
        out = np.zeros((len(hits), len(self.roles) + 2), dtype=np.float32)
        for k, c in enumerate(cols):
            if c >= 0:
                out[:, k] = W[:, c]
        total = C.sum(axis=1)  # distinct entries per text
        strong = np.array([len({hit[0].id for hit in h if hit[0].strong}) if h else 0 for h in hits])
        out[:, -2] = np.minimum(strong, 3) / 3
        out[:, -1] = np.minimum(total - strong, 5) / 5
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

    def tfidf(self, keys: Sequence[str]) -> sparse.csr_matrix:
        """Sublinear tf * idf of the hashed n-grams, L2-normalised rows."""
        tfidf = self.ngrams.counts(keys)
        # all in place on the CSR data
        tfidf.data = (1 + np.log(tfidf.data)) * self.idf_[tfidf.indices]
        rows = np.repeat(np.arange(tfidf.shape[0]), np.diff(tfidf.indptr))
        norms = np.sqrt(np.bincount(rows, weights=tfidf.data.astype(np.float64) ** 2, minlength=tfidf.shape[0]))
        norms[norms == 0] = 1
        tfidf.data = (tfidf.data / norms[rows]).astype(np.float32)
        return tfidf

    def dense(self, hits: Sequence[Iterable]) -> np.ndarray:
        """The weighted lexicon features."""
        return self.lex.transform(hits) * self.lexicon_weight

    def transform(self, keys: Sequence[str], hits: Sequence[Iterable]) -> sparse.csr_matrix:
        return sparse.hstack([self.tfidf(keys), sparse.csr_matrix(self.dense(hits))], format="csr",
                             dtype=np.float32)

    def decision(self, keys: Sequence[str], hits: Sequence[Iterable], coef: np.ndarray) -> np.ndarray:
        """``transform(keys, hits) @ coef.T`` without stacking the two blocks (faster)."""
        n = self.ngrams.n_features
        return np.asarray(self.tfidf(keys) @ coef[:, :n].T) + self.dense(hits) @ coef[:, n:].T

    @property
    def n_features(self) -> int:
        return self.ngrams.n_features + len(self.lex.names)

